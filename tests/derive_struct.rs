//! Structs: named, tuple, newtype, unit, generic, recursive; serde's field attributes.

use std::collections::{BTreeMap, HashMap};

use outlines::{ErrorKind, Structured};
use serde::Deserialize;
use serde_json::json;

/// An address.
#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Address {
    street: String,
    city: String,
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Customer {
    first_name: String,
    #[serde(rename = "surname", alias = "lastName")]
    last_name: String,
    #[serde(default)]
    vip: bool,
    #[serde(default = "default_tier")]
    tier: u8,
    #[serde(skip)]
    internal_id: u64,
    home: Address,
    other_addresses: Vec<Address>,
    nickname: Option<String>,
}

fn default_tier() -> u8 {
    3
}

#[test]
fn named_fields_follow_serde_names() {
    let v = json!({
        "firstName": "Ada",
        "lastName": "Lovelace",
        "home": {"street": "1 Main", "city": "London"},
        "otherAddresses": [],
    });
    let c = Customer::from_value(&v).unwrap();
    assert_eq!(c.last_name, "Lovelace");
    assert_eq!(
        (c.vip, c.tier, c.internal_id, c.nickname.as_deref()),
        (false, 3, 0, None)
    );
    assert_eq!(c, serde_json::from_value::<Customer>(v).unwrap());
}

