//! Runtime JSON Schemas (`outlines::output::JsonSchema`), keyword by keyword: each one accepting and
//! rejecting, with the exact path and kind of every error; what compiling refuses; the normalized
//! schema and the description it renders; and generation through the loop with the Mock backend.
//! (Hostile schemas: `runtime_schema_hostile.rs`; agreement with the `jsonschema` crate and with
//! the derive: `runtime_schema_conformance.rs`.)

use outlines::backend::mock::Mock;
use outlines::output::{JsonSchema, Output, SchemaErrorKind};
use outlines::{Batch, ErrorKind, GenerateOutput, Structured};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------------
// Harness

fn compile(schema: Value) -> JsonSchema {
    JsonSchema::compile(&schema).unwrap_or_else(|e| panic!("{e}\n{schema:#}"))
}

fn accepts(schema: &JsonSchema, value: Value) {
    if let Err(errors) = schema.validate(&value) {
        panic!("{value} should be valid:\n{errors}");
    }
}

/// `value` is rejected with exactly these errors: (path, kind), in order.
fn rejects(schema: &JsonSchema, value: Value, expected: &[(&str, ErrorKind)]) {
    let errors = match schema.validate(&value) {
        Ok(()) => panic!("{value} should be invalid"),
        Err(errors) => errors,
    };
    let got: Vec<(String, ErrorKind)> = errors
        .errors()
        .iter()
        .map(|e| (e.path().to_string(), e.kind()))
        .collect();
    let want: Vec<(String, ErrorKind)> =
        expected.iter().map(|(p, k)| (p.to_string(), *k)).collect();
    assert_eq!(got, want, "{value}:\n{errors}");
}

/// The one error `value` gets, as displayed.
fn error_text(schema: &JsonSchema, value: Value) -> String {
    let errors = schema.validate(&value).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors}");
    errors.errors()[0].to_string()
}

use ErrorKind::{Constraint, Missing, Syntax, Type, Unknown, Variant};

// ---------------------------------------------------------------------------------------------------
// Any value

#[test]
fn type_names_one_type_or_several() {
    let cases = [
        ("string", json!("x"), json!(1)),
        ("number", json!(1.5), json!("1")),
        ("integer", json!(-3), json!(1.5)),
        ("boolean", json!(false), json!(0)),
        ("null", json!(null), json!(false)),
        ("object", json!({}), json!([])),
        ("array", json!([]), json!({})),
    ];
    for (name, good, bad) in cases {
        let s = compile(json!({"type": name}));
        accepts(&s, good);
        rejects(&s, bad, &[("$", Type)]);
    }
    let s = compile(json!({"type": ["string", "null"]}));
    accepts(&s, json!(null));
    accepts(&s, json!("x"));
    assert_eq!(
        error_text(&s, json!(3)),
        "$: expected a string or null (expected string or null, got 3)"
    );
}

#[test]
fn integers_are_numbers_without_a_fraction_as_the_specification_says() {
    let s = compile(json!({"type": "integer", "maximum": 10}));
    accepts(&s, json!(1.0));
    accepts(&s, json!(-0.0));
    rejects(&s, json!(1.5), &[("$", Type)]);
    rejects(&s, json!(11.0), &[("$", Constraint)]);
    // A whole number too large for 64 bits is still an integer.
    accepts(&compile(json!({"type": "integer"})), json!(1e300));
}

#[test]
fn enum_and_const_compare_as_json_schema_does() {
    let s = compile(json!({"enum": ["red", 1, null, {"a": [1, 2]}]}));
    for ok in [
        json!("red"),
        json!(1.0),
        json!(null),
        json!({"a": [1.0, 2]}),
    ] {
        accepts(&s, ok);
    }
    rejects(&s, json!("blue"), &[("$", Constraint)]);
    rejects(&s, json!({"a": [2, 1]}), &[("$", Constraint)]);
    assert_eq!(
        error_text(&compile(json!({"enum": ["user", "admin"]})), json!("boss")),
        "$: not one of the allowed values (expected one of: user, admin, got \"boss\")"
    );
    let s = compile(json!({"const": {"k": 1}}));
    accepts(&s, json!({"k": 1.0}));
    assert_eq!(
        error_text(&s, json!({"k": 2})),
        "$: not the required value (expected {\"k\":1}, got {\"k\":2})"
    );
}

#[test]
fn boolean_schemas() {
    accepts(&compile(json!(true)), json!({"anything": [1]}));
    rejects(&compile(json!(false)), json!(null), &[("$", Constraint)]);
    let s = compile(json!({"properties": {"secret": false}}));
    accepts(&s, json!({"other": 1}));
    rejects(&s, json!({"secret": 1}), &[("secret", Constraint)]);
}

// ---------------------------------------------------------------------------------------------------
// Numbers

