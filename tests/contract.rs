//! The central contract: for every type, the validator (`T::from_value`, `T::from_json`) and the
//! emitted JSON Schema (checked by the `jsonschema` crate, draft 2020-12, formats asserted) accept
//! exactly the same JSON values, and the schema itself is valid against the 2020-12 metaschema.
//!
//! Each type is checked on hand-written samples (valid ones, and invalid ones that each break one
//! rule, with the path the validator reports) and on generated ones: values shaped by the schema, half
//! of them randomly mutated. Known, intended divergences are kept out of the samples and pinned, each
//! in its own test, near the end of the file; regressions for corners that once disagreed come last.
//! (An internally tagged newtype variant of a scalar, which serde accepts at compile time but never
//! reads, is a compile error: see `tests/ui/serde/internally-tagged-newtype-of-scalar.rs`.)

// The test types are built by the validator and compared, never read field by field.
#![allow(dead_code)]

mod common;

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt::Debug;

use outlines::Structured;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------------
// The harness

/// Generated samples per type.
const CASES: u32 = 256;

fn reference(schema: &Value) -> jsonschema::Validator {
    if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
        panic!("the emitted schema is not valid 2020-12: {e}\n{schema:#}");
    }
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("jsonschema cannot compile the schema: {e}\n{schema:#}"))
}

/// Whether the validator accepts `v`, after checking that both validator entry points and the
/// JSON Schema agree on it.
fn verdict<T: Structured + Debug>(
    schema: &jsonschema::Validator,
    v: &Value,
) -> Result<bool, String> {
    let ours = T::from_value(v);
    let text = T::from_json(&v.to_string());
    if ours.is_ok() != text.is_ok() {
        return Err(format!(
            "from_value and from_json disagree on {v}:\n{ours:?}\n{text:?}"
        ));
    }
    let theirs: Vec<String> = schema.iter_errors(v).map(|e| e.to_string()).collect();
    if ours.is_ok() != theirs.is_empty() {
        let ours = match &ours {
            Ok(x) => format!("accepts it as {x:?}"),
            Err(d) => format!("rejects it:\n{d}"),
        };
        return Err(format!(
            "validator and JSON Schema disagree on {v}\nthe validator {ours}\nthe JSON Schema {}",
            if theirs.is_empty() {
                "accepts it".to_owned()
            } else {
                format!("rejects it: {}", theirs.join("; "))
            }
        ));
    }
    Ok(ours.is_ok())
}

/// Checks `T` on its hand-written samples and on [`CASES`] generated ones.
///
/// `invalid` pairs a value with the path of the first error the validator reports for it (`$` for
/// the root), so each one is known to break the rule it was written for.
fn contract<T: Structured + Debug>(valid: &[Value], invalid: &[(&str, Value)]) {
    let schema = T::json_schema();
    let reference = reference(&schema);
    for v in valid {
        match verdict::<T>(&reference, v) {
            Ok(true) => {}
            Ok(false) => panic!("{v} should be valid:\n{}", T::from_value(v).unwrap_err()),
            Err(e) => panic!("{e}"),
        }
    }
    for (path, v) in invalid {
        match verdict::<T>(&reference, v) {
            Ok(false) => {}
            Ok(true) => panic!("{v} should be invalid"),
            Err(e) => panic!("{e}"),
        }
        let err = T::from_value(v).unwrap_err();
        assert_eq!(err.errors()[0].path().to_string(), *path, "{v}:\n{err}");
    }
    fuzz::<T>(&schema, &reference);
}

