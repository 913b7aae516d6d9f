//! Runtime schemas against two references:
//!
//! - the `jsonschema` crate (draft 2020-12, formats asserted, the `regex` engine for patterns): on
//!   generated schemas over every keyword the compiler supports and generated instances, both
//!   accept and reject the same values; a per-keyword tally of what was checked is printed
//!   (`cargo test --test runtime_schema_conformance -- --nocapture`);
//! - the derive: a derived type's JSON Schema, compiled at run time, accepts and rejects what
//!   `T::from_value` does, with errors at the same paths.

mod common;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Debug;

use outlines::Structured;
use outlines::output::JsonSchema;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------------------------------
// Generated schemas

/// Patterns both engines read alike.
const PATTERNS: &[&str] = &[
    "^a", "b$", "^[a-z]+$", "\\d", "^.{2}$", "é", "^\\w+$", "^[A-Z]",
];

const FORMATS: &[&str] = &[
    "email",
    "uri",
    "uuid",
    "date",
    "date-time",
    "time",
    "ipv4",
    "ipv6",
    "hostname",
];

const TYPES: &[&str] = &[
    "null", "boolean", "object", "array", "number", "integer", "string",
];

/// Small values for `enum` and `const`; `1.0` and `1` are one value to JSON Schema.
fn literal() -> BoxedStrategy<Value> {
    prop::sample::select(vec![
        json!(1),
        json!(1.0),
        json!(2.5),
        json!("a"),
        json!("Red"),
        json!(""),
        json!(null),
        json!(true),
        json!([1]),
        json!({"k": 1}),
    ])
    .boxed()
}

/// An object with the entries whose values are `Some`.
fn object_of(entries: Vec<(&'static str, Option<Value>)>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_owned(), v?)))
            .collect(),
    )
}

fn count(max: u64) -> BoxedStrategy<Value> {
    (0..=max).prop_map(Value::from).boxed()
}

/// Numeric keywords around a window `lo ≤ hi` (as the shaper of values expects), each present or
/// not; bounds are integers or halves.
fn numbers() -> BoxedStrategy<Value> {
    let at = |x: f64| common::num(x);
    (
        prop::option::of(prop::sample::select(vec!["number", "integer"])),
        (-10i64..10).prop_map(|x| x as f64 / 2.0),
        // Never an empty window: the shaper samples floats strictly inside it.
        prop::sample::select(vec![0.5, 1.0, 2.5, 6.0]),
        [any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()],
        prop::option::of(prop::sample::select(vec![
            json!(2),
            json!(3),
            json!(0.5),
            json!(0.25),
            json!(1.5),
        ])),
    )
        .prop_map(move |(t, lo, width, [min, max, xmin, xmax], step)| {
            let hi = lo + width;
            object_of(vec![
                ("type", t.map(Value::from)),
                ("minimum", min.then(|| at(lo))),
                ("maximum", max.then(|| at(hi))),
                ("exclusiveMinimum", xmin.then(|| at(lo - 0.5))),
                ("exclusiveMaximum", xmax.then(|| at(hi + 0.5))),
                ("multipleOf", step),
            ])
        })
        .boxed()
}

fn strings() -> BoxedStrategy<Value> {
    (
        any::<bool>(),
        prop::option::of(count(3)),
        prop::option::of(2u64..6),
        prop::option::of(prop::sample::select(PATTERNS)),
        prop::option::of(prop::sample::select(FORMATS)),
    )
        .prop_map(|(typed, min, max, pattern, format)| {
            object_of(vec![
                ("type", typed.then(|| json!("string"))),
                ("minLength", min),
                ("maxLength", max.map(Value::from)),
                ("pattern", pattern.map(Value::from)),
                ("format", format.map(Value::from)),
            ])
        })
        .boxed()
}