#[test]
fn bounds_inclusive_and_exclusive() {
    let s = compile(json!({"minimum": 0, "maximum": 10}));
    accepts(&s, json!(0));
    accepts(&s, json!(10.0));
    accepts(&s, json!("not a number: bounds apply to numbers only"));
    assert_eq!(
        error_text(&s, json!(-1)),
        "$: below the minimum (expected number between 0 and 10, got -1)"
    );
    rejects(&s, json!(10.5), &[("$", Constraint)]);
    let s = compile(json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1.5}));
    accepts(&s, json!(0.001));
    accepts(&s, json!(1.4999));
    assert_eq!(
        error_text(&s, json!(0)),
        "$: not above the exclusive minimum (expected number greater than 0, less than 1.5, got 0)"
    );
    rejects(&s, json!(1.5), &[("$", Constraint)]);
    // Integers beyond 2^53 compare exactly.
    let s = compile(json!({"maximum": 9007199254740993u64}));
    accepts(&s, json!(9007199254740993u64));
    rejects(&s, json!(9007199254740994u64), &[("$", Constraint)]);
}

#[test]
fn multiple_of_is_decimal() {
    let s = compile(json!({"multipleOf": 0.1}));
    accepts(&s, json!(0.3));
    accepts(&s, json!(19.9));
    assert_eq!(
        error_text(&s, json!(0.25)),
        "$: not a multiple of the step (expected number that is a multiple of 0.1, got 0.25)"
    );
    let s = compile(json!({"type": "integer", "multipleOf": 5}));
    accepts(&s, json!(-15));
    rejects(&s, json!(7), &[("$", Constraint)]);
    // A bound and the step both broken: two errors.
    let s = compile(json!({"minimum": 10, "multipleOf": 5}));
    rejects(&s, json!(3), &[("$", Constraint), ("$", Constraint)]);
}

// ---------------------------------------------------------------------------------------------------
// Strings

#[test]
fn lengths_count_code_points() {
    let s = compile(json!({"type": "string", "minLength": 2, "maxLength": 3}));
    accepts(&s, json!("é😀"));
    accepts(&s, json!("漢字か"));
    assert_eq!(
        error_text(&s, json!("😀")),
        "$: too short (1 characters) (expected string of 2 to 3 characters, got \"😀\")"
    );
    rejects(&s, json!("abcd"), &[("$", Constraint)]);
}

#[test]
fn patterns_are_ecma_262_and_unanchored() {
    let s = compile(json!({"pattern": "\\d{3}"}));
    accepts(&s, json!("abc 123 def"));
    accepts(&s, json!(123)); // a number is not a string: `pattern` does not apply
    // ECMA-262's `\d` is ASCII: Arabic-Indic digits are not digits.
    assert_eq!(
        error_text(&s, json!("٣٣٣")),
        "$: does not match the pattern (expected string matching /\\d{3}/, got \"٣٣٣\")"
    );
    let s = compile(json!({"pattern": "^[A-Z]{2}-\\w+$"}));
    accepts(&s, json!("AB-x_1"));
    rejects(&s, json!("AB-é"), &[("$", Constraint)]);
}

#[test]
fn formats_are_enforced() {
    let samples = [
        ("email", "a@example.com", "no-at.example.com"),
        ("uri", "https://example.com/p?q=1", "/relative"),
        ("uuid", "123e4567-e89b-12d3-a456-426614174000", "123e4567"),
        ("date", "2024-02-29", "2023-02-29"),
        ("date-time", "2024-01-31T09:30:00Z", "2024-01-31 09:30:00Z"),
        ("time", "09:30:00+02:00", "09:30"),
        ("ipv4", "192.168.0.1", "256.1.1.1"),
        ("ipv6", "2001:db8::1", "2001:db8:::1"),
        ("hostname", "api.example.com", "-bad.example"),
    ];
    for (format, good, bad) in samples {
        let s = compile(json!({"format": format}));
        accepts(&s, json!(good));
        accepts(&s, json!(42)); // formats apply to strings only
        let text = error_text(&s, json!(bad));
        assert!(text.contains(&format!("not a valid {format}")), "{text}");
    }
}

// ---------------------------------------------------------------------------------------------------
// Arrays

