//! Hostile runtime schemas and values: each gets a clear error or a result, in the time and stack a
//! normal test has — never a hang, a stack overflow or a panic. Stack-hungry cases run on a thread
//! with 2 MiB of stack, what a tokio worker or a test thread gets.

use outlines::output::{JsonSchema, SchemaErrorKind};
use outlines::schema::runtime::{DESCRIBE_LIMIT, MAX_CHAIN, MAX_SCHEMA_DEPTH};
use outlines::{ErrorKind, MAX_DEPTH};
use serde_json::{Value, json};

/// Runs `f` on a thread with a 2 MiB stack.
fn small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// `{"<keyword>": {"<keyword>": ... leaf}}`, `depth` levels. (Built by moving, not by `json!`,
/// which would serialize the inner value again at every level.)
fn nested(keyword: &str, depth: usize, leaf: Value) -> Value {
    (0..depth).fold(leaf, |inner, _| {
        Value::Object([(keyword.to_owned(), inner)].into_iter().collect())
    })
}

/// A value nested `depth` arrays deep around `leaf`.
fn deep_array(depth: usize, leaf: Value) -> Value {
    (0..depth).fold(leaf, |inner, _| Value::Array(vec![inner]))
}

/// Drops a deep value without recursing (`serde_json::Value` drops recursively).
fn drop_deep(mut v: Value) {
    let mut stack = vec![];
    loop {
        match &mut v {
            Value::Array(items) => stack.append(items),
            Value::Object(map) => stack.extend(std::mem::take(map).into_iter().map(|(_, x)| x)),
            _ => {}
        }
        match stack.pop() {
            Some(next) => v = next,
            None => break,
        }
    }
}

#[test]
fn deep_schemas_are_refused_at_their_limit() {
    small_stack(|| {
        let fine = nested(
            "items",
            MAX_SCHEMA_DEPTH as usize - 1,
            json!({"type": "integer"}),
        );
        assert!(JsonSchema::compile(&fine).is_ok());
        let too_deep = nested("items", 10_000, json!({}));
        let error = JsonSchema::compile(&too_deep).unwrap_err();
        drop_deep(too_deep);
        assert_eq!(error.kind(), SchemaErrorKind::Limit);
        assert_eq!(error.keyword(), "items");
        assert!(
            error.message().contains("nest more than 64 deep"),
            "{error}"
        );
        // As text, the JSON parser's own limit comes first.
        let text = format!("{}{{}}{}", "{\"not\":".repeat(5_000), "}".repeat(5_000));
        assert_eq!(
            JsonSchema::from_str(&text).unwrap_err().kind(),
            SchemaErrorKind::Syntax
        );
    });
}

#[test]
fn long_chains_of_in_place_keywords_are_refused() {
    small_stack(|| {
        let chain = nested("not", MAX_CHAIN as usize + 1, json!({}));
        let error = JsonSchema::compile(&chain).unwrap_err();
        assert_eq!(
            (error.kind(), error.keyword()),
            (SchemaErrorKind::Limit, "not")
        );
        // 10 000 definitions each referring to the next: refused, on a small stack, at once.
        let mut defs = serde_json::Map::new();
        for i in 0..10_000 {
            defs.insert(
                format!("d{i}"),
                json!({"$ref": format!("#/$defs/d{}", i + 1)}),
            );
        }
        defs.insert("d10000".into(), json!({"type": "integer"}));
        let schema = json!({"$ref": "#/$defs/d0", "$defs": defs});
        let error = JsonSchema::compile(&schema).unwrap_err();
        assert_eq!(
            (error.kind(), error.keyword()),
            (SchemaErrorKind::Limit, "$ref")
        );
        // The same definitions reached one inside another's items compile: the value stops them.
        let mut defs = serde_json::Map::new();
        for i in 0..10_000 {
            let next = format!("#/$defs/d{}", i + 1);
            defs.insert(
                format!("d{i}"),
                json!({"type": "array", "items": {"$ref": next}}),
            );
        }
        defs.insert("d10000".into(), json!({"type": "integer"}));
        let schema = JsonSchema::compile(&json!({"$ref": "#/$defs/d0", "$defs": defs})).unwrap();
        assert!(schema.validate(&json!([[[]]])).is_ok());
        let errors = schema.validate(&json!([[["x"]]])).unwrap_err();
        assert_eq!(errors.errors()[0].path().to_string(), "[0][0][0]");
    });
}

