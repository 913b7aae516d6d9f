//! Lenient reading against strict reading. On a clean reply both take the strict path (lenient
//! reading runs only when the strict read fails), so the first group measures what the lenient
//! entry point adds to a clean ~1 KB and ~100 KB reply. The second measures a messy reply (the same
//! order in a code fence, single quotes, a trailing comma) read leniently, next to the strict read
//! that rejects it. The third feeds hostile replies at two sizes each, ten times apart, with their
//! throughput: equal time per byte at both sizes is linear.
//!
//! Run with `cargo bench --bench lenient`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use outlines::Output;
use outlines::Structured;
use outlines::backend::Finish;
use outlines::output::Typed;

#[path = "support/order.rs"]
mod order;

use order::{Order, order_json};

/// A hundred orders: about 100 KB.
#[derive(Debug, Structured)]
#[allow(dead_code)] // read, never looked at
struct Orders {
    orders: Vec<Order>,
}

fn lenient(c: &mut Criterion) {
    let stop = Finish::Stop;
    let one = order_json();
    let many = format!("{{\"orders\":[{}]}}", vec![one.as_str(); 100].join(","));
    let order = Typed::<Order>::new();
    let orders = Typed::<Orders>::new();
    assert!(order.read_lenient(&one, &stop).value.is_ok());
    assert!(orders.read_lenient(&many, &stop).value.is_ok());

    for (name, text) in [("clean_1kb", &one), ("clean_100kb", &many)] {
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(text.len() as u64));
        if name == "clean_1kb" {
            group.bench_function("strict", |b| b.iter(|| order.read(black_box(text), &stop)));
            group.bench_function("lenient", |b| {
                b.iter(|| order.read_lenient(black_box(text), &stop))
            });
        } else {
            group.bench_function("strict", |b| b.iter(|| orders.read(black_box(text), &stop)));
            group.bench_function("lenient", |b| {
                b.iter(|| orders.read_lenient(black_box(text), &stop))
            });
        }
        group.finish();
    }

    let messy = format!(
        "Here is the order:\n```json\n{}\n```",
        one.replacen(
            "\"customer\":\"Ada Lovelace\"",
            "'customer':'Ada Lovelace'",
            1
        )
        .replacen("\"loyalty_points\":1200}", "\"loyalty_points\":1200,}", 1)
    );
    let reading = order.read_lenient(&messy, &stop);
    assert!(reading.value.is_ok(), "{:?}", reading.value);
    let mut group = c.benchmark_group("messy_1kb");
    group.throughput(Throughput::Bytes(messy.len() as u64));
    group.bench_function("strict_rejects", |b| {
        b.iter(|| order.read(black_box(&messy), &stop).expect_err("messy"))
    });
    group.bench_function("lenient_recovers", |b| {
        b.iter(|| order.read_lenient(black_box(&messy), &stop))
    });
    group.finish();

    let mut group = c.benchmark_group("hostile");
    group.sample_size(10);
    for scale in [1, 10] {
        let cases = [
            ("unclosed_brackets", "[".repeat(10_000 * scale)),
            (
                "prose_then_value",
                format!("{}{one}", "Sure, here it is. ".repeat(6_000 * scale)),
            ),
            ("fence_markers", "```\n".repeat(1_000 * scale)),
            ("unclosed_comments", "[/*".repeat(3_000 * scale)),
            (
                "long_string",
                format!(
                    "{{\"customer\": \"{}\",}}",
                    "x".repeat(1 << 20).repeat(scale)
                ),
            ),
        ];
        for (name, text) in cases {
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.bench_function(format!("{name}/{}kb", text.len() >> 10), |b| {
                b.iter(|| order.read_lenient(black_box(&text), &stop))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, lenient);
criterion_main!(benches);