#[test]
fn items_and_counts() {
    let s = compile(
        json!({"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3}),
    );
    accepts(&s, json!([1, 2, 3]));
    rejects(
        &s,
        json!([1, "2", 3, true]),
        &[("[1]", Type), ("[3]", Type), ("$", Constraint)],
    );
    assert_eq!(
        error_text(&s, json!([])),
        "$: too few items (expected 1 to 3 items, got 0 items)"
    );
}

#[test]
fn prefix_items_with_and_without_the_rest() {
    let s = compile(json!({"prefixItems": [{"type": "string"}, {"type": "integer"}]}));
    accepts(&s, json!(["a"]));
    accepts(&s, json!(["a", 1, {"rest": "anything"}]));
    rejects(&s, json!([1, "a"]), &[("[0]", Type), ("[1]", Type)]);
    let closed = compile(json!({"prefixItems": [{"type": "string"}], "items": false}));
    assert_eq!(
        error_text(&closed, json!(["a", 1, 2])),
        "$: too many items (expected array of at most 1 items, got 3 items)"
    );
    let typed_rest =
        compile(json!({"prefixItems": [{"type": "string"}], "items": {"type": "integer"}}));
    rejects(&typed_rest, json!(["a", 1, "b"]), &[("[2]", Type)]);
    // Draft 7's array `items` and `additionalItems` mean the same.
    let draft7 = compile(json!({"items": [{"type": "string"}], "additionalItems": false}));
    rejects(&draft7, json!(["a", "b"]), &[("$", Constraint)]);
    assert_eq!(
        draft7.json_schema()["prefixItems"],
        json!([{"type": "string"}])
    );
    assert_eq!(draft7.json_schema()["items"], json!(false));
}

#[test]
fn unique_items_compare_as_json_schema_does() {
    let s = compile(json!({"uniqueItems": true}));
    accepts(&s, json!([1, "1", [1], {"a": 1}, {"a": 2}]));
    assert_eq!(
        error_text(&s, json!([1, 2, 1.0])),
        "[2]: duplicate of item 0 (expected array with no duplicate items)"
    );
    rejects(
        &s,
        json!([{"a": 1, "b": 2}, {"b": 2, "a": 1}, [1], [1]]),
        &[("[1]", Constraint), ("[3]", Constraint)],
    );
    // Many items: found by hash, in time linear in the array.
    let many: Vec<Value> = (0..20_000).map(Value::from).chain([json!(7)]).collect();
    rejects(&s, Value::Array(many), &[("[20000]", Constraint)]);
}

#[test]
fn contains_with_min_and_max() {
    let s = compile(json!({"contains": {"type": "string"}}));
    accepts(&s, json!([1, "a"]));
    assert_eq!(
        error_text(&s, json!([1, 2])),
        "$: too few items match `contains` (expected array with at least 1 items that are string, got 0 matching)"
    );
    let s = compile(json!({"contains": {"const": 1}, "minContains": 2, "maxContains": 3}));
    accepts(&s, json!([1, 1, 2]));
    rejects(&s, json!([1, 2]), &[("$", Constraint)]);
    rejects(&s, json!([1, 1, 1, 1]), &[("$", Constraint)]);
    // `minContains: 0` makes `contains` always hold.
    accepts(
        &compile(json!({"contains": false, "minContains": 0})),
        json!([1]),
    );
}

// ---------------------------------------------------------------------------------------------------
// Objects

#[test]
fn properties_and_required() {
    let s = compile(json!({
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "address": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"]
            },
            "a b": {"type": "integer"}
        },
        "required": ["name", "id"]
    }));
    accepts(&s, json!({"name": "x", "id": 1}));
    rejects(
        &s,
        json!({"name": "", "address": {"city": 3}, "a b": "x"}),
        &[
            ("name", Constraint),
            ("address.city", Type),
            ("[\"a b\"]", Type),
            ("id", Missing),
        ],
    );
    rejects(
        &s,
        json!({"id": 1, "address": {}}),
        &[("address.city", Missing), ("name", Missing)],
    );
    assert_eq!(
        error_text(&s, json!({"name": "x"})),
        "id: missing required field (expected any JSON value)"
    );
    assert_eq!(
        error_text(&s, json!({"id": 0})),
        "name: missing required field (expected string of at least 1 character)"
    );
}

#[test]
fn additional_and_pattern_properties() {
    let closed = compile(json!({"properties": {"a": {}}, "additionalProperties": false}));
    accepts(&closed, json!({"a": 1}));
    assert_eq!(
        error_text(&closed, json!({"a": 1, "b\n": 2})),
        "[\"b\\n\"]: unknown field \"b\\n\" (expected one of the fields: a, got 2)"
    );
    let typed = compile(json!({
        "properties": {"a": {}},
        "patternProperties": {"^x-": {"type": "string"}},
        "additionalProperties": {"type": "integer"}
    }));
    accepts(&typed, json!({"a": null, "x-tag": "t", "n": 3}));
    rejects(
        &typed,
        json!({"x-tag": 1, "n": "3"}),
        &[("x-tag", Type), ("n", Type)],
    );
    let patterns_only = compile(
        json!({"patternProperties": {"^[a-z]+$": {"type": "integer"}}, "additionalProperties": false}),
    );
    rejects(
        &patterns_only,
        json!({"ok": "1", "NO": 1}),
        &[("ok", Type), ("NO", Unknown)],
    );
}