fn leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(json!(true)),
        Just(json!(false)),
        Just(json!({})),
        prop::sample::select(TYPES).prop_map(|t| json!({"type": t})),
        prop::sample::subsequence(TYPES, 2).prop_map(|ts| json!({"type": ts})),
        prop::collection::vec(literal(), 1..4).prop_map(|vs| json!({"enum": vs})),
        literal().prop_map(|v| json!({"const": v})),
        numbers(),
        numbers(),
        strings(),
        strings(),
        Just(json!({"$ref": "#/$defs/A"})),
        // Recursion that moves into the value.
        Just(json!({"type": "array", "items": {"$ref": "#"}, "maxItems": 2})),
    ]
    .boxed()
}

fn arrays(inner: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    (
        any::<bool>(),
        prop::option::of(inner.clone()),
        prop::option::of(prop::collection::vec(inner.clone(), 1..3)),
        prop::option::of((0u64..3, 0u64..3)),
        any::<bool>(),
        prop::option::of(inner),
        prop::option::of(count(2)),
        prop::option::of(1u64..3),
    )
        .prop_map(
            |(typed, items, prefix, counts, unique, contains, min_c, max_c)| {
                let (min, max) = counts.map_or((None, None), |(a, b)| (Some(a), Some(a + b)));
                object_of(vec![
                    ("type", typed.then(|| json!("array"))),
                    ("items", items),
                    ("prefixItems", prefix.map(Value::Array)),
                    ("minItems", min.map(Value::from)),
                    ("maxItems", max.map(Value::from)),
                    ("uniqueItems", unique.then_some(json!(true))),
                    ("minContains", contains.as_ref().and(min_c)),
                    ("maxContains", contains.as_ref().and(max_c).map(Value::from)),
                    ("contains", contains),
                ])
            },
        )
        .boxed()
}

fn objects(inner: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    let keys = prop::sample::select(vec!["a", "b", "k", "key"]);
    (
        any::<bool>(),
        prop::collection::btree_map(keys, inner.clone(), 0..3),
        prop::sample::subsequence(vec!["a", "b", "c"], 0..3),
        prop::option::of(prop_oneof![Just(json!(false)), inner.clone()]),
        prop::option::of(inner.clone()),
        prop::option::of(prop::sample::select(vec![
            json!({"maxLength": 2}),
            json!({"pattern": "^[a-k]"}),
        ])),
        prop::option::of((0u64..2, 0u64..3)),
        any::<bool>(),
        prop::option::of(inner),
    )
        .prop_map(
            |(typed, props, required, additional, pattern, names, counts, dep, dep_schema)| {
                let (min, max) = counts.map_or((None, None), |(a, b)| (Some(a), Some(a + b)));
                let props: Map<String, Value> =
                    props.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
                object_of(vec![
                    ("type", typed.then(|| json!("object"))),
                    (
                        "properties",
                        (!props.is_empty()).then(|| Value::Object(props)),
                    ),
                    ("required", (!required.is_empty()).then(|| json!(required))),
                    ("additionalProperties", additional),
                    ("patternProperties", pattern.map(|p| json!({"^k": p}))),
                    ("propertyNames", names),
                    ("minProperties", min.map(Value::from)),
                    ("maxProperties", max.map(Value::from)),
                    ("dependentRequired", dep.then(|| json!({"a": ["b"]}))),
                    ("dependentSchemas", dep_schema.map(|s| json!({"b": s}))),
                ])
            },
        )
        .boxed()
}

fn applicators(inner: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop_oneof![
        prop::collection::vec(inner.clone(), 1..4).prop_map(|s| json!({"anyOf": s})),
        prop::collection::vec(inner.clone(), 1..4).prop_map(|s| json!({"oneOf": s})),
        prop::collection::vec(inner.clone(), 1..3).prop_map(|s| json!({"allOf": s})),
        inner.clone().prop_map(|s| json!({"not": s})),
        (
            inner.clone(),
            prop::option::of(inner.clone()),
            prop::option::of(inner)
        )
            .prop_map(|(test, then, otherwise)| object_of(vec![
                ("if", Some(test)),
                ("then", then),
                ("else", otherwise)
            ])),
    ]
    .boxed()
}

