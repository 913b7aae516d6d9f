//! The validator accepts only what serde reads, and reads it the same: whenever `T::from_value(&v)` is
//! `Ok(x)`, `serde_json::from_value::<T>(v)` is `Ok(y)` with `x == y`; the same for `T::from_json`
//! against `serde_json::from_str`, on the plain text and on text with a repeated key.
//!
//! Checked with property tests on types deriving both `Structured` and `Deserialize` that cover the
//! serde attributes the derive follows, the four enum representations, options, defaults, skipped and
//! flattened fields, and nested, generic and recursive types. Samples are values shaped by the type's
//! JSON Schema (half of them mutated) and arbitrary JSON.

mod common;

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Debug;

use outlines::Structured;
use proptest::strategy::{BoxedStrategy, Strategy};
use proptest::test_runner::TestCaseError;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------------
// The property

/// Shaped samples per type (arbitrary JSON gets half as many).
const CASES: u32 = 256;

/// If the validator accepts `input`, serde reads it to an equal value.
fn same<T: PartialEq + Debug, E: Debug>(
    input: &dyn Debug,
    ours: Result<T, outlines::Diagnostics>,
    serde: impl FnOnce() -> Result<T, E>,
) -> Result<bool, TestCaseError> {
    let Ok(x) = ours else {
        return Ok(false);
    };
    match serde() {
        Ok(y) if x == y => Ok(true),
        Ok(y) => Err(TestCaseError::fail(format!(
            "{input:?}: the validator built {x:?}, serde {y:?}"
        ))),
        Err(e) => Err(TestCaseError::fail(format!(
            "{input:?}: the validator built {x:?}, serde fails: {e:?}"
        ))),
    }
}

/// The object's text with its first key written again at the end (serde and the validator both see
/// the repetition; a parsed `Value` would not).
fn repeated_key(v: &Value) -> Option<String> {
    let (k, first) = v.as_object()?.iter().next()?;
    let text = v.to_string();
    let entry = serde_json::to_string(&json!({ k: first })).ok()?;
    Some(format!(
        "{},{}}}",
        &text[..text.len() - 1],
        &entry[1..entry.len() - 1]
    ))
}

/// The property on JSON text: if the validator accepts it, serde reads it to an equal value.
fn check_text<T: Structured + DeserializeOwned + PartialEq + Debug>(
    text: &str,
) -> Result<bool, TestCaseError> {
    same(&text, T::from_json(text), || {
        serde_json::from_str::<T>(text)
    })
}

/// Checks the property on `v`; `true` when the validator accepted it.
fn check<T: Structured + DeserializeOwned + PartialEq + Debug>(
    v: &Value,
) -> Result<bool, TestCaseError> {
    let accepted = same(v, T::from_value(v), || {
        serde_json::from_value::<T>(v.clone())
    })?;
    let parsed = check_text::<T>(&v.to_string())?;
    if accepted != parsed {
        return Err(TestCaseError::fail(format!(
            "{v}: from_value says {accepted}, from_json says {parsed}"
        )));
    }
    Ok(accepted)
}

