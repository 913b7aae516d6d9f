//! Streaming a reply against reading it whole, on the ~1 KB benchmark order.
//!
//! - `read`: the order's reply read as it arrives in 4-byte pieces (about a token each) — the
//!   incremental reader, the early-abort guard, and a typed partial whenever the loop would build
//!   one for a consumer that is always waiting when the pieces come in a burst (every piece that
//!   changed the value up to 64 bytes, then after each quarter more), then the final value (from the stream's tree, as the loop takes it when the reply was
//!   exact) — next to the whole read (`Output::read`, what a generation that does not stream does
//!   once); and the same without partials (what the stream itself costs), also in 16-byte pieces
//!   and in one piece (the floor: what streaming costs apart from the number of pieces).
//! - `first_partial`: from the first piece to the first typed partial.
//! - `generation`: a whole generation on the scripted backend, `Generation::stream` in 4-byte
//!   pieces (every update taken; the mock hands the executor a turn before each piece, as a
//!   network would) against `Generation::report` on the same reply; and the backend's stream alone
//!   (what the runtime and the mock cost, apart from the loop).
//! - `parts`: the reader alone and with the guard, in pieces and whole; compiling the guard's
//!   plan (once per type); the final value from the tree; and one typed partial of the whole
//!   order.
//!
//! Run with `cargo bench --bench stream`.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use futures_util::StreamExt;
use outlines::backend::mock::Mock;
use outlines::backend::{Backend, Constraint, Finish, Message, Request};
use outlines::lenient::guard::{Guard, Plan};
use outlines::lenient::incremental::Incremental;
use outlines::output::Typed;
use outlines::prelude::*;
use outlines::{Output, Partial};

#[path = "support/order.rs"]
mod order;

use order::{Order, order_json};

/// `reply` (ASCII) in `size`-byte pieces, as the loop receives text.
fn pieces(reply: &str, size: usize) -> impl Iterator<Item = &str> {
    (0..reply.len())
        .step_by(size)
        .map(move |at| &reply[at..(at + size).min(reply.len())])
}

/// Reads `reply` as the streaming loop does: in `piece`-byte pieces, guarded, with partials at the
/// loop's pace; then the whole reply. Returns the partials built.
fn stream_read(
    reply: &str,
    piece: usize,
    plan: &Plan,
    output: &Typed<Order>,
    partials_wanted: bool,
) -> usize {
    let mut reader = Incremental::new();
    let mut guard = Guard::new(plan);
    let (mut shown, mut shown_changes, mut partials) = (0, 0, 0);
    for chunk in pieces(reply, piece) {
        reader.feed(chunk, &mut guard);
        let (read, changes) = (reader.bytes_read(), reader.changes());
        let paced = read <= 64 || (read - shown) * 4 >= read;
        if partials_wanted && paced && changes != shown_changes {
            (shown, shown_changes) = (read, changes);
            let partial: Option<Partial<Order>> = reader.tree().root().and_then(Order::partial);
            partials += usize::from(black_box(partial).is_some());
        }
    }
    // As the loop does: a reply the stream read exactly is not read again.
    let value = match reader.exact(reply) {
        true => reader
            .tree()
            .root()
            .and_then(|root| output.read_streamed(root)),
        false => output.read(reply, &Finish::Stop).ok(),
    };
    assert!(black_box(value).is_some());
    partials
}

