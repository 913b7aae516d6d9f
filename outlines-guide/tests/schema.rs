//! Runtime JSON Schemas (any 2020-12 schema, not only a derived type's) through the token grammar,
//! keyword by keyword, on the o200k vocabulary, with the `jsonschema` crate as the reference
//! validator.
//!
//! For each keyword: values the validator accepts can still be written, token by token; values
//! that break a rule the grammar enforces are refused; the grammar's stricter forms and the rules
//! it leaves to the validator are the ones the coverage report names; and random walks over the
//! masks end in values that break no rule but those.

mod support;

use std::sync::OnceLock;

use outlines::output::JsonSchema;
use outlines_core::schema::inventory::RuleKind;
use outlines_guide::{Coverage, Enforcement, Guide, GuideError, Vocabulary};
use serde_json::{Value, json};
use support::walk::{walk, writable};

fn vocab() -> &'static Vocabulary {
    static VOCAB: OnceLock<Vocabulary> = OnceLock::new();
    VOCAB.get_or_init(|| Vocabulary::o200k().expect("the o200k vocabulary"))
}

fn reference(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("jsonschema cannot compile the schema: {e}\n{schema:#}"))
}

/// The keywords whose rules `value` breaks, per the reference validator.
fn broken(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    let mut out: Vec<String> = validator
        .iter_errors(value)
        .map(|e| {
            let path = e.schema_path().to_string();
            path.rsplit('/').next().unwrap_or_default().to_owned()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// What a walk prefers when it closes a value.
const CLOSERS: &[&str] = &["\"", "}", "]", "}}", "\"}", "]}", "0", "null"];

/// A schema and what the grammar must do with values of it.
#[derive(Default)]
struct Case {
    name: &'static str,
    schema: Value,
    /// Valid values, as compact JSON in the schema's property order: the grammar writes them.
    valid: Vec<&'static str>,
    /// Invalid values the grammar refuses: the rules it enforces.
    refused: Vec<&'static str>,
    /// Valid values the grammar refuses: its stricter forms, which the coverage report names.
    stricter: Vec<&'static str>,
    /// Invalid values the grammar lets through: rules left to the validator.
    post: Vec<&'static str>,
    /// The keywords of those rules: what a random walk's value may break.
    post_keywords: Vec<&'static str>,
}

fn case(name: &'static str, schema: Value) -> Case {
    Case {
        name,
        schema,
        ..Case::default()
    }
}

impl Case {
    fn valid(mut self, texts: &[&'static str]) -> Case {
        self.valid.extend(texts);
        self
    }
    fn refused(mut self, texts: &[&'static str]) -> Case {
        self.refused.extend(texts);
        self
    }
    fn stricter(mut self, texts: &[&'static str]) -> Case {
        self.stricter.extend(texts);
        self
    }
    fn post(mut self, keywords: &[&'static str], texts: &[&'static str]) -> Case {
        self.post_keywords.extend(keywords);
        self.post.extend(texts);
        self
    }
}

fn cases() -> Vec<Case> {
    vec![
        case("type list", json!({"type": ["string", "integer", "null"]}))
            .valid(&[r#""a""#, "5", "-3", "null", r#""""#])
            .refused(&["true", "1.5", "[]", "{}"]),
        case("number", json!({"type": "number"}))
            .valid(&["0.25", "-7", "12", "1000000"])
            .refused(&[r#""1""#, "true"])
            .stricter(&["1e19", "-2e18"]),
        case("boolean and null", json!({"type": ["boolean", "null"]}))
            .valid(&["true", "false", "null"])
            .refused(&["0", r#""true""#]),
        case(
            "properties and required",
            json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"}}, "required": ["a"]}),
        )
        .valid(&[r#"{"a":1}"#, r#"{"a":1,"b":"x"}"#])
        .refused(&["{}", r#"{"b":"x"}"#, r#"{"a":"1"}"#])
        .stricter(&[r#"{"a":1,"c":2}"#]),
        case(
            "required keys that are not properties",
            json!({"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["b"]}),
        )
        .valid(&[r#"{"b":1}"#, r#"{"a":1,"b":[true]}"#])
        .refused(&[r#"{"a":1}"#]),
        case(
            "additionalProperties false",
            json!({"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": false}),
        )
        .valid(&[r#"{"a":1}"#, "{}"])
        .refused(&[r#"{"a":1,"z":1}"#]),
        case(
            "additionalProperties schema",
            json!({"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": {"type": "boolean"}}),
        )
        .valid(&[r#"{"a":1,"x":true}"#, r#"{"k":false}"#])
        .refused(&[r#"{"x":1}"#, r#"{"a":true}"#]),
        case(
            "patternProperties",
            json!({"type": "object", "patternProperties": {"^s_": {"type": "string"}, "^n_": {"type": "integer"}}, "additionalProperties": false}),
        )
        .valid(&[r#"{"s_a":"x","n_b":2}"#, "{}", r#"{"n_b":2,"s_a":"x"}"#])
        .refused(&[r#"{"s_a":1}"#, r#"{"z":1}"#]),
        case(
            "patternProperties that overlap",
            json!({"type": "object", "patternProperties": {"^a": {"type": "string"}, "b$": {"type": "string", "maxLength": 2}}, "additionalProperties": false}),
        )
        .valid(&[r#"{"ab":"xy"}"#, r#"{"a":"long text"}"#])
        .refused(&[r#"{"a":1}"#])
        .post(
            &["maxLength", "additionalProperties"],
            &[r#"{"ab":"xyz"}"#, r#"{"z":"x"}"#],
        ),
        case(
            "propertyNames",
            json!({"type": "object", "propertyNames": {"maxLength": 3}, "additionalProperties": {"type": "integer"}}),
        )
        .valid(&[r#"{"abc":1}"#])
        .refused(&[r#"{"abc":"1"}"#])
        .post(&["maxLength"], &[r#"{"abcd":1}"#]),
        case(
            "min/maxProperties of a map",
            json!({"type": "object", "additionalProperties": {"type": "integer"}, "minProperties": 1, "maxProperties": 2}),
        )
        .valid(&[r#"{"a":1}"#, r#"{"a":1,"b":2}"#])
        .refused(&["{}", r#"{"a":1,"b":2,"c":3}"#]),
        case(
            "maxProperties over optional properties",
            json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}, "c": {"type": "integer"}}, "maxProperties": 2}),
        )
        .valid(&[r#"{"a":1}"#, r#"{"a":1,"c":3}"#])
        .post(&["maxProperties"], &[r#"{"a":1,"b":2,"c":3}"#]),
        case(
            "at least one property",
            json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "additionalProperties": false, "minProperties": 1}),
        )
        .valid(&[r#"{"a":1}"#, r#"{"b":2}"#, r#"{"a":1,"b":2}"#])
        .refused(&["{}"]),
        case("items", json!({"type": "array", "items": {"type": "integer"}}))
            .valid(&["[]", "[1,2]"])
            .refused(&[r#"["a"]"#, "[1.5]"]),
        case("items false", json!({"type": "array", "items": false}))
            .valid(&["[]"])
            .refused(&["[1]"]),
        case(
            "prefixItems, closed",
            json!({"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "items": false}),
        )
        .valid(&[r#"[1,"a"]"#, "[1]", "[]"])
        .refused(&[r#"["a"]"#, r#"[1,"a",2]"#]),
        case(
            "prefixItems, then items",
            json!({"type": "array", "prefixItems": [{"type": "integer"}], "items": {"type": "string"}}),
        )
        .valid(&[r#"[1,"a","b"]"#, "[1]"])
        .refused(&[r#"["a"]"#, "[1,2]"]),
        case(
            "min/maxItems",
            json!({"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 2}),
        )
        .valid(&["[1]", "[1,2]"])
        .refused(&["[]", "[1,2,3]"]),
        case(
            "uniqueItems",
            json!({"type": "array", "items": {"type": "integer"}, "uniqueItems": true}),
        )
        .valid(&["[1,2]", "[]"])
        .post(&["uniqueItems"], &["[1,1]"]),
        case(
            "contains, minContains, maxContains",
            json!({"type": "array", "items": {"type": "integer"}, "contains": {"const": 5}, "minContains": 1, "maxContains": 2}),
        )
        .valid(&["[5]", "[1,5,5]"])
        .refused(&[r#"["5"]"#])
        .post(&["contains", "minContains", "maxContains"], &["[1]", "[5,5,5]"]),
        case("enum", json!({"enum": ["a", 1, null, {"k": [1]}]}))
            .valid(&[r#""a""#, "1", "null", r#"{"k":[1]}"#])
            .refused(&[r#""b""#, "2", r#"{"k":[2]}"#, "true"]),
        case("const", json!({"const": {"a": [1, "x"]}}))
            .valid(&[r#"{"a":[1,"x"]}"#])
            .refused(&[r#"{"a":[1]}"#, "1"]),
        case(
            "anyOf",
            json!({"anyOf": [{"type": "string", "maxLength": 2}, {"type": "integer", "minimum": 10}]}),
        )
        .valid(&[r#""ab""#, "12"])
        .refused(&[r#""abc""#, "5"]),
        case(
            "oneOf, overlapping",
            json!({"oneOf": [{"type": "integer", "minimum": 0}, {"type": "integer", "maximum": 10}]}),
        )
        .valid(&["-5", "20"])
        .refused(&["1.5", r#""5""#])
        .post(&["oneOf"], &["5"]),
        case("oneOf, disjoint", json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}))
            .valid(&[r#""a""#, "1"])
            .refused(&["true"])
            .post(&["oneOf"], &[]),
        case(
            "allOf of objects",
            json!({"allOf": [
                {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
                {"type": "object", "properties": {"b": {"type": "string"}}, "required": ["b"]},
            ]}),
        )
        .valid(&[r#"{"a":1,"b":"x"}"#])
        .refused(&[r#"{"a":1}"#, r#"{"b":"x"}"#]),
        case(
            "allOf of ranges",
            json!({"type": "integer", "allOf": [{"minimum": 0}, {"maximum": 5}]}),
        )
        .valid(&["3", "0", "5"])
        .refused(&["6", "-1"]),
        case("not", json!({"type": "integer", "not": {"const": 3}}))
            .valid(&["2"])
            .refused(&[r#""3""#])
            .post(&["not"], &["3"]),
        case(
            "$ref to a recursive definition",
            json!({
                "$defs": {"node": {"type": "object", "properties": {"v": {"type": "integer"}, "next": {"$ref": "#/$defs/node"}}, "required": ["v"]}},
                "$ref": "#/$defs/node",
            }),
        )
        .valid(&[r#"{"v":1,"next":{"v":2}}"#, r#"{"v":1}"#])
        .refused(&[r#"{"next":{"v":2}}"#, r#"{"v":1,"next":{}}"#]),
        case(
            "$ref to the root",
            json!({"type": "array", "items": {"anyOf": [{"type": "integer"}, {"$ref": "#"}]}}),
        )
        .valid(&["[1,[2,[]]]", "[]"])
        .refused(&[r#"[1,"a"]"#]),
        case(
            "$ref to definitions",
            json!({"definitions": {"pos": {"type": "integer", "minimum": 0}}, "type": "object", "properties": {"x": {"$ref": "#/definitions/pos"}}}),
        )
        .valid(&[r#"{"x":3}"#])
        .refused(&[r#"{"x":-1}"#]),
        case(
            "$ref to a property",
            json!({"type": "object", "properties": {"a": {"type": "string", "maxLength": 1}, "b": {"$ref": "#/properties/a"}}}),
        )
        .valid(&[r#"{"a":"x","b":"y"}"#, r#"{"b":"y"}"#])
        .refused(&[r#"{"b":"yy"}"#]),
        case(
            "$ref with escaped names",
            json!({"$defs": {"a/b": {"type": "boolean"}, "c d": {"type": "null"}},
                   "anyOf": [{"$ref": "#/$defs/a~1b"}, {"$ref": "#/$defs/c%20d"}]}),
        )
        .valid(&["true", "null"])
        .refused(&["1"]),
        case(
            "$ref with sibling rules",
            json!({"$defs": {"n": {"type": "integer"}}, "$ref": "#/$defs/n", "minimum": 3}),
        )
        .valid(&["3", "100"])
        .refused(&["2", r#""3""#]),
        // llguidance cannot intersect a reference with rules beside it inside its own cycle: the
        // grammar keeps the reference.
        case(
            "$ref with sibling rules in a cycle",
            recursive_with_siblings(),
        )
        .valid(&[r#"{"a":1,"c":{"a":2}}"#, "{}"])
        .refused(&[r#"{"a":"1"}"#])
        .post(&["required"], &[r#"{"c":{}}"#]),
        case(
            "minimum and maximum",
            json!({"type": "integer", "minimum": -3, "maximum": 7}),
        )
        .valid(&["-3", "0", "7"])
        .refused(&["-4", "8", "1.5"]),
        case(
            "exclusive bounds",
            json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}),
        )
        .valid(&["0.5", "0.999"])
        .refused(&["0", "1", "-0.5"]),
        case(
            "fractional integer bounds",
            json!({"type": "integer", "minimum": 2.5, "maximum": 5.5}),
        )
        .valid(&["3", "5"])
        .refused(&["2", "6"]),
        case(
            "a range beyond what the grammar writes",
            json!({"type": "integer", "minimum": 1e19}),
        )
        .valid(&["10000000000000000000"])
        .post(&["minimum"], &["5"]),
        case("multipleOf, integer", json!({"type": "integer", "multipleOf": 3}))
            .valid(&["9", "-6", "0"])
            .refused(&["4"]),
        // llguidance writes a multiple of 0.25 with two decimals or none: 0.5 as 0.50.
        case(
            "multipleOf, decimal, not negative",
            json!({"type": "number", "multipleOf": 0.25, "minimum": 0}),
        )
        .valid(&["1.25", "0.50", "2", "0"])
        .refused(&["1.3", "-0.25"]),
        // Between -1 and 0 it cannot write them all (-0.5): there the grammar lets any number in.
        case("multipleOf, decimal", json!({"type": "number", "multipleOf": 0.25}))
            .valid(&["1.25", "-1.25", "-0.5", "2"])
            .refused(&["1.3", "-1.3"])
            .post(&["multipleOf"], &["-0.3"]),
        case(
            "multipleOf, a fraction on integers",
            json!({"type": "integer", "multipleOf": 0.5}),
        )
        .valid(&["-3", "0", "7"])
        .refused(&["1.5"]),
        // llguidance reads numbers as f64: the list cannot be written exactly, so it is dropped.
        case(
            "enum of integers past 2^53",
            json!({"enum": [9_007_199_254_740_993_u64, 12_345_678_901_234_567_890_u64, -9_007_199_254_740_993_i64]}),
        )
        .valid(&["9007199254740993", "12345678901234567890", "-9007199254740993"])
        .post(&["enum"], &["9007199254740992"]),
        case(
            "enum of numbers",
            json!({"type": "number", "enum": [0.1, 1e-7, 123.456, 1e300, -2, 9_007_199_254_740_992_u64]}),
        )
        .valid(&["0.1", "123.456", "-2", "9007199254740992"])
        .refused(&["0.2", "2"]),
        case(
            "integer bounds past 2^53",
            json!({"type": "integer", "minimum": 9_007_199_254_740_993_u64, "maximum": 9_007_199_254_740_995_u64}),
        )
        .valid(&["9007199254740993", "9007199254740995"])
        .refused(&["9007199254740990", "9007199254741000"])
        .post(&["minimum", "maximum"], &["9007199254740992", "9007199254740996"]),
        case(
            "number bounds past 2^53",
            json!({"type": "number", "maximum": 9_007_199_254_740_993_u64}),
        )
        .valid(&["9007199254740993", "1.5"])
        .post(&["maximum"], &["9007199254740994"]),
        case(
            "multipleOf, too many digits",
            json!({"type": "integer", "multipleOf": 12_345_678_901_u64}),
        )
        .valid(&["12345678901"])
        .post(&["multipleOf"], &["5"]),
        case(
            "minLength and maxLength",
            json!({"type": "string", "minLength": 2, "maxLength": 3}),
        )
        .valid(&[r#""ab""#, r#""żół""#, r#""a\nb""#])
        .refused(&[r#""a""#, r#""abcd""#]),
        case("pattern", json!({"type": "string", "pattern": "^[a-z]+\\d$"}))
            .valid(&[r#""ab1""#])
            .refused(&[r#""AB1""#, r#""ab""#, r#""ab١""#]),
        case("pattern, unanchored", json!({"type": "string", "pattern": "b"}))
            .valid(&[r#""abc""#, r#""b""#])
            .refused(&[r#""ac""#]),
        case(
            "pattern llguidance cannot read",
            json!({"type": "string", "pattern": "^(?!x)"}),
        )
        .valid(&[r#""a""#])
        .post(&["pattern"], &[r#""x""#]),
        case("format email", json!({"type": "string", "format": "email"}))
            .valid(&[r#""a.b@example.com""#])
            .refused(&[r#""ab""#, r#""a@b@c""#]),
        case("format uri", json!({"type": "string", "format": "uri"}))
            .valid(&[r#""https://example.com/a?b=c""#])
            .refused(&[r#""x y""#]),
        case("format uuid", json!({"type": "string", "format": "uuid"}))
            .valid(&[r#""123e4567-e89b-12d3-a456-426614174000""#])
            .refused(&[r#""123e4567""#]),
        case("format date", json!({"type": "string", "format": "date"}))
            .valid(&[r#""2024-02-29""#])
            .refused(&[r#""2023-02-29""#, r#""2024-13-01""#]),
        case(
            "format date-time",
            json!({"type": "string", "format": "date-time"}),
        )
        .valid(&[r#""2024-01-31T09:30:00Z""#, r#""2024-01-31T09:30:00.5+01:00""#])
        .refused(&[r#""2024-01-31 09:30""#]),
        case("format time", json!({"type": "string", "format": "time"}))
            .valid(&[r#""09:30:00Z""#])
            .refused(&[r#""9:30""#]),
        case("format ipv4", json!({"type": "string", "format": "ipv4"}))
            .valid(&[r#""192.168.0.1""#])
            .refused(&[r#""256.1.1.1""#]),
        case("format ipv6", json!({"type": "string", "format": "ipv6"}))
            .valid(&[r#""::1""#, r#""2001:db8::8a2e:370:7334""#])
            .refused(&[r#""1::2::3""#]),
        case("format hostname", json!({"type": "string", "format": "hostname"}))
            .valid(&[r#""a-b.example""#])
            .refused(&[r#""-a""#]),
        case(
            "a format the grammar does not know",
            json!({"type": "string", "format": "duration"}),
        )
        .valid(&[r#""P1D""#])
        .post(&["format"], &[r#""xyz""#]),
        case(
            "dependentRequired",
            json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "dependentRequired": {"a": ["b"]}}),
        )
        .valid(&[r#"{"a":1,"b":2}"#, r#"{"b":2}"#, "{}"])
        .post(&["dependentRequired"], &[r#"{"a":1}"#]),
        case(
            "if/then/else",
            json!({"type": "integer", "if": {"minimum": 10}, "then": {"multipleOf": 10}, "else": {"maximum": 5}}),
        )
        .valid(&["20", "3"])
        .refused(&["1.5"])
        .post(&["multipleOf", "maximum"], &["15", "7"]),
        case(
            "if/then asking for a key not declared",
            json!({"type": "object", "properties": {"kind": {"type": "string"}},
                   "if": {"properties": {"kind": {"const": "x"}}, "required": ["kind"]}, "then": {"required": ["extra"]}}),
        )
        .valid(&[r#"{"kind":"x","extra":1}"#, r#"{"kind":"y"}"#])
        .post(&["required"], &[r#"{"kind":"x"}"#]),
        case(
            "annotations",
            json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.com/s",
                   "$comment": "c", "title": "T", "description": "d", "examples": [1], "default": 1,
                   "deprecated": false, "type": "integer", "maximum": 3}),
        )
        .valid(&["1", "3"])
        .refused(&["4"]),
        case(
            "boolean schemas",
            json!({"type": "object", "properties": {"any": true, "never": false}, "additionalProperties": false}),
        )
        .valid(&[r#"{"any":[1,{"x":null}]}"#, "{}", r#"{"any":"s"}"#])
        .refused(&[r#"{"never":1}"#]),
        case("the schema true", json!(true))
            .valid(&[r#"{"a":[1]}"#, "null", "-2.5"])
            .stricter(&["1e300"]),
        case("the empty schema", json!({}))
            .valid(&[r#"[{"a":true}]"#, r#""s""#]),
    ]
}

fn recursive_with_siblings() -> Value {
    json!({"$defs": {"t": {"type": "object", "properties": {
        "a": {"type": "integer"},
        "c": {"$ref": "#/$defs/t", "required": ["a"]},
    }}}, "$ref": "#/$defs/t"})
}

#[test]
fn what_llguidance_cannot_intersect_is_left_out_and_reported() {
    let coverage = Coverage::of_schema(&recursive_with_siblings()).unwrap();
    let required = coverage
        .rules
        .iter()
        .find(|c| c.rule.path == "c.a" && c.rule.kind == RuleKind::RequiredKey)
        .unwrap_or_else(|| panic!("{coverage}"));
    assert!(
        matches!(required.by, Enforcement::Validator(why) if why.contains("could not intersect")),
        "{coverage}"
    );
}

#[test]
fn each_keyword_keeps_valid_values_writable_and_refuses_what_it_enforces() {
    let mut failures = Vec::new();
    let mut rendered_cases = 0;
    for case in cases() {
        let validator = reference(&case.schema);
        // The schema as written, and as a request carries it once `JsonSchema` compiled it
        // (normalized: references into `$defs`, `definitions` renamed, ...), checked by that
        // compiled validator too.
        let compiled = JsonSchema::compile(&case.schema).ok();
        let mut forms = vec![("as written", case.schema.clone())];
        if let Some(compiled) = &compiled {
            rendered_cases += 1;
            forms.push(("rendered", (**compiled.json_schema()).clone()));
        }
        for (form, schema) in forms {
            let guide = match Guide::from_json_schema(&schema, vocab()) {
                Ok(guide) => guide,
                Err(e) => {
                    failures.push(format!("{} ({form}): no guide: {e}", case.name));
                    continue;
                }
            };
            let groups = [
                ("valid", &case.valid, true, true),
                ("refused", &case.refused, false, false),
                ("stricter", &case.stricter, true, false),
                ("post", &case.post, false, true),
            ];
            for (group, texts, valid, written) in groups {
                for text in texts.iter() {
                    let value: Value = serde_json::from_str(text).expect("JSON");
                    let errors = broken(&validator, &value);
                    if errors.is_empty() != valid {
                        failures.push(format!(
                            "{}: {group} {text}: the reference says {errors:?}",
                            case.name
                        ));
                    }
                    if let Some(compiled) = &compiled {
                        if compiled.validate(&value).is_ok() != valid {
                            failures.push(format!(
                                "{}: {group} {text}: JsonSchema's validator disagrees",
                                case.name
                            ));
                        }
                    }
                    match (writable(&guide, vocab(), text), written) {
                        (Ok(()), false) => failures.push(format!(
                            "{} ({form}): {group} {text} was written",
                            case.name
                        )),
                        (Err(why), true) => {
                            failures.push(format!("{} ({form}): {group} {text}: {why}", case.name));
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    eprintln!("{rendered_cases} schemas also checked as JsonSchema renders them");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn random_walks_break_only_the_rules_left_to_the_validator() {
    const WALKS: u64 = 8;
    let mut failures = Vec::new();
    let (mut done, mut total) = (0, 0);
    for case in cases() {
        let validator = reference(&case.schema);
        let mut guides = vec![Guide::from_json_schema(&case.schema, vocab()).expect("a guide")];
        if let Ok(compiled) = JsonSchema::compile(&case.schema) {
            let rendered = compiled.json_schema();
            guides.push(Guide::from_json_schema(rendered, vocab()).expect("a guide"));
        }
        let walks = guides
            .iter()
            .flat_map(|guide| (0..WALKS).map(move |seed| (guide, seed)));
        for (guide, seed) in walks {
            total += 1;
            let Some(text) = walk(guide.constraint(), vocab(), CLOSERS, seed, 24) else {
                continue;
            };
            done += 1;
            let value: Value = match serde_json::from_str(&text) {
                Ok(value) => value,
                Err(e) => {
                    failures.push(format!("{} seed {seed}: {text:?}: {e}", case.name));
                    continue;
                }
            };
            let unexpected: Vec<String> = broken(&validator, &value)
                .into_iter()
                .filter(|k| !case.post_keywords.contains(&k.as_str()))
                .collect();
            if !unexpected.is_empty() {
                failures.push(format!(
                    "{} seed {seed}: {text} breaks {unexpected:?}",
                    case.name
                ));
            }
        }
    }
    eprintln!("{done} of {total} walks completed a value");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        done * 10 >= total * 8,
        "only {done} of {total} walks completed"
    );
}

#[test]
fn the_coverage_names_what_the_validator_alone_checks() {
    for case in cases() {
        let coverage = Coverage::of_schema(&case.schema).expect("a coverage");
        let post: Vec<String> = coverage
            .post_checked()
            .map(|c| format!("{}: {}", c.rule.path, c.rule.text))
            .collect();
        assert_eq!(
            post.is_empty(),
            case.post_keywords.is_empty(),
            "{}: {post:?}\n{coverage}",
            case.name
        );
        let stricter = coverage
            .rules
            .iter()
            .any(|c| matches!(c.by, Enforcement::Stricter(_)));
        assert!(
            case.stricter.is_empty() || stricter,
            "{}: nothing stricter\n{coverage}",
            case.name
        );
    }
}

#[test]
fn the_coverage_of_a_runtime_schema_lists_each_rule() {
    let schema = json!({
        "title": "Order",
        "type": "object",
        "properties": {
            "id": {"type": "integer", "minimum": 1},
            "code": {"type": "string", "pattern": "^[A-Z]{3}(?=-)", "minLength": 2},
            "email": {"type": "string", "format": "email"},
            "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true, "maxItems": 5},
            "kind": {"oneOf": [{"const": "a"}, {"const": "b"}]},
            "node": {"$ref": "#/$defs/Node"},
            "anything": {},
        },
        "required": ["id", "code"],
        "$defs": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}}}},
    });
    let coverage = Coverage::of_schema(&schema).unwrap();
    let rows: Vec<(String, RuleKind, String, Enforcement)> = coverage
        .rules
        .iter()
        .map(|c| (c.rule.path.clone(), c.rule.kind, c.rule.text.clone(), c.by))
        .collect();
    let row = |path: &str, kind, text: &str, by| (path.to_owned(), kind, text.to_owned(), by);
    use Enforcement::{Grammar, Stricter, Validator};
    assert_eq!(
        rows,
        [
            row("$", RuleKind::JsonType, "object", Grammar),
            row("id", RuleKind::RequiredKey, "present", Grammar),
            row("code", RuleKind::RequiredKey, "present", Grammar),
            row(
                "$",
                RuleKind::ClosedObject,
                "no other keys (the schema allows them)",
                Stricter("no keys but the declared ones")
            ),
            row(
                "id",
                RuleKind::JsonType,
                "integer",
                Stricter("within ±(2^63 − 1024)")
            ),
            row("id", RuleKind::NumberRange, "≥ 1", Grammar),
            row("code", RuleKind::JsonType, "string", Grammar),
            row(
                "code",
                RuleKind::PatternMatch,
                "matches ^[A-Z]{3}(?=-)",
                Validator(
                    "a pattern llguidance cannot read (look-around, backreference, \\b, ...)"
                )
            ),
            row(
                "code",
                RuleKind::TextLength,
                "at least 2 characters",
                Grammar
            ),
            row("email", RuleKind::JsonType, "string", Grammar),
            row(
                "email",
                RuleKind::FormatMatch,
                "email",
                Stricter("no quoted local part, no IP literal, no xn-- label")
            ),
            row("tags", RuleKind::JsonType, "array", Grammar),
            row(
                "tags",
                RuleKind::UniqueItems,
                "no two items equal",
                Validator("llguidance has no uniqueItems")
            ),
            row("tags", RuleKind::ItemCount, "at most 5 items", Grammar),
            row("tags[]", RuleKind::JsonType, "string", Grammar),
            row(
                "kind",
                RuleKind::OneVariant,
                "exactly one of 2 schemas",
                Validator("taken as anyOf: a value may match more than one branch")
            ),
            row("kind<0>", RuleKind::OneOf, "exactly \"a\"", Grammar),
            row("kind<1>", RuleKind::OneOf, "exactly \"b\"", Grammar),
            row("node", RuleKind::JsonType, "object", Grammar),
            row(
                "node",
                RuleKind::ClosedObject,
                "no other keys (the schema allows them)",
                Stricter("no keys but the declared ones")
            ),
            row(
                "anything",
                RuleKind::JsonType,
                "any JSON value",
                Stricter("numbers within ±1e18")
            ),
        ]
    );
    assert_eq!(coverage.name, "Order");
    let table = coverage.to_string();
    assert!(
        table.starts_with(
            "Order: 18 rules guaranteed by the grammar, 3 checked by the validator only\n"
        ),
        "{table}"
    );
    assert!(table.contains("| code | pattern: matches ^[A-Z]{3}(?=-) | **validator only**: a pattern llguidance cannot read"));
}

#[test]
fn every_multiple_of_a_fraction_can_be_written() {
    for step in [0.1, 0.01, 0.25, 0.5, 0.05, 1.5, 0.125] {
        let decimals = (step.to_string().len() - 2).max(1);
        let guide =
            Guide::from_json_schema(&json!({"type": "number", "multipleOf": step}), vocab())
                .unwrap();
        let unwritable: Vec<String> = (-24_i32..=24)
            .map(|k| f64::from(k) * step)
            .filter_map(|v| {
                let padded = format!("{v:.decimals$}");
                let short = padded
                    .trim_end_matches('0')
                    .trim_end_matches('.')
                    .to_owned();
                let short = if short == "-0" { "0".to_owned() } else { short };
                let forms = [padded, short.clone()];
                (!forms
                    .iter()
                    .any(|text| writable(&guide, vocab(), text).is_ok()))
                .then_some(short)
            })
            .collect();
        assert!(unwritable.is_empty(), "multiples of {step}: {unwritable:?}");
    }
}

#[test]
fn schemas_without_a_grammar_are_clear_errors() {
    let vocab = vocab();
    let refused = [
        (json!(false), "admits no value"),
        (json!({"not": {}}), "admits no finite value"),
        (
            json!({"type": "object", "properties": {"a": {"not": true}}, "required": ["a"]}),
            "admits no finite value",
        ),
        (
            json!({"type": "integer", "minimum": 5, "maximum": 1}),
            "admits no value",
        ),
        (
            json!({"$ref": "#/$defs/gone"}),
            "does not point at a schema",
        ),
        (
            json!({"$ref": "https://example.com/s.json"}),
            "not a local JSON Pointer",
        ),
        (json!(5), "a schema is an object or a boolean"),
    ];
    for (schema, expected) in refused {
        match Guide::from_json_schema(&schema, vocab) {
            Err(GuideError::Schema(why)) => assert!(why.contains(expected), "{schema}: {why}"),
            other => panic!("{schema}: {other:?}"),
        }
        assert!(Coverage::of_schema(&schema).is_err());
    }
}

/// Objects nested `n` deep: `{"a": {"a": ... 1}}`, each key required. Built without recursion.
fn nested(n: usize) -> (Value, String) {
    let mut schema = json!({"type": "integer"});
    for _ in 0..n {
        let mut properties = serde_json::Map::new();
        properties.insert("a".into(), schema);
        schema = json!({"type": "object", "required": ["a"]});
        schema["properties"] = Value::Object(properties);
    }
    let text = format!("{}1{}", r#"{"a":"#.repeat(n), "}".repeat(n));
    (schema, text)
}

#[test]
fn splits_at_every_level_cost_linear_space() {
    // A type list with an integer, and an integer range across zero, are split into branches:
    // 40 levels of either would copy 2^40 nodes if each split copied the level below.
    let mut lists = json!({"type": "integer"});
    let mut ranges = json!({"type": "integer"});
    for _ in 0..40 {
        let mut node = serde_json::Map::new();
        node.insert("type".into(), json!(["integer", "array"]));
        node.insert("items".into(), lists);
        lists = Value::Object(node);
        let mut node = serde_json::Map::new();
        node.insert("type".into(), "integer".into());
        node.insert("minimum".into(), (-5).into());
        node.insert("anyOf".into(), json!([ranges]));
        ranges = Value::Object(node);
    }
    let guide = Guide::from_json_schema(&lists, vocab()).expect("a guide");
    for text in ["7", "-3", "[1,[2,[]]]"] {
        writable(&guide, vocab(), text).unwrap_or_else(|why| panic!("{text}: {why}"));
    }
    assert!(guide.grammar().to_string().len() < 1_000_000);
    let guide = Guide::from_json_schema(&ranges, vocab()).expect("a guide");
    for text in ["-5", "0", "12"] {
        writable(&guide, vocab(), text).unwrap_or_else(|why| panic!("{text}: {why}"));
    }
    // Past the budget a node is left whole, and llguidance may then need the looser levels: the
    // grammar stays small either way.
    assert!(guide.grammar().to_string().len() < 1_000_000);
}

#[test]
fn a_definition_with_many_references_is_checked_once_per_change() {
    // 50,000 references from one definition to others that admit values, and one to a cycle with
    // no way out: no finite value, found without looking at the definition 50,000 times over.
    let mut all_of: Vec<Value> = (0..50_000)
        .map(|i| json!({"$ref": format!("#/$defs/a{}", i % 100)}))
        .collect();
    all_of.push(json!({"$ref": "#/$defs/b"}));
    let mut defs = serde_json::Map::new();
    for i in 0..100 {
        defs.insert(format!("a{i}"), json!({"type": "integer"}));
    }
    defs.insert("b".into(), json!({"$ref": "#/$defs/b"}));
    defs.insert("d".into(), json!({ "allOf": all_of }));
    let schema = json!({"$ref": "#/$defs/d", "$defs": defs});
    match Guide::from_json_schema(&schema, vocab()) {
        Err(GuideError::Schema(why)) => assert!(why.contains("no finite value"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn deep_schemas_compile_on_their_own_stack_or_are_refused() {
    // 400 levels of objects: llguidance recurses through each, on the stack the guide gives it;
    // the constraint itself walks the value on this test thread's.
    let (schema, text) = nested(400);
    let guide = Guide::from_json_schema(&schema, vocab()).expect("a guide");
    writable(&guide, vocab(), &text).expect("the deep value is written");
    assert_eq!(
        Coverage::of_schema(&schema).unwrap().post_checked().count(),
        0
    );
    // 2000 levels (4000 of JSON): refused before anything recurses.
    let (schema, _) = nested(2000);
    match Guide::from_json_schema(&schema, vocab()) {
        Err(GuideError::Schema(why)) => assert!(why.contains("nested more than 1024"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(Coverage::of_schema(&schema).is_err());
}

#[test]
fn reference_cycles_need_a_way_out() {
    let endless = [
        json!({"$ref": "#"}),
        json!({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}),
        json!({"type": "object", "properties": {"next": {"$ref": "#"}}, "required": ["next"]}),
        json!({"type": "array", "items": {"$ref": "#"}, "minItems": 1}),
        json!({"anyOf": [{"$ref": "#/$defs/x"}], "$defs": {"x": {"allOf": [{"$ref": "#"}]}}}),
    ];
    for schema in endless {
        match Guide::from_json_schema(&schema, vocab()) {
            Err(GuideError::Schema(why)) => assert!(why.contains("no finite value"), "{why}"),
            other => panic!("{schema}: {other:?}"),
        }
    }
    // With a way out, each compiles and its values are written.
    let finite = [
        (
            json!({"type": "object", "properties": {"next": {"$ref": "#"}}}),
            r#"{"next":{"next":{}}}"#,
        ),
        (
            json!({"type": ["array", "null"], "items": {"$ref": "#"}, "minItems": 1}),
            "[[null],null]",
        ),
        (
            json!({"$defs": {"a": {"anyOf": [{"type": "integer"}, {"type": "array", "items": {"$ref": "#/$defs/b"}}]},
                             "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}),
            "[1,[2,[]]]",
        ),
    ];
    for (schema, text) in finite {
        let guide = Guide::from_json_schema(&schema, vocab()).expect("a guide");
        writable(&guide, vocab(), text).unwrap_or_else(|why| panic!("{schema}: {text}: {why}"));
    }
}

#[test]
fn huge_schemas_have_a_bounded_cost() {
    // 100,000 enum values: more than llguidance compiles; the grammar keeps the type.
    let values: Vec<Value> = (0..100_000).map(|i| format!("value-{i}").into()).collect();
    let schema = json!({"type": "string", "enum": values});
    let guide = Guide::from_json_schema(&schema, vocab()).expect("a guide");
    writable(&guide, vocab(), r#""value-99999""#).unwrap();
    writable(&guide, vocab(), r#""other""#).unwrap();
    let coverage = Coverage::of_schema(&schema).unwrap();
    let post: Vec<&str> = coverage
        .post_checked()
        .map(|c| c.rule.text.as_str())
        .collect();
    assert_eq!(post.len(), 1, "{post:?}");
    assert!(post[0].starts_with("one of \"value-0\""), "{post:?}");

    // 10 MB of properties: past llguidance's size limit, the grammar is any JSON value, and
    // the report says every rule is the validator's.
    let mut properties = serde_json::Map::new();
    for i in 0..160_000 {
        properties.insert(
            format!("property_{i}"),
            json!({"type": "string", "description": "a description of this property"}),
        );
    }
    let schema = json!({"type": "object", "properties": properties, "required": ["property_0"]});
    assert!(schema.to_string().len() > 10_000_000);
    let guide = Guide::from_json_schema(&schema, vocab()).expect("a guide");
    writable(&guide, vocab(), r#"{"property_0":"x"}"#).unwrap();
    writable(&guide, vocab(), "[1,2]").unwrap();
    let coverage = Coverage::of_schema(&schema).unwrap();
    assert_eq!(coverage.guaranteed().count(), 0);
    assert_eq!(coverage.rules.len(), 160_002);

    // A chain of 50,000 definitions, each inside the last: too deep for llguidance to follow.
    let mut defs = serde_json::Map::new();
    for i in 0..50_000 {
        defs.insert(
            format!("d{i}"),
            json!({"type": "object", "properties": {"n": {"$ref": format!("#/$defs/d{}", i + 1)}}}),
        );
    }
    defs.insert("d50000".into(), json!({"type": "null"}));
    let schema = json!({"$ref": "#/$defs/d0", "$defs": defs});
    let guide = Guide::from_json_schema(&schema, vocab()).expect("a guide");
    writable(&guide, vocab(), r#"{"n":{"n":null}}"#).unwrap();
    let coverage = Coverage::of_schema(&schema).unwrap();
    assert!(
        coverage
            .rules
            .iter()
            .all(|c| c.rule.path.chars().count() <= 241)
    );
}