#[test]
fn property_names_and_counts() {
    let s = compile(
        json!({"propertyNames": {"pattern": "^[a-z]+$"}, "minProperties": 1, "maxProperties": 2}),
    );
    accepts(&s, json!({"a": 1}));
    assert_eq!(
        error_text(&s, json!({"Bad": 1})),
        "Bad: invalid property name (expected a key that is string matching /^[a-z]+$/, got \"Bad\")"
    );
    assert_eq!(
        error_text(&s, json!({})),
        "$: too few keys (expected 1 to 2 keys, got 0 keys)"
    );
    rejects(&s, json!({"a": 1, "b": 2, "c": 3}), &[("$", Constraint)]);
}

#[test]
fn dependent_required_and_schemas() {
    let s = compile(json!({
        "dependentRequired": {"card": ["billing"]},
        "dependentSchemas": {"card": {"properties": {"billing": {"type": "string"}}}}
    }));
    accepts(&s, json!({"card": 1, "billing": "x"}));
    accepts(&s, json!({"billing": 2}));
    assert_eq!(
        error_text(&s, json!({"card": 1})),
        "billing: missing field required when \"card\" is present (expected any JSON value)"
    );
    rejects(&s, json!({"card": 1, "billing": 2}), &[("billing", Type)]);
}

// ---------------------------------------------------------------------------------------------------
// Applicators

fn shapes() -> JsonSchema {
    compile(json!({
        "anyOf": [
            {"type": "object", "properties": {"kind": {"const": "circle"}, "r": {"type": "number"}}, "required": ["kind", "r"]},
            {"type": "object", "properties": {"kind": {"const": "square"}, "side": {"type": "number"}}, "required": ["kind", "side"]},
            {"type": "string", "maxLength": 3}
        ]
    }))
}

#[test]
fn any_of_explains_the_branch_the_value_is_shaped_for() {
    let s = shapes();
    accepts(&s, json!({"kind": "square", "side": 2}));
    accepts(&s, json!("abc"));
    // The `kind` tag singles out a branch: its own errors, at their paths.
    rejects(&s, json!({"kind": "circle", "r": "big"}), &[("r", Type)]);
    rejects(&s, json!({"kind": "square"}), &[("side", Missing)]);
    // The type singles out the string branch.
    rejects(&s, json!("abcd"), &[("$", Constraint)]);
    // Nothing fits: one error listing the alternatives.
    assert_eq!(
        error_text(&s, json!(7)),
        "$: matches none of the schemas under `anyOf` (expected one of: object or object or string of at most 3 characters, got 7)"
    );
    rejects(&s, json!({"kind": "triangle"}), &[("$", Variant)]);
}

#[test]
fn one_of_wants_exactly_one() {
    let s = compile(json!({"oneOf": [{"type": "integer"}, {"minimum": 10}]}));
    accepts(&s, json!(3));
    accepts(&s, json!(10.5));
    assert_eq!(
        error_text(&s, json!(12)),
        "$: matches more than one of the schemas under `oneOf` (#0 and #1) (expected exactly one of: integer or number at least 10, got 12)"
    );
    // Only the second branch takes a fraction: its error says why it fails.
    rejects(&s, json!(2.5), &[("$", Constraint)]);
    // `minimum` does not apply to a string: the second branch holds, the first does not.
    accepts(&s, json!("x"));
}

#[test]
fn all_of_collects_every_branch() {
    let s =
        compile(json!({"allOf": [{"properties": {"a": {"type": "string"}}}, {"required": ["b"]}]}));
    accepts(&s, json!({"a": "x", "b": 1}));
    rejects(&s, json!({"a": 1}), &[("a", Type), ("b", Missing)]);
}

#[test]
fn not_and_conditionals() {
    let s = compile(json!({"not": {"type": "string"}}));
    accepts(&s, json!(1));
    assert_eq!(
        error_text(&s, json!("x")),
        "$: matches the schema under `not` (expected a value that is not string, got \"x\")"
    );
    let s = compile(json!({
        "if": {"properties": {"country": {"const": "US"}}, "required": ["country"]},
        "then": {"properties": {"zip": {"pattern": "^[0-9]{5}$"}}},
        "else": {"properties": {"zip": {"type": "string"}}}
    }));
    accepts(&s, json!({"country": "US", "zip": "12345"}));
    accepts(&s, json!({"country": "FR", "zip": "75001 Paris"}));
    rejects(
        &s,
        json!({"country": "US", "zip": "1234"}),
        &[("zip", Constraint)],
    );
    rejects(&s, json!({"country": "FR", "zip": 75001}), &[("zip", Type)]);
    // `then` without `if` means nothing.
    accepts(&compile(json!({"then": false})), json!(1));
}

