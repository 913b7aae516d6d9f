//! Every `#[outline(...)]` key: what it accepts, what it rejects, and what the error says.

use std::collections::{BTreeMap, VecDeque};

use outlines::{ErrorKind, Structured};
use serde_json::json;

/// The errors of `T::from_value(v)` as `(path, kind, expected, got)`.
fn errors<T: Structured + std::fmt::Debug>(
    v: serde_json::Value,
) -> Vec<(String, ErrorKind, String, Option<String>)> {
    match T::from_value(&v) {
        Ok(ok) => panic!("{v} was accepted as {ok:?}"),
        Err(d) => d
            .errors()
            .iter()
            .map(|e| {
                (
                    e.path().to_string(),
                    e.kind(),
                    e.expected().to_owned(),
                    e.got().map(str::to_owned),
                )
            })
            .collect(),
    }
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Numbers {
    #[outline(min = 0, max = 120)]
    age: u8,
    #[outline(exclusive_min = 0, exclusive_max = 1)]
    ratio: f64,
    #[outline(multiple_of = 5)]
    step: i32,
    #[outline(multiple_of = 0.25)]
    quarter: f32,
    #[outline(one_of = [1, 2, 3])]
    level: u8,
    #[outline(min = -10.5)]
    temperature: f64,
}

#[test]
fn numbers() {
    let ok = json!({"age": 30, "ratio": 0.5, "step": -15, "quarter": 0.75, "level": 2, "temperature": -10.5});
    assert!(Numbers::from_value(&ok).is_ok());
    let bad =
        json!({"age": 121, "ratio": 1, "step": 7, "quarter": 0.3, "level": 4, "temperature": -11});
    let got = errors::<Numbers>(bad);
    let expected: Vec<(&str, &str)> = vec![
        ("age", "integer between 0 and 120"),
        ("ratio", "number greater than 0, less than 1"),
        (
            "step",
            "integer between -2147483648 and 2147483647, a multiple of 5",
        ),
        ("quarter", "number that is a multiple of 0.25"),
        ("level", "one of: 1, 2, 3"),
        ("temperature", "number at least -10.5"),
    ];
    let found: Vec<(&str, &str)> = got
        .iter()
        .map(|(p, _, e, _)| (p.as_str(), e.as_str()))
        .collect();
    assert_eq!(found, expected);
    assert!(got.iter().all(|(_, k, _, _)| *k == ErrorKind::Constraint));
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Strings {
    #[outline(min = 2, max = 5)]
    code: String,
    #[outline(pattern = "^[a-z]+$")]
    slug: String,
    #[outline(format = "email")]
    email: String,
    #[outline(format = "date")]
    day: String,
    #[outline(one_of = ["red", "green"])]
    color: String,
    #[outline(one_of = ["y", "n"])]
    flag: char,
}

#[test]
fn strings() {
    let ok = json!({"code": "héllo", "slug": "abc", "email": "a@b.io", "day": "2024-02-29", "color": "red", "flag": "y"});
    assert!(Strings::from_value(&ok).is_ok());
    let got = errors::<Strings>(json!({
        "code": "é", "slug": "ABC", "email": "nope", "day": "2023-02-29", "color": "blue", "flag": "x"
    }));
    let found: Vec<(&str, &str, Option<&str>)> = got
        .iter()
        .map(|(p, _, e, g)| (p.as_str(), e.as_str(), g.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            ("code", "string of 2 to 5 characters", Some("\"é\"")),
            ("slug", "string matching /^[a-z]+$/", Some("\"ABC\"")),
            (
                "email",
                outlines::rules::format::Format::Email.phrase(),
                Some("\"nope\"")
            ),
            (
                "day",
                outlines::rules::format::Format::Date.phrase(),
                Some("\"2023-02-29\"")
            ),
            ("color", "one of: red, green", Some("\"blue\"")),
            ("flag", "one of: y, n", Some("\"x\"")),
        ]
    );
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Collections {
    #[outline(min = 1, max = 3, unique, inner(min = 1))]
    tags: Vec<String>,
    #[outline(inner(min = 0, max = 10))]
    scores: VecDeque<i64>,
    #[outline(max = 2, inner(pattern = "^[A-Z]"))]
    names: BTreeMap<String, String>,
    #[outline(inner(format = "uuid"))]
    ids: [String; 2],
    #[outline(inner(min = 3))]
    nickname: Option<String>,
    #[outline(min = 1)]
    maybe_list: Option<Vec<u8>>,
}

#[test]
fn collections() {
    let ok = json!({
        "tags": ["a", "b"], "scores": [0, 10], "names": {"x": "Ann"},
        "ids": ["123e4567-e89b-12d3-a456-426614174000", "123e4567-e89b-12d3-a456-426614174001"],
        "nickname": "Bob", "maybe_list": null
    });
    assert!(Collections::from_value(&ok).is_ok());
    let got = errors::<Collections>(json!({
        "tags": ["a", "", "a", "b"], "scores": [11], "names": {"x": "ann", "y": "B", "z": "C"},
        "ids": ["nope", "123e4567-e89b-12d3-a456-426614174001"], "nickname": "Bo", "maybe_list": []
    }));
    let found: Vec<(&str, ErrorKind)> = got.iter().map(|(p, k, _, _)| (p.as_str(), *k)).collect();
    assert_eq!(
        found,
        [
            ("tags[1]", ErrorKind::Constraint),
            ("tags", ErrorKind::Constraint),
            ("scores[0]", ErrorKind::Constraint),
            ("names.x", ErrorKind::Constraint),
            ("names", ErrorKind::Constraint),
            ("ids[0]", ErrorKind::Constraint),
            ("nickname", ErrorKind::Constraint),
            ("maybe_list", ErrorKind::Constraint),
        ],
        "{got:#?}"
    );
    // `unique` is checked once the list itself is valid.
    let dup = errors::<Collections>(json!({
        "tags": ["a", "a"], "scores": [], "names": {},
        "ids": ["123e4567-e89b-12d3-a456-426614174000", "123e4567-e89b-12d3-a456-426614174001"]
    }));
    assert_eq!(dup[0].0, "tags[1]");
    assert_eq!(dup[0].2, "array with no duplicate items");
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Documented {
    /// The city, as written on the envelope.
    #[outline(example = "Lisbon", example = "Oslo")]
    city: String,
    #[outline(description = "Overrides the doc comment.", example = 3, example = -1.5, example = true)]
    /// Ignored.
    level: f64,
}

#[test]
fn descriptions_and_examples_reach_the_schema() {
    let schema = Documented::json_schema();
    assert_eq!(
        schema["properties"]["city"]["description"],
        "The city, as written on the envelope."
    );
    assert_eq!(
        schema["properties"]["city"]["examples"],
        json!(["Lisbon", "Oslo"])
    );
    assert_eq!(
        schema["properties"]["level"]["description"],
        "Overrides the doc comment."
    );
    assert_eq!(
        schema["properties"]["level"]["examples"],
        json!([3, -1.5, true])
    );
    let text = Documented::describe();
    assert!(
        text.contains(
            "city: string; // The city, as written on the envelope. (e.g. \"Lisbon\", \"Oslo\")"
        ),
        "{text}"
    );
}

/// A newtype carries its constraints wherever it is used.
#[derive(Debug, Structured, PartialEq)]
struct Percent(#[outline(min = 0, max = 100)] u8);

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct UsesPercent {
    done: Percent,
    history: Vec<Percent>,
}

#[test]
fn newtype_constraints_travel() {
    let got = errors::<UsesPercent>(json!({"done": 101, "history": [5, 200]}));
    let paths: Vec<&str> = got.iter().map(|(p, _, _, _)| p.as_str()).collect();
    assert_eq!(paths, ["done", "history[1]"]);
    assert_eq!(
        UsesPercent::json_schema()["properties"]["history"]["items"]["maximum"],
        100
    );
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Single {
    #[outline(exclusive_max = 1.0, max = 0.1)]
    p: f32,
    #[outline(min = -1e39)]
    wide: f32,
}

#[test]
fn f32_fields_check_the_value_they_store() {
    // 0.99999999999 rounds to 1.0 as an f32, which the exclusive bound excludes; 0.1 stays within
    // `max = 0.1` because the bound is rounded alike.
    let err = errors::<Single>(json!({"p": 0.99999999999, "wide": 0}));
    assert_eq!(err[0].0, "p");
    assert!(Single::from_value(&json!({"p": 0.1, "wide": 0})).is_ok());
    // A bound looser than f32's own range does not widen the schema.
    assert_eq!(
        Single::json_schema()["properties"]["wide"]["minimum"],
        json!(-f64::from(f32::MAX))
    );
    assert!(
        Single::describe().contains(">= -1e39"),
        "{}",
        Single::describe()
    );
}

fn shouts(_: &u8) -> Result<(), String> {
    Err("bad\n- fake: injected error".into())
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Shouty {
    #[outline(validate = shouts)]
    v: u8,
}

#[test]
fn custom_messages_stay_on_one_line() {
    let err = Shouty::from_json(r#"{"v": 1}"#).unwrap_err();
    assert_eq!(err.to_string(), "- v: bad - fake: injected error");
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Shared {
    #[outline(unique, min = 1)]
    ids: std::sync::Arc<Vec<u8>>,
    #[outline(inner(max = 3))]
    names: std::rc::Rc<Vec<String>>,
}

#[test]
fn constraints_pass_through_arc_and_rc() {
    let got = errors::<Shared>(json!({"ids": [1, 1], "names": ["abcd"]}));
    let paths: Vec<&str> = got.iter().map(|(p, _, _, _)| p.as_str()).collect();
    assert_eq!(paths, ["ids[1]", "names[0]"]);
}
