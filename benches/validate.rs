//! `T::from_json` against plain `serde_json` (no constraints checked) and against `jsonschema`
//! validation followed by `serde_json` deserialization, on the same ~1 KB document; then the same
//! type's JSON Schema compiled at run time (`outlines::output::JsonSchema`): compiling it, and
//! validating the document with it next to the derived validator and `jsonschema`.
//!
//! Run with `cargo bench --bench validate`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use outlines::Structured;
use outlines::output::JsonSchema;
use serde_json::Value;

#[path = "support/order.rs"]
mod order;

use order::{Order, order_json};

fn validate(c: &mut Criterion) {
    let json = order_json();
    let schema = Order::json_schema();
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the derived schema compiles");
    // Same answer from all three before timing anything.
    let ours = Order::from_json(&json).expect("valid");
    let plain: Order = serde_json::from_str(&json).expect("valid");
    assert_eq!(ours, plain);
    assert!(validator.is_valid(&serde_json::from_str(&json).expect("json")));

    let mut group = c.benchmark_group("order_1kb");
    group.throughput(criterion::Throughput::Bytes(json.len() as u64));
    group.bench_function("outlines_from_json", |b| {
        b.iter(|| Order::from_json(black_box(&json)).expect("valid"))
    });
    group.bench_function("serde_json_from_str", |b| {
        b.iter(|| serde_json::from_str::<Order>(black_box(&json)).expect("valid"))
    });
    group.bench_function("jsonschema_then_serde", |b| {
        b.iter(|| {
            let value: serde_json::Value = serde_json::from_str(black_box(&json)).expect("json");
            assert!(validator.is_valid(&value));
            serde_json::from_value::<Order>(value).expect("valid")
        })
    });
    group.finish();

    let invalid = json
        .replace("\"age\":36", "\"age\":7")
        .replace("SKU-A3B3C", "sku-3")
        .replace("ada@example.com", "ada-at-example");
    c.bench_function("order_1kb/outlines_from_json_invalid_3_errors", |b| {
        b.iter(|| Order::from_json(black_box(&invalid)).expect_err("invalid"))
    });

    runtime_schema(c, &json, &invalid, &schema, &validator);
}

/// The derived type's JSON Schema compiled at run time, on the same document.
fn runtime_schema(
    c: &mut Criterion,
    json: &str,
    invalid: &str,
    schema: &Value,
    validator: &jsonschema::Validator,
) {
    let runtime = JsonSchema::compile(schema).expect("the derived schema compiles at run time");
    let value: Value = serde_json::from_str(json).expect("json");
    // Same answers as the derived validator before timing anything.
    assert!(runtime.validate(&value).is_ok());
    assert!(Order::from_value(&value).is_ok());
    let errors = runtime.read(invalid).expect_err("invalid");
    assert_eq!(
        errors.len(),
        Order::from_json(invalid).expect_err("invalid").len()
    );

    c.bench_function("runtime_schema/compile_order", |b| {
        b.iter(|| JsonSchema::compile(black_box(schema)).expect("compiles"))
    });
    c.bench_function("runtime_schema/jsonschema_build_order", |b| {
        b.iter(|| {
            jsonschema::draft202012::options()
                .should_validate_formats(true)
                .build(black_box(schema))
                .expect("compiles")
        })
    });

    let mut group = c.benchmark_group("order_1kb_value");
    group.throughput(criterion::Throughput::Bytes(json.len() as u64));
    group.bench_function("outlines_from_value", |b| {
        b.iter(|| Order::from_value(black_box(&value)).expect("valid"))
    });
    group.bench_function("runtime_schema_validate", |b| {
        b.iter(|| runtime.validate(black_box(&value)).expect("valid"))
    });
    group.bench_function("jsonschema_is_valid", |b| {
        b.iter(|| assert!(validator.is_valid(black_box(&value))))
    });
    group.finish();

    let mut group = c.benchmark_group("order_1kb");
    group.throughput(criterion::Throughput::Bytes(json.len() as u64));
    // What reading text into a `Value` costs by itself: most of `runtime_schema_read`.
    group.bench_function("serde_json_value_from_str", |b| {
        b.iter(|| serde_json::from_str::<Value>(black_box(json)).expect("json"))
    });
    group.bench_function("runtime_schema_read", |b| {
        b.iter(|| runtime.read(black_box(json)).expect("valid"))
    });
    group.finish();
    c.bench_function("order_1kb/runtime_schema_read_invalid_3_errors", |b| {
        b.iter(|| runtime.read(black_box(invalid)).expect_err("invalid"))
    });
}

criterion_group!(benches, validate);
criterion_main!(benches);