#[test]
fn every_error_is_collected_with_its_path() {
    let err = Customer::from_json(
        r#"{"firstName": 1, "home": {"street": "x"}, "otherAddresses": [{"street": "a", "city": 2}], "extra": true}"#,
    )
    .unwrap_err();
    let found: Vec<(String, ErrorKind)> = err
        .errors()
        .iter()
        .map(|e| (e.path().to_string(), e.kind()))
        .collect();
    assert_eq!(
        found,
        [
            ("firstName".to_string(), ErrorKind::Type),
            ("home.city".to_string(), ErrorKind::Missing),
            ("otherAddresses[0].city".to_string(), ErrorKind::Type),
            ("extra".to_string(), ErrorKind::Unknown),
            ("surname".to_string(), ErrorKind::Missing),
        ]
    );
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Point(f64, f64);

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Meters(#[outline(min = 0)] f64);

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Marker;

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(transparent)]
struct Wrapper {
    inner: Option<u8>,
}

#[test]
fn tuple_newtype_unit_transparent() {
    assert_eq!(Point::from_json("[1, 2.5]").unwrap(), Point(1.0, 2.5));
    assert_eq!(Meters::from_json("3").unwrap(), Meters(3.0));
    assert!(Meters::from_json("-1").is_err());
    assert_eq!(Marker::from_json("null").unwrap(), Marker);
    assert_eq!(Wrapper::from_json("7").unwrap(), Wrapper { inner: Some(7) });
    assert_eq!(Meters::json_schema()["minimum"], json!(0));
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Page<T> {
    items: Vec<T>,
    total: u32,
}

#[test]
fn generic_types_get_their_own_definitions() {
    let p = Page::<Address>::from_json(r#"{"items": [{"street": "a", "city": "b"}], "total": 1}"#)
        .unwrap();
    assert_eq!(p.items.len(), 1);
    let a = Page::<Address>::json_schema();
    let b = Page::<u8>::json_schema();
    assert_ne!(a, b);
    assert!(
        Page::<Address>::describe().contains("type Page_Address"),
        "{}",
        Page::<Address>::describe()
    );
}

/// A tree.
#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Tree {
    value: i32,
    children: Vec<Tree>,
    parent: Option<Box<Tree>>,
}

#[test]
fn recursive_types_use_refs() {
    let t = Tree::from_json(r#"{"value": 1, "children": [{"value": 2, "children": []}]}"#).unwrap();
    assert_eq!(t.children[0].value, 2);
    let schema = Tree::json_schema();
    assert_eq!(
        schema["properties"]["children"]["items"],
        json!({"$ref": "#"})
    );
    let err = Tree::from_json(r#"{"value": 1, "children": [{"value": "x", "children": []}]}"#)
        .unwrap_err();
    assert_eq!(err.errors()[0].path().to_string(), "children[0].value");
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct WithFlatten {
    id: u32,
    #[serde(flatten)]
    address: Address,
    #[serde(flatten)]
    extra: BTreeMap<String, String>,
}

#[test]
fn flatten_routes_keys() {
    let v = json!({"id": 1, "street": "s", "city": "c", "note": "n"});
    let w = WithFlatten::from_value(&v).unwrap();
    assert_eq!(w.address.city, "c");
    assert_eq!(w.extra.get("note").map(String::as_str), Some("n"));
    assert_eq!(w, serde_json::from_value::<WithFlatten>(v).unwrap());
    let err = WithFlatten::from_json(r#"{"id": 1, "street": "s"}"#).unwrap_err();
    assert_eq!(err.errors()[0].path().to_string(), "city");
    let schema = WithFlatten::json_schema();
    assert_eq!(schema["required"], json!(["id", "street", "city"]));
}

fn even(n: &u32) -> Result<(), String> {
    if n % 2 == 0 {
        Ok(())
    } else {
        Err(format!("{n} is odd"))
    }
}

fn ordered(r: &Range) -> Result<(), String> {
    if r.start <= r.end {
        Ok(())
    } else {
        Err("start must not be after end".into())
    }
}

#[derive(Debug, Structured)]
#[outline(check = ordered)]
struct Range {
    #[outline(validate = even)]
    start: u32,
    end: u32,
}

#[test]
fn custom_rules() {
    assert!(Range::from_json(r#"{"start": 2, "end": 3}"#).is_ok());
    let err = Range::from_json(r#"{"start": 3, "end": 4}"#).unwrap_err();
    assert_eq!(err.errors()[0].message(), "3 is odd");
    assert_eq!(err.errors()[0].kind(), ErrorKind::Custom);
    let err = Range::from_json(r#"{"start": 4, "end": 2}"#).unwrap_err();
    assert_eq!(err.errors()[0].message(), "start must not be after end");
    assert_eq!(err.errors()[0].path().to_string(), "$");
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Maps {
    scores: HashMap<String, u8>,
    #[outline(min = 1, inner(max = 10))]
    small: BTreeMap<String, u8>,
}

#[test]
fn maps() {
    let err = Maps::from_json(r#"{"scores": {"a": 1}, "small": {"x": 11}}"#).unwrap_err();
    assert_eq!(err.errors()[0].path().to_string(), "small.x");
    let err = Maps::from_json(r#"{"scores": {}, "small": {}}"#).unwrap_err();
    assert_eq!(err.errors()[0].message(), "too few keys");
}

/// `Self` in field types means the type being derived, in every position.
#[derive(Debug, PartialEq, Structured, Deserialize)]
struct SelfNode {
    val: u8,
    children: Vec<Self>,
    next: Option<Box<Self>>,
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
enum SelfTree {
    Leaf(u8),
    Branch(Box<Self>, Box<Self>),
    Many { kids: Vec<Self> },
}

#[test]
fn self_in_field_types() {
    let v = json!({"val": 1, "children": [{"val": 2, "children": []}], "next": {"val": 3, "children": []}});
    assert_eq!(
        SelfNode::from_value(&v).unwrap(),
        serde_json::from_value::<SelfNode>(v).unwrap()
    );
    let v = json!({"Branch": [{"Leaf": 1}, {"Many": {"kids": [{"Leaf": 2}]}}]});
    assert_eq!(
        SelfTree::from_value(&v).unwrap(),
        serde_json::from_value::<SelfTree>(v).unwrap()
    );
    assert_eq!(
        SelfNode::json_schema()["properties"]["children"]["items"],
        json!({"$ref": "#"})
    );
}

fn is_set(v: &Option<u8>) -> Result<(), String> {
    if v.is_some() {
        Ok(())
    } else {
        Err("must be set".into())
    }
}

#[allow(clippy::ptr_arg)] // a `validate` rule receives `&FieldType`
fn not_empty(v: &Vec<u8>) -> Result<(), String> {
    if v.is_empty() {
        Err("must not be empty".into())
    } else {
        Ok(())
    }
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct StandIns {
    #[outline(validate = is_set)]
    x: Option<u8>,
    #[serde(default)]
    #[outline(validate = not_empty)]
    y: Vec<u8>,
}

#[test]
fn rules_judge_the_values_standing_in_for_absent_fields() {
    let err = StandIns::from_json(r#"{"y": [1]}"#).unwrap_err();
    assert_eq!(err.errors()[0].path().to_string(), "x");
    assert_eq!(err.errors()[0].message(), "must be set");
    let err = StandIns::from_json(r#"{"x": 1}"#).unwrap_err();
    assert_eq!(err.errors()[0].path().to_string(), "y");
    assert_eq!(err.errors()[0].message(), "must not be empty");
    assert!(StandIns::from_json(r#"{"x": 1, "y": [1]}"#).is_ok());
}

// Newtypes of themselves: a named definition the field refers back to (inlined, the schema of
// `struct Nested(Vec<Nested>)` would never end).

/// Nested lists.
#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Nested(#[outline(max = 3)] Vec<Nested>);

/// A list: itself behind an `Option`, but in an array.
#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Chain(Option<Vec<Chain>>);

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Forest(BTreeMap<String, Forest>);

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(transparent)]
struct Inner {
    inner: Vec<Inner>,
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Holder {
    name: String,
    nested: Nested,
    rest: Forest,
}

#[test]
fn newtypes_of_themselves_have_a_finite_schema() {
    assert_eq!(
        Nested::json_schema(),
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "description": "Nested lists.",
            "type": "array",
            "items": {"$ref": "#"},
            "maxItems": 3
        })
    );
    assert_eq!(
        Holder::json_schema()["$defs"]["Nested"],
        json!({"description": "Nested lists.", "type": "array", "items": {"$ref": "#/$defs/Nested"}, "maxItems": 3})
    );
    assert_eq!(
        Holder::json_schema()["properties"]["rest"]["$ref"],
        "#/$defs/Forest"
    );
    assert_eq!(
        Chain::json_schema()["items"]["$ref"],
        "#",
        "{}",
        Chain::json_schema()
    );
    assert_eq!(Inner::json_schema()["items"]["$ref"], "#");
    assert_eq!(
        Nested::describe(),
        "// Nested lists.\ntype Nested = Nested[]; // at most 3 items\n"
    );
    for (schema, valid, invalid) in [
        (Nested::json_schema(), json!([[], [[]]]), json!([[1]])),
        (
            Forest::json_schema(),
            json!({"a": {"b": {}}}),
            json!({"a": 1}),
        ),
        (
            Holder::json_schema(),
            json!({"name": "n", "nested": [], "rest": {"x": {}}}),
            json!({"name": "n", "nested": [[], [], [], []], "rest": {}}),
        ),
    ] {
        let validator = jsonschema::validator_for(&schema).unwrap();
        assert!(validator.is_valid(&valid), "{schema} {valid}");
        assert!(!validator.is_valid(&invalid), "{schema} {invalid}");
    }
    // Read and validated as any newtype is.
    assert_eq!(
        Nested::from_json("[[], [[]]]").unwrap(),
        Nested(vec![Nested(vec![]), Nested(vec![Nested(vec![])])])
    );
    for text in ["null", "[null, [], [[null]]]"] {
        assert_eq!(
            Chain::from_json(text).unwrap(),
            serde_json::from_str::<Chain>(text).unwrap()
        );
    }
    let errors = Nested::from_json("[[1], [[], [], [], []]]")
        .unwrap_err()
        .to_string();
    assert_eq!(
        errors,
        "- [0][0]: expected an array (expected array of arrays (Nested) (at most 3 items), got 1)\n\
         - [1]: too many items (expected at most 3 items, got 4 items)"
    );
    let holder =
        Holder::from_json(r#"{"name": "n", "nested": [[]], "rest": {"x": {"y": {}}}}"#).unwrap();
    assert_eq!(holder.rest.0["x"].0["y"], Forest(BTreeMap::new()));
}

/// Generated, streamed, and the prompt's description: nothing loops on a schema that refers to
/// itself at once (`Chain` is `null` or a `Chain`).
#[tokio::test]
async fn newtypes_of_themselves_generate_and_stream() {
    use futures_util::StreamExt;
    use outlines::backend::mock::Mock;

    async fn both<T>(reply: &str, expected: T)
    where
        T: Structured + std::fmt::Debug + PartialEq + Send,
        outlines::Partial<T>: Send,
    {
        let backend = Mock::always(reply);
        let value = outlines::generate::Generation::<T>::new("Extract.")
            .report(&backend)
            .await
            .unwrap()
            .value;
        assert_eq!(value, expected);
        let backend = Mock::always(reply).streaming(3);
        let updates: Vec<_> = outlines::generate::Generation::<T>::new("Extract.")
            .stream(&backend)
            .collect()
            .await;
        match updates.last() {
            Some(Ok(outlines::generate::Update::Done(report))) => {
                assert_eq!(report.value, expected)
            }
            other => panic!("{:?}", other.map(|u| u.as_ref().err())),
        }
    }
    both(
        "[[], [[]]]",
        Nested(vec![Nested(vec![]), Nested(vec![Nested(vec![])])]),
    )
    .await;
    both("[null]", Chain(Some(vec![Chain(None)]))).await;
    both(
        r#"{"a": {}}"#,
        Forest(BTreeMap::from([("a".into(), Forest(BTreeMap::new()))])),
    )
    .await;
    both(
        "[[]]",
        Inner {
            inner: vec![Inner { inner: vec![] }],
        },
    )
    .await;
    assert!(
        Chain::describe().contains("type Chain = Chain[] | null;"),
        "{}",
        Chain::describe()
    );
}