// ---------------------------------------------------------------------------------------------------
// References

#[test]
fn references_into_defs_definitions_and_anywhere() {
    let s = compile(json!({
        "$id": "https://example.com/order.json",
        "type": "object",
        "properties": {
            "item": {"$ref": "#/$defs/Item"},
            "old": {"$ref": "#/definitions/Old"},
            "same_as_item_sku": {"$ref": "#/$defs/Item/properties/sku"},
            "spaced": {"$ref": "#/$defs/a%20b"},
            "by_id": {"$ref": "https://example.com/order.json#/$defs/Item"}
        },
        "$defs": {
            "Item": {"type": "object", "properties": {"sku": {"type": "string", "pattern": "^SKU-"}}, "required": ["sku"]},
            "a b": {"type": "integer"}
        },
        "definitions": {"Old": {"type": "boolean"}}
    }));
    accepts(
        &s,
        json!({"item": {"sku": "SKU-1"}, "old": true, "same_as_item_sku": "SKU-2", "spaced": 1, "by_id": {"sku": "SKU-3"}}),
    );
    rejects(
        &s,
        json!({"item": {"sku": "x"}, "old": 1, "same_as_item_sku": 2, "spaced": "1", "by_id": {}}),
        &[
            ("item.sku", Constraint),
            ("old", Type),
            ("same_as_item_sku", Type),
            ("spaced", Type),
            ("by_id.sku", Missing),
        ],
    );
    // The normalized schema refers into `$defs` only.
    let rendered = s.json_schema();
    assert_eq!(
        rendered["properties"]["old"],
        json!({"$ref": "#/$defs/Old"})
    );
    assert_eq!(
        rendered["properties"]["by_id"],
        json!({"$ref": "#/$defs/Item"})
    );
    assert_eq!(
        rendered["properties"]["same_as_item_sku"],
        json!({"$ref": "#/$defs/Item_properties_sku"})
    );
    assert_eq!(rendered["$defs"]["a_b"], json!({"type": "integer"}));
    assert!(rendered.get("definitions").is_none());
}

#[test]
fn recursive_references() {
    let tree = compile(json!({
        "type": "object",
        "properties": {
            "value": {"type": "integer"},
            "children": {"type": "array", "items": {"$ref": "#"}}
        },
        "required": ["value"]
    }));
    accepts(
        &tree,
        json!({"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]}),
    );
    rejects(
        &tree,
        json!({"value": 1, "children": [{"value": 2, "children": [{"value": "3"}, {}]}]}),
        &[
            ("children[0].children[0].value", Type),
            ("children[0].children[1].value", Missing),
        ],
    );
    // Mutual recursion through `$defs`, with `anyOf` as the base case.
    let list = compile(json!({
        "$ref": "#/$defs/List",
        "$defs": {
            "List": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/Cons"}]},
            "Cons": {"type": "object", "properties": {"head": {"type": "integer"}, "tail": {"$ref": "#/$defs/List"}}, "required": ["head", "tail"]}
        }
    }));
    accepts(&list, json!({"head": 1, "tail": {"head": 2, "tail": null}}));
    rejects(
        &list,
        json!({"head": 1, "tail": {"head": "2", "tail": null}}),
        &[("tail.head", Type)],
    );
}

// ---------------------------------------------------------------------------------------------------
// Annotations

#[test]
fn annotations_describe_and_do_not_validate() {
    let s = compile(json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": "not rendered",
        "title": "Reading",
        "description": "A sensor reading.",
        "type": "object",
        "properties": {
            "celsius": {"type": "number", "description": "Temperature.", "examples": [21.5], "default": 20},
            "legacy": {"type": "string", "deprecated": true, "readOnly": true}
        },
        "examples": [{"celsius": 21.5}]
    }));
    accepts(&s, json!({}));
    assert_eq!(s.name(), "Reading");
    assert_eq!(Output::examples(&s), vec![json!({"celsius": 21.5})]);
    assert_eq!(s.spec().description.as_deref(), Some("A sensor reading."));
    assert_eq!(
        s.describe(),
        "// A sensor reading.\n\
         type Reading = {\n  \
           celsius?: number; // Temperature. (e.g. 21.5, default 20)\n  \
           legacy?: string; // deprecated, read-only\n\
         }; // e.g. {\"celsius\":21.5}\n"
    );
    assert!(s.json_schema().get("$comment").is_none());
    assert_eq!(
        s.json_schema()["properties"]["celsius"]["default"],
        json!(20)
    );
}

// ---------------------------------------------------------------------------------------------------
// What compiling refuses