/// Generated samples: the verdicts agree, and both verdicts occur.
fn fuzz<T: Structured + Debug>(schema: &Value, reference: &jsonschema::Validator) {
    let (accepted, rejected) = (Cell::new(0u32), Cell::new(0u32));
    let result = common::runner(CASES, 20_202_012).run(&common::mutated(schema, &[]), |v| {
        let ok = verdict::<T>(reference, &v).map_err(proptest::test_runner::TestCaseError::fail)?;
        let counter = if ok { &accepted } else { &rejected };
        counter.set(counter.get() + 1);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let (a, r) = (accepted.get(), rejected.get());
    assert!(
        a >= CASES / 10 && r >= CASES / 10,
        "generated samples are too one-sided: {a} accepted, {r} rejected"
    );
}

/// `base` with `key` set to `v`.
fn with(base: &Value, key: &str, v: Value) -> Value {
    let mut out = base.clone();
    out[key] = v;
    out
}

/// `base` without `key`.
fn without(base: &Value, key: &str) -> Value {
    let mut out = base.clone();
    out.as_object_mut().map(|m| m.shift_remove(key));
    out
}

// ---------------------------------------------------------------------------------------------------
// Primitives

#[derive(Debug, Structured)]
struct Scalars {
    flag: bool,
    u8: u8,
    i8: i8,
    u16: u16,
    i16: i16,
    u32: u32,
    i32: i32,
    u64: u64,
    i64: i64,
    usize: usize,
    isize: isize,
    u128: u128,
    i128: i128,
    f32: f32,
    f64: f64,
    char: char,
    string: String,
    unit: (),
    any: Value,
}

#[test]
fn scalars() {
    let base = json!({
        "flag": true, "u8": 255, "i8": -128, "u16": 65535, "i16": -32768, "u32": 4294967295u32,
        "i32": -2147483648i32, "u64": u64::MAX, "i64": i64::MIN, "usize": 0, "isize": -1,
        "u128": u64::MAX, "i128": i64::MIN, "f32": 3.4028234663852886e38, "f64": -1.5e300,
        "char": "é", "string": "", "unit": null, "any": {"x": [1, null]},
    });
    let valid = [
        base.clone(),
        with(&base, "char", json!("😀")),
        with(&base, "f32", json!(-1)),
        with(&base, "any", json!(null)),
        with(&base, "string", json!("multi\nline 漢字")),
    ];
    let invalid = [
        ("flag", with(&base, "flag", json!("true"))),
        ("u8", with(&base, "u8", json!(256))),
        ("i8", with(&base, "i8", json!(-129))),
        ("u16", with(&base, "u16", json!(-1))),
        ("i16", with(&base, "i16", json!(32768))),
        ("u32", with(&base, "u32", json!(4294967296u64))),
        ("i32", with(&base, "i32", json!(2147483648u64))),
        ("u64", with(&base, "u64", json!(1.8446744073709552e19))),
        ("i64", with(&base, "i64", json!(u64::MAX))),
        ("usize", with(&base, "usize", json!(0.5))),
        ("u128", with(&base, "u128", json!(-1))),
        ("i128", with(&base, "i128", json!(1e20))),
        ("f32", with(&base, "f32", json!(3.5e38))),
        ("f64", with(&base, "f64", json!("1"))),
        ("char", with(&base, "char", json!("ab"))),
        ("char", with(&base, "char", json!(""))),
        ("string", with(&base, "string", json!(1))),
        ("unit", with(&base, "unit", json!(0))),
        ("any", without(&base, "any")),
        ("$", json!([])),
    ];
    contract::<Scalars>(&valid, &invalid);
}

#[derive(Debug, Structured)]
struct Ranges {
    #[outline(min = 1, max = 10)]
    level: u8,
    #[outline(min = -5, max = 5)]
    offset: i32,
    #[outline(exclusive_min = 0, exclusive_max = 100)]
    percent: u32,
    #[outline(multiple_of = 5)]
    step: i64,
    #[outline(one_of = [1, 2, 4, 8])]
    width: u16,
    #[outline(min = -1000)]
    floor: i8,
    #[outline(max = 100000)]
    wide: u128,
}

#[test]
fn integer_ranges() {
    let base = json!({"level": 1, "offset": -5, "percent": 1, "step": -15, "width": 8, "floor": -128, "wide": 0});
    let valid = [
        base.clone(),
        json!({"level": 10, "offset": 5, "percent": 99, "step": 0, "width": 1, "floor": 127, "wide": 100000}),
    ];
    let invalid = [
        ("level", with(&base, "level", json!(0))),
        ("level", with(&base, "level", json!(11))),
        ("offset", with(&base, "offset", json!(-6))),
        ("percent", with(&base, "percent", json!(0))),
        ("percent", with(&base, "percent", json!(100))),
        ("step", with(&base, "step", json!(7))),
        ("width", with(&base, "width", json!(3))),
        ("floor", with(&base, "floor", json!(-129))),
        ("wide", with(&base, "wide", json!(100001))),
    ];
    contract::<Ranges>(&valid, &invalid);
}

#[derive(Debug, Structured)]
struct Strings {
    /// Between 2 and 5 characters (not bytes).
    #[outline(min = 2, max = 5, example = "abc")]
    name: String,
    #[outline(pattern = "^[a-z]+$")]
    slug: String,
    #[outline(pattern = "[0-9]")]
    has_digit: String,
    #[outline(one_of = ["red", "green", "blue"])]
    color: String,
    #[outline(pattern = "^[a-c]$")]
    initial: char,
    #[outline(one_of = ["x", "y"])]
    axis: char,
    #[outline(max = 3)]
    nick: Option<String>,
    #[outline(min = 1, pattern = "^[A-Z]")]
    title: String,
}

#[test]
fn strings() {
    let base = json!({
        "name": "ab", "slug": "abc", "has_digit": "room 101", "color": "red", "initial": "a",
        "axis": "x", "title": "T",
    });
    let valid = [
        base.clone(),
        with(&base, "name", json!("漢字😀éa")),
        with(&base, "nick", json!(null)),
        with(&base, "nick", json!("😀😀😀")),
        with(&base, "title", json!("Zebra 🦓")),
    ];
    let invalid = [
        ("name", with(&base, "name", json!("a"))),
        ("name", with(&base, "name", json!("abcdef"))),
        ("name", with(&base, "name", json!("漢字😀éab"))),
        ("slug", with(&base, "slug", json!("ab1"))),
        ("slug", with(&base, "slug", json!(""))),
        ("has_digit", with(&base, "has_digit", json!("room"))),
        ("color", with(&base, "color", json!("Red"))),
        ("initial", with(&base, "initial", json!("d"))),
        ("axis", with(&base, "axis", json!("z"))),
        ("nick", with(&base, "nick", json!("abcd"))),
        ("title", with(&base, "title", json!(""))),
        ("title", with(&base, "title", json!("lower"))),
        ("title", with(&base, "title", json!("Über"))),
    ];
    contract::<Strings>(&valid, &invalid);
}

#[derive(Debug, Structured)]
struct Formats {
    #[outline(format = "email")]
    email: String,
    #[outline(format = "uri")]
    uri: String,
    #[outline(format = "uuid")]
    uuid: String,
    #[outline(format = "date")]
    date: String,
    #[outline(format = "date-time")]
    date_time: String,
    #[outline(format = "time")]
    time: String,
    #[outline(format = "ipv4")]
    ipv4: String,
    #[outline(format = "ipv6")]
    ipv6: String,
    #[outline(format = "hostname", max = 20)]
    hostname: String,
    #[outline(format = "email")]
    backup: Option<String>,
}

#[test]
fn formats() {
    let base = json!({
        "email": "a@example.com", "uri": "https://example.com/a?b#c",
        "uuid": "123e4567-e89b-12d3-a456-426614174000", "date": "2024-02-29",
        "date_time": "2024-01-31T09:30:00Z", "time": "09:30:00+01:00", "ipv4": "10.0.0.1",
        "ipv6": "::1", "hostname": "example.com",
    });
    let valid = [base.clone(), with(&base, "backup", json!("b@example.org"))];
    let invalid = [
        ("email", with(&base, "email", json!("a.example.com"))),
        ("uri", with(&base, "uri", json!("example.com/a"))),
        (
            "uuid",
            with(&base, "uuid", json!("123e4567-e89b-12d3-a456-42661417400")),
        ),
        ("date", with(&base, "date", json!("2023-02-29"))),
        (
            "date_time",
            with(&base, "date_time", json!("2024-01-31T09:30:00")),
        ),
        ("time", with(&base, "time", json!("25:00:00Z"))),
        ("ipv4", with(&base, "ipv4", json!("10.0.0.256"))),
        ("ipv6", with(&base, "ipv6", json!("1::2::3"))),
        ("hostname", with(&base, "hostname", json!("-x.example.com"))),
        (
            "hostname",
            with(&base, "hostname", json!("a-very-long.example.com")),
        ),
        ("backup", with(&base, "backup", json!("nope"))),
    ];
    contract::<Formats>(&valid, &invalid);
}

#[derive(Debug, Structured)]
struct Numbers {
    #[outline(exclusive_min = 0, exclusive_max = 1)]
    ratio: f64,
    #[outline(min = -1.5, max = 1.5)]
    unit: f32,
    #[outline(multiple_of = 0.25)]
    quarter: f64,
    #[outline(one_of = [0.5, 1, 2.5])]
    pick: f64,
    #[outline(exclusive_min = -273.15)]
    celsius: f32,
    #[outline(min = 0, multiple_of = 3)]
    triple: u16,
}

#[test]
fn numbers() {
    let base = json!({"ratio": 0.5, "unit": -1.5, "quarter": 2.75, "pick": 1, "celsius": -273.1, "triple": 0});
    let valid = [
        base.clone(),
        json!({"ratio": 1e-9, "unit": 1.5, "quarter": -3, "pick": 2.5, "celsius": 1e30, "triple": 65535}),
    ];
    let invalid = [
        ("ratio", with(&base, "ratio", json!(0))),
        ("ratio", with(&base, "ratio", json!(1))),
        ("unit", with(&base, "unit", json!(1.51))),
        ("quarter", with(&base, "quarter", json!(0.3))),
        ("pick", with(&base, "pick", json!(2))),
        ("celsius", with(&base, "celsius", json!(-273.15))),
        ("celsius", with(&base, "celsius", json!(-1e39))),
        ("triple", with(&base, "triple", json!(65534))),
    ];
    contract::<Numbers>(&valid, &invalid);
}

// ---------------------------------------------------------------------------------------------------
// Collections and options

#[derive(Debug, Structured)]
struct Collections {
    #[outline(min = 1, max = 3, inner(min = 10, max = 20))]
    scores: Vec<u8>,
    #[outline(unique)]
    tags: Vec<String>,
    set: HashSet<u8>,
    #[outline(min = 1, inner(pattern = "^[a-z]+$"))]
    names: BTreeSet<String>,
    #[outline(max = 2, inner(min = 1))]
    counts: HashMap<String, u16>,
    nested: BTreeMap<String, Vec<bool>>,
    pair: (u8, String, Option<bool>),
    #[outline(unique, max = 3)]
    queue: VecDeque<i8>,
    #[outline(inner(min = 1, inner(max = 3)))]
    grid: Vec<Vec<u8>>,
    #[outline(unique, inner(max = 9))]
    fixed: [u8; 3],
    boxed: Box<[char; 2]>,
}

#[test]
fn collections() {
    let base = json!({
        "scores": [10], "tags": [], "set": [1, 2], "names": ["a"], "counts": {}, "nested": {},
        "pair": [0, "", null], "queue": [], "grid": [], "fixed": [0, 1, 9], "boxed": ["a", "é"],
    });
    let valid = [
        base.clone(),
        json!({
            "scores": [20, 10, 20], "tags": ["a", "A"], "set": [], "names": ["b", "a"],
            "counts": {"x": 1, "y": 65535}, "nested": {"k": [true, false]}, "pair": [255, "x", true],
            "queue": [-1, 0, 1], "grid": [[0, 3], [1]], "fixed": [9, 8, 7], "boxed": ["😀", "😀"],
        }),
    ];
    let invalid = [
        ("scores", with(&base, "scores", json!([]))),
        ("scores", with(&base, "scores", json!([10, 10, 10, 10]))),
        ("scores[0]", with(&base, "scores", json!([9]))),
        ("tags[1]", with(&base, "tags", json!(["a", "a"]))),
        ("set[2]", with(&base, "set", json!([1, 2, 1]))),
        ("names", with(&base, "names", json!([]))),
        ("names[0]", with(&base, "names", json!(["A"]))),
        (
            "counts",
            with(&base, "counts", json!({"a": 1, "b": 1, "c": 1})),
        ),
        ("counts.a", with(&base, "counts", json!({"a": 0}))),
        ("nested.k[0]", with(&base, "nested", json!({"k": [1]}))),
        ("pair", with(&base, "pair", json!([0, ""]))),
        ("pair", with(&base, "pair", json!([0, "", null, null]))),
        ("pair[2]", with(&base, "pair", json!([0, "", "yes"]))),
        ("queue", with(&base, "queue", json!([1, 2, 3, 4]))),
        ("queue[1]", with(&base, "queue", json!([1, 1]))),
        ("grid[0]", with(&base, "grid", json!([[]]))),
        ("grid[0][0]", with(&base, "grid", json!([[4]]))),
        ("fixed", with(&base, "fixed", json!([0, 1]))),
        ("fixed[2]", with(&base, "fixed", json!([0, 1, 0]))),
        ("fixed[0]", with(&base, "fixed", json!([10, 1, 2]))),
        ("boxed[1]", with(&base, "boxed", json!(["a", "bc"]))),
        ("tags", with(&base, "tags", json!({}))),
    ];
    contract::<Collections>(&valid, &invalid);
}

#[derive(Debug, Structured)]
struct Optionals {
    plain: Option<u8>,
    #[outline(min = 1, max = 5)]
    bounded: Option<i32>,
    #[outline(inner(pattern = "^#"))]
    tag: Option<String>,
    address: Option<Address>,
    #[outline(min = 1)]
    list: Option<Vec<u8>>,
    any: Option<Value>,
    nested: Option<Option<bool>>,
}

#[test]
fn options() {
    let valid = [
        json!({}),
        json!({"plain": null, "bounded": null, "tag": null, "address": null, "list": null, "any": null, "nested": null}),
        json!({"plain": 0, "bounded": 5, "tag": "#a", "address": {"street": "s", "zip": "12345"}, "list": [1], "any": [], "nested": true}),
    ];
    let invalid = [
        ("plain", json!({"plain": -1})),
        ("bounded", json!({"bounded": 0})),
        ("tag", json!({"tag": "a#"})),
        ("address.zip", json!({"address": {"street": "s"}})),
        ("list", json!({"list": []})),
        ("nested", json!({"nested": 1})),
    ];
    contract::<Optionals>(&valid, &invalid);
}

// ---------------------------------------------------------------------------------------------------
// Nesting, generics, recursion

/// A postal address.
#[derive(Debug, Structured)]
struct Address {
    street: String,
    #[outline(pattern = "^[0-9]{5}$", description = "five digits")]
    zip: String,
}

#[derive(Debug, Structured)]
struct Page<T> {
    #[outline(max = 2)]
    items: Vec<T>,
    total: u32,
}

#[derive(Debug, Structured)]
struct Person {
    name: String,
    home: Address,
    #[outline(max = 2)]
    others: Vec<Address>,
    page: Page<Address>,
    numbers: Page<u8>,
}

#[test]
fn nested_and_generic() {
    let a = json!({"street": "Main", "zip": "12345"});
    let base = json!({
        "name": "Ada", "home": a, "others": [a, a], "page": {"items": [a], "total": 1},
        "numbers": {"items": [1, 2], "total": 2},
    });
    let valid = [
        base.clone(),
        with(&base, "others", json!([])),
        with(
            &base,
            "page",
            json!({"items": [], "total": 0, "unknown": a}),
        ),
    ];
    let invalid = [
        (
            "home.zip",
            with(&base, "home", json!({"street": "Main", "zip": "1234"})),
        ),
        ("home.street", with(&base, "home", json!({"zip": "12345"}))),
        ("others", with(&base, "others", json!([a, a, a]))),
        (
            "others[1].zip",
            with(&base, "others", json!([a, {"street": "x", "zip": 12345}])),
        ),
        (
            "page.items",
            with(&base, "page", json!({"items": [a, a, a], "total": 3})),
        ),
        (
            "page.items[0].zip",
            with(
                &base,
                "page",
                json!({"items": [{"street": "x", "zip": "x"}], "total": 1}),
            ),
        ),
        (
            "numbers.items[0]",
            with(&base, "numbers", json!({"items": [a], "total": 1})),
        ),
    ];
    contract::<Person>(&valid, &invalid);
}

/// Recursion to the root: `{"$ref": "#"}`.
#[derive(Debug, Structured)]
struct Tree {
    #[outline(min = 0)]
    value: i32,
    children: Vec<Tree>,
    parent: Option<Box<Tree>>,
}

#[test]
fn recursion_to_the_root() {
    let leaf = json!({"value": 1, "children": []});
    let valid = [
        leaf.clone(),
        json!({"value": 0, "children": [leaf, {"value": 2, "children": [leaf], "parent": leaf}], "parent": null}),
    ];
    let invalid = [
        ("value", json!({"value": -1, "children": []})),
        (
            "children[0].children[0].value",
            json!({"value": 1, "children": [{"value": 1, "children": [{"value": -1, "children": []}]}]}),
        ),
        (
            "parent.children",
            json!({"value": 1, "children": [], "parent": {"value": 1}}),
        ),
    ];
    contract::<Tree>(&valid, &invalid);
}

/// Recursion inside `$defs`: `Tree` refers to itself by its definition, not the root.
#[derive(Debug, Structured)]
struct Forest {
    #[outline(min = 1)]
    trees: Vec<Tree>,
    expr: Expr,
}

/// An expression (externally tagged, recursive through `Box`).
#[derive(Debug, Structured)]
enum Expr {
    Num(f64),
    Neg(Box<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Var {
        #[outline(pattern = "^[a-z]+$")]
        name: String,
    },
}

#[test]
fn recursion_inside_defs() {
    let tree = json!({"value": 1, "children": [{"value": 2, "children": []}]});
    let expr = json!({"Add": [{"Num": 1}, {"Neg": {"Var": {"name": "x"}}}]});
    let base = json!({"trees": [tree], "expr": expr});
    let valid = [
        base.clone(),
        with(&base, "expr", json!({"Neg": {"Neg": {"Num": -0.5}}})),
    ];
    let invalid = [
        ("trees", with(&base, "trees", json!([]))),
        (
            "trees[0].children[0].value",
            with(
                &base,
                "trees",
                json!([{"value": 1, "children": [{"value": -2, "children": []}]}]),
            ),
        ),
        (
            "expr.Add",
            with(&base, "expr", json!({"Add": [{"Num": 1}]})),
        ),
        (
            "expr.Neg.Var.name",
            with(&base, "expr", json!({"Neg": {"Var": {"name": "X"}}})),
        ),
        (
            "expr",
            with(&base, "expr", json!({"Num": 1, "Neg": {"Num": 1}})),
        ),
    ];
    contract::<Forest>(&valid, &invalid);
    contract::<Expr>(&[expr], &[("$", json!("Num"))]);
}

// ---------------------------------------------------------------------------------------------------
// Objects: flatten, unknown fields, defaults, renames

#[derive(Debug, Structured)]
struct Flattened {
    id: u32,
    #[serde(flatten)]
    address: Address,
    #[serde(flatten)]
    extra: BTreeMap<String, u8>,
}

#[derive(Debug, Structured)]
struct Meta {
    #[outline(max = 9)]
    version: u8,
    author: Option<String>,
}

#[derive(Debug, Structured)]
struct FlattenedOpen {
    kind: String,
    #[serde(flatten)]
    meta: Meta,
}

#[test]
fn flatten() {
    let base = json!({"id": 1, "street": "s", "zip": "12345"});
    let valid = [base.clone(), with(&base, "other", json!(255))];
    let invalid = [
        ("zip", without(&base, "zip")),
        ("zip", with(&base, "zip", json!("x"))),
        ("other", with(&base, "other", json!(256))),
        ("other", with(&base, "other", json!("text"))),
    ];
    contract::<Flattened>(&valid, &invalid);

    let base = json!({"kind": "k", "version": 9});
    let valid = [
        base.clone(),
        with(&base, "author", json!("me")),
        with(&base, "unknown", json!([])),
    ];
    let invalid = [
        ("version", with(&base, "version", json!(10))),
        ("version", without(&base, "version")),
        ("author", with(&base, "author", json!(1))),
    ];
    contract::<FlattenedOpen>(&valid, &invalid);
}

#[derive(Debug, Structured)]
#[serde(deny_unknown_fields)]
struct Strict {
    a: u8,
    b: Option<String>,
}

#[test]
fn deny_unknown_fields() {
    let valid = [json!({"a": 1}), json!({"a": 1, "b": "x"})];
    let invalid = [("c", json!({"a": 1, "c": null})), ("a", json!({"b": null}))];
    contract::<Strict>(&valid, &invalid);
}

fn five() -> u8 {
    5
}

#[derive(Debug, Structured)]
struct Defaults {
    #[serde(default)]
    count: u32,
    #[serde(default = "five")]
    #[outline(max = 9)]
    level: u8,
    #[serde(skip)]
    cache: u64,
    #[serde(skip_deserializing)]
    computed: String,
    required: bool,
}

#[derive(Debug, Default, Structured)]
#[serde(default)]
struct AllDefault {
    a: u8,
    #[outline(min = 1)]
    b: String,
}

#[test]
fn defaults() {
    let valid = [
        json!({"required": true}),
        json!({"required": false, "count": 3, "level": 9}),
        json!({"required": false, "cache": "ignored", "computed": 1}),
    ];
    let invalid = [
        ("required", json!({})),
        ("level", json!({"required": true, "level": 10})),
        ("count", json!({"required": true, "count": null})),
    ];
    contract::<Defaults>(&valid, &invalid);

    let valid = [json!({}), json!({"a": 1, "b": "x"})];
    let invalid = [("b", json!({"b": ""})), ("a", json!({"a": "1"}))];
    contract::<AllDefault>(&valid, &invalid);
}

#[derive(Debug, Structured)]
#[serde(rename_all = "camelCase")]
struct Renamed {
    first_name: String,
    #[serde(rename = "surname")]
    last_name: String,
    user_id: u64,
    inner: Kebab,
}

#[derive(Debug, Structured)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Kebab {
    max_items: u8,
    #[serde(rename = "ID")]
    id: u8,
}

#[test]
fn renames() {
    let base =
        json!({"firstName": "A", "surname": "L", "userId": 1, "inner": {"max-items": 1, "ID": 2}});
    let valid = [
        base.clone(),
        with(&base, "lastName", json!("L")),
        with(&base, "first_name", json!(1)),
    ];
    let invalid = [
        ("firstName", without(&base, "firstName")),
        (
            "surname",
            with(&without(&base, "surname"), "lastName", json!("L")),
        ),
        ("userId", with(&base, "userId", json!(-1))),
        (
            "inner.max_items",
            with(
                &base,
                "inner",
                json!({"max_items": 1, "max-items": 1, "ID": 2}),
            ),
        ),
        (
            "inner.id",
            with(&base, "inner", json!({"max-items": 1, "ID": 2, "id": 2})),
        ),
    ];
    contract::<Renamed>(&valid, &invalid);
}

// ---------------------------------------------------------------------------------------------------
// Enums

/// Externally tagged, with renames and a skipped variant.
#[derive(Debug, Structured)]
#[serde(rename_all = "snake_case")]
enum Shape {
    /// A circle.
    Circle {
        #[outline(exclusive_min = 0)]
        radius: f64,
    },
    Square(#[outline(min = 0)] f64),
    Line(f64, f64),
    Empty,
    #[serde(rename = "poly")]
    Polygon(#[outline(min = 3)] Vec<(f64, f64)>),
    #[serde(skip)]
    Hidden,
    #[serde(rename_all = "UPPERCASE")]
    Labelled {
        text_value: String,
    },
}

#[test]
fn externally_tagged() {
    let valid = [
        json!({"circle": {"radius": 1}}),
        json!({"square": 0}),
        json!({"line": [1, 2.5]}),
        json!("empty"),
        json!({"poly": [[0, 0], [1, 0], [0, 1]]}),
        json!({"labelled": {"TEXT_VALUE": "x"}}),
    ];
    let invalid = [
        ("circle.radius", json!({"circle": {"radius": 0}})),
        ("square", json!({"square": -1})),
        ("line", json!({"line": [1]})),
        ("$", json!("hidden")),
        ("$", json!("Empty")),
        ("$", json!({"Circle": {"radius": 1}})),
        ("poly", json!({"poly": [[0, 0], [1, 0]]})),
        (
            "labelled.TEXT_VALUE",
            json!({"labelled": {"text_value": "x"}}),
        ),
        ("$", json!({"square": 1, "line": [1, 2]})),
        ("$", json!({})),
        ("$", json!(null)),
    ];
    contract::<Shape>(&valid, &invalid);
}

#[derive(Debug, Structured)]
struct KeyPress {
    #[outline(min = 1, max = 1)]
    key: String,
    shift: Option<bool>,
}

/// Internally tagged.
#[derive(Debug, Structured)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Event {
    Click {
        x: i32,
        #[outline(min = 0)]
        y: i32,
    },
    Key(KeyPress),
    Blur,
    #[serde(rename = "scroll-by")]
    Scroll {
        #[serde(default)]
        delta: i16,
    },
}

#[test]
fn internally_tagged() {
    let valid = [
        json!({"type": "click", "x": -1, "y": 0}),
        json!({"x": 1, "y": 2, "type": "click"}),
        json!({"type": "key", "key": "a"}),
        json!({"key": "é", "shift": true, "type": "key"}),
        json!({"type": "blur"}),
        json!({"type": "blur", "extra": 1}),
        json!({"type": "scroll-by"}),
    ];
    let invalid = [
        ("y", json!({"type": "click", "x": 1, "y": -1})),
        ("x", json!({"type": "click", "y": 1})),
        ("key", json!({"type": "key", "key": "ab"})),
        ("type", json!({"type": "Blur"})),
        ("type", json!({"x": 1})),
        ("type", json!({"type": 1})),
        ("delta", json!({"type": "scroll-by", "delta": 40000})),
        ("$", json!("blur")),
    ];
    contract::<Event>(&valid, &invalid);
}

/// Adjacently tagged.
#[derive(Debug, Structured)]
#[serde(tag = "t", content = "c")]
enum Message {
    Text(#[outline(min = 1)] String),
    Move { dx: i8 },
    Pair(u8, u8),
    Ping,
}

#[test]
fn adjacently_tagged() {
    let valid = [
        json!({"t": "Text", "c": "hi"}),
        json!({"c": "hi", "t": "Text"}),
        json!({"t": "Move", "c": {"dx": -1}}),
        json!({"t": "Pair", "c": [1, 2]}),
        json!({"t": "Ping"}),
        json!({"t": "Ping", "c": null}),
        json!({"t": "Ping", "other": 1}),
    ];
    let invalid = [
        ("c", json!({"t": "Text", "c": ""})),
        ("c", json!({"t": "Text"})),
        ("c.dx", json!({"t": "Move", "c": {"dx": 128}})),
        ("c", json!({"t": "Pair", "c": [1]})),
        ("t", json!({"t": "Pong"})),
        ("t", json!({"c": "hi"})),
    ];
    contract::<Message>(&valid, &invalid);
}

/// Untagged: the variants are structurally distinct, so the first that fits is the only one.
#[derive(Debug, Structured)]
#[serde(untagged)]
enum Id {
    Number(#[outline(max = 1000)] u64),
    Name(#[outline(min = 1)] String),
    Pair { a: u8, b: Option<u8> },
    Nothing,
    Many(Vec<bool>),
}

/// Untagged: a value out of `u8`'s range is a structural miss, so `Big` is tried next (as serde does).
#[derive(Debug, Structured)]
#[serde(untagged)]
enum Amount {
    Small(u8),
    Big(f64),
}

#[test]
fn untagged() {
    let valid = [
        json!(7),
        json!("x"),
        json!({"a": 1}),
        json!({"a": 1, "b": null, "c": 0}),
        json!(null),
        json!([true]),
    ];
    let invalid = [
        ("$", json!(1001)),
        ("$", json!("")),
        ("$", json!({"a": 256})),
        ("$", json!({"b": 1})),
        ("$", json!(true)),
        ("$", json!(-1)),
        ("$", json!([1])),
    ];
    contract::<Id>(&valid, &invalid);
    contract::<Amount>(&[json!(255), json!(256), json!(-0.5)], &[("$", json!("1"))]);
}

/// Unit-only, externally tagged: a plain string enum.
#[derive(Debug, Structured)]
#[serde(rename_all = "lowercase")]
enum Color {
    Red,
    Green,
    #[serde(rename = "BLUE")]
    Blue,
}

/// Unit-only with a documented variant: rendered as `anyOf` of `const`s.
#[derive(Debug, Structured)]
enum Size {
    /// Up to 1 m.
    Small,
    Large,
}

/// Unit-only, internally tagged.
#[derive(Debug, Structured)]
#[serde(tag = "level")]
enum Level {
    Low,
    High,
}

/// Unit-only, adjacently tagged.
#[derive(Debug, Structured)]
#[serde(tag = "t", content = "c")]
enum Switch {
    On,
    Off,
}

/// Unit-only, untagged: every variant is `null`.
#[derive(Debug, Structured)]
#[serde(untagged)]
enum Void {
    Nothing,
}

#[test]
fn unit_only_enums() {
    contract::<Color>(
        &[json!("red"), json!("BLUE")],
        &[
            ("$", json!("Red")),
            ("$", json!("blue")),
            ("red", json!({"red": null})),
        ],
    );
    contract::<Size>(&[json!("Small"), json!("Large")], &[("$", json!("small"))]);
    contract::<Level>(
        &[json!({"level": "Low"}), json!({"level": "High", "x": 1})],
        &[("level", json!({"level": "low"})), ("$", json!("Low"))],
    );
    contract::<Switch>(
        &[json!({"t": "On"}), json!({"t": "Off", "c": null})],
        &[("t", json!({"t": "on"})), ("t", json!({}))],
    );
    contract::<Void>(&[json!(null)], &[("$", json!(0))]);
}

/// `rename_all_fields` renames the fields of every struct variant.
#[derive(Debug, Structured)]
#[serde(tag = "op", rename_all = "snake_case", rename_all_fields = "camelCase")]
enum Command {
    MoveTo { delta_x: i8, delta_y: i8 },
    Stop,
}

#[test]
fn rename_all_fields() {
    contract::<Command>(
        &[
            json!({"op": "move_to", "deltaX": 1, "deltaY": -1}),
            json!({"op": "stop"}),
        ],
        &[(
            "deltaX",
            json!({"op": "move_to", "delta_x": 1, "deltaY": -1}),
        )],
    );
}

// ---------------------------------------------------------------------------------------------------
// Newtypes, tuple structs, transparent and unit structs

#[derive(Debug, Structured)]
struct Meters(#[outline(min = 0)] f64);

#[derive(Debug, Structured)]
struct Point(f64, #[outline(max = 10)] f64);

#[derive(Debug, Structured)]
#[serde(transparent)]
struct Email {
    #[outline(format = "email")]
    value: String,
}

#[derive(Debug, Structured)]
#[serde(transparent)]
struct Maybe {
    inner: Option<u8>,
}

#[derive(Debug, Structured)]
struct MaybeCount(Option<u8>);

#[derive(Debug, Structured)]
struct Marker;

#[derive(Debug, Structured)]
struct Holder {
    distance: Meters,
    at: Point,
    contact: Email,
    maybe: Maybe,
    count: MaybeCount,
    marker: Marker,
}

#[test]
fn newtypes_and_transparent() {
    let base = json!({
        "distance": 0, "at": [1, 10], "contact": "a@example.com", "count": null, "marker": null,
    });
    let valid = [
        base.clone(),
        with(&base, "maybe", json!(3)),
        with(&base, "count", json!(1)),
    ];
    let invalid = [
        ("distance", with(&base, "distance", json!(-1))),
        ("at[1]", with(&base, "at", json!([1, 11]))),
        ("at", with(&base, "at", json!([1]))),
        ("contact", with(&base, "contact", json!("nope"))),
        ("maybe", with(&base, "maybe", json!(256))),
        ("count", without(&base, "count")),
        ("marker", with(&base, "marker", json!({}))),
    ];
    contract::<Holder>(&valid, &invalid);
    contract::<Meters>(&[json!(0.5)], &[("$", json!(-0.5))]);
    contract::<Marker>(&[json!(null)], &[("$", json!(false))]);
}

// ---------------------------------------------------------------------------------------------------
// Intended divergences, pinned on both sides

/// The JSON Schema's verdict on `v`.
fn schema_accepts<T: Structured>(v: &Value) -> bool {
    reference(&T::json_schema()).is_valid(v)
}

/// The kind of the validator's first error on `v`.
fn first_error<T: Structured + Debug>(v: &Value) -> outlines::ErrorKind {
    T::from_value(v).unwrap_err().errors()[0].kind()
}

#[derive(Debug, Structured)]
struct Count {
    n: u32,
}

/// JSON Schema 2020-12 counts any number with a zero fraction as an integer; serde does not read
/// `30.0` into an integer, and the validator accepts only what serde reads.
#[test]
fn integer_written_with_a_fraction() {
    for v in [json!({"n": 30.0}), json!({"n": 0.0}), json!({"n": 1e3})] {
        assert!(schema_accepts::<Count>(&v), "{v}");
        assert_eq!(first_error::<Count>(&v), outlines::ErrorKind::Type, "{v}");
        assert!(serde_json::from_value::<u32>(v["n"].clone()).is_err());
    }
}

#[derive(Debug, Structured)]
#[serde(deny_unknown_fields)]
struct Aliased {
    #[serde(alias = "surname")]
    last_name: String,
    tone: Tone,
}

#[derive(Debug, Structured)]
enum Tone {
    #[serde(alias = "Grey")]
    Gray,
}

/// The schema lists only primary names: an alias is accepted by the validator (as by serde) and
/// rejected by the schema, as a missing required key and an unknown key, or as a value not in `enum`.
#[test]
fn aliases() {
    let primary = json!({"last_name": "L", "tone": "Gray"});
    assert!(schema_accepts::<Aliased>(&primary));
    assert!(Aliased::from_value(&primary).is_ok());
    for v in [
        json!({"surname": "L", "tone": "Gray"}),
        json!({"last_name": "L", "tone": "Grey"}),
    ] {
        assert!(!schema_accepts::<Aliased>(&v), "{v}");
        assert!(Aliased::from_value(&v).is_ok(), "{v}");
    }
}

/// A parsed `Value` cannot hold a repeated key (the last one wins), so the schema never sees one; the
/// validator reads the text and rejects a repeated field, as serde does. A repeated map key keeps the
/// last value, as serde does, so maps agree.
#[test]
fn duplicate_keys() {
    let text = r#"{"a": 1, "a": 2}"#;
    let parsed: Value = serde_json::from_str(text).unwrap();
    assert_eq!(parsed, json!({"a": 2}));
    assert!(schema_accepts::<Strict>(&parsed));
    let err = Strict::from_json(text).unwrap_err();
    assert_eq!(err.errors()[0].kind(), outlines::ErrorKind::Duplicate);
    assert_eq!(err.errors()[0].path().to_string(), "a");

    let map = BTreeMap::<String, u8>::from_json(text).unwrap();
    assert_eq!(map["a"], 2);
    assert!(schema_accepts::<BTreeMap<String, u8>>(&parsed));
}

/// Not a divergence: a set rejects duplicate items and its schema says `uniqueItems`, so both sides
/// reject them (serde would silently drop the duplicate).
#[test]
fn sets_with_duplicates() {
    for v in [json!([1, 1]), json!([2, 1, 2])] {
        assert!(!schema_accepts::<HashSet<u8>>(&v));
        assert_eq!(
            first_error::<HashSet<u8>>(&v),
            outlines::ErrorKind::Constraint
        );
        assert!(!schema_accepts::<BTreeSet<u8>>(&v));
        assert_eq!(
            first_error::<BTreeSet<u8>>(&v),
            outlines::ErrorKind::Constraint
        );
    }
    let v = json!(["a", "b", "a"]);
    assert!(!schema_accepts::<BTreeSet<String>>(&v));
    assert!(BTreeSet::<String>::from_value(&v).is_err());
}

/// A tag compared by name only: two tags with different notes are equal in Rust, not in JSON.
#[derive(Debug, Structured)]
struct Tag {
    name: String,
    note: Option<String>,
}

impl PartialEq for Tag {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

#[derive(Debug, Structured)]
struct Uniques {
    #[outline(unique)]
    tags: Vec<Tag>,
    #[outline(unique)]
    values: Vec<Value>,
    #[outline(unique)]
    floats: Vec<f64>,
}

/// `unique` compares with `PartialEq`, `uniqueItems` with JSON equality. Where they differ, so do
/// the verdicts, in both directions.
#[test]
fn unique_uses_partial_eq() {
    let base = json!({"tags": [], "values": [], "floats": []});
    // Equal in Rust, different in JSON: the validator rejects, the schema accepts.
    let v = with(
        &base,
        "tags",
        json!([{"name": "a", "note": "x"}, {"name": "a", "note": "y"}]),
    );
    assert!(schema_accepts::<Uniques>(&v));
    assert_eq!(first_error::<Uniques>(&v), outlines::ErrorKind::Constraint);
    // Equal in JSON (the same number), different `Value`s in Rust: the validator accepts.
    let v = with(&base, "values", json!([1, 1.0]));
    assert!(!schema_accepts::<Uniques>(&v));
    assert!(Uniques::from_value(&v).is_ok());
    // Where both notions agree, so do the verdicts.
    for (key, items) in [
        ("floats", json!([0.0, -0.0])),
        ("values", json!([{"a": 1, "b": 2}, {"b": 2, "a": 1}])),
    ] {
        let v = with(&base, key, items);
        assert!(!schema_accepts::<Uniques>(&v), "{v}");
        assert!(Uniques::from_value(&v).is_err(), "{v}");
    }
}

#[derive(Debug, PartialEq, Structured, serde::Deserialize)]
#[serde(untagged)]
enum Quantity {
    Few(#[outline(max = 10)] u8),
    Many(u32),
}

/// serde reads an untagged enum as its first variant that fits structurally: `50` is `Few(50)`. The
/// validator reports `Few`'s broken constraint instead of accepting `Many(50)`, a value serde would
/// never build; `anyOf` accepts `50` through `Many`.
#[test]
fn untagged_first_fit() {
    let v = json!(50);
    assert_eq!(
        serde_json::from_value::<Quantity>(v.clone()).unwrap(),
        Quantity::Few(50)
    );
    assert!(schema_accepts::<Quantity>(&v));
    assert_eq!(first_error::<Quantity>(&v), outlines::ErrorKind::Constraint);
    // A value no earlier variant fits structurally goes to the later one on both sides.
    let v = json!(300);
    assert!(schema_accepts::<Quantity>(&v));
    assert_eq!(Quantity::from_value(&v).unwrap(), Quantity::Many(300));
}

fn even(n: &u32) -> Result<(), String> {
    if n % 2 == 0 {
        Ok(())
    } else {
        Err(format!("{n} is odd"))
    }
}

fn ordered(r: &Span) -> Result<(), &'static str> {
    if r.start <= r.end {
        Ok(())
    } else {
        Err("start after end")
    }
}

#[derive(Debug, Structured)]
#[outline(check = ordered)]
struct Span {
    #[outline(validate = even)]
    start: u32,
    end: u32,
}

/// Custom rules (`validate = ...`, `check = ...`) are code: the schema cannot state them.
#[test]
fn custom_rules() {
    for v in [json!({"start": 1, "end": 2}), json!({"start": 4, "end": 2})] {
        assert!(schema_accepts::<Span>(&v));
        assert_eq!(first_error::<Span>(&v), outlines::ErrorKind::Custom);
    }
    assert!(Span::from_value(&json!({"start": 2, "end": 2})).is_ok());
}

// ---------------------------------------------------------------------------------------------------
// Regressions: corners where the two sides once disagreed, each on a minimal sample.

/// Panics, listing every disagreement, unless the validator and the schema agree on each sample (and
/// the schema is valid 2020-12).
fn agree<T: Structured + Debug>(samples: &[Value]) {
    let reference = reference(&T::json_schema());
    let failures: Vec<String> = samples
        .iter()
        .filter_map(|v| verdict::<T>(&reference, v).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// An adjacently tagged unit variant has no content: absent or `null` on both sides.
#[test]
fn adjacent_unit_variant_content() {
    agree::<Switch>(&[json!({"t": "On", "c": 1})]);
}

#[derive(Debug, Structured)]
#[serde(tag = "type", deny_unknown_fields)]
enum StrictEvent {
    Blur,
    Click { x: u8 },
}

#[derive(Debug, Structured)]
#[serde(tag = "t", content = "c", deny_unknown_fields)]
enum StrictMessage {
    Ping,
    Text(String),
}

/// `deny_unknown_fields` on an enum closes every tagged object, unit variants and adjacently tagged
/// ones included.
#[test]
fn enum_deny_unknown_fields() {
    agree::<StrictEvent>(&[
        json!({"type": "Click", "x": 1, "y": 2}),
        json!({"type": "Blur", "x": 1}),
    ]);
    agree::<StrictMessage>(&[
        json!({"t": "Text", "c": "a", "x": 1}),
        json!({"t": "Ping", "x": 1}),
    ]);
}

#[derive(Debug, Structured)]
struct Step {
    #[outline(multiple_of = 0.25)]
    quarter: f64,
}

/// `multiple_of` on floats is exact on the decimal value, as `jsonschema` checks `multipleOf`.
#[test]
fn float_multiple_of_is_decimal() {
    agree::<Step>(&[
        json!({"quarter": 0.75}),
        json!({"quarter": 0.250000000001}),
        json!({"quarter": 1e-12}),
    ]);
}

#[derive(Debug, Structured)]
struct Patterns {
    #[outline(pattern = r"^\d+$")]
    digits: Option<String>,
    #[outline(pattern = r"^\w+$")]
    word: Option<String>,
    #[outline(pattern = r"^.$")]
    any_char: Option<String>,
}

/// Patterns mean what ECMA-262 says, JSON Schema's dialect: `\d` and `\w` are ASCII, `.` matches no
/// line terminator.
#[test]
fn pattern_dialect_is_ecma_262() {
    agree::<Patterns>(&[
        json!({"digits": "42", "word": "a_1", "any_char": "x"}),
        json!({"digits": "٤٢"}),
        json!({"word": "é"}),
        json!({"any_char": "\r"}),
    ]);
}

#[derive(Debug, Structured)]
struct NullableNull {
    unit: Option<()>,
    marker: Option<Marker>,
}

/// `Option<()>` is `null`, not `"type": ["null", "null"]` (which the metaschema rejects).
#[test]
fn option_of_null_schema() {
    agree::<NullableNull>(&[json!({})]);
}
