//! Enums in serde's four representations: schema, validation and agreement with serde.

use outlines::Structured;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Shape {
    /// A circle.
    Circle {
        radius: f64,
    },
    Square(#[outline(exclusive_min = 0)] f64),
    Line(f64, f64),
    Empty,
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Event {
    Click { x: i32, y: i32 },
    Key(KeyPress),
    Blur,
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
struct KeyPress {
    #[outline(min = 1, max = 1)]
    key: String,
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(tag = "t", content = "c")]
enum Message {
    Text(String),
    Move { dx: i8 },
    Ping,
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(untagged)]
enum Id {
    Number(u64),
    Name(String),
    Pair { a: u8, b: u8 },
}

#[test]
fn external() {
    assert_eq!(
        Shape::from_json(r#"{"circle": {"radius": 1.5}}"#).unwrap(),
        Shape::Circle { radius: 1.5 }
    );
    assert_eq!(
        Shape::from_json(r#"{"square": 2}"#).unwrap(),
        Shape::Square(2.0)
    );
    assert_eq!(
        Shape::from_json(r#"{"line": [1, 2]}"#).unwrap(),
        Shape::Line(1.0, 2.0)
    );
    assert_eq!(Shape::from_json(r#""empty""#).unwrap(), Shape::Empty);
    let err = Shape::from_json(r#"{"square": 0}"#).unwrap_err();
    assert_eq!(err.errors()[0].path().to_string(), "square");
    let err = Shape::from_json(r#"{"circle": {"radius": "big"}}"#).unwrap_err();
    assert_eq!(err.errors()[0].path().to_string(), "circle.radius");
    let err = Shape::from_json(r#""circle""#).unwrap_err();
    assert!(err.errors()[0].message().contains("carries data"), "{err}");
    let err = Shape::from_json(r#"{"hexagon": 1}"#).unwrap_err();
    assert_eq!(err.errors()[0].message(), "unknown variant \"hexagon\"");
    println!(
        "{}",
        serde_json::to_string_pretty(&Shape::json_schema()).unwrap()
    );
    println!("{}", Shape::describe());
}

#[test]
fn internal() {
    assert_eq!(
        Event::from_json(r#"{"type": "click", "x": 1, "y": 2}"#).unwrap(),
        Event::Click { x: 1, y: 2 }
    );
    assert_eq!(
        Event::from_json(r#"{"x": 1, "type": "click", "y": 2}"#).unwrap(),
        Event::Click { x: 1, y: 2 }
    );
    assert_eq!(
        Event::from_json(r#"{"type": "key", "key": "a"}"#).unwrap(),
        Event::Key(KeyPress { key: "a".into() })
    );
    assert_eq!(
        Event::from_json(r#"{"key": "a", "type": "key"}"#).unwrap(),
        Event::Key(KeyPress { key: "a".into() })
    );
    assert_eq!(
        Event::from_json(r#"{"type": "blur"}"#).unwrap(),
        Event::Blur
    );
    let err = Event::from_json(r#"{"x": 1}"#).unwrap_err();
    assert_eq!(err.errors()[0].path().to_string(), "type");
    let err = Event::from_json(r#"{"type": "key", "key": "ab"}"#).unwrap_err();
    assert_eq!(err.errors()[0].path().to_string(), "key");
    println!(
        "{}",
        serde_json::to_string_pretty(&Event::json_schema()).unwrap()
    );
    println!("{}", Event::describe());
}

#[test]
fn adjacent() {
    assert_eq!(
        Message::from_json(r#"{"t": "Text", "c": "hi"}"#).unwrap(),
        Message::Text("hi".into())
    );
    assert_eq!(
        Message::from_json(r#"{"c": {"dx": -1}, "t": "Move"}"#).unwrap(),
        Message::Move { dx: -1 }
    );
    assert_eq!(
        Message::from_json(r#"{"t": "Ping"}"#).unwrap(),
        Message::Ping
    );
    let err = Message::from_json(r#"{"t": "Move", "c": {"dx": 300}}"#).unwrap_err();
    assert_eq!(err.errors()[0].path().to_string(), "c.dx");
    println!("{}", Message::describe());
}

#[test]
fn untagged() {
    assert_eq!(Id::from_json("7").unwrap(), Id::Number(7));
    assert_eq!(Id::from_json(r#""x""#).unwrap(), Id::Name("x".into()));
    assert_eq!(
        Id::from_json(r#"{"a": 1, "b": 2}"#).unwrap(),
        Id::Pair { a: 1, b: 2 }
    );
    let err = Id::from_json("true").unwrap_err();
    println!("{err}");
    println!("{}", Id::describe());
    for v in [json!(7), json!("x"), json!({"a": 1, "b": 2})] {
        let ours = Id::from_value(&v).unwrap();
        let theirs: Id = serde_json::from_value(v).unwrap();
        assert_eq!(ours, theirs);
    }
}