#[test]
fn unsupported_keywords_are_errors_naming_keyword_and_pointer() {
    let cases = [
        (
            json!({"unevaluatedProperties": false}),
            SchemaErrorKind::Unsupported,
            "unevaluatedProperties",
            "",
        ),
        (
            json!({"properties": {"a": {"$dynamicRef": "#x"}}}),
            SchemaErrorKind::Unsupported,
            "$dynamicRef",
            "/properties/a",
        ),
        (
            json!({"items": {"nullable": true}}),
            SchemaErrorKind::Unsupported,
            "nullable",
            "/items",
        ),
        (
            json!({"$defs": {"a/b": {"x-extension": 1}}}),
            SchemaErrorKind::Unsupported,
            "x-extension",
            "/$defs/a~1b",
        ),
        (
            json!({"anyOf": [{}, {"$id": "https://other"}]}),
            SchemaErrorKind::Unsupported,
            "$id",
            "/anyOf/1",
        ),
        (
            json!({"format": "duration"}),
            SchemaErrorKind::Unsupported,
            "format",
            "",
        ),
        (
            json!({"$ref": "https://example.com/other.json"}),
            SchemaErrorKind::Reference,
            "$ref",
            "",
        ),
        (
            json!({"$ref": "#/$defs/missing"}),
            SchemaErrorKind::Reference,
            "$ref",
            "",
        ),
        (
            json!({"$ref": "#anchor"}),
            SchemaErrorKind::Reference,
            "$ref",
            "",
        ),
        (
            json!({"minLength": -1}),
            SchemaErrorKind::Invalid,
            "minLength",
            "",
        ),
        (
            json!({"minItems": 1.5}),
            SchemaErrorKind::Invalid,
            "minItems",
            "",
        ),
        (
            json!({"multipleOf": 0}),
            SchemaErrorKind::Invalid,
            "multipleOf",
            "",
        ),
        (
            json!({"type": "float"}),
            SchemaErrorKind::Invalid,
            "type",
            "",
        ),
        (
            json!({"required": "name"}),
            SchemaErrorKind::Invalid,
            "required",
            "",
        ),
        (json!({"anyOf": []}), SchemaErrorKind::Invalid, "anyOf", ""),
        (
            json!({"properties": {"a": 5}}),
            SchemaErrorKind::Invalid,
            "properties",
            "",
        ),
        (
            json!({"pattern": "(?<=a)b"}),
            SchemaErrorKind::Invalid,
            "pattern",
            "",
        ),
        (
            json!({"pattern": "(a)\\1"}),
            SchemaErrorKind::Invalid,
            "pattern",
            "",
        ),
        (
            json!({"additionalItems": false}),
            SchemaErrorKind::Unsupported,
            "additionalItems",
            "",
        ),
        (
            json!({"exclusiveMaximum": true}),
            SchemaErrorKind::Invalid,
            "exclusiveMaximum",
            "",
        ),
        (json!([1, 2]), SchemaErrorKind::Invalid, "", ""),
    ];
    for (schema, kind, keyword, pointer) in cases {
        let error = JsonSchema::compile(&schema).expect_err(&schema.to_string());
        assert_eq!(
            (error.kind(), error.keyword(), error.pointer()),
            (kind, keyword, pointer),
            "{schema}: {error}"
        );
        assert!(!error.message().is_empty());
    }
    let error = JsonSchema::compile(&json!({"properties": {"a": {"unevaluatedItems": false}}}))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "`unevaluatedItems` at #/properties/a: not supported: it depends on what the other keywords evaluated; use `items`"
    );
}

