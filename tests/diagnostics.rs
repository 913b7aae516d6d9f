//! What a failed validation reports: every error, each with its path, expectation, offending value and
//! message, in a form ready for a repair prompt.

use std::error::Error as _;

use outlines::{Diagnostics, ErrorKind, Structured};

#[derive(Debug, Structured)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Invoice {
    #[outline(pattern = "^INV-[0-9]+$")]
    number: String,
    customer: Customer,
    #[outline(min = 1)]
    lines: Vec<Line>,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Customer {
    name: String,
    address: Address,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Address {
    city: String,
    #[outline(pattern = "^[0-9]{5}$")]
    zip: String,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Line {
    #[outline(min = 1, max = 80)]
    name: String,
    #[outline(min = 1)]
    quantity: u32,
}

const BAD: &str = r#"{
  "number": "12",
  "customer": {"name": "Ada", "address": {"zip": "ABCDE"}},
  "lines": [
    {"name": "ok", "quantity": 1},
    {"name": "", "quantity": 0},
    {"name": "x", "quantity": "three"}
  ],
  "note": "please hurry"
}"#;

#[test]
fn one_pass_finds_every_error_in_document_order() {
    let err = Invoice::from_json(BAD).unwrap_err();
    assert_eq!(
        err.to_string(),
        "\
- number: does not match the pattern (expected string matching /^INV-[0-9]+$/, got \"12\")
- customer.address.zip: does not match the pattern (expected string matching /^[0-9]{5}$/, got \"ABCDE\")
- customer.address.city: missing required field (expected string)
- lines[1].name: too short (0 characters) (expected string of 1 to 80 characters, got \"\")
- lines[1].quantity: below the minimum (expected integer between 1 and 4294967295, got 0)
- lines[2].quantity: expected an integer (expected integer between 1 and 4294967295, got \"three\")
- note: unknown field \"note\" (expected one of the fields: number, customer, lines, got \"please hurry\")"
    );
    let kinds: Vec<ErrorKind> = err.errors().iter().map(|e| e.kind()).collect();
    assert_eq!(
        kinds,
        [
            ErrorKind::Constraint,
            ErrorKind::Constraint,
            ErrorKind::Missing,
            ErrorKind::Constraint,
            ErrorKind::Constraint,
            ErrorKind::Type,
            ErrorKind::Unknown,
        ]
    );
}

#[test]
fn error_accessors() {
    let err = Invoice::from_json(BAD).unwrap_err();
    let e = &err.errors()[4];
    assert_eq!(e.path().to_string(), "lines[1].quantity");
    assert_eq!(
        e.path().segments(),
        [
            outlines::Segment::Key("lines".into()),
            outlines::Segment::Index(1),
            outlines::Segment::Key("quantity".into())
        ]
    );
    assert_eq!(e.expected(), "integer between 1 and 4294967295");
    assert_eq!(e.got(), Some("0"));
    assert_eq!(e.message(), "below the minimum");
    assert!(!e.kind().is_structural());
    assert_eq!(err.errors()[2].got(), None);
    assert!((&err).into_iter().count() == err.len());
}

#[test]
fn syntax_errors_carry_line_and_column() {
    let err = Invoice::from_json("{\n  \"number\": \"INV-1\",\n  \"lines\": [1,\n}").unwrap_err();
    let last = err.errors().last().unwrap();
    assert_eq!(last.kind(), ErrorKind::Syntax);
    assert_eq!(last.location(), Some((4, 1)));
    assert_eq!(last.path().to_string(), "$");
    assert!(
        last.to_string()
            .starts_with("$: invalid JSON: expected value at line 4 column 1"),
        "{last}"
    );
    let err = Invoice::from_json("").unwrap_err();
    assert!(
        err.to_string().contains("EOF while parsing a value"),
        "{err}"
    );
}

#[test]
fn large_values_are_shortened() {
    let long = "x".repeat(100_000);
    let json = format!(r#"{{"number": "{long}", "customer": {{}}, "lines": []}}"#);
    let err = Invoice::from_json(&json).unwrap_err();
    let got = err.errors()[0].got().unwrap();
    assert!(
        got.chars().count() <= outlines::diagnostics::GOT_LIMIT + 1 && got.ends_with('…'),
        "{got}"
    );
}

#[test]
fn duplicate_keys_are_errors() {
    let err = Address::from_json(r#"{"city": "A", "zip": "12345", "city": "B"}"#).unwrap_err();
    assert_eq!(err.errors()[0].kind(), ErrorKind::Duplicate);
    assert_eq!(err.errors()[0].path().to_string(), "city");
}

#[test]
fn diagnostics_is_a_std_error() {
    fn parse(json: &str) -> Result<Address, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Address::from_json(json)?)
    }
    let err = parse("{}").unwrap_err();
    assert!(err.to_string().contains("missing required field"));
    let d: Diagnostics = Address::from_json("[]").unwrap_err();
    assert!(d.source().is_none());
    assert_eq!(d.errors()[0].message(), "expected an object");
}
