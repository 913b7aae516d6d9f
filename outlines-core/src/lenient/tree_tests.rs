//! The tree of a streamed reply read as serde reads JSON (`partial::de`): every type, and the typed
//! validator, read the same from a tree as from the `Value` or the text of the same reply. Here, not
//! beside the deserializer, because the trees are grown by the incremental reader of this layer.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Debug};

use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::value::RawValue;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::diagnostics::Violation;
use crate::lenient::incremental::{Blind, Incremental};
use crate::partial::NodeRef;
use crate::schema::Constraints;
use crate::structured::Structured;
use crate::validate::{self, Cx};

/// The tree of `text`, read whole.
fn read(text: &str) -> Incremental {
    let mut reader = Incremental::new();
    reader.feed(text, &mut Blind);
    reader.finish(&mut Blind);
    reader
}

/// The tree of `[text]`: the incremental reader takes a bare `true`, `false` or `null` for
/// prose, so each value is read as the one item of an array. Its node is `item(&reader)`.
fn read_item(text: &str) -> Incremental {
    read(&format!("[{text}]"))
}

fn item(reader: &Incremental) -> NodeRef<'_> {
    let root = reader.tree().root().expect("a value");
    root.items()
        .and_then(|mut items| items.next())
        .expect("one item")
}

/// `T` from the tree of `text`, and from its `Value`.
fn both<T: DeserializeOwned>(text: &str) -> (Result<T, String>, Result<T, String>) {
    let reader = read_item(text);
    let value: Value = serde_json::from_str(text).unwrap();
    let from_node = T::deserialize(item(&reader)).map_err(|e| e.to_string());
    let from_value = T::deserialize(&value).map_err(|e| e.to_string());
    (from_node, from_value)
}

/// `T` reads the same from the tree of `text` as from its `Value` (errors word for word), and
/// as from the text itself when it reads at all.
fn same<T: DeserializeOwned + PartialEq + Debug>(text: &str) -> Result<T, String> {
    let (from_node, from_value) = both::<T>(text);
    assert_eq!(from_node, from_value, "{text}");
    let from_text = serde_json::from_str::<T>(text);
    match (&from_node, from_text) {
        (Ok(a), Ok(b)) => assert_eq!(*a, b, "{text}"),
        (Err(_), Err(_)) => {}
        (a, b) => panic!("{text}: tree gives {a:?}, text gives {b:?}"),
    }
    from_node
}