/// Runs [`check`] on `cases` samples; returns how many the validator accepted.
fn accepted<T>(samples: BoxedStrategy<Value>, cases: u32) -> u32
where
    T: Structured + DeserializeOwned + PartialEq + Debug,
{
    let count = Cell::new(0);
    let result = common::runner(cases, 1_000_220).run(&samples, |v| {
        count.set(count.get() + u32::from(check::<T>(&v)?));
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    count.get()
}

/// Checks `T` on shaped samples (a healthy share accepted, so the property is exercised) and on
/// arbitrary JSON. `names` are keys and strings mutations may write besides those in the schema:
/// aliases, skipped fields, skipped variants.
fn property<T>(names: &[&str])
where
    T: Structured + DeserializeOwned + PartialEq + Debug,
{
    let shaped = accepted::<T>(common::mutated(&T::json_schema(), names), CASES);
    assert!(
        shaped >= CASES / 8,
        "only {shaped} of {CASES} shaped samples were accepted"
    );
    accepted::<T>(common::arbitrary(), CASES / 2);
}

/// The property on the text of shaped samples with their first key written twice.
fn repeated<T>()
where
    T: Structured + DeserializeOwned + PartialEq + Debug,
{
    let texts =
        common::mutated(&T::json_schema(), &[]).prop_filter_map("an object", |v| repeated_key(&v));
    let result =
        common::runner(CASES / 2, 1_000_220).run(&texts, |text| check_text::<T>(&text).map(drop));
    if let Err(e) = result {
        panic!("{}: {e}", std::any::type_name::<T>());
    }
}

/// Panics, listing every failure, unless the property holds on each text.
fn holds<T>(texts: &[&str])
where
    T: Structured + DeserializeOwned + PartialEq + Debug,
{
    let failures: Vec<String> = texts
        .iter()
        .filter_map(|text| check_text::<T>(text).err())
        .map(|e| e.to_string())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------------
// Structs

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Address {
    street: String,
    #[outline(pattern = "^[0-9]{5}$")]
    zip: String,
}

fn default_tier() -> u8 {
    3
}

fn seven() -> u8 {
    7
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Customer {
    first_name: String,
    #[serde(rename = "surname", alias = "lastName", alias = "family")]
    last_name: String,
    #[serde(default)]
    vip: bool,
    #[serde(default = "default_tier")]
    #[outline(max = 5)]
    tier: u8,
    #[serde(skip)]
    internal_id: u64,
    #[serde(skip_deserializing, default = "seven")]
    computed: u8,
    home: Address,
    #[outline(max = 3)]
    other_addresses: Vec<Address>,
    nickname: Option<String>,
    tags: BTreeSet<String>,
    scores: BTreeMap<String, f32>,
    pair: (u8, char),
    big: i128,
}

#[test]
fn struct_attributes() {
    property::<Customer>(&[
        "lastName",
        "family",
        "internalId",
        "internal_id",
        "computed",
    ]);
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(default)]
struct Settings {
    volume: u8,
    #[outline(min = 1)]
    name: String,
    #[serde(rename = "ratio")]
    scale: f64,
    theme: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            volume: 7,
            name: "default".into(),
            scale: 0.5,
            theme: Some("dark".into()),
        }
    }
}

#[test]
fn container_default() {
    property::<Settings>(&[]);
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Inner {
    #[serde(alias = "lvl")]
    level: u8,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Flattened {
    id: u32,
    #[serde(flatten)]
    address: Address,
    #[serde(flatten)]
    inner: Inner,
    #[serde(flatten)]
    extra: BTreeMap<String, Value>,
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct FlattenedClosed {
    name: String,
    #[serde(flatten)]
    inner: Inner,
    #[serde(flatten)]
    counts: HashMap<String, u8>,
}

#[test]
fn flatten() {
    property::<Flattened>(&["lvl"]);
    property::<FlattenedClosed>(&["lvl"]);
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Page<T> {
    #[outline(max = 3)]
    items: Vec<T>,
    total: u32,
    next: Option<Box<Page<T>>>,
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Tree {
    value: i32,
    children: Vec<Tree>,
    #[serde(default)]
    label: Option<String>,
}

#[test]
fn generic_and_recursive() {
    property::<Page<Address>>(&[]);
    property::<Page<Option<u8>>>(&[]);
    property::<Tree>(&[]);
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Meters(#[outline(min = 0)] f64);

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Point(f64, f64);

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Skipping(u8, #[serde(skip)] u8, String);

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(transparent)]
struct UserId {
    value: u64,
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(transparent)]
struct Maybe {
    inner: Option<u8>,
    #[serde(skip)]
    cached: bool,
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Marker;

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Wrappers {
    distance: Meters,
    at: Point,
    skipping: Skipping,
    id: UserId,
    maybe: Maybe,
    marker: Marker,
    set: HashSet<i8>,
    any: Value,
    nested: Option<Option<bool>>,
}

#[test]
fn newtypes_and_transparent() {
    property::<Wrappers>(&[]);
}

// ---------------------------------------------------------------------------------------------------
// Enums

/// Externally tagged, with every variant attribute.
#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(rename_all = "snake_case", rename_all_fields = "camelCase")]
enum Shape {
    Circle {
        #[outline(exclusive_min = 0)]
        radius_cm: f64,
    },
    Square(f64),
    Line(f64, f64),
    Empty,
    #[serde(rename = "poly", alias = "polygon")]
    Polygon(Vec<(f64, f64)>),
    #[serde(skip)]
    #[allow(dead_code)] // skipped: never read
    Hidden,
    #[serde(rename_all = "UPPERCASE")]
    Labelled {
        text_value: String,
    },
}

#[test]
fn externally_tagged() {
    property::<Shape>(&["polygon", "hidden", "Hidden", "radius_cm", "text_value"]);
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct KeyPress {
    #[outline(min = 1, max = 1)]
    key: String,
    shift: Option<bool>,
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Event {
    Click {
        x: i32,
        #[serde(default)]
        y: i32,
    },
    Key(KeyPress),
    #[serde(alias = "unfocus")]
    Blur,
    Resize(BTreeMap<String, u16>),
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(tag = "kind", deny_unknown_fields)]
enum StrictEvent {
    Blur,
    Click { x: u8 },
    Key(KeyPress),
}

#[test]
fn internally_tagged() {
    property::<Event>(&["unfocus"]);
    property::<StrictEvent>(&[]);
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(tag = "t", content = "c")]
enum Message {
    Text(#[outline(min = 1)] String),
    Move { dx: i8 },
    Pair(u8, u8),
    Ping,
    Maybe(Option<u8>),
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(
    tag = "t",
    content = "c",
    deny_unknown_fields,
    rename_all = "kebab-case"
)]
enum StrictMessage {
    PingPong,
    SayHello(String),
}

#[test]
fn adjacently_tagged() {
    property::<Message>(&[]);
    property::<StrictMessage>(&[]);
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(untagged)]
enum Id {
    Number(u64),
    Name(#[outline(min = 1)] String),
    Pair { a: u8, b: Option<u8> },
    Strict(StrictPair),
    Nothing,
    Many(Vec<bool>),
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(deny_unknown_fields)]
struct StrictPair {
    x: u8,
    y: u8,
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(untagged)]
enum Amount {
    Small(u8),
    Set(BTreeSet<u8>),
    Big(f64),
    Text(String),
}

#[test]
fn untagged() {
    property::<Id>(&[]);
    property::<Amount>(&[]);
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Color {
    Red,
    #[serde(alias = "grey")]
    Gray,
    #[serde(rename = "BLUE")]
    Blue,
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Palette {
    main: Color,
    #[outline(max = 2)]
    others: Vec<Color>,
    by_name: BTreeMap<String, Color>,
}

#[test]
fn unit_only_enums() {
    property::<Palette>(&["grey", "Red", "blue"]);
}

// ---------------------------------------------------------------------------------------------------
// Repeated keys: serde rejects a repeated field; so must the validator, wherever the object is read.

#[test]
fn repeated_keys() {
    repeated::<Customer>();
    repeated::<Settings>();
    repeated::<Flattened>();
    repeated::<FlattenedClosed>();
    repeated::<Page<Address>>();
    repeated::<Tree>();
    repeated::<Wrappers>();
    repeated::<Shape>();
    repeated::<Event>();
    repeated::<StrictEvent>();
    repeated::<Message>();
    repeated::<StrictMessage>();
    repeated::<Id>();
    repeated::<Amount>();
    repeated::<Palette>();
}

/// Where the validator buffers an object before reading it (an untagged enum, an internally tagged
/// enum whose tag is not the first key, adjacently tagged content that comes before its tag), and
/// after an internally tagged enum's leading tag, a repeated key must still be an error: serde reads
/// each of these texts as one.
#[test]
fn repeated_keys_in_buffered_objects() {
    holds::<Event>(&[
        r#"{"type": "click", "x": 0, "type": "click"}"#,
        r#"{"x": 0, "type": "click", "x": 1}"#,
    ]);
    holds::<Message>(&[r#"{"c": {"dx": 1, "dx": 2}, "t": "Move"}"#]);
    holds::<Id>(&[r#"{"a": 1, "a": 1}"#]);
}

// ---------------------------------------------------------------------------------------------------
// Regressions: corners where the property once failed, each on a minimal sample.

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(untagged)]
enum Width {
    Single(f32),
    Double(f64),
}

/// serde reads `1e39` into the first variant, `f32`, as infinity. The validator reports the overflow
/// against `Single` as a broken constraint and rejects the input, rather than building `Double(1e39)`,
/// a value serde never builds.
#[test]
fn untagged_f32_overflow_rejects_rather_than_picking_another_variant() {
    holds::<Width>(&["1.5", "1e39"]);
}