#[test]
fn reference_cycles_with_no_base_case_are_refused_naming_the_cycle() {
    let cases = [
        (json!({"$ref": "#"}), "$ref", "#"),
        (
            json!({"$ref": "#/$defs/a", "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}}),
            "$ref",
            "#/$defs/a → #/$defs/b → #/$defs/a",
        ),
        (
            json!({"$defs": {"a": {"allOf": [{"$ref": "#/$defs/b"}]}, "b": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}),
            "$ref",
            "#/$defs/b/anyOf/1 → #/$defs/a",
        ),
        (json!({"not": {"$ref": "#"}}), "$ref", "# → #/not → #"),
        (
            json!({"if": {"$ref": "#"}, "then": {}}),
            "$ref",
            "# → #/if → #",
        ),
        (
            json!({"oneOf": [{"type": "string"}, {"$ref": "#"}]}),
            "$ref",
            "#/oneOf/1",
        ),
        (
            json!({"dependentSchemas": {"a": {"$ref": "#"}}}),
            "$ref",
            "#/dependentSchemas/a",
        ),
        // Unused, still refused: it would hang whoever used it.
        (
            json!({"$defs": {"loop": {"$ref": "#/$defs/loop"}}}),
            "$ref",
            "#/$defs/loop → #/$defs/loop",
        ),
    ];
    for (schema, keyword, path) in cases {
        let error = JsonSchema::compile(&schema).expect_err(&schema.to_string());
        assert_eq!(error.kind(), SchemaErrorKind::Cycle, "{schema}: {error}");
        assert_eq!(error.keyword(), keyword, "{error}");
        assert!(error.message().contains(path), "{path:?} in {error}");
    }
    // Recursion that moves into the value is not a cycle.
    for schema in [
        json!({"properties": {"next": {"$ref": "#"}}}),
        json!({"items": {"$ref": "#"}}),
        json!({"propertyNames": {"$ref": "#"}}),
        json!({"anyOf": [{"type": "null"}, {"items": {"$ref": "#"}}]}),
    ] {
        assert!(JsonSchema::compile(&schema).is_ok(), "{schema}");
    }
}

#[test]
fn huge_enums_are_looked_up_by_hash_and_described_briefly() {
    let values: Vec<Value> = (0..200_000)
        .map(|i| Value::from(format!("value-{i}")))
        .collect();
    let schema = JsonSchema::compile(&json!({"enum": values})).unwrap();
    for i in [0, 99_999, 199_999] {
        assert!(schema.validate(&json!(format!("value-{i}"))).is_ok());
    }
    let errors = schema.validate(&json!("value-200000")).unwrap_err();
    assert!(
        errors.errors()[0].expected().ends_with("… (199988 more)"),
        "{errors}"
    );
    // Validating many values costs a hash each, not a scan of the list.
    let list = compile_items(json!({"enum": (0..200_000).collect::<Vec<_>>()}));
    let many = Value::Array((0..20_000).map(|i| json!(i * 7)).collect());
    assert!(list.validate(&many).is_ok());
    assert!(schema.describe().len() < 1_000, "{}", schema.describe());
}

fn compile_items(items: Value) -> JsonSchema {
    JsonSchema::compile(&json!({"type": "array", "items": items})).unwrap()
}

#[test]
fn catastrophic_patterns_run_in_linear_time_or_are_refused() {
    // Exponential for a backtracking engine; linear here.
    let schema = JsonSchema::compile(&json!({"pattern": "^(a+)+$"})).unwrap();
    let evil = format!("{}!", "a".repeat(100_000));
    assert!(schema.validate(&json!(evil)).is_err());
    assert!(schema.validate(&json!("a".repeat(100_000))).is_ok());
    let schema = JsonSchema::compile(&json!({"pattern": "(x+x+)+y"})).unwrap();
    assert!(schema.validate(&json!("x".repeat(50_000))).is_err());
    // Too large compiled: refused, naming the limit.
    for pattern in ["(a{1000}){1000}", "\\w{100000}"] {
        let error = JsonSchema::compile(&json!({"pattern": pattern})).unwrap_err();
        assert_eq!(
            (error.kind(), error.keyword()),
            (SchemaErrorKind::Invalid, "pattern")
        );
        assert!(error.message().contains("compiles to more than"), "{error}");
    }
    // Nested too deeply for the parser: refused, not a stack overflow.
    let nested = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
    let error = small_stack(move || JsonSchema::compile(&json!({"pattern": nested})).unwrap_err());
    assert_eq!(error.keyword(), "pattern");
    // Patterns too large for a DFA run on the lazy engine, and count as its whole cache: a schema
    // full of them is refused once they would take more than 64 MiB.
    let mut properties = serde_json::Map::new();
    for i in 0..80 {
        properties.insert(
            format!("p{i}"),
            json!({"pattern": format!("(a|b)*a(a|b){{20}}c{i}")}),
        );
    }
    let error = JsonSchema::compile(&json!({"properties": properties})).unwrap_err();
    assert_eq!(
        (error.kind(), error.keyword()),
        (SchemaErrorKind::Limit, "pattern")
    );
    assert!(error.message().contains("64 MiB"), "{error}");
    // The same pattern written many times is compiled once.
    let mut properties = serde_json::Map::new();
    for i in 0..1_000 {
        properties.insert(format!("p{i}"), json!({"pattern": "(a|b)*a(a|b){20}c"}));
    }
    assert!(JsonSchema::compile(&json!({"properties": properties})).is_ok());
    // Property-name patterns are bounded alike.
    let error =
        JsonSchema::compile(&json!({"patternProperties": {"(a{1000}){1000}": {}}})).unwrap_err();
    assert_eq!(error.keyword(), "patternProperties");
}

#[test]
fn a_ten_megabyte_schema_compiles_and_validates_in_linear_time() {
    let mut properties = serde_json::Map::new();
    let mut document = serde_json::Map::new();
    let description = "A property of a very large schema, described at some length. ".repeat(2);
    let mut i = 0;
    let mut size = 0;
    while size < 10 << 20 {
        let schema = json!({"type": "string", "maxLength": 20, "pattern": format!("^v{}", i % 50), "description": description});
        size += schema.to_string().len() + 8;
        properties.insert(format!("p{i}"), schema);
        if i % 10 == 0 {
            document.insert(format!("p{i}"), json!(format!("v{}", i % 50)));
        }
        i += 1;
    }
    let text = json!({"type": "object", "properties": properties, "additionalProperties": false})
        .to_string();
    assert!(text.len() >= 10 << 20);
    let schema = small_stack(move || JsonSchema::from_str(&text).unwrap());
    assert!(schema.validate(&Value::Object(document.clone())).is_ok());
    document.insert("p0".into(), json!("x".repeat(21)));
    document.insert("unknown".into(), json!(1));
    let errors = schema.validate(&Value::Object(document)).unwrap_err();
    assert_eq!(errors.len(), 3, "{errors}");
    let description = schema.describe();
    assert!(
        description.len() <= DESCRIBE_LIMIT + 200,
        "{}",
        description.len()
    );
    assert!(
        description.ends_with("the rest is left out)\n"),
        "{description}"
    );
    assert_eq!(
        schema.json_schema()["properties"]
            .as_object()
            .unwrap()
            .len(),
        i
    );
}

#[test]
fn nested_alternatives_over_recursive_schemas_cost_one_test_per_subschema_and_value() {
    // At every level the first branch checks the whole inside, then fails (no item is a string);
    // the second checks it again and holds. A validator that did not remember verdicts would take
    // 2^100 steps here.
    let schema = JsonSchema::compile(&json!({
        "anyOf": [
            {"type": "array", "items": {"$ref": "#"}, "contains": {"type": "string"}},
            {"type": "array", "items": {"$ref": "#"}},
            {"type": "integer"}
        ]
    }))
    .unwrap();
    let value = deep_array(100, json!(1));
    let failing = deep_array(100, json!(true));
    let one_of = JsonSchema::compile(&json!({
        "oneOf": [
            {"type": "array", "items": {"$ref": "#"}, "contains": {"type": "string"}},
            {"type": "array", "items": {"$ref": "#"}},
            {"type": "integer"}
        ]
    }))
    .unwrap();
    small_stack(move || {
        assert!(schema.validate(&value).is_ok());
        let errors = schema.validate(&failing).unwrap_err();
        // Both array branches fit every level: one error, where the value stopped fitting.
        assert_eq!(errors.len(), 1, "{errors}");
        assert_eq!(errors.errors()[0].kind(), ErrorKind::Variant);
        assert!(one_of.validate(&value).is_ok());
        assert!(one_of.validate(&failing).is_err());
    });
}

#[test]
fn deep_values_are_bounded() {
    small_stack(|| {
        let recursive =
            JsonSchema::compile(&json!({"items": {"$ref": "#"}, "uniqueItems": true})).unwrap();
        let deep = deep_array(50_000, json!(1));
        let errors = recursive.validate(&deep).unwrap_err();
        assert_eq!(errors.errors()[0].kind(), ErrorKind::Syntax);
        assert!(
            errors.errors()[0]
                .message()
                .contains(&format!("nested more than {MAX_DEPTH}"))
        );
        // Comparing deep items for `uniqueItems` stops at the limit too.
        let unique = JsonSchema::compile(&json!({"uniqueItems": true})).unwrap();
        let pair = Value::Array(vec![
            deep_array(50_000, json!(1)),
            deep_array(50_000, json!(1)),
        ]);
        let errors = unique.validate(&pair).unwrap_err();
        assert_eq!(errors.errors()[0].kind(), ErrorKind::Syntax);
        // Showing a deep value as `got` is cut short.
        let typed = JsonSchema::compile(&json!({"type": "string"})).unwrap();
        let errors = typed.validate(&deep).unwrap_err();
        assert!(errors.errors()[0].got().unwrap().ends_with('…'));
        // A deep value in the schema itself.
        let error = JsonSchema::compile(&json!({"const": deep_array(200, json!(1))})).unwrap_err();
        assert_eq!(
            (error.kind(), error.keyword()),
            (SchemaErrorKind::Limit, "const")
        );
        drop_deep(deep);
        drop_deep(pair);
    });
}

#[test]
fn subschemas_applied_inside_one_another_are_bounded() {
    // A 30-long chain of `allOf`s at each of 127 levels: far more subschemas in flight than the
    // walk allows. The value is refused with a clear error, on a small stack.
    let mut link = json!({"type": "array", "items": {"$ref": "#"}});
    for _ in 0..30 {
        link = json!({"allOf": [link]});
    }
    let link = json!({"anyOf": [{"type": "integer"}, link]});
    let schema = JsonSchema::compile(&link).unwrap();
    let value = deep_array(120, json!(1));
    let shallow = deep_array(3, json!(1));
    small_stack(move || {
        assert!(schema.validate(&shallow).is_ok());
        let errors = schema.validate(&value).unwrap_err();
        assert!(
            errors
                .errors()
                .iter()
                .any(|e| e.message().contains("too deep to check")),
            "{errors}"
        );
    });
}
