//! What the token constraint costs per generated token, on the default model.
//!
//! For each type, two requests repeated: an extraction constrained to the type (greedy, so the reply
//! is the same each time: N tokens), and a story with the prompt alone, capped at the same N tokens
//! (the model goes on past that length). Each repeats its own prompt, whose cached start is reused,
//! so both read one prompt token and generate N: the difference per token is the constraint
//! (computing the mask, applying it to the logits, advancing). Before each pair, the backend's own accounting
//! (`Local::stats`) over ten constrained generations: time in forward passes and in the
//! constraint, per token.
//!
//! The types: a person, an order with line items, and contact details with the patterns people
//! write (email, phone, a date), the last also within a budget so tight that the look-ahead runs
//! and steers at every step (the constraint's worst case).
//!
//! `cargo bench -p outlines-local --bench local`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use outlines::Structured;
use outlines::backend::{Backend, Message, OutputMode, Request, SchemaSpec};
use outlines::local::Local;

/// A person mentioned in the text.
#[derive(Structured)]
#[allow(dead_code)]
struct Person {
    #[outline(min = 1, max = 80)]
    name: String,
    #[outline(min = 0, max = 120)]
    age: u8,
    #[outline(format = "email")]
    email: Option<String>,
    role: Role,
}

#[derive(Structured)]
#[serde(rename_all = "lowercase")]
enum Role {
    User,
    Admin,
}

/// An order and its line items.
#[derive(Structured)]
#[allow(dead_code)]
struct Order {
    #[outline(min = 1, max = 80)]
    customer: String,
    #[outline(min = 1, max = 20)]
    items: Vec<Item>,
    #[outline(pattern = r"^[A-Z]{3}$")]
    currency: String,
}

#[derive(Structured)]
#[allow(dead_code)]
struct Item {
    #[outline(min = 1, max = 60)]
    product: String,
    #[outline(min = 1, max = 1000)]
    quantity: u32,
    #[outline(min = 0.0)]
    unit_price: f64,
}

/// Contact details with the patterns people write: the look-ahead must end them from the
/// patterns' own automata.
#[derive(Structured)]
#[allow(dead_code)]
struct Contact {
    #[outline(min = 1, max = 80)]
    name: String,
    #[outline(min = 0, max = 120)]
    age: u8,
    #[outline(pattern = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")]
    email: String,
    #[outline(pattern = r"^\+?[0-9 ()-]{6,20}$")]
    phone: Option<String>,
    #[outline(pattern = r"^\d{4}-\d{2}-\d{2}$")]
    born: Option<String>,
}

fn request<T: Structured>(text: &str, mode: OutputMode, max_tokens: u32) -> Request {
    let mut request = Request::new(
        "Reply with the JSON value only.",
        vec![Message::user(format!("Extract from this text:\n\n{text}"))],
        SchemaSpec::of::<T>(),
    );
    request.mode = mode;
    request.max_tokens = Some(max_tokens);
    request.temperature = Some(0.0);
    request
}

/// Benchmarks `T` extracted from `text` within `budget` tokens (a tight budget steers every step).
fn bench_type<T: Structured>(
    c: &mut Criterion,
    local: &Local,
    name: &str,
    text: &str,
    budget: u32,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let complete = |request: &Request| runtime.block_on(local.complete(request)).unwrap();
    let constrained = request::<T>(text, OutputMode::JsonSchema, budget);
    let reply = complete(&constrained);
    let tokens = reply.usage.output_tokens;
    T::from_json(&reply.text).unwrap_or_else(|e| panic!("{}: {e}", reply.text));
    // Prose the model goes on with past N tokens, unconstrained.
    let prose = request::<T>(
        "Tell a long story about a lighthouse keeper and her cat.",
        OutputMode::Prompt,
        tokens as u32,
    );
    assert_eq!(
        complete(&prose).usage.output_tokens,
        tokens,
        "the unconstrained reply stopped early"
    );
    // The backend's own accounting, over ten of each alone.
    for (what, request) in [("constrained", &constrained), ("unconstrained", &prose)] {
        let before = local.stats();
        for _ in 0..10 {
            complete(request);
        }
        let stats = local.stats().since(&before);
        let per_token = |d: Duration| d.as_secs_f64() * 1e3 / stats.output_tokens.max(1) as f64;
        println!(
            "{name}, {what}: forward pass {:.3} ms/token, constraint {:.3} ms/token ({:.1}%), \
             whole request {:.3} ms/token",
            per_token(stats.forward),
            per_token(stats.constraint),
            100.0 * stats.constraint.as_secs_f64() / stats.forward.as_secs_f64().max(1e-9),
            per_token(stats.total),
        );
    }
    let mut group = c.benchmark_group(format!("{name} ({tokens} tokens)"));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(15));
    group.bench_function("constrained", |b| {
        b.iter(|| black_box(complete(&constrained)))
    });
    group.bench_function("unconstrained, same length", |b| {
        b.iter(|| black_box(complete(&prose)))
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let local = Local::new().expect("the default model");
    bench_type::<Person>(
        c,
        &local,
        "Person",
        "John Appleseed (25) runs the cluster as an admin; reach him at john@example.io.",
        400,
    );
    bench_type::<Order>(
        c,
        &local,
        "Order",
        "Invoice for Carla Diaz: 10 USB cables at 4 GBP, 2 chargers at 15 GBP, 1 laptop stand at 30 GBP.",
        400,
    );
    let contact = "Maria Lopez, 31, maria.lopez@mail.com, +34 612 345 678, born 1994-03-02.";
    bench_type::<Contact>(c, &local, "Contact", contact, 400);
    // So tight that the look-ahead runs at every step, and steers: the worst case.
    bench_type::<Contact>(c, &local, "Contact within 40 tokens", contact, 40);
}

criterion_group!(local, benches);
criterion_main!(local);