/// A schema document: a root over every keyword, and `$defs/A` (a leaf with no reference) for
/// the `$ref`s in it.
fn document() -> BoxedStrategy<Value> {
    let schema = leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            arrays(inner.clone()),
            objects(inner.clone()),
            applicators(inner)
        ]
    });
    let definition = prop_oneof![
        numbers(),
        strings(),
        Just(json!({"type": "object", "required": ["a"]}))
    ];
    (schema, definition)
        .prop_map(|(root, a)| {
            let root = match root {
                Value::Object(map) => map,
                other => [("allOf".to_owned(), json!([other]))].into_iter().collect(),
            };
            let mut root = root;
            root.insert("$defs".into(), json!({"A": a}));
            Value::Object(root)
        })
        .boxed()
}

/// The keywords a schema uses, anywhere in it.
fn keywords(schema: &Value, out: &mut BTreeSet<String>) {
    if let Value::Object(map) = schema {
        for (k, v) in map {
            out.insert(k.clone());
            match k.as_str() {
                "properties" | "patternProperties" | "dependentSchemas" | "$defs" => {
                    v.as_object()
                        .into_iter()
                        .flatten()
                        .for_each(|(_, s)| keywords(s, out));
                }
                "enum" | "const" | "required" | "dependentRequired" => {}
                _ => match v {
                    Value::Array(items) => items.iter().for_each(|s| keywords(s, out)),
                    other => keywords(other, out),
                },
            }
        }
    }
}

fn without_unique(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| *k != "uniqueItems")
                .map(|(k, v)| (k.clone(), without_unique(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_unique).collect()),
        other => other.clone(),
    }
}

#[derive(Default)]
struct Tally {
    /// Schemas using the keyword.
    schemas: usize,
    /// Instances checked against them, accepted and rejected.
    accepted: usize,
    rejected: usize,
    /// Errors of the reference whose schema path goes through this keyword.
    blamed: usize,
}

fn reference(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .with_pattern_options(jsonschema::PatternOptions::regex())
        .build(schema)
        .unwrap_or_else(|e| panic!("jsonschema cannot compile {schema}: {e}"))
}

