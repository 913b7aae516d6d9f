//! `T::from_json` against plain `serde_json` (no constraints checked) and against `jsonschema`
//! validation followed by `serde_json` deserialization, on the same ~1 KB document.
//!
//! Run with `cargo bench --bench validate`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use outlines::Structured;

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
}

criterion_group!(benches, validate);
criterion_main!(benches);
