//! Runtime JSON Schemas (any 2020-12 schema, not only a derived type's) through the provider
//! transforms: keyword by keyword, what OpenAI's strict form and Anthropic's structured-output
//! subset keep, state in words or fall back on (non-strict, a forced tool), every output checked
//! against the provider's documented rules; hostile schemas (deep, cyclic, huge) with a reason and
//! a bounded cost, on a 2 MB stack; and whole requests to servers on 127.0.0.1 carrying a schema
//! built by hand, with the exact body sent.

#[path = "support/fixtures.rs"]
mod fixtures;
#[allow(unreachable_pub)] // the helpers are `pub` for every test binary that shares them
#[path = "support/raw_http.rs"]
mod raw_http;
#[allow(unused_macros)] // the scenarios are run by the providers' own binaries
#[macro_use]
#[path = "support/conformance.rs"]
mod conformance;

use std::sync::Arc;

use conformance::{completion_body, message_body};
use fixtures::fast;
use outlines::OutputMode;
use outlines::backend::anthropic::Anthropic;
use outlines::backend::anthropic::schema::{object_root, structured, subset_violations};
use outlines::backend::openai::OpenAi;
use outlines::backend::openai::schema::{NotStrict, strict, strict_violations};
use outlines::backend::{Backend, Message, Request, SchemaSpec};
use outlines::output::JsonSchema;
use serde_json::{Map, Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// ---------------------------------------------------------------------------------------------------
// Keyword by keyword

/// What a transform makes of a schema: its property `p` as kept (keywords moved into words
/// included), or a fallback whose reason contains the text.
#[derive(Debug)]
enum Expect {
    Kept(Value),
    Fallback(&'static str),
}
use Expect::{Fallback, Kept};

struct Case {
    name: &'static str,
    schema: Value,
    openai: Expect,
    anthropic: Expect,
}

/// An object whose one required property `p` is `x` (moved in: `json!` would serialize it, which
/// recurses).
fn prop(x: Value) -> Value {
    let mut schema = json!({"type": "object", "properties": {}, "required": ["p"]});
    schema["properties"]["p"] = x;
    schema
}

fn case(name: &'static str, schema: Value, openai: Expect, anthropic: Expect) -> Case {
    Case {
        name,
        schema,
        openai,
        anthropic,
    }
}

fn cases() -> Vec<Case> {
    let object = |rest: Value| {
        let mut node = json!({"type": "object", "properties": {"a": {"type": "integer"}}});
        for (key, value) in rest.as_object().into_iter().flatten() {
            node[key] = value.clone();
        }
        node
    };
    vec![
        case(
            "type list",
            prop(json!({"type": ["string", "integer", "null"]})),
            Kept(json!({"type": ["string", "integer", "null"]})),
            Kept(json!({"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]})),
        ),
        case(
            "properties and required",
            prop(
                json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"}}, "required": ["a"]}),
            ),
            Kept(
                json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"}},
                        "required": ["a", "b"], "additionalProperties": false}),
            ),
            Kept(
                json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"}},
                        "required": ["a"], "additionalProperties": false}),
            ),
        ),
        case(
            "required keys that are not properties",
            prop(object(json!({"required": ["b"]}))),
            Fallback("the key \"b\", which is not among its properties"),
            Fallback("the key \"b\", which is not among its properties"),
        ),
        case(
            "additionalProperties false",
            prop(object(json!({"additionalProperties": false}))),
            Kept(
                json!({"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"], "additionalProperties": false}),
            ),
            Kept(
                json!({"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": false}),
            ),
        ),
        case(
            "additionalProperties schema",
            prop(object(json!({"additionalProperties": {"type": "string"}}))),
            Fallback("open keys"),
            Fallback("a map"),
        ),
        case(
            "additionalProperties true",
            prop(object(json!({"additionalProperties": true}))),
            Fallback("open keys"),
            Fallback("open to any extra keys"),
        ),
        case(
            "patternProperties",
            prop(object(
                json!({"patternProperties": {"^x-": {"type": "string"}}}),
            )),
            Kept(
                json!({"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"], "additionalProperties": false,
                        "description": "(patternProperties: {\"^x-\":{\"type\":\"string\"}})"}),
            ),
            Kept(
                json!({"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": false,
                        "description": "(patternProperties: {\"^x-\":{\"type\":\"string\"}})"}),
            ),
        ),
        case(
            "propertyNames, over optional properties",
            prop(object(json!({"propertyNames": {"maxLength": 3}}))),
            Fallback("optional properties and `propertyNames`"),
            Kept(
                json!({"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": false,
                        "description": "(propertyNames: {\"maxLength\":3})"}),
            ),
        ),
        case(
            "propertyNames, every property required",
            prop(object(
                json!({"required": ["a"], "propertyNames": {"maxLength": 3}}),
            )),
            Kept(
                json!({"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"], "additionalProperties": false,
                        "description": "(propertyNames: {\"maxLength\":3})"}),
            ),
            Kept(
                json!({"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"], "additionalProperties": false,
                        "description": "(propertyNames: {\"maxLength\":3})"}),
            ),
        ),
        case(
            "minProperties and maxProperties",
            prop(
                json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "minProperties": 1, "maxProperties": 1}),
            ),
            Fallback("`maxProperties` below their number"),
            Kept(
                json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "additionalProperties": false,
                        "description": "(exactly 1 property)"}),
            ),
        ),
        case(
            "minProperties beyond the properties",
            prop(object(json!({"minProperties": 2}))),
            Fallback("`minProperties` above its number of properties"),
            Fallback("`minProperties` above its number of properties"),
        ),
        case(
            "items",
            prop(json!({"type": "array", "items": {"type": "integer"}})),
            Kept(json!({"type": "array", "items": {"type": "integer"}})),
            Kept(json!({"type": "array", "items": {"type": "integer"}})),
        ),
        case(
            "prefixItems, closed",
            prop(
                json!({"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "items": false}),
            ),
            Kept(
                json!({"type": "array", "items": {"anyOf": [{"type": "integer"}, {"type": "string"}]}, "description": "(in order: integer, string)"}),
            ),
            Kept(
                json!({"type": "array", "items": {"anyOf": [{"type": "integer"}, {"type": "string"}]}, "description": "(in order: integer, string)"}),
            ),
        ),
        case(
            "prefixItems, then items",
            prop(
                json!({"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "items": {"type": "boolean"}}),
            ),
            Fallback("a tuple with open extra items"),
            Kept(
                json!({"type": "array", "items": {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "boolean"}]},
                        "description": "(in order: integer, string)"}),
            ),
        ),
        case(
            "prefixItems, then items of any value",
            prop(
                json!({"type": "array", "prefixItems": [{"type": "string"}], "contains": {"type": "integer"}}),
            ),
            Fallback("a tuple with items of any value after its positions"),
            Fallback("a tuple with items of any value after its positions"),
        ),
        case(
            "a closed object and a rule beside it on its number of keys",
            prop(
                json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                        "required": ["a", "b"], "not": {"maxProperties": 2}}),
            ),
            Fallback("`maxProperties` in a rule beside its properties"),
            Fallback("`maxProperties` in a rule beside its properties"),
        ),
        case(
            "minItems and maxItems",
            prop(
                json!({"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 4}),
            ),
            Kept(
                json!({"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 4}),
            ),
            Kept(
                json!({"type": "array", "items": {"type": "integer"}, "minItems": 1, "description": "(2-4 items)"}),
            ),
        ),
        case(
            "uniqueItems",
            prop(json!({"type": "array", "items": {"type": "integer"}, "uniqueItems": true})),
            Kept(
                json!({"type": "array", "items": {"type": "integer"}, "description": "(unique items)"}),
            ),
            Kept(
                json!({"type": "array", "items": {"type": "integer"}, "description": "(unique items)"}),
            ),
        ),
        case(
            "contains, minContains, maxContains",
            prop(
                json!({"type": "array", "items": {"type": "integer"}, "contains": {"const": 5}, "minContains": 1, "maxContains": 2}),
            ),
            Kept(json!({"type": "array", "items": {"type": "integer"},
                        "description": "(contains: {\"const\":5}; minContains: 1; maxContains: 2)"})),
            Kept(json!({"type": "array", "items": {"type": "integer"},
                        "description": "(contains: {\"const\":5}; minContains: 1; maxContains: 2)"})),
        ),
        case(
            "enum",
            prop(json!({"enum": ["a", 1, null]})),
            Kept(json!({"enum": ["a", 1, null]})),
            Kept(json!({"enum": ["a", 1, null]})),
        ),
        case(
            "enum of objects",
            prop(json!({"enum": [{"a": 1}]})),
            Fallback("an `enum` of objects or arrays"),
            Fallback("an `enum` of objects or arrays"),
        ),
        case(
            "const",
            prop(json!({"const": "x"})),
            Kept(json!({"enum": ["x"]})),
            Kept(json!({"const": "x"})),
        ),
        case(
            "const object",
            prop(json!({"const": {"a": 1}})),
            Fallback("an `enum` of objects or arrays"),
            Fallback("a `const` object or array"),
        ),
        case(
            "anyOf",
            prop(json!({"anyOf": [{"type": "string", "maxLength": 2}, {"type": "integer"}]})),
            Kept(
                json!({"anyOf": [{"type": "string", "description": "(at most 2 characters)"}, {"type": "integer"}]}),
            ),
            Kept(
                json!({"anyOf": [{"type": "string", "description": "(at most 2 characters)"}, {"type": "integer"}]}),
            ),
        ),
        case(
            "oneOf",
            prop(json!({"oneOf": [{"type": "string"}, {"type": "integer"}]})),
            Kept(json!({"anyOf": [{"type": "string"}, {"type": "integer"}]})),
            Kept(json!({"anyOf": [{"type": "string"}, {"type": "integer"}]})),
        ),
        case(
            "allOf of rules",
            prop(json!({"type": "integer", "allOf": [{"minimum": 0}, {"maximum": 5}]})),
            Kept(json!({"type": "integer", "description": "(between 0 and 5)"})),
            Kept(json!({"type": "integer", "description": "(between 0 and 5)"})),
        ),
        case(
            "allOf of objects",
            prop(
                json!({"allOf": [{"type": "object", "properties": {"a": {"type": "integer"}}},
                                  {"type": "object", "properties": {"b": {"type": "integer"}}}]}),
            ),
            Fallback("a structural `allOf`"),
            Fallback("`allOf` of object schemas"),
        ),
        case(
            "not",
            prop(json!({"type": "integer", "not": {"const": 3}})),
            Kept(json!({"type": "integer", "description": "(not: {\"const\":3})"})),
            Kept(json!({"type": "integer", "description": "(not: {\"const\":3})"})),
        ),
        case(
            "not, on an object with optional properties",
            prop(object(json!({"not": {"required": ["a"]}}))),
            Fallback("optional properties and `not`"),
            Kept(
                json!({"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": false,
                        "description": "(not: {\"required\":[\"a\"]})"}),
            ),
        ),
        case(
            "definitions",
            json!({"type": "object", "properties": {"p": {"$ref": "#/definitions/pos"}}, "required": ["p"],
                   "definitions": {"pos": {"type": "integer", "minimum": 0}}}),
            Kept(json!({"$ref": "#/$defs/pos"})),
            Kept(json!({"$ref": "#/$defs/pos"})),
        ),
        case(
            "a recursive definition",
            json!({"type": "object", "properties": {"p": {"$ref": "#/$defs/n"}}, "required": ["p"],
                   "$defs": {"n": {"type": "object", "properties": {"next": {"anyOf": [{"$ref": "#/$defs/n"}, {"type": "null"}]}}, "required": ["next"]}}}),
            Kept(json!({"$ref": "#/$defs/n"})),
            Fallback("a recursive type (n → n)"),
        ),
        case(
            "recursion through an optional property",
            json!({"type": "object", "properties": {"p": {"type": "integer"}, "next": {"$ref": "#"}}}),
            Fallback("a recursion with no way out once every property is required"),
            Fallback("a recursive type"),
        ),
        case(
            "$ref with a rule beside it",
            json!({"type": "object", "properties": {"p": {"$ref": "#/$defs/n", "minimum": 3}}, "required": ["p"],
                   "$defs": {"n": {"type": "integer"}}}),
            Fallback("`$ref` with `minimum` beside it"),
            Kept(json!({"$ref": "#/$defs/n"})),
        ),
        case(
            "$ref with a description",
            json!({"type": "object", "properties": {"p": {"$ref": "#/$defs/n", "description": "d"}}, "required": ["p"],
                   "$defs": {"n": {"type": "integer"}}}),
            Kept(json!({"type": "integer", "description": "d"})),
            Kept(json!({"$ref": "#/$defs/n"})),
        ),
        case(
            "$ref to a property",
            json!({"type": "object", "properties": {"a": {"type": "string"}, "p": {"$ref": "#/properties/a"}}, "required": ["a", "p"]}),
            Fallback("does not point at the root or into `$defs`"),
            Fallback("points back into the schema"),
        ),
        case(
            "numeric bounds and multipleOf",
            prop(
                json!({"type": "number", "minimum": 0, "exclusiveMaximum": 10, "multipleOf": 0.5}),
            ),
            Kept(
                json!({"type": "number", "minimum": 0, "exclusiveMaximum": 10, "multipleOf": 0.5}),
            ),
            Kept(
                json!({"type": "number", "description": "(at least 0; less than 10; a multiple of 0.5)"}),
            ),
        ),
        case(
            "string lengths and pattern",
            prop(json!({"type": "string", "minLength": 1, "maxLength": 5, "pattern": "^[a-z]+$"})),
            Kept(
                json!({"type": "string", "pattern": "^[a-z]+$", "description": "(1-5 characters)"}),
            ),
            Kept(
                json!({"type": "string", "pattern": "^[a-z]+$", "description": "(1-5 characters)"}),
            ),
        ),
        case(
            "a pattern with look-around",
            prop(json!({"type": "string", "pattern": "^(?!x)"})),
            Kept(json!({"type": "string", "pattern": "^(?!x)"})),
            Kept(json!({"type": "string", "description": "(matching /^(?!x)/)"})),
        ),
        case(
            "format uri",
            prop(json!({"type": "string", "format": "uri"})),
            Kept(json!({"type": "string", "description": "(format: uri)"})),
            Kept(json!({"type": "string", "format": "uri"})),
        ),
        case(
            "format date-time",
            prop(json!({"type": "string", "format": "date-time"})),
            Kept(json!({"type": "string", "format": "date-time"})),
            Kept(json!({"type": "string", "format": "date-time"})),
        ),
        case(
            "a format neither takes",
            prop(json!({"type": "string", "format": "regex"})),
            Kept(json!({"type": "string", "description": "(format: regex)"})),
            Kept(json!({"type": "string", "description": "(format: regex)"})),
        ),
        case(
            "dependentRequired",
            prop(
                json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "dependentRequired": {"a": ["b"]}}),
            ),
            Kept(
                json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"],
                        "additionalProperties": false, "description": "(dependentRequired: {\"a\":[\"b\"]})"}),
            ),
            Kept(
                json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                        "additionalProperties": false, "description": "(dependentRequired: {\"a\":[\"b\"]})"}),
            ),
        ),
        case(
            "dependentRequired on an undeclared key",
            prop(object(json!({"dependentRequired": {"a": ["c"]}}))),
            Fallback("the key \"c\", which is not among its properties"),
            Fallback("the key \"c\", which is not among its properties"),
        ),
        case(
            "if/then/else",
            prop(
                json!({"type": "integer", "if": {"minimum": 10}, "then": {"multipleOf": 10}, "else": {"maximum": 5}}),
            ),
            Kept(
                json!({"type": "integer", "description": "(if: {\"minimum\":10}; then: {\"multipleOf\":10}; else: {\"maximum\":5})"}),
            ),
            Kept(
                json!({"type": "integer", "description": "(if: {\"minimum\":10}; then: {\"multipleOf\":10}; else: {\"maximum\":5})"}),
            ),
        ),
        case(
            "if/then asking for an undeclared key",
            prop(
                json!({"type": "object", "properties": {"k": {"type": "string"}}, "required": ["k"],
                        "if": {"properties": {"k": {"const": "x"}}}, "then": {"required": ["extra"]}}),
            ),
            Fallback("the key \"extra\""),
            Fallback("the key \"extra\""),
        ),
        case(
            "annotations",
            prop(
                json!({"type": "integer", "title": "T", "description": "D", "default": 1, "examples": [1, 2],
                        "$comment": "c", "$id": "https://example.com/p", "deprecated": true}),
            ),
            Kept(
                json!({"type": "integer", "description": "D (title: \"T\"; default: 1; deprecated: true; e.g. 1, 2)"}),
            ),
            Kept(
                json!({"type": "integer", "title": "T", "default": 1, "description": "D (deprecated: true; e.g. 1, 2)"}),
            ),
        ),
        case(
            "a property no value satisfies",
            prop(
                json!({"type": "object", "properties": {"a": {"type": "integer"}, "never": false}, "required": ["a"]}),
            ),
            Kept(
                json!({"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"], "additionalProperties": false}),
            ),
            Kept(
                json!({"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"], "additionalProperties": false}),
            ),
        ),
        case(
            "a property any value satisfies",
            prop(json!({"type": "object", "properties": {"a": true}, "required": ["a"]})),
            Fallback("allows any JSON value"),
            Fallback("a value of any type"),
        ),
        case(
            "a free-form object",
            prop(json!({"type": "object"})),
            Fallback("open keys"),
            Fallback("an object open to any keys"),
        ),
    ]
}

