// Literals, paths and lists that reach the derive through `macro_rules!` fragments arrive wrapped in
// invisible groups; each is read as if written in place.
use outlines::Structured;

fn not_blank(value: &String) -> Result<(), &'static str> {
    if value.trim().is_empty() { Err("must not be blank") } else { Ok(()) }
}

fn ordered(range: &Range) -> Result<(), &'static str> {
    if range.low <= range.high { Ok(()) } else { Err("`low` must not exceed `high`") }
}

fn three() -> u32 {
    3
}

macro_rules! range {
    (
        $name:ident, $doc:literal, $display:literal, $check:literal,
        $min:literal, $max:literal, $neg:literal, $step:literal, $list:expr
    ) => {
        #[doc = $doc]
        #[derive(Structured)]
        #[outline(name = $display, check = $check, crate = "outlines")]
        struct $name {
            #[outline(min = $min, max = $max, example = $min)]
            low: u32,
            #[outline(min = $min, max = $max)]
            high: u32,
            #[outline(exclusive_min = -$neg, exclusive_max = $neg, multiple_of = $step)]
            ratio: f64,
            #[outline(one_of = $list)]
            size: u32,
        }
    };
}

macro_rules! person {
    (
        $name:ident, $description:literal, $pattern:literal, $format:literal, $validate:literal,
        $one:literal, $two:literal, $flag:literal, $rename:literal, $alias:literal, $role:literal,
        $rule:literal, $default:literal, $tag:literal, $content:literal
    ) => {
        #[derive(Structured)]
        #[serde(rename_all = $rule)]
        struct $name {
            #[outline(description = $description, pattern = $pattern, validate = $validate)]
            user_name: String,
            #[outline(inner(format = $format))]
            #[serde(rename = $rename, alias = $alias)]
            emails: Vec<String>,
            #[outline(one_of = [$one, $two], example = $two)]
            #[serde(rename(deserialize = $role))]
            role: String,
            #[outline(example = $flag)]
            #[serde(default = $default)]
            count: u32,
            #[outline(example = $flag)]
            #[serde(default)]
            active: bool,
        }

        #[derive(Structured)]
        #[serde(tag = $tag, content = $content)]
        enum Event {
            #[serde(rename = $rename)]
            Joined($name),
            Left,
        }
    };
}

// Whole items forwarded: the keys, paths and types come from outside the macro, the derive from
// inside it, so the derive's own bindings must still be visible to the code placed at them.
macro_rules! forward {
    ($($item:item)*) => {
        $(#[derive(Structured)] $item)*
    };
}

forward! {
    #[outline(check = tagged)]
    struct Tagged {
        #[outline(min = 1, validate = not_blank)]
        name: String,
        #[outline(unique, inner(min = 1, max = 3))]
        tags: Vec<String>,
    }

    #[serde(tag = "type")]
    enum Message {
        Tagged(Tagged),
        Empty,
    }

    struct Envelope {
        id: u32,
        #[serde(flatten)]
        body: Tagged,
        #[serde(flatten)]
        extra: std::collections::BTreeMap<String, u8>,
    }
}

fn tagged(value: &Tagged) -> Result<(), &'static str> {
    if value.tags.is_empty() { Err("needs a tag") } else { Ok(()) }
}

range!(Range, "A closed range.", "Span", "ordered", 1, 10, 0.5, 0.25, [2, 4, 8]);
person!(
    Person, "Their handle", "^[a-z]+$", "email", "not_blank", "admin", "guest", true, "mail",
    "addresses", "as", "camelCase", "three", "kind", "data"
);

fn main() {
    assert!(Tagged::from_json(r#"{"name": "a", "tags": ["x", "yz"]}"#).is_ok());
    assert!(Tagged::from_json(r#"{"name": "a", "tags": []}"#).is_err());
    assert!(Tagged::from_json(r#"{"name": " ", "tags": ["x"]}"#).is_err());
    assert!(Tagged::from_json(r#"{"name": "a", "tags": ["x", "x"]}"#).is_err());
    assert!(Tagged::from_json(r#"{"name": "a", "tags": ["wxyz"]}"#).is_err());
    assert!(Message::from_json(r#"{"type": "Tagged", "name": "a", "tags": ["x"]}"#).is_ok());
    let envelope = Envelope::from_json(r#"{"id": 1, "name": "a", "tags": ["x"], "n": 2}"#).unwrap();
    assert_eq!((envelope.id, envelope.body.name.as_str(), envelope.extra["n"]), (1, "a", 2));
    assert!(Envelope::from_json(r#"{"id": 1, "name": "a", "tags": []}"#).is_err());

    assert!(Range::from_json(r#"{"low": 1, "high": 10, "ratio": 0.25, "size": 4}"#).is_ok());
    assert!(Range::from_json(r#"{"low": 0, "high": 10, "ratio": 0.25, "size": 4}"#).is_err());
    assert!(Range::from_json(r#"{"low": 5, "high": 2, "ratio": 0.25, "size": 4}"#).is_err());
    assert!(Range::from_json(r#"{"low": 1, "high": 2, "ratio": 0.5, "size": 4}"#).is_err());
    assert!(Range::from_json(r#"{"low": 1, "high": 2, "ratio": 0.25, "size": 3}"#).is_err());
    let schema = Range::json_schema().to_string();
    assert!(schema.contains("A closed range.") && schema.contains("exclusiveMinimum"), "{schema}");

    let person = Person::from_json(r#"{"userName": "ada", "mail": ["a@b.c"], "as": "admin"}"#).unwrap();
    assert_eq!((person.count, person.active), (3, false));
    assert!(Person::from_json(r#"{"userName": "ada", "addresses": ["a@b.c"], "as": "guest"}"#).is_ok());
    assert!(Person::from_json(r#"{"userName": "Ada", "mail": [], "as": "admin"}"#).is_err());
    assert!(Person::from_json(r#"{"userName": "ada", "mail": ["x"], "as": "admin"}"#).is_err());
    assert!(Person::from_json(r#"{"userName": "ada", "mail": [], "as": "root"}"#).is_err());
    let schema = Person::json_schema().to_string();
    assert!(schema.contains("Their handle") && schema.contains("guest"), "{schema}");

    let event = r#"{"kind": "mail", "data": {"userName": "ada", "mail": [], "as": "guest"}}"#;
    assert!(Event::from_json(event).is_ok());
    assert!(Event::from_json(r#"{"kind": "Left"}"#).is_ok());
}
