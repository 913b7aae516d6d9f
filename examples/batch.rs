//! A batch of 1,000 support tickets classified concurrently, with an `indicatif` progress bar and the
//! batch's summary at the end. The backend is a stand-in model (the scripted `Mock`, 40 ms a reply,
//! some first replies invalid so the repair loop shows in the figures); swap in `OpenAi` or
//! `Anthropic` (see `examples/quickstart.rs`) and nothing else changes.
//!
//! Run it with `cargo run --example batch`.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use outlines::Structured;
use outlines::backend::Response;
use outlines::backend::mock::Mock;
use outlines::batch::Batch;

/// How a support ticket is routed.
#[derive(Debug, Structured)]
#[allow(dead_code)] // the fields are read through `Debug` only
struct Ticket {
    category: Category,
    /// 1 (lowest) to 4 (drop everything).
    #[outline(min = 1, max = 4)]
    priority: u8,
}

#[derive(Debug, Structured)]
#[serde(rename_all = "lowercase")]
enum Category {
    Billing,
    Bug,
    Account,
    Other,
}

const SUBJECTS: [&str; 5] = [
    "I was charged twice this month",
    "The export button crashes the app",
    "Cannot reset my password",
    "Refund for the annual plan, please",
    "Do you have a dark mode?",
];

/// A stand-in model: classifies by keyword, after 40 ms; its first answer about refunds has a
/// priority out of range, so those tickets take a repair turn.
fn model() -> Mock {
    Mock::from_fn(|request| {
        let ticket = request.messages[0].content.to_lowercase();
        let repairing = request.messages.len() > 1;
        let (category, priority) = if ticket.contains("refund") {
            ("billing", if repairing { 3 } else { 7 })
        } else if ticket.contains("charged") {
            ("billing", 3)
        } else if ticket.contains("crash") {
            ("bug", 4)
        } else if ticket.contains("password") {
            ("account", 2)
        } else {
            ("other", 1)
        };
        Ok(Response::text(format!(
            r#"{{"category": "{category}", "priority": {priority}}}"#
        ))
        .with_usage(180, 12))
    })
    .with_latency(Duration::from_millis(40))
}

#[tokio::main]
async fn main() {
    let backend = model();
    let tickets: Vec<String> = (0..1000)
        .map(|i| format!("Ticket #{i}: {}", SUBJECTS[i % SUBJECTS.len()]))
        .collect();

    let bar = ProgressBar::new(tickets.len() as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} · {msg} · {elapsed_precise} (eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let shown = bar.clone();
    let report = Batch::<Ticket>::new(tickets.iter().map(|t| format!("Route this ticket:\n{t}")))
        .max_concurrency(64)
        .task_timeout(Duration::from_secs(30))
        .on_progress(move |p| {
            shown.set_position(p.done as u64);
            shown.set_message(format!(
                "{} in flight, {} failed, {} attempts, {} tokens",
                p.in_flight,
                p.failed,
                p.attempts,
                p.usage.total()
            ));
        })
        .report(&backend)
        .await;
    bar.finish();

    println!("\n{}", report.summary);
    if let Some(Ok(first)) = report.results.first() {
        println!("ticket #0 → {first:?}");
    }
    if let Some(Ok(refund)) = report.results.get(3) {
        println!("ticket #3 → {refund:?} (after a repair)");
    }
}