#[test]
fn each_keyword_is_kept_stated_in_words_or_falls_back() {
    let mut failures = Vec::new();
    for case in cases() {
        let openai = strict(&case.schema).map(|s| {
            let violations = strict_violations(&s.schema);
            assert!(violations.is_empty(), "{}: {violations:#?}", case.name);
            s.schema
        });
        let anthropic = structured(&case.schema).inspect(|s| {
            let violations = subset_violations(s);
            assert!(violations.is_empty(), "{}: {violations:#?}", case.name);
        });
        let outcomes = [
            ("openai", &case.openai, openai.map_err(|e| e.to_string())),
            (
                "anthropic",
                &case.anthropic,
                anthropic.map_err(|e| e.to_string()),
            ),
        ];
        for (provider, expected, got) in outcomes {
            let ok = match (expected, &got) {
                (Kept(p), Ok(schema)) => &schema["properties"]["p"] == p,
                (Fallback(why), Err(reason)) => reason.contains(why),
                _ => false,
            };
            if !ok {
                failures.push(format!(
                    "{} ({provider}): expected {expected:?}, got {}",
                    case.name,
                    match &got {
                        Ok(schema) => schema["properties"]["p"].to_string(),
                        Err(reason) => format!("Err({reason})"),
                    }
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn schemas_as_json_schema_renders_them_stay_within_the_subsets() {
    // What a request carries once `JsonSchema` compiled the schema: the same rules, normalized.
    let mut rendered = 0;
    let mut differ = Vec::new();
    for case in cases() {
        let Ok(compiled) = JsonSchema::compile(&case.schema) else {
            continue;
        };
        rendered += 1;
        let schema = compiled.json_schema();
        if let Ok(out) = strict(schema) {
            let violations = strict_violations(&out.schema);
            assert!(violations.is_empty(), "{}: {violations:#?}", case.name);
        }
        if let Ok(out) = structured(schema) {
            let violations = subset_violations(&out);
            assert!(violations.is_empty(), "{}: {violations:#?}", case.name);
        }
        // Same fallbacks as written, but where the rendering normalized the reason away (a
        // reference into `properties` becomes one into `$defs`).
        let same = strict(schema).is_ok() == matches!(case.openai, Kept(_))
            && structured(schema).is_ok() == matches!(case.anthropic, Kept(_));
        if !same {
            differ.push(case.name);
        }
    }
    assert_eq!(differ, ["$ref to a property"]);
    assert!(rendered > 30, "only {rendered} compiled");
}

#[test]
fn definitions_are_read_as_defs() {
    let schema = json!({"type": "object", "properties": {"p": {"$ref": "#/definitions/pos"}}, "required": ["p"],
                        "definitions": {"pos": {"type": "integer", "minimum": 0}}});
    let openai = strict(&schema).unwrap().schema;
    assert_eq!(
        openai["$defs"],
        json!({"pos": {"type": "integer", "minimum": 0}})
    );
    let anthropic = structured(&schema).unwrap();
    assert_eq!(
        anthropic["$defs"],
        json!({"pos": {"type": "integer", "description": "(at least 0)"}})
    );
    let clash = json!({"$defs": {"a": {"type": "string"}}, "definitions": {"a": {"type": "integer"}},
                       "type": "object", "properties": {"p": {"$ref": "#/$defs/a"}}});
    assert!(
        strict(&clash)
            .unwrap_err()
            .to_string()
            .contains("both define \"a\"")
    );
    assert!(
        structured(&clash)
            .unwrap_err()
            .to_string()
            .contains("both define \"a\"")
    );
}

// ---------------------------------------------------------------------------------------------------
// Hostile schemas

/// Runs `f` on a thread with a 2 MB stack, as a tokio worker has.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

/// A schema `n` levels of `items` deep, built and taken apart without recursion.
fn deep_items(n: usize) -> Value {
    let mut schema = json!({"type": "integer"});
    for _ in 0..n {
        let mut node = Map::new();
        node.insert("type".into(), "array".into());
        node.insert("items".into(), schema);
        schema = Value::Object(node);
    }
    prop(schema)
}

#[test]
fn deep_schemas_fall_back_without_overflowing_the_stack() {
    on_small_stack(|| {
        let schema = deep_items(1000);
        assert!(matches!(
            strict(&schema),
            Err(NotStrict::Nested { limit: 128, .. })
        ));
        assert_eq!(
            strict(&schema).unwrap_err().to_string(),
            "the schema is nested more than 128 levels deep"
        );
        let why = structured(&schema).unwrap_err().to_string();
        assert!(
            why.starts_with("the schema is nested more than 128 levels deep"),
            "{why}"
        );
        // The forced tool takes it as it is (compared as text: `==` on values recurses too).
        let (tool, wrapped) = object_root(&schema);
        assert!(!wrapped);
        assert_eq!(
            serde_json::to_string(&tool).unwrap(),
            serde_json::to_string(&schema).unwrap()
        );
    });
}

#[test]
fn reference_cycles_and_chains_fall_back_with_a_reason() {
    on_small_stack(|| {
        for endless in [
            json!({"$ref": "#"}),
            json!({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}),
        ] {
            let why = strict(&endless).unwrap_err().to_string();
            assert!(why.contains("no way out"), "{why}");
            let why = structured(&endless).unwrap_err().to_string();
            assert!(why.contains("recursive"), "{why}");
        }
        // A chain of 20,000 definitions, each an object holding the next.
        let mut defs = Map::new();
        for i in 0..20_000 {
            defs.insert(
                format!("d{i}"),
                json!({"type": "object", "properties": {"n": {"$ref": format!("#/$defs/d{}", i + 1)}}, "required": ["n"]}),
            );
        }
        defs.insert("d20000".into(), json!({"type": "null"}));
        let chain = json!({"type": "object", "properties": {"n": {"$ref": "#/$defs/d0"}}, "required": ["n"], "$defs": defs});
        assert_eq!(
            strict(&chain).unwrap_err().to_string(),
            "references are chained more than 64 levels deep"
        );
        // Anthropic has no recursion here, and no documented limit on definitions.
        assert!(structured(&chain).is_ok());
    });
}

#[test]
fn references_that_would_copy_exponentially_are_not_inlined() {
    // Each definition names the next twice, each time with a description: inlining every
    // described reference would copy 2^40 nodes.
    let mut defs = Map::new();
    for i in 0..40 {
        let next = format!("#/$defs/d{}", i + 1);
        defs.insert(
            format!("d{i}"),
            json!({"type": "object", "properties": {
                "x": {"$ref": next, "description": "x"},
                "y": {"$ref": next, "description": "y"},
            }, "required": ["x", "y"]}),
        );
    }
    defs.insert("d40".into(), json!({"type": "integer"}));
    let schema = json!({"$ref": "#/$defs/d0", "$defs": defs});
    on_small_stack(move || {
        // Bounded: the inliner stops copying, and the nesting is beyond strict mode anyway.
        let why = strict(&schema).unwrap_err();
        assert!(matches!(why, NotStrict::TooDeep { .. }), "{why}");
    });
}

#[test]
fn type_lists_split_without_copying_subschemas() {
    // Each branch of a split type list takes only its own keywords: 40 levels of
    // `["string", "array"]` stay linear (copying `items` into both branches would be 2^40).
    let mut schema = json!({"type": "integer"});
    for _ in 0..40 {
        let mut node = Map::new();
        node.insert("type".into(), json!(["string", "array", "null"]));
        node.insert("minLength".into(), 1.into());
        node.insert("items".into(), schema);
        schema = Value::Object(node);
    }
    let out = structured(&prop(schema)).expect("the subset");
    let p = &out["properties"]["p"]["anyOf"];
    assert_eq!(p[0]["type"], "string");
    assert!(p[0].get("items").is_none(), "{}", p[0]);
    assert_eq!(p[1]["type"], "array");
    assert!(p[1].get("minLength").is_none(), "{}", p[1]);
    assert_eq!(p[2], json!({"type": "null"}));
    assert!(
        out.to_string().len() < 20_000,
        "{} bytes",
        out.to_string().len()
    );
    // An applicator every branch would need has no subset form: a reason, not a copy per branch.
    let shared =
        prop(json!({"type": ["string", "array"], "anyOf": [{"minLength": 1}, {"minItems": 1}]}));
    let why = structured(&shared).unwrap_err().to_string();
    assert!(
        why.contains("`anyOf` beside a list of several types"),
        "{why}"
    );
    // With one type beside null there is one copy, and nothing to refuse.
    let nullable = prop(
        json!({"type": ["string", "null"], "anyOf": [{"type": "string", "minLength": 3}, {"type": "string", "maxLength": 1}]}),
    );
    if let Err(why) = structured(&nullable) {
        panic!("{why}");
    }
}

#[test]
fn described_references_to_one_large_definition_are_counted_once() {
    // 10,000 described references to a definition of 30,000 nodes: its size is counted once, and
    // the budget stops the copies.
    let big: Map<String, Value> = (0..10_000)
        .map(|i| (format!("f{i}"), json!({"type": "string"})))
        .collect();
    let mut properties = Map::new();
    for i in 0..10_000 {
        properties.insert(
            format!("p{i}"),
            json!({"$ref": "#/$defs/Big", "description": "a reference"}),
        );
    }
    let mut schema =
        json!({"type": "object", "required": [], "$defs": {"Big": {"type": "object"}}});
    schema["properties"] = Value::Object(properties);
    schema["$defs"]["Big"]["properties"] = Value::Object(big);
    // Past the limits of strict mode either way; what matters is that it returns.
    assert!(strict(&schema).is_err());
}

#[test]
fn huge_schemas_have_a_bounded_cost_and_a_reason() {
    let mut properties = Map::new();
    for i in 0..160_000 {
        properties.insert(
            format!("property_{i}"),
            json!({"type": "string", "description": "a description of this property"}),
        );
    }
    let big = json!({"type": "object", "properties": properties});
    assert!(big.to_string().len() > 10_000_000);
    assert!(matches!(
        strict(&big),
        Err(NotStrict::TooManyProperties { count: 160_000, .. })
    ));
    let values: Vec<Value> = (0..100_000).map(|i| format!("value-{i}").into()).collect();
    let enumerated = prop(json!({"type": "string", "enum": values}));
    assert!(matches!(
        strict(&enumerated),
        Err(NotStrict::TooManyEnumValues { count: 100_000, .. })
    ));
    // Anthropic documents no such limits: both go through whole, once each.
    assert_eq!(
        structured(&big).unwrap()["properties"]
            .as_object()
            .map(Map::len),
        Some(160_000)
    );
    assert_eq!(
        structured(&enumerated).unwrap()["properties"]["p"]["enum"]
            .as_array()
            .map(Vec::len),
        Some(100_000)
    );
    // Moved words are bounded too: a huge `not` is not copied into a description whole.
    let huge_not = prop(
        json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"], "not": big}),
    );
    let out = strict(&huge_not).unwrap().schema;
    let words = out["properties"]["p"]["description"].as_str().unwrap();
    assert!(words.len() < 1000, "{} bytes of description", words.len());
}

// ---------------------------------------------------------------------------------------------------
// Whole requests

/// A schema as a runtime JSON Schema output carries it: built by hand, not derived.
fn order_spec() -> SchemaSpec {
    SchemaSpec {
        name: "Order".into(),
        json_schema: Arc::new(json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Order",
            "type": "object",
            "properties": {
                "id": {"type": "string", "pattern": "^ORD-[0-9]{4}$"},
                "qty": {"type": "integer", "minimum": 1, "maximum": 99},
                "tags": {"type": "array", "items": {"type": "string", "maxLength": 12}, "uniqueItems": true},
                "note": {"type": "string", "description": "Free text."},
            },
            "required": ["id", "qty", "tags"],
        })),
        description: Some("An order line.".into()),
    }
}

const ORDER: &str = r#"{"id": "ORD-0001", "qty": 2, "tags": ["gift"], "note": "-"}"#;

fn request(spec: SchemaSpec, mode: OutputMode) -> Request {
    let mut request = Request::new(
        "Reply with JSON.",
        vec![Message::user("One order, please.")],
        spec,
    );
    request.mode = mode;
    request
}

async fn openai_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion_body(
            ORDER.into(),
            "stop",
            (10, 5),
        )))
        .mount(&server)
        .await;
    server
}

fn openai(server: &MockServer) -> OpenAi {
    OpenAi::new("gpt-test")
        .base_url(format!("{}/v1", server.uri()))
        .retry_policy(fast())
}

async fn sent(server: &MockServer) -> Vec<Vec<u8>> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.body)
        .collect()
}