fn stream(c: &mut Criterion) {
    let reply = order_json();
    let schema = Order::json_schema();
    let output = Typed::<Order>::new();
    // What the loop watches with, compiled once per type.
    let plan = output.plan().expect("a JSON output");
    let stop = Finish::Stop;
    let partials = stream_read(&reply, 4, &plan, &output, true);
    assert!(partials > 10);
    eprintln!(
        "{} bytes in 4-byte pieces: {partials} partials at the loop's pace",
        reply.len()
    );

    let mut group = c.benchmark_group("read");
    group.throughput(Throughput::Bytes(reply.len() as u64));
    group.bench_function("whole", |b| {
        b.iter(|| output.read(black_box(&reply), &stop))
    });
    group.bench_function("streamed_4b", |b| {
        b.iter(|| stream_read(black_box(&reply), 4, &plan, &output, true))
    });
    group.bench_function("streamed_4b_no_partials", |b| {
        b.iter(|| stream_read(black_box(&reply), 4, &plan, &output, false))
    });
    // The same reply in larger pieces, and in one: the streamed read's cost apart from the
    // number of pieces (its floor).
    for size in [16, reply.len()] {
        let name = match size == reply.len() {
            true => "streamed_whole_no_partials".to_string(),
            false => format!("streamed_{size}b_no_partials"),
        };
        group.bench_function(name, |b| {
            b.iter(|| stream_read(black_box(&reply), size, &plan, &output, false))
        });
    }
    group.bench_function("streamed_1b", |b| {
        b.iter(|| stream_read(black_box(&reply), 1, &plan, &output, true))
    });
    group.finish();

    c.bench_function("first_partial", |b| {
        b.iter(|| {
            let mut reader = Incremental::new();
            let mut guard = Guard::new(&plan);
            for chunk in pieces(&reply, 4) {
                reader.feed(chunk, &mut guard);
                if let Some(partial) = reader.tree().root().and_then(Order::partial) {
                    return black_box(partial);
                }
            }
            unreachable!("the order has a first partial")
        })
    });

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let mut group = c.benchmark_group("generation");
    group.bench_function("report", |b| {
        b.iter_batched(
            || Mock::always(reply.clone()),
            |backend| {
                runtime
                    .block_on(Order::generation("Extract.").report(&backend))
                    .is_ok()
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("stream_4b", |b| {
        b.iter_batched(
            || Mock::always(reply.clone()).streaming(4),
            |backend| {
                runtime.block_on(async {
                    let updates = Order::generation("Extract.").stream(&backend);
                    updates.count().await
                })
            },
            BatchSize::SmallInput,
        )
    });
    // The scripted backend's stream alone, consumed as the loop consumes it: what the runtime and
    // the mock cost per piece, apart from the loop.
    group.bench_function("backend_alone_4b", |b| {
        // (The mock replies whatever is asked.)
        let request = Request::new("", vec![Message::user("Extract.")], Constraint::Text);
        b.iter_batched(
            || Mock::always(reply.clone()).streaming(4),
            |backend| runtime.block_on(backend.stream(&request).count()),
            BatchSize::SmallInput,
        )
    });
    group.finish();
    parts(c, &reply, &schema, &plan);
}

/// Where the streamed read's time goes: the reader alone, with the guard, in pieces and whole, and
/// one typed partial of the whole order.
fn parts(c: &mut Criterion, reply: &str, schema: &serde_json::Value, plan: &Plan) {
    use outlines::lenient::incremental::Blind;
    let mut g = c.benchmark_group("parts");
    g.bench_function("reader_blind_4b", |b| {
        b.iter(|| {
            let mut r = Incremental::new();
            for chunk in pieces(reply, 4) {
                r.feed(chunk, &mut Blind);
            }
            r.bytes_read()
        })
    });
    g.bench_function("reader_guard_4b", |b| {
        b.iter(|| {
            let mut r = Incremental::new();
            let mut guard = Guard::new(plan);
            for chunk in pieces(reply, 4) {
                r.feed(chunk, &mut guard);
            }
            r.bytes_read()
        })
    });
    g.bench_function("reader_guard_whole", |b| {
        b.iter(|| {
            let mut r = Incremental::new();
            let mut guard = Guard::new(plan);
            r.feed(reply, &mut guard);
            r.bytes_read()
        })
    });
    g.bench_function("reader_blind_whole", |b| {
        b.iter(|| {
            let mut r = Incremental::new();
            r.feed(reply, &mut Blind);
            r.bytes_read()
        })
    });
    g.bench_function("plan", |b| b.iter(|| Plan::new(black_box(schema))));
    let mut r = Incremental::new();
    r.feed(reply, &mut Blind);
    g.bench_function("value_from_tree", |b| {
        b.iter(|| Typed::<Order>::new().read_streamed(r.tree().root().unwrap()))
    });
    g.bench_function("partial_full", |b| {
        b.iter(|| Order::partial(r.tree().root().unwrap()).is_some())
    });
    g.finish();
}

criterion_group!(benches, stream);
criterion_main!(benches);
