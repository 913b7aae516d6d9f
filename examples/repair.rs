//! The retry-and-repair loop in action, against the scripted [`Mock`] backend: every attempt, what was
//! wrong with it, the repair turn the model was sent, and — when the model never gets it right — the
//! [`Diagnostics`](outlines::Diagnostics) that tell the whole story.
//!
//! Run it with `cargo run --example repair`.

use outlines::backend::mock::Mock;
use outlines::backend::{Finish, Response};
use outlines::generate::Attempt;
use outlines::{Generate, Structured};

/// A product review, scored.
#[derive(Debug, Structured)]
#[allow(dead_code)] // the fields are read through `Debug` only
struct Review {
    #[outline(min = 1, max = 5)]
    stars: u8,
    sentiment: Sentiment,
    /// At most three short phrases from the review.
    #[outline(max = 3, inner(min = 1, max = 40))]
    highlights: Vec<String>,
}

#[derive(Debug, Structured)]
#[serde(rename_all = "lowercase")]
enum Sentiment {
    Positive,
    Mixed,
    Negative,
}

const REVIEW: &str =
    "Battery lasts two days and the screen is gorgeous, but the case cracked in a week.";

fn show(attempts: &[Attempt]) {
    for attempt in attempts {
        println!(
            "attempt {} · {} · {} tokens\n  reply: {}",
            attempt.number,
            attempt.outcome.as_str(),
            attempt.usage.total(),
            attempt.output
        );
        for error in &attempt.errors {
            println!("  - {error}");
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let prompt = format!("Score this review:\n\n{REVIEW}");

    println!("== A reply cut off, then one that breaks two rules, then a valid one ==\n");
    let backend = Mock::new()
        .respond(
            Response::text(r#"{"stars": 4, "sentiment": "mixed", "highlights": ["battery l"#)
                .with_finish(Finish::Length)
                .with_usage(120, 16),
        )
        .respond(
            Response::text(r#"{"stars": 4.5, "sentiment": "bittersweet", "highlights": []}"#)
                .with_usage(190, 18),
        )
        .respond(
            Response::text(
                r#"{"stars": 4, "sentiment": "mixed", "highlights": ["battery lasts two days", "gorgeous screen", "case cracked"]}"#,
            )
            .with_usage(230, 30),
        );
    let report = Review::generation(&prompt)
        .max_attempts(3)
        .report(&backend)
        .await?;
    show(&report.attempts);
    for (n, request) in backend.requests().iter().enumerate().skip(1) {
        let turn = &request.messages.last().expect("a repair turn").content;
        println!("\nrepair turn before attempt {}:\n{turn}", n + 1);
    }
    println!(
        "\n=> {:?}\n   {} tokens over {} attempts\n",
        report.value,
        report.usage.total(),
        report.attempt_count()
    );

    println!("== A model that never gets it right ==\n");
    let backend = Mock::always(r#"{"stars": 9, "sentiment": "positive", "highlights": []}"#);
    let diagnostics = Review::generate(&backend, &prompt)
        .await
        .expect_err("every reply is invalid");
    println!("{diagnostics}");
    show(diagnostics.attempts());
    println!(
        "best candidate: {}",
        diagnostics
            .best()
            .map(|v| v.to_string())
            .unwrap_or_default()
    );
    Ok(())
}
