//! What early abort saves: six first replies built to go wrong early — an enum value no variant
//! begins with, a number past its maximum, a field `deny_unknown_fields` refuses, a string past its
//! maximum length, an array past its maximum items, a string its anchored pattern can no longer
//! match — each followed by a long rest, then a valid reply after the repair turn. Run streamed
//! (`Generation::stream`, the reply in 4-byte pieces, so a reply is stopped within a token of the
//! byte that breaks it) and not streamed (`Generation::report`, every reply read whole). Output
//! tokens are counted at four characters a token, as the backend sent them: a stream dropped early
//! sends no more.
//!
//! ```sh
//! cargo run --example stream_savings
//! ```

use outlines::backend::mock::Mock;
use outlines::generate::{Outcome, Update};
use outlines::prelude::*;

#[derive(Debug, Structured)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read, never looked at
struct Ticket {
    #[outline(pattern = r"^TCK-[0-9]{5}$")]
    reference: String,
    #[outline(max = 5)]
    priority: u8,
    category: Category,
    #[outline(max = 280)]
    summary: String,
    #[outline(max = 5)]
    tags: Vec<String>,
    details: String,
}

#[derive(Debug, Structured)]
#[serde(rename_all = "lowercase")]
enum Category {
    Billing,
    Bug,
    Account,
}

const VALID: &str = r#"{"reference": "TCK-10234", "priority": 2, "category": "bug", "summary": "Export fails", "tags": ["export"], "details": "The CSV export stops at 10,000 rows."}"#;

/// The six first replies, each wrong early and long after.
fn scenarios() -> Vec<(&'static str, String)> {
    let details = "The export runs for a while and then stops; ".repeat(40);
    vec![
        (
            "enum value no variant begins with",
            format!(
                r#"{{"priority": 2, "category": "technical-issue", "summary": "Export fails", "tags": ["export"], "details": "{details}"}}"#
            ),
        ),
        (
            "number past its maximum",
            format!(
                r#"{{"priority": 9, "category": "bug", "summary": "Export fails", "tags": ["export"], "details": "{details}"}}"#
            ),
        ),
        (
            "unknown field",
            format!(
                r#"{{"priority": 2, "severity": "high", "category": "bug", "summary": "Export fails", "tags": [], "details": "{details}"}}"#
            ),
        ),
        (
            "string past its maximum length",
            format!(
                r#"{{"priority": 2, "category": "bug", "summary": "{details}", "tags": [], "details": "{details}"}}"#
            ),
        ),
        (
            "array past its maximum items",
            format!(
                r#"{{"priority": 2, "category": "bug", "summary": "Export fails", "tags": [{}], "details": "{details}"}}"#,
                (0..60)
                    .map(|i| format!("\"tag{i}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        (
            "string its pattern cannot match",
            format!(
                r#"{{"reference": "ticket 10234", "priority": 2, "category": "bug", "summary": "Export fails", "tags": ["export"], "details": "{details}"}}"#
            ),
        ),
    ]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    println!(
        "{:<36} {:>9} {:>13} {:>9}  stopped at",
        "first reply", "its bytes", "whole: tokens", "streamed"
    );
    let (mut whole_total, mut streamed_total) = (0, 0);
    for (name, bad) in scenarios() {
        // Not streamed: every reply is sent whole.
        let backend = Mock::new().reply(bad.clone()).reply(VALID).streaming(4);
        let report = Ticket::generation("File this ticket.")
            .report(&backend)
            .await
            .expect("repaired");
        assert_eq!(report.attempts[0].outcome, Outcome::Invalid);
        let whole = bad.len() + VALID.len();

        // Streamed: the first reply is dropped once it can no longer be valid.
        let backend = Mock::new().reply(bad.clone()).reply(VALID).streaming(4);
        let mut updates = Ticket::generation("File this ticket.").stream(&backend);
        let mut stopped = String::new();
        let mut done = false;
        while let Some(update) = updates.next().await {
            match update.expect("repaired") {
                Update::Retry(attempt) if attempt.outcome == Outcome::Aborted => {
                    let error = &attempt.errors[0];
                    stopped = format!("{} ({})", error.path(), error.message());
                }
                Update::Done(_) => done = true,
                _ => {}
            }
        }
        assert!(done && !stopped.is_empty(), "{name}: not stopped early");
        let streamed = backend.streamed_bytes();
        whole_total += whole;
        streamed_total += streamed;
        println!(
            "{name:<36} {:>9} {:>13} {:>9}  {stopped}",
            bad.len(),
            whole / 4,
            streamed / 4
        );
    }
    println!(
        "\nall six: {} output tokens read whole, {} streamed with early abort ({:.0}% saved)",
        whole_total / 4,
        streamed_total / 4,
        100.0 * (1.0 - streamed_total as f64 / whole_total as f64)
    );
}