#[derive(Deserialize, Debug, PartialEq)]
struct Person {
    name: String,
    age: u8,
    nick: Option<String>,
    tags: Vec<String>,
    home: Address,
    pets: Vec<Pet>,
    score: f64,
    balance: i64,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Address {
    city: String,
    zip: Option<u32>,
}

#[derive(Deserialize, Debug, PartialEq)]
enum Pet {
    Nothing,
    Cat(String),
    Pair(u8, u8),
    Dog { name: String, age: u8 },
}

#[derive(Deserialize, Debug, PartialEq, Eq, Hash)]
enum Color {
    Red,
    Blue,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Unit;

#[derive(Deserialize, Debug, PartialEq)]
struct Meters(f64);

#[derive(Deserialize, Debug, PartialEq)]
struct Point(i32, i32);

const PERSON: &str = r#"{
    "name": "Ada", "age": 36, "nick": null, "tags": ["math", "engines"],
    "home": {"city": "London", "zip": 12345},
    "pets": ["Nothing", {"Cat": "Tom"}, {"Pair": [1, 2]}, {"Dog": {"name": "Rex", "age": 3}}],
    "score": 9.5, "balance": -42
}"#;

#[test]
fn types_read_as_from_a_value() {
    assert_eq!(same::<Person>(PERSON).unwrap().pets.len(), 4);
    same::<Address>(r#"{"city": "Paris", "zip": null, "extra": [1, {"a": null}]}"#).unwrap();
    // A struct from an array, as serde_json allows.
    same::<Address>(r#"["Rome", 100]"#).unwrap();
    same::<u8>("255").unwrap();
    same::<i64>("-9223372036854775808").unwrap();
    same::<u64>("18446744073709551615").unwrap();
    same::<f64>("1e300").unwrap();
    same::<f64>("3").unwrap();
    same::<f64>("-0").unwrap();
    same::<f32>("0.1").unwrap();
    same::<i128>("-5").unwrap();
    same::<bool>("true").unwrap();
    same::<()>("null").unwrap();
    same::<Unit>("null").unwrap();
    same::<Meters>("2.5").unwrap();
    same::<Point>("[1, -2]").unwrap();
    same::<(u8, String, bool)>(r#"[1, "a", false]"#).unwrap();
    same::<char>(r#""é""#).unwrap();
    same::<String>(r#""line\nbreak \u00e9 \ud83d\ude00""#).unwrap();
    same::<Vec<u8>>("[1, 2, 3]").unwrap();
    same::<Option<Option<u8>>>("null").unwrap();
    same::<Option<u8>>("7").unwrap();
    same::<Color>(r#""Blue""#).unwrap();
    same::<HashMap<String, Vec<i64>>>(r#"{"a": [1, -2], "b": []}"#).unwrap();
    same::<BTreeMap<String, Option<f64>>>(r#"{"x": 1.5, "y": null}"#).unwrap();
    same::<Value>(r#"{"a": [1, 2.5, -3, "x", null, true, {"b": {}}], "c": 18446744073709551615}"#)
        .unwrap();
    // Keys that are numbers, booleans or enum variants in quotes.
    same::<HashMap<u32, bool>>(r#"{"1": true, "20": false}"#).unwrap();
    same::<BTreeMap<i8, u8>>(r#"{"-1": 1, "5": 2}"#).unwrap();
    same::<HashMap<bool, u8>>(r#"{"true": 1, "false": 0}"#).unwrap();
    same::<HashMap<Color, u8>>(r#"{"Red": 1}"#).unwrap();
    same::<HashMap<Option<String>, u8>>(r#"{"k": 1}"#).unwrap();
}

#[test]
fn errors_are_serde_jsons() {
    same::<u8>("300").unwrap_err();
    same::<u8>("-1").unwrap_err();
    same::<u8>(r#""x""#).unwrap_err();
    same::<i64>("1.5").unwrap_err();
    same::<String>("1").unwrap_err();
    same::<bool>("null").unwrap_err();
    same::<()>("0").unwrap_err();
    same::<Unit>("[]").unwrap_err();
    same::<char>(r#""ab""#).unwrap_err();
    same::<Vec<u8>>(r#"{"a": 1}"#).unwrap_err();
    same::<Address>(r#"{"zip": 1}"#).unwrap_err();
    same::<Address>(r#""Rome""#).unwrap_err();
    same::<Person>(r#"{"name": 1}"#).unwrap_err();
    // An array longer than the tuple: "fewer elements", with the array's length.
    let err = same::<(u8, u8)>("[1, 2, 3]").unwrap_err();
    assert!(err.contains("invalid length 3"), "{err}");
    same::<(u8, u8)>("[1]").unwrap_err();
    // Enums: the wrong shape, an unknown name, more than one key, content on a unit variant, a
    // unit where content is due, an empty array for a tuple variant.
    same::<Pet>("3").unwrap_err();
    same::<Pet>(r#""Bird""#).unwrap_err();
    same::<Pet>("{}").unwrap_err();
    same::<Pet>(r#"{"Cat": "a", "Nothing": null}"#).unwrap_err();
    same::<Pet>(r#"{"Nothing": 1}"#).unwrap_err();
    same::<Pet>(r#"{"Nothing": null}"#).unwrap();
    same::<Pet>(r#""Cat""#).unwrap_err();
    same::<Pet>(r#""Pair""#).unwrap_err();
    same::<Pet>(r#""Dog""#).unwrap_err();
    same::<Pet>(r#"{"Pair": []}"#).unwrap_err();
    same::<Pet>(r#"{"Pair": 1}"#).unwrap_err();
    // Where the text and the `Value` differ (the text takes a struct variant's fields as an
    // array), the tree is read as the `Value`.
    let (from_node, from_value) = both::<Pet>(r#"{"Dog": ["Rex", 3]}"#);
    assert_eq!(from_node, from_value);
    assert!(from_node.is_err());
    same::<Pet>(r#"{"Dog": {"name": "Rex"}}"#).unwrap_err();
    same::<Color>(r#"{"Red": null}"#).unwrap();
    // Keys that are not what the map is keyed by.
    for text in [
        r#"{"x": true}"#,
        r#"{"": true}"#,
        r#"{" 1": true}"#,
        r#"{"1 ": true}"#,
        r#"{"1 2": true}"#,
        r#"{"-": true}"#,
        r#"{"01": true}"#,
        r#"{"1.5": true}"#,
        r#"{"-1": true}"#,
        r#"{"5000000000": true}"#,
    ] {
        same::<HashMap<u32, bool>>(text).unwrap_err();
    }
    same::<HashMap<bool, u8>>(r#"{"yes": 1}"#).unwrap_err();
    same::<HashMap<Color, u8>>(r#"{"Green": 1}"#).unwrap_err();
}

/// The first error `T` gives on the tree of `text`.
fn node_error<T: DeserializeOwned + Debug>(text: &str) -> String {
    let reader = read(text);
    T::deserialize(reader.tree().root().unwrap())
        .unwrap_err()
        .to_string()
}

#[test]
fn repeated_keys_pass_through_as_written() {
    // A `Value` keeps one of them; the text, like the tree, hands over both.
    let text = r#"{"city": "a", "city": "b"}"#;
    let from_text = serde_json::from_str::<Address>(text)
        .unwrap_err()
        .to_string();
    assert!(
        from_text.starts_with("duplicate field `city`"),
        "{from_text}"
    );
    assert_eq!(node_error::<Address>(text), "duplicate field `city`");
    let reader = read(r#"{"a": 1, "a": 2, "b": 3}"#);
    let node = reader.tree().root().unwrap();
    let map = BTreeMap::<String, i64>::deserialize(node).unwrap();
    assert_eq!(map, BTreeMap::from([("a".into(), 2), ("b".into(), 3)]));
    let pairs = Pairs::deserialize(node).unwrap();
    assert_eq!(pairs.0, [("a".into(), 1), ("a".into(), 2), ("b".into(), 3)]);
    // A variant is one key, repeated or not.
    node_error::<Pet>(r#"{"Cat": "a", "Cat": "b"}"#);
}

/// An object's members, every one in order.
#[derive(Debug)]
struct Pairs(Vec<(String, i64)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pairs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry()? {
                    pairs.push(pair);
                }
                Ok(Pairs(pairs))
            }
        }
        de.deserialize_map(V)
    }
}

/// The size hints a visitor is given.
#[derive(Debug, PartialEq)]
struct Hint(Option<usize>);

impl<'de> Deserialize<'de> for Hint {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Hint;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a container")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Hint, A::Error> {
                let hint = seq.size_hint();
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Hint(hint))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Hint, A::Error> {
                let hint = map.size_hint();
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Hint(hint))
            }
        }
        de.deserialize_any(V)
    }
}

#[test]
fn size_hints_borrows_and_readability() {
    // As from a `Value`: the length (serde_json's text `Deserializer` gives none).
    for (text, hint) in [("[1, [2], 3]", 3), ("[]", 0), (r#"{"a": 1, "b": {}}"#, 2)] {
        let (from_node, from_value) = both::<Hint>(text);
        assert_eq!(from_node, from_value);
        assert_eq!(from_node, Ok(Hint(Some(hint))));
    }
    let text = r#"{"a": [1, "x"], "b": null}"#;
    let reader = read(text);
    let node = reader.tree().root().unwrap();
    assert!(node.is_human_readable());
    let value: Value = serde_json::from_str(text).unwrap();
    let raw = Box::<RawValue>::deserialize(node).unwrap();
    assert_eq!(
        raw.get(),
        Box::<RawValue>::deserialize(&value).unwrap().get()
    );
    // Strings and keys are lent from the tree, not copied.
    let reader = read(r#"{"k": "v", "w": ["x"]}"#);
    let node = reader.tree().root().unwrap();
    let map = HashMap::<&str, Value>::deserialize(node).unwrap();
    assert_eq!(map["k"], "v");
    let word = <&str>::deserialize(node.get("k").unwrap()).unwrap();
    assert_eq!(word, "v");
    let bytes = serde_bytes_like(node.get("w").unwrap());
    assert_eq!(
        bytes,
        Err("invalid type: string \"x\", expected u8".to_owned())
    );
}

/// `Vec<u8>` through `deserialize_byte_buf` (a string is its UTF-8, an array its items).
fn serde_bytes_like(node: NodeRef<'_>) -> Result<Vec<u8>, String> {
    node.deserialize_byte_buf(BytesVisitor)
        .map_err(|e| e.to_string())
}

#[test]
fn bytes_read_as_from_a_value() {
    for text in [r#""hé""#, "[1, 2]", "[300]", "1", "null"] {
        let reader = read_item(text);
        let value: Value = serde_json::from_str(text).unwrap();
        let from_value = (&value)
            .deserialize_bytes(BytesVisitor)
            .map_err(|e| e.to_string());
        assert_eq!(serde_bytes_like(item(&reader)), from_value, "{text}");
    }
}

struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Vec<u8>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("bytes")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Vec<u8>, E> {
        Ok(v.as_bytes().to_vec())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
        let mut out = Vec::new();
        while let Some(b) = seq.next_element()? {
            out.push(b);
        }
        Ok(out)
    }
}

/// The typed validator on the tree of `text`, as `validate::finish` would report it.
fn validate_node<T: Structured>(text: &str) -> Result<T, Vec<Violation>> {
    let reader = read_item(text);
    let mut errors = Vec::new();
    let built = T::__deserialize(
        item(&reader),
        &mut Cx::root(&mut errors),
        Constraints::none(),
    );
    match built {
        Ok(Some(value)) if errors.is_empty() => Ok(value),
        Ok(_) => Err(errors),
        Err(e) => panic!("{text}: the tree is whole, yet {e}"),
    }
}

/// The validator gives the same on the tree as on the `Value` and on the text.
fn validates_alike<T: Structured + PartialEq + Debug>(text: &str) -> Result<T, Vec<Violation>> {
    let on_node = validate_node::<T>(text);
    let value: Value = serde_json::from_str(text).unwrap();
    let on_value = validate::from_value::<T>(&value).map_err(|d| d.errors().to_vec());
    assert_eq!(on_node, on_value, "{text}");
    let on_text = validate::from_str::<T>(text).map_err(|d| d.errors().to_vec());
    assert_eq!(on_node, on_text, "{text}");
    on_node
}

#[test]
fn the_validator_reads_the_tree_as_a_value() {
    assert_eq!(
        validates_alike::<Vec<String>>(r#"["a", "b"]"#).unwrap(),
        ["a", "b"]
    );
    assert_eq!(validates_alike::<Option<u8>>("null").unwrap(), None);
    assert_eq!(validates_alike::<Option<u8>>("7").unwrap(), Some(7));
    validates_alike::<BTreeMap<String, i64>>(r#"{"a": -1, "b": 2}"#).unwrap();
    validates_alike::<Value>(r#"{"a": [1, 2.5, -3, "x", null, true, {"b": {}}]}"#).unwrap();
    validates_alike::<HashMap<String, Vec<Option<f64>>>>(r#"{"a": [1, null, 2.5], "b": []}"#)
        .unwrap();
    validates_alike::<(u8, String, bool)>(r#"[1, "a", true]"#).unwrap();
    validates_alike::<[i64; 2]>("[-1, 1]").unwrap();
    validates_alike::<char>(r#""x""#).unwrap();
    validates_alike::<Box<u16>>("65535").unwrap();
    validates_alike::<bool>("false").unwrap();
    validates_alike::<()>("null").unwrap();
    validates_alike::<f64>("-0").unwrap();
    validates_alike::<Option<Vec<(String, u8)>>>(r#"[["a", 1], ["b", 2]]"#).unwrap();
}

#[test]
fn the_validator_finds_the_same_errors_on_the_tree() {
    let errors = validates_alike::<Vec<String>>(r#"[1, "a", null, {"x": [2]}]"#).unwrap_err();
    assert_eq!(errors.len(), 3);
    validates_alike::<u8>("300").unwrap_err();
    validates_alike::<u8>("1.5").unwrap_err();
    validates_alike::<Option<u8>>(r#""x""#).unwrap_err();
    validates_alike::<BTreeMap<String, i64>>(r#"{"a": "x", "b": 1.5, "c": [1]}"#).unwrap_err();
    validates_alike::<BTreeMap<String, i64>>("[1]").unwrap_err();
    validates_alike::<(u8, String, bool)>(r#"[1, "a"]"#).unwrap_err();
    validates_alike::<(u8, String, bool)>(r#"[1, "a", true, 4]"#).unwrap_err();
    validates_alike::<[i64; 2]>("[1, 2, 3]").unwrap_err();
    validates_alike::<char>(r#""ab""#).unwrap_err();
    validates_alike::<()>("{}").unwrap_err();
}

#[test]
fn the_validator_sees_repeated_keys_as_in_text() {
    for text in [r#"{"a": 1, "a": 2}"#, r#"{"a": 1, "a": "x", "b": 3}"#] {
        let on_node = validate_node::<BTreeMap<String, i64>>(text);
        let on_text = validate::from_str::<BTreeMap<String, i64>>(text);
        assert_eq!(on_node, on_text.map_err(|d| d.errors().to_vec()), "{text}");
        let on_node = validate_node::<Value>(text);
        let on_text = validate::from_str::<Value>(text);
        assert_eq!(on_node, on_text.map_err(|d| d.errors().to_vec()), "{text}");
    }
}

#[test]
fn an_unfinished_value_is_an_error_not_a_panic() {
    let reader = {
        let mut reader = Incremental::new();
        reader.feed(r#"{"name": "Ad"#, &mut Blind);
        reader
    };
    let node = reader.tree().root().unwrap();
    assert!(!node.complete());
    let err = Person::deserialize(node).unwrap_err();
    assert_eq!(err.to_string(), "the value is not whole");
    let mut errors = Vec::new();
    let built = BTreeMap::<String, Value>::__deserialize(
        node,
        &mut Cx::root(&mut errors),
        Constraints::none(),
    );
    assert_eq!(built.unwrap_err().to_string(), "the value is not whole");

    // Every prefix of a reply: whatever is read, an unfinished value is never taken for one.
    for end in (0..=PERSON.len()).filter(|&i| PERSON.is_char_boundary(i)) {
        let mut reader = Incremental::new();
        reader.feed(&PERSON[..end], &mut Blind);
        let Some(node) = reader.tree().root() else {
            continue;
        };
        let whole = node.complete();
        assert_eq!(Person::deserialize(node).is_ok(), whole, "{end}");
        assert_eq!(Value::deserialize(node).is_ok(), whole, "{end}");
        let _ = IgnoredAny::deserialize(node);
        let _ = <Option<Pet>>::deserialize(node);
        let _ = Pet::deserialize(node);
        let _ = <(String, u8)>::deserialize(node);
        let mut errors = Vec::new();
        let built = <Value as Structured>::__deserialize(
            node,
            &mut Cx::root(&mut errors),
            Constraints::none(),
        );
        assert_eq!(built.is_ok(), whole, "{end}");
    }
}

#[test]
fn a_copy_without_a_member_reads_as_if_it_were_not_written() {
    let reader = read(r#"{"a": 1, "type": "x", "b": [2, {"c": "d"}]}"#);
    let root = reader.tree().root().unwrap();
    let without = |key: &str| root.without(root.get(key).unwrap()).unwrap();
    let rest = without("type");
    let rest = rest.root().unwrap();
    assert_eq!(rest.count(), Some(2));
    assert!(rest.complete());
    assert_eq!(
        rest.to_value(),
        serde_json::json!({"a": 1, "b": [2, {"c": "d"}]})
    );
    let map: BTreeMap<String, Value> = Deserialize::deserialize(rest).unwrap();
    assert_eq!(map.keys().collect::<Vec<_>>(), ["a", "b"]);
    // The first and the last member too.
    let first = without("a");
    assert_eq!(
        first.root().unwrap().to_value(),
        serde_json::json!({"type": "x", "b": [2, {"c": "d"}]})
    );
    let last = without("b");
    assert_eq!(
        last.root().unwrap().to_value(),
        serde_json::json!({"a": 1, "type": "x"})
    );
    // Not a child of its own: none.
    let items = root.get("b").unwrap();
    assert!(
        root.without(items.items().unwrap().next().unwrap())
            .is_none()
    );
    // Only the members a test keeps; of no object, none.
    let kept = root.members_where(|key| key != "a").unwrap();
    assert_eq!(
        kept.root().unwrap().to_value(),
        serde_json::json!({"type": "x", "b": [2, {"c": "d"}]})
    );
    assert!(items.members_where(|_| true).is_none());
    // What is not whole stays so.
    let reader = read(r#"{"type": "x", "s": "ab"#);
    let root = reader.tree().root().unwrap();
    let rest = root.without(root.get("type").unwrap()).unwrap();
    let s = rest.root().unwrap().get("s").unwrap();
    assert_eq!(
        (s.as_str(), s.complete(), rest.root().unwrap().complete()),
        (Some("ab"), false, false)
    );
}
