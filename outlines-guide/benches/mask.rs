//! What our layer costs on top of llguidance: for the same grammar (a type's rewritten schema) and
//! the same tokens (a valid value, o200k), time to first mask (compile + the first mask) and the
//! masks of a whole generation (a mask, then the token, for every token), through `Guide` and
//! `Constraint` and through llguidance's `ParserFactory` and `Matcher` directly.
//!
//! Run with `cargo bench -p outlines-guide --bench mask`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use llguidance::Matcher;
use llguidance::api::TopLevelGrammar;
use outlines::Structured;
use outlines_guide::{Guide, Vocabulary};

#[path = "../tests/support/types.rs"]
mod types;

use types::{Enums, Formats, Order, Person};

fn bench_type<T: Structured>(c: &mut Criterion, name: &str, text: &str) {
    let vocab = Vocabulary::o200k().expect("o200k");
    let schema = T::json_schema();
    let guide = Guide::from_json_schema(&schema, &vocab).expect("a guide");
    let grammar = guide.grammar().clone();
    let tokens = vocab.tokenize(text);
    // A raw factory on the same tokenizer environment, configured as ours is.
    let mut factory = llguidance::ParserFactory::new_simple(vocab.token_env()).expect("a factory");
    factory.quiet();
    factory.limits_mut().verbose_errors = false;
    let parser = factory
        .create_parser(TopLevelGrammar::from_json_schema(grammar.clone()))
        .expect("a parser");
    // Both paths accept the text.
    let mut constraint = guide.constraint();
    for &t in &tokens {
        assert!(constraint.mask().unwrap().allows(t));
        constraint.advance(t).unwrap();
    }
    assert!(constraint.is_complete());

    let mut group = c.benchmark_group(format!("first_mask/{name}"));
    group.bench_function("outlines", |b| {
        b.iter(|| {
            let guide = Guide::from_json_schema(black_box(&schema), &vocab).unwrap();
            guide.constraint().mask().unwrap()
        })
    });
    group.bench_function("llguidance", |b| {
        b.iter(|| {
            let parser = factory
                .create_parser(TopLevelGrammar::from_json_schema(
                    black_box(&grammar).clone(),
                ))
                .unwrap();
            Matcher::new(Ok(parser)).compute_mask_or_eos().unwrap()
        })
    });
    group.finish();

    let mut group = c.benchmark_group(format!("generation_masks/{name}/{}_tokens", tokens.len()));
    group.bench_function("outlines", |b| {
        b.iter(|| {
            let mut constraint = guide.constraint();
            for &t in &tokens {
                black_box(constraint.mask().unwrap());
                constraint.advance(t).unwrap();
            }
        })
    });
    group.bench_function("llguidance", |b| {
        b.iter(|| {
            let mut matcher = Matcher::new(Ok(parser.clone()));
            for &t in &tokens {
                black_box(matcher.compute_mask_or_eos().unwrap());
                matcher.consume_token(t).unwrap();
            }
        })
    });
    group.finish();
}

fn masks(c: &mut Criterion) {
    bench_type::<Person>(
        c,
        "Person",
        r#"{"name":"John Smith","age":25,"email":"john@x.io","role":"admin"}"#,
    );
    bench_type::<Order>(
        c,
        "Order",
        r#"{"id":7,"ship_to":{"street":"Main St 1","zip":"12345"},"items":[{"sku":"A-1","qty":2,"price":9.99}],"tags":["new"],"counts":{"a":1},"paid":true}"#,
    );
    bench_type::<Enums>(
        c,
        "Enums",
        r#"{"shape":{"circle":{"radius":2.5}},"event":{"type":"key","key":"k"},"message":{"t":"Move","c":{"dx":-3}},"id":{"a":1,"b":2},"role":"user","documented":"Second"}"#,
    );
    bench_type::<Formats>(
        c,
        "Formats",
        r#"{"email":"a.b@example.com","uuid":"123e4567-e89b-12d3-a456-426614174000","date":"2024-02-29","date_time":"2024-02-29T23:59:59+01:00","time":"09:30:00Z","uri":"https://example.com/a?b=c","ipv4":"192.168.0.1","ipv6":"::1","hostname":"a-b.example"}"#,
    );
}

criterion_group!(benches, masks);
criterion_main!(benches);
