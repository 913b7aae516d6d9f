use outlines::Structured;

#[derive(Structured)]
struct Point {
    x: i32,
    y: i32,
}

#[derive(Structured)]
#[serde(rename_all = "snake_case")]
enum External {
    Unit,
    Newtype(#[outline(min = 0)] i32),
    Tuple(u8, #[outline(pattern = "^a")] String),
    Struct {
        #[outline(max = 3)]
        name: String,
    },
}

#[derive(Structured)]
#[serde(tag = "type")]
enum Internal {
    Unit,
    Newtype(Point),
    Struct { radius: f64 },
}

#[derive(Structured)]
#[serde(tag = "t", content = "c")]
enum Adjacent {
    Unit,
    Newtype(String),
    Tuple(u8, u8),
    Struct { on: bool },
}

#[derive(Structured)]
#[serde(untagged)]
enum Untagged {
    Unit,
    Newtype(u64),
    Tuple(bool, bool),
    Struct { name: String },
}

#[derive(Structured)]
#[serde(rename_all = "UPPERCASE", rename_all_fields = "camelCase")]
enum Renamed {
    #[serde(rename = "first-one", alias = "one")]
    First { some_field: u8 },
    #[serde(rename_all = "kebab-case")]
    Second { other_field: u8 },
    #[serde(skip)]
    #[allow(dead_code)]
    Hidden,
    #[serde(skip_deserializing)]
    #[allow(dead_code)]
    AlsoHidden(u8),
}

fn main() {
    assert!(External::from_json(r#"{"tuple": [1, "abc"]}"#).is_ok());
    assert!(External::from_json(r#""unit""#).is_ok());
    assert!(Internal::from_json(r#"{"type": "Newtype", "x": 1, "y": 2}"#).is_ok());
    assert!(Adjacent::from_json(r#"{"t": "Tuple", "c": [1, 2]}"#).is_ok());
    assert!(Untagged::from_json(r#"{"name": "x"}"#).is_ok());
    assert!(Renamed::from_json(r#"{"one": {"someField": 1}}"#).is_ok());
    assert!(Renamed::from_json(r#"{"SECOND": {"other-field": 1}}"#).is_ok());
}