#[test]
fn schemas_from_text_and_files() {
    let s = JsonSchema::from_str(r#"{"type": "integer"}"#).unwrap();
    assert!(s.validate(&json!(1)).is_ok());
    let parsed: JsonSchema = r#"{"type": "string"}"#.parse().unwrap();
    assert!(parsed.validate(&json!(1)).is_err());
    let error = JsonSchema::from_str("{\"type\": }").unwrap_err();
    assert_eq!(error.kind(), SchemaErrorKind::Syntax);
    assert!(error.to_string().contains("line 1 column 10"), "{error}");
    let error = JsonSchema::from_file("/nonexistent/schema.json").unwrap_err();
    assert_eq!(error.kind(), SchemaErrorKind::Io);
    let path = std::env::temp_dir().join(format!("outlines-schema-{}.json", std::process::id()));
    std::fs::write(&path, r#"{"title": "From a file", "enum": [1, 2]}"#).unwrap();
    let from_file = JsonSchema::from_file(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(from_file.name(), "From_a_file");
    assert!(from_file.validate(&json!(3)).is_err());
    // A schema that does not compile names its file before the keyword and its place.
    std::fs::write(&path, r#"{"properties": {"a": {"type": "nope"}}}"#).unwrap();
    let error = JsonSchema::from_file(&path).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(error.file(), Some(path.as_path()));
    assert_eq!(error.pointer(), "/properties/a");
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}: `type` at #/properties/a: ", path.display())),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------------------
// Names, rendering, description

#[test]
fn schemas_are_shared_across_threads() {
    fn shared<T: Send + Sync + Clone + std::fmt::Debug>() {}
    shared::<JsonSchema>();
    shared::<outlines::output::TypedSchema<Person>>();
    let schema = compile(json!({"title": "N", "type": "integer"}));
    assert_eq!(
        format!("{schema:?}"),
        "JsonSchema { name: \"N\", nodes: 1 }"
    );
    let clone = schema.clone();
    std::thread::spawn(move || assert!(clone.validate(&json!(1)).is_ok()))
        .join()
        .unwrap();
}

#[test]
fn names_come_from_the_caller_the_title_or_a_default() {
    assert_eq!(compile(json!({})).name(), "Value");
    assert_eq!(
        compile(json!({"title": "Sales order (v2)"})).name(),
        "Sales_order_v2"
    );
    assert_eq!(
        compile(json!({"title": "Order"})).named("Invoice").name(),
        "Invoice"
    );
    assert_eq!(compile(json!({"title": "!!!"})).name(), "Value");
}

#[test]
fn the_rendering_is_normalized_and_compiles_to_itself() {
    let original = json!({
        "type": "object",
        "$comment": "dropped",
        "properties": {
            "a": {"$ref": "#/definitions/A"},
            "b": {"type": ["integer", "null"], "minimum": 1},
            "c": {"items": [{"type": "string"}], "additionalItems": {"type": "integer"}}
        },
        "definitions": {"A": {"anyOf": [{"type": "string"}, {"$ref": "#/definitions/A/anyOf/0"}]}, "Unused": {}}
    });
    let s = compile(original);
    let rendered = s.json_schema().as_ref().clone();
    assert_eq!(
        rendered,
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "a": {"$ref": "#/$defs/A"},
                "b": {"type": ["integer", "null"], "minimum": 1},
                "c": {"prefixItems": [{"type": "string"}], "items": {"type": "integer"}}
            },
            "$defs": {
                "A": {"anyOf": [{"$ref": "#/$defs/A_anyOf_0"}, {"$ref": "#/$defs/A_anyOf_0"}]},
                "A_anyOf_0": {"type": "string"}
            }
        })
    );
    let again = compile(rendered.clone());
    assert_eq!(**again.json_schema(), rendered);
    // One schema, one rendering: every request shares it.
    let spec = s.spec();
    assert!(std::sync::Arc::ptr_eq(
        &spec.json_schema,
        s.clone().json_schema()
    ));
}

#[test]
fn descriptions_read_like_the_derives() {
    let s = compile(json!({
        "title": "Order",
        "description": "An order placed in the shop.",
        "type": "object",
        "properties": {
            "id": {"type": "string", "pattern": "^ORD-[0-9]+$"},
            "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}, "minItems": 1, "maxItems": 50},
            "status": {"enum": ["pending", "shipped"]},
            "note": {"type": ["string", "null"]},
            "contact": {"oneOf": [{"type": "string", "format": "email"}, {"type": "string", "format": "uri"}]}
        },
        "required": ["id", "items", "status"],
        "$defs": {
            "Item": {"type": "object", "properties": {"sku": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1}}, "required": ["sku", "quantity"]}
        }
    }));
    assert_eq!(
        s.describe(),
        "// An order placed in the shop.\n\
         type Order = {\n  \
           id: string; // /^ORD-[0-9]+$/\n  \
           items: Item[]; // 1-50 items\n  \
           status: \"pending\" | \"shipped\";\n  \
           note?: string | null;\n  \
           contact?: string | string; // email, absolute URI, exactly one of these\n\
         };\n\
         \n\
         type Item = {\n  \
           sku: string;\n  \
           quantity: int; // >= 1\n\
         };\n"
    );
    // Long enums list their first values only.
    let many = compile(json!({"enum": (0..1000).collect::<Vec<_>>()}));
    let text = many.describe();
    assert!(
        text.contains("| …") && text.contains("one of 1000 values"),
        "{text}"
    );
    assert!(text.len() < 400, "{text}");
}

// ---------------------------------------------------------------------------------------------------
// Generation through the loop

const PERSON: &str = r#"{
    "title": "Person",
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "age": {"type": "integer", "minimum": 0, "maximum": 120}
    },
    "required": ["name", "age"],
    "additionalProperties": false
}"#;