#[tokio::test]
async fn openai_gets_the_strict_form_of_a_runtime_schema() {
    let server = openai_server().await;
    let response = openai(&server)
        .complete(&request(order_spec(), OutputMode::Auto))
        .await
        .unwrap();
    assert_eq!(response.text, ORDER);
    let body: Value = serde_json::from_slice(&sent(&server).await[0]).unwrap();
    assert_eq!(
        body,
        json!({
            "model": "gpt-test",
            "messages": [
                {"role": "system", "content": "Reply with JSON."},
                {"role": "user", "content": "One order, please."},
            ],
            "response_format": {"type": "json_schema", "json_schema": {
                "name": "Order",
                "strict": true,
                "schema": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "pattern": "^ORD-[0-9]{4}$"},
                        "qty": {"type": "integer", "minimum": 1, "maximum": 99},
                        "tags": {"type": "array", "items": {"type": "string", "description": "(at most 12 characters)"},
                                 "description": "(unique items)"},
                        "note": {"type": "string", "description": "Free text."},
                    },
                    "required": ["id", "qty", "tags", "note"],
                    "additionalProperties": false,
                    "description": "(title: \"Order\")",
                },
                "description": "An order line.",
            }},
        })
    );
    assert!(strict_violations(&body["response_format"]["json_schema"]["schema"]).is_empty());
}

