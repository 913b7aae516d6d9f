//! What the generation loop costs on top of validation, with the scripted `Mock` backend (no network):
//! one valid reply, and one invalid reply repaired by the second. Also the per-request schema work the
//! HTTP backends do: rendering the JSON Schema and the OpenAI strict / Anthropic subset transforms.
//!
//! Run with `cargo bench --bench generate`.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use outlines::backend::mock::Mock;
use outlines::backend::{anthropic::schema as anthropic, openai::schema as openai};
use outlines::{Generate, Structured};

#[path = "support/order.rs"]
mod order;

use order::{Order, order_json};

fn generate(c: &mut Criterion) {
    let json = order_json();
    let invalid = json.replace("\"age\":36", "\"age\":7");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let run = |backend: Mock| {
        runtime
            .block_on(Order::generation("Extract the order.").report(&backend))
            .expect("valid")
    };
    // Same answer from every path before timing anything.
    assert_eq!(run(Mock::always(json.clone())).attempt_count(), 1);
    assert_eq!(
        run(Mock::new().reply(invalid.clone()).reply(json.clone())).attempt_count(),
        2
    );

    let mut group = c.benchmark_group("generate_order");
    group.bench_function("from_json_only", |b| {
        b.iter(|| Order::from_json(black_box(&json)).expect("valid"))
    });
    group.bench_function("mock_valid_first", |b| {
        b.iter_batched(|| Mock::always(json.clone()), run, BatchSize::SmallInput)
    });
    group.bench_function("mock_one_repair", |b| {
        b.iter_batched(
            || Mock::new().reply(invalid.clone()).reply(json.clone()),
            run,
            BatchSize::SmallInput,
        )
    });
    group.finish();

    let schema = Order::json_schema();
    let mut group = c.benchmark_group("provider_schema_order");
    group.bench_function("json_schema", |b| b.iter(Order::json_schema));
    group.bench_function("openai_strict", |b| {
        b.iter(|| openai::strict(black_box(&schema)).expect("strict form"))
    });
    group.bench_function("anthropic_subset", |b| {
        b.iter(|| anthropic::structured(black_box(&schema)).expect("subset"))
    });
    group.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