#[tokio::test]
async fn an_invalid_reply_is_repaired() {
    let schema = JsonSchema::from_str(PERSON).unwrap();
    let mock = Mock::new()
        .reply(r#"{"name": "", "age": 150, "nick": "x"}"#)
        .reply(r#"{"name": "Ada", "age": 36}"#);
    let report = schema.generation("Ada, 36").report(&mock).await.unwrap();
    assert_eq!(report.value, json!({"name": "Ada", "age": 36}));
    assert_eq!(report.attempt_count(), 2);
    let sent = mock.requests();
    let spec = sent[0].output.json().expect("a JSON constraint");
    assert_eq!(spec.name, "Person");
    assert!(std::sync::Arc::ptr_eq(
        &spec.json_schema,
        schema.json_schema()
    ));
    assert!(
        sent[0].system.contains("type Person = {"),
        "{}",
        sent[0].system
    );
    let repair = &sent[1].messages[2].content;
    for needle in [
        "- name: too short (0 characters)",
        "- age: above the maximum (expected integer between 0 and 120, got 150)",
        "- nick: unknown field \"nick\" (expected one of the fields: name, age, got \"x\")",
    ] {
        assert!(repair.contains(needle), "missing {needle:?} in:\n{repair}");
    }
}

#[tokio::test]
async fn generate_returns_a_validated_value_or_every_reason() {
    let schema = JsonSchema::from_str(PERSON).unwrap();
    let value = schema
        .generate(&Mock::always(r#" {"name": "Bo", "age": 7} "#), "Bo, 7")
        .await
        .unwrap();
    assert_eq!(value["age"], 7);
    let error = schema
        .generation("Bo")
        .max_attempts(2)
        .run(&Mock::always(r#"{"name": "Bo"}"#))
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("age: missing required field"), "{text}");
}

#[tokio::test]
async fn a_batch_of_runtime_schema_generations() {
    let schema = JsonSchema::from_str(PERSON).unwrap();
    let mock = Mock::from_fn(|request| {
        let prompt = &request.messages[0].content;
        let age = prompt.len();
        Ok(outlines::backend::Response::text(format!(
            r#"{{"name": "{prompt}", "age": {age}}}"#
        )))
    });
    let prompts = ["a", "bb", "ccc"];
    let results = Batch::new(prompts.iter().map(|p| schema.generation(*p)))
        .run(&mock)
        .await;
    let values: Vec<Value> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(values[2], json!({"name": "ccc", "age": 3}));
    // All requests carry one rendering of the schema.
    let requests = mock.requests();
    let first = &requests[0].output.json().unwrap().json_schema;
    assert!(
        requests
            .iter()
            .all(|r| std::sync::Arc::ptr_eq(&r.output.json().unwrap().json_schema, first))
    );
}

#[derive(Debug, PartialEq, serde::Deserialize)]
struct Person {
    name: String,
    age: u8,
}

#[tokio::test]
async fn typed_values_are_validated_then_deserialized() {
    let schema = JsonSchema::from_str(PERSON).unwrap();
    let person = schema
        .typed::<Person>()
        .generate(
            &Mock::new()
                .reply(r#"{"name": "Ada", "age": 200}"#)
                .reply(r#"{"name": "Ada", "age": 36}"#),
            "Ada",
        )
        .await
        .unwrap();
    assert_eq!(
        person,
        Person {
            name: "Ada".into(),
            age: 36
        }
    );
    // What the schema allows but the type cannot hold is a violation too, and repaired.
    let loose = compile(json!({"type": "object"}));
    let mock = Mock::new()
        .reply(r#"{"name": "Ada"}"#)
        .reply(r#"{"name": "Ada", "age": 1}"#);
    let report = loose
        .typed::<Person>()
        .generation("Ada")
        .report(&mock)
        .await
        .unwrap();
    assert_eq!(report.value.age, 1);
    let repair = &mock.requests()[1].messages[2].content;
    assert!(repair.contains("cannot be read as"), "{repair}");
    assert!(repair.contains("missing field `age`"), "{repair}");
}

#[test]
fn text_replies_read_like_the_derives() {
    let schema = JsonSchema::from_str(PERSON).unwrap();
    let value = schema.read(" {\"name\": \"x\", \"age\": 1} ").unwrap();
    assert_eq!(value["name"], "x");
    let errors = schema.read("{\"name\": \"x\",\n \"age\": }").unwrap_err();
    assert_eq!(errors.errors()[0].kind(), Syntax);
    assert_eq!(errors.errors()[0].location(), Some((2, 9)));
    // What the derive says of the same reply, word for word.
    #[derive(Structured)]
    #[allow(dead_code)]
    struct Derived {
        #[outline(min = 1)]
        name: String,
        #[outline(min = 0, max = 120)]
        age: u8,
    }
    let reply = r#"{"name": "", "age": 121}"#;
    assert_eq!(
        schema.read(reply).unwrap_err().to_string(),
        Derived::from_json(reply).err().unwrap().to_string()
    );
}