#[tokio::test]
async fn openai_gets_a_schema_with_no_strict_form_as_it_is() {
    let server = openai_server().await;
    let spec = SchemaSpec {
        name: "Counts".into(),
        json_schema: Arc::new(json!({
            "type": "object",
            "properties": {"total": {"type": "integer"}},
            "additionalProperties": {"type": "integer", "minimum": 0},
            "propertyNames": {"pattern": "^[a-z]+$"},
        })),
        description: None,
    };
    openai(&server)
        .complete(&request(spec.clone(), OutputMode::Auto))
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&sent(&server).await[0]).unwrap();
    assert_eq!(
        body["response_format"],
        json!({"type": "json_schema", "json_schema": {
            "name": "Counts", "strict": false, "schema": *spec.json_schema,
        }})
    );
}

#[tokio::test]
async fn openai_gets_a_deep_schema_as_it_is() {
    let server = openai_server().await;
    let schema = deep_items(1000);
    let schema_text = serde_json::to_string(&schema).unwrap();
    let spec = SchemaSpec {
        name: "Deep".into(),
        json_schema: Arc::new(schema),
        description: None,
    };
    openai(&server)
        .complete(&request(spec, OutputMode::Auto))
        .await
        .unwrap();
    // Past serde_json's own nesting limit for parsing: read as text.
    let body = String::from_utf8(sent(&server).await.remove(0)).unwrap();
    assert!(body.contains(r#""strict":false"#), "{body:.300}");
    assert!(body.contains(&schema_text));
}

async fn anthropic_server(reply: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(reply))
        .mount(&server)
        .await;
    server
}

fn anthropic(server: &MockServer) -> Anthropic {
    Anthropic::new("claude-test")
        .base_url(server.uri())
        .retry_policy(fast())
}

#[tokio::test]
async fn anthropic_gets_the_subset_of_a_runtime_schema() {
    let reply = message_body(
        json!([{"type": "text", "text": ORDER}]),
        "end_turn",
        (10, 5),
    );
    let server = anthropic_server(reply).await;
    let response = anthropic(&server)
        .complete(&request(order_spec(), OutputMode::JsonSchema))
        .await
        .unwrap();
    assert_eq!(response.text, ORDER);
    let body: Value = serde_json::from_slice(&sent(&server).await[0]).unwrap();
    let schema = json!({
        "title": "Order",
        "type": "object",
        "properties": {
            "id": {"type": "string", "pattern": "^ORD-[0-9]{4}$"},
            "qty": {"type": "integer", "description": "(between 1 and 99)"},
            "tags": {"type": "array", "items": {"type": "string", "description": "(at most 12 characters)"},
                     "description": "(unique items)"},
            "note": {"type": "string", "description": "Free text."},
        },
        "required": ["id", "qty", "tags"],
        "additionalProperties": false,
    });
    assert!(subset_violations(&schema).is_empty());
    assert_eq!(
        body,
        json!({
            "model": "claude-test",
            "max_tokens": 4096,
            "system": "Reply with JSON.",
            "messages": [{"role": "user", "content": "One order, please."}],
            "output_config": {"format": {"type": "json_schema", "schema": schema}},
        })
    );
}

#[tokio::test]
async fn anthropic_falls_back_to_a_forced_tool_with_the_schema_as_it_is() {
    let input = json!({"value": [{"kind": "x", "extra": 1}]});
    let reply = message_body(
        json!([{"type": "tool_use", "id": "toolu_01", "name": "Items", "input": input}]),
        "tool_use",
        (10, 5),
    );
    let server = anthropic_server(reply).await;
    // An `if` that asks for a key the object does not declare: no subset form.
    let raw = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "array",
        "items": {"type": "object", "properties": {"kind": {"type": "string"}}, "required": ["kind"],
                  "if": {"properties": {"kind": {"const": "x"}}}, "then": {"required": ["extra"]}},
    });
    let spec = SchemaSpec {
        name: "Items".into(),
        json_schema: Arc::new(raw.clone()),
        description: None,
    };
    let response = anthropic(&server)
        .complete(&request(spec, OutputMode::JsonSchema))
        .await
        .unwrap();
    assert_eq!(response.text, r#"[{"kind":"x","extra":1}]"#);
    let body: Value = serde_json::from_slice(&sent(&server).await[0]).unwrap();
    assert_eq!(
        body,
        json!({
            "model": "claude-test",
            "max_tokens": 4096,
            "system": "Reply with JSON.",
            "messages": [{"role": "user", "content": "One order, please."}],
            "tools": [{
                "name": "Items",
                "description": "Return the Items value.",
                "input_schema": {
                    "type": "object",
                    "properties": {"value": {"type": "array", "items": raw["items"]}},
                    "required": ["value"],
                    "additionalProperties": false,
                },
            }],
            "tool_choice": {"type": "tool", "name": "Items", "disable_parallel_tool_use": true},
        })
    );
}