#[test]
fn generated_schemas_agree_with_the_jsonschema_crate() {
    const SCHEMAS: u32 = 600;
    let tally: RefCell<BTreeMap<String, Tally>> = RefCell::default();
    let cases = document().prop_flat_map(|schema| {
        // Shaped by the schema without `uniqueItems`, which the shaper meets by filtering (often
        // in vain over small enums); duplicates then test the keyword all the more.
        let shape = without_unique(&schema);
        let values = prop_oneof![
            common::mutated(&shape, &["a", "b", "c", "k"]),
            common::arbitrary()
        ];
        (Just(schema), prop::collection::vec(values, 24))
    });
    let result = common::runner(SCHEMAS, 202_012).run(&cases, |(schema, values)| {
        let ours = JsonSchema::compile(&schema)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{schema:#}")))?;
        let theirs = reference(&schema);
        let mut used = BTreeSet::new();
        keywords(&schema, &mut used);
        let mut tally = tally.borrow_mut();
        for k in &used {
            tally.entry(k.clone()).or_default().schemas += 1;
        }
        for v in &values {
            let verdict = ours.validate(v);
            if verdict.is_ok() != theirs.is_valid(v) {
                return Err(TestCaseError::fail(format!(
                    "disagree on {v}\nschema {schema:#}\nours: {verdict:?}\njsonschema: {:?}",
                    theirs
                        .iter_errors(v)
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                )));
            }
            for k in &used {
                let t = tally.entry(k.clone()).or_default();
                if verdict.is_ok() {
                    t.accepted += 1;
                } else {
                    t.rejected += 1;
                }
            }
            for error in theirs.iter_errors(v) {
                let path = error.schema_path().to_string();
                let blamed: BTreeSet<&str> =
                    path.split('/').filter(|s| used.contains(*s)).collect();
                for k in blamed {
                    tally.entry(k.to_owned()).or_default().blamed += 1;
                }
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let tally = tally.into_inner();
    println!(
        "{:<22} {:>7} {:>9} {:>9} {:>7}",
        "keyword", "schemas", "accepted", "rejected", "blamed"
    );
    for (k, t) in tally.iter().filter(|(k, _)| *k != "$defs") {
        println!(
            "{k:<22} {:>7} {:>9} {:>9} {:>7}",
            t.schemas, t.accepted, t.rejected, t.blamed
        );
    }
    // Every keyword the generator writes was checked both ways, and the reference rejected
    // values for it (the `$defs` container and annotation-free wrappers aside).
    for k in [
        "type",
        "enum",
        "const",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "contains",
        "minContains",
        "maxContains",
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "propertyNames",
        "minProperties",
        "maxProperties",
        "dependentRequired",
        "dependentSchemas",
        "anyOf",
        "oneOf",
        "allOf",
        "not",
        "if",
        "then",
        "else",
        "$ref",
    ] {
        let t = tally.get(k).unwrap_or_else(|| panic!("no schema used {k}"));
        assert!(
            t.schemas >= 10 && t.accepted >= 20 && t.rejected >= 20,
            "{k} was not checked both ways enough: {} schemas, {} accepted, {} rejected",
            t.schemas,
            t.accepted,
            t.rejected
        );
    }
}

// ---------------------------------------------------------------------------------------------------
// The derive

/// The paths of the errors, sorted and deduplicated.
fn paths(errors: &outlines::Diagnostics) -> Vec<String> {
    let set: BTreeSet<String> = errors
        .errors()
        .iter()
        .map(|e| e.path().to_string())
        .collect();
    set.into_iter().collect()
}

/// `T`'s JSON Schema compiled at run time accepts what `T::from_value` accepts, on `samples` and
/// on generated values, with errors at the same paths.
fn agrees<T: Structured + Debug>(samples: &[Value]) {
    agrees_but::<T>(samples, |_| false);
}

/// [`agrees`] for an untagged enum: where the derive adds its "matches none of the variants" at
/// the enum's path, the runtime schema's paths are the rest of the derive's.
fn agrees_untagged<T: Structured + Debug>(samples: &[Value]) {
    check_agreement::<T>(samples, |_| false, true);
}

/// [`agrees`], where values `paths_differ` picks are only rejected by both, their errors told at
/// other paths (a known, documented difference).
fn agrees_but<T: Structured + Debug>(samples: &[Value], paths_differ: fn(&Value) -> bool) {
    check_agreement::<T>(samples, paths_differ, false);
}

fn check_agreement<T: Structured + Debug>(
    samples: &[Value],
    paths_differ: fn(&Value) -> bool,
    untagged: bool,
) {
    let schema = JsonSchema::compile(&T::json_schema()).unwrap_or_else(|e| panic!("{e}"));
    let check = |v: &Value| -> Result<bool, String> {
        let derived = T::from_value(v);
        let runtime = schema.validate(v);
        match (&derived, &runtime) {
            (Ok(_), Ok(())) => Ok(true),
            (Err(d), Err(r)) if paths(d) == paths(r) || paths_differ(v) => Ok(false),
            // An untagged enum also says "matches none of the variants" where the runtime
            // schema, seeing one branch the value's shape fits, gives that branch's errors alone.
            (Err(d), Err(r)) if untagged && paths(r).iter().all(|p| paths(d).contains(p)) => {
                Ok(false)
            }
            _ => Err(format!(
                "{}: derive and runtime schema disagree on {v}\nderive: {}\nruntime: {}",
                std::any::type_name::<T>(),
                derived.map_or_else(|d| d.to_string(), |_| "accepts".into()),
                runtime.map_or_else(|r| r.to_string(), |()| "accepts".into()),
            )),
        }
    };
    for v in samples {
        if let Err(e) = check(v) {
            panic!("{e}");
        }
    }
    let counts = RefCell::new((0, 0));
    let result = common::runner(256, 7).run(&common::mutated(&T::json_schema(), &[]), |v| {
        let ok = check(&v).map_err(TestCaseError::fail)?;
        let mut c = counts.borrow_mut();
        if ok {
            c.0 += 1
        } else {
            c.1 += 1
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let (a, r) = counts.into_inner();
    assert!(
        a >= 20 && r >= 20,
        "{}: too one-sided: {a} accepted, {r} rejected",
        std::any::type_name::<T>()
    );
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Ranges {
    #[outline(min = 1, max = 10)]
    level: u8,
    #[outline(exclusive_min = 0, exclusive_max = 100)]
    percent: u32,
    #[outline(multiple_of = 5)]
    step: i64,
    #[outline(one_of = [1, 2, 4, 8])]
    width: u16,
    #[outline(min = -1.5, max = 1.5)]
    ratio: f64,
    #[outline(multiple_of = 0.25)]
    quarter: f64,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Strings {
    #[outline(min = 2, max = 5)]
    name: String,
    #[outline(pattern = "^[a-z]+$")]
    slug: String,
    #[outline(one_of = ["red", "green", "blue"])]
    color: String,
    #[outline(format = "email")]
    email: String,
    #[outline(format = "date")]
    day: Option<String>,
    letter: char,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Address {
    street: String,
    #[outline(pattern = "^[0-9]{5}$")]
    zip: String,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Customer {
    name: String,
    home: Address,
    #[outline(max = 2)]
    others: Vec<Address>,
    #[outline(min = 1, max = 3, inner(min = 10, max = 20))]
    scores: Vec<u8>,
    #[outline(unique)]
    tags: Vec<String>,
    #[outline(max = 2)]
    counts: HashMap<String, u16>,
    pair: (u8, String),
    nickname: Option<String>,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Tree {
    #[outline(min = 0)]
    value: i32,
    children: Vec<Tree>,
}

#[derive(Debug, Structured)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Strict {
    a: u8,
    b: Option<String>,
}

#[derive(Debug, Structured)]
#[serde(tag = "type", rename_all = "lowercase")]
#[allow(dead_code)]
enum Event {
    Click {
        x: i32,
        #[outline(min = 0)]
        y: i32,
    },
    Blur,
}

#[derive(Debug, Structured)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum Shape {
    Circle {
        #[outline(exclusive_min = 0)]
        radius: f64,
    },
    Square(#[outline(min = 0)] f64),
    Empty,
}

/// Adjacently tagged.
#[derive(Debug, Structured)]
#[serde(tag = "t", content = "c")]
#[allow(dead_code)]
enum Message {
    Text(#[outline(min = 1)] String),
    Move { dx: i8 },
    Ping,
}

/// Externally tagged and recursive.
#[derive(Debug, Structured)]
#[allow(dead_code)]
enum Expr {
    Num(f64),
    Neg(Box<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Var {
        #[outline(pattern = "^[a-z]+$")]
        name: String,
    },
}

/// Untagged, the variants told apart by their shape.
#[derive(Debug, Structured)]
#[serde(untagged)]
#[allow(dead_code)]
enum Id {
    Number(#[outline(max = 1000)] u64),
    Name(#[outline(min = 1)] String),
    Pair { a: u8, b: Option<u8> },
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Defaults {
    #[serde(default)]
    count: u32,
    #[outline(min = 1, max = 5)]
    rating: Option<u8>,
    #[outline(inner(pattern = "^#"))]
    labels: Option<Vec<String>>,
    required: bool,
}

/// Whether an object in `v` has more than one key: for an externally tagged enum, two variants.
fn two_variants_anywhere(v: &Value) -> bool {
    match v {
        Value::Object(map) => map.len() > 1 || map.values().any(two_variants_anywhere),
        Value::Array(items) => items.iter().any(two_variants_anywhere),
        _ => false,
    }
}

#[test]
fn derived_types_compiled_at_run_time_agree_with_the_derive() {
    agrees::<Ranges>(&[
        json!({"level": 1, "percent": 1, "step": -15, "width": 8, "ratio": -1.5, "quarter": 0.75}),
        json!({"level": 0, "percent": 100, "step": 7, "width": 3, "ratio": 2, "quarter": 0.3}),
        json!({"level": 300, "percent": -1}),
    ]);
    agrees::<Strings>(&[
        json!({"name": "ab", "slug": "a", "color": "red", "email": "a@b.io", "letter": "é"}),
        json!({"name": "a", "slug": "A", "color": "pink", "email": "x", "day": "2023-02-29", "letter": "ab"}),
        json!({"name": "😀😀", "slug": "ok", "color": "blue", "email": "a@b.io", "day": null, "letter": "x"}),
    ]);
    let a = json!({"street": "Main", "zip": "12345"});
    agrees::<Customer>(&[
        json!({"name": "Ada", "home": a, "others": [], "scores": [10], "tags": [], "counts": {}, "pair": [1, "x"]}),
        json!({"name": 1, "home": {"zip": "1"}, "others": [a, a, a], "scores": [], "tags": ["a", "a"], "counts": {"a": 1, "b": 2, "c": 70000}, "pair": [1]}),
    ]);
    agrees::<Tree>(&[
        json!({"value": 1, "children": [{"value": 2, "children": []}]}),
        json!({"value": -1, "children": [{"value": 2, "children": [{"value": -3}]}]}),
    ]);
    agrees::<Strict>(&[
        json!({"a": 1}),
        json!({"a": 1, "c": null}),
        json!({"b": null}),
    ]);
    agrees::<Event>(&[
        json!({"type": "click", "x": -1, "y": 0}),
        json!({"type": "click", "x": 1, "y": -1}),
        json!({"type": "blur", "extra": 1}),
    ]);
    agrees::<Message>(&[
        json!({"t": "Text", "c": "hi"}),
        json!({"t": "Text", "c": ""}),
        json!({"t": "Move", "c": {"dx": 128}}),
        json!({"t": "Pong"}),
        json!({"c": "hi"}),
        json!({"t": "Ping", "c": null}),
    ]);
    agrees_but::<Expr>(
        &[
            json!({"Add": [{"Num": 1}, {"Neg": {"Var": {"name": "x"}}}]}),
            json!({"Neg": {"Var": {"name": "X"}}}),
            json!({"Add": [{"Num": 1}]}),
        ],
        two_variants_anywhere,
    );
    agrees_untagged::<Id>(&[
        json!(5),
        json!(5000),
        json!(""),
        json!({"a": 1}),
        json!({"a": 300, "b": null}),
    ]);
    agrees::<Defaults>(&[
        json!({"required": true}),
        json!({"required": false, "count": 3, "rating": 9, "labels": ["#a", "b"]}),
        json!({"count": null}),
    ]);
    // An object with two variant keys: the derive reads the first (as serde does) and reports its
    // errors; to JSON Schema no branch fits better than another, and the error is at `$`. Same for
    // a unit variant written as an object's key (`{"empty": ...}`), which the derive recognizes.
    agrees_but::<Shape>(
        &[
            json!({"circle": {"radius": 1}}),
            json!({"circle": {"radius": 0}}),
            json!({"square": -1}),
            json!("empty"),
            json!({"square": -1, "circle": {"radius": 1}}),
            json!({"empty": null}),
        ],
        |v| two_variants_anywhere(v) || v.get("empty").is_some(),
    );
}
