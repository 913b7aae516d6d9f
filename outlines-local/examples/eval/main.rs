//! How the embedded model does on prompts the library was not tuned on: 56 extraction prompts over
//! 12 types (`cases.rs`), one attempt each, a 400-token budget, greedy decoding — how many first
//! replies are valid values, how many expected fields are right, and what the token budget had to
//! force, with the token constraint and without it (the prompt alone), on the same model.
//!
//! ```sh
//! cargo run --release -p outlines-local --example eval                  # the local model, both ways
//! OPENAI_BASE_URL=http://127.0.0.1:8080/v1 cargo run --release -p outlines-local --example eval
//!                       # an OpenAI-compatible server (llama.cpp's own: its JSON-schema mode), both ways
//! ```
//!
//! For each setup it prints the valid first attempts, the fields extracted right (of those
//! checked), the values the budget cut short or wrote (such replies count as invalid) and the
//! array items it dropped, output tokens and tokens per second (output tokens over the whole
//! request's time, prompt reading included), then each invalid reply's first error.
//! `OUTLINES_EVAL_KINDS=invoice,recipe` runs only those kinds; `OUTLINES_EVAL_LAYOUT=compact`
//! writes the constrained JSON compact; `OUTLINES_THREADS=n` sets the local model's threads.

mod cases;

use std::time::{Duration, Instant};

use outlines::Generate;
use outlines::backend::{Backend, ForcedKind, OutputMode};
use outlines::local::Local;
use outlines::{Report, Structured};
use serde::Serialize;
use serde_json::Value;

use cases::Case;

/// The words a prompt names a kind with.
fn noun(kind: &str) -> &str {
    match kind {
        "job" => "job posting",
        "flight" => "flight booking",
        "meeting" => "meeting notes",
        "sentiment" => "sentiment analysis",
        other => other,
    }
}

/// What one case gave.
#[derive(Default)]
struct Outcome {
    valid: bool,
    right: usize,
    checked: usize,
    /// Values the budget cut short or wrote.
    altered: usize,
    /// Array items the budget dropped (the item in progress, or a repeated one).
    dropped: usize,
    output_tokens: u64,
    time: Duration,
    note: String,
}

async fn one<T: Structured + Serialize + Send>(
    backend: &dyn Backend,
    case: &Case,
    mode: OutputMode,
) -> Outcome {
    let began = Instant::now();
    let result: Result<Report<T>, outlines::Error> = T::generation(format!(
        "Extract the {} from this text:\n\n{}",
        noun(case.kind),
        case.text
    ))
    .max_attempts(1)
    .max_tokens(400)
    .temperature(0.0)
    .mode(mode)
    .report(&backend)
    .await;
    let time = began.elapsed();
    let attempts = match &result {
        Ok(generation) => &generation.attempts,
        Err(diagnostics) => diagnostics.attempts(),
    };
    let edits = attempts
        .iter()
        .filter_map(|a| a.forced.as_ref())
        .flat_map(|f| &f.edits);
    let (mut altered, mut dropped) = (0, 0);
    for edit in edits {
        if edit.kind.alters_values() {
            altered += 1;
        } else if matches!(edit.kind, ForcedKind::Dropped | ForcedKind::Repeated) {
            dropped += 1;
        }
    }
    let mut outcome = Outcome {
        checked: case.expect.len(),
        altered,
        dropped,
        time,
        ..Outcome::default()
    };
    match result {
        Ok(generation) => {
            let value = serde_json::to_value(&generation.value).unwrap_or(Value::Null);
            outcome.valid = true;
            outcome.right = case
                .expect
                .iter()
                .filter(|(pointer, want)| value.pointer(pointer) == Some(want))
                .count();
            outcome.output_tokens = generation.usage.output_tokens;
        }
        Err(diagnostics) => {
            let output = diagnostics
                .attempts()
                .first()
                .map(|a| a.output.as_str())
                .unwrap_or("");
            let first_error = diagnostics
                .errors()
                .first()
                .map(ToString::to_string)
                .unwrap_or_else(|| diagnostics.to_string());
            outcome.output_tokens = diagnostics.usage().output_tokens;
            outcome.note = format!(
                "{first_error} — reply: {:?}",
                output.chars().take(120).collect::<String>()
            );
        }
    }
    outcome
}

async fn run(name: &str, backend: &dyn Backend, local: Option<&Local>, mode: OutputMode) {
    let only: Option<Vec<String>> = std::env::var("OUTLINES_EVAL_KINDS")
        .ok()
        .filter(|kinds| !kinds.is_empty())
        .map(|kinds| kinds.split(',').map(str::to_owned).collect());
    let cases: Vec<Case> = cases::cases()
        .into_iter()
        .filter(|case| {
            only.as_ref()
                .is_none_or(|only| only.iter().any(|k| k == case.kind))
        })
        .collect();
    let mut total = Outcome::default();
    let mut valid = 0;
    let mut notes = Vec::new();
    // The request whose constraint cost the most, next to its own forward passes.
    let mut worst: Option<(f64, usize)> = None;
    for (i, case) in cases.iter().enumerate() {
        let before = local.map(Local::stats);
        let outcome = cases::for_kind!(case.kind, one, backend, case, mode);
        if let (Some(local), Some(before)) = (local, before) {
            let stats = local.stats().since(&before);
            let ratio = stats.constraint.as_secs_f64() / stats.forward.as_secs_f64().max(1e-9);
            if worst.is_none_or(|(w, _)| ratio > w) {
                worst = Some((ratio, i));
            }
        }
        valid += usize::from(outcome.valid);
        total.right += outcome.right;
        total.checked += outcome.checked;
        total.altered += outcome.altered;
        total.dropped += outcome.dropped;
        total.output_tokens += outcome.output_tokens;
        total.time += outcome.time;
        if !outcome.valid {
            notes.push(format!("  #{i:02} {}: {}", case.kind, outcome.note));
        }
    }
    let n = cases.len();
    println!(
        "{name:<40} valid {valid:>2}/{n} ({:>3.0}%)  fields right {:>3}/{} ({:>3.0}%)  budget: {} values cut or written, {} items dropped  output tokens {:>5}  {:>6.1} tok/s  {:>6.1} s",
        100.0 * valid as f64 / n.max(1) as f64,
        total.right,
        total.checked,
        100.0 * total.right as f64 / total.checked.max(1) as f64,
        total.altered,
        total.dropped,
        total.output_tokens,
        total.output_tokens as f64 / total.time.as_secs_f64(),
        total.time.as_secs_f64()
    );
    if let Some((ratio, i)) = worst.filter(|(ratio, _)| *ratio > 0.0) {
        println!(
            "  the constraint's costliest request: #{i:02}, {:.1}% of its forward passes",
            100.0 * ratio
        );
    }
    for note in notes {
        println!("{note}");
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(remote) = outlines::backend::from_env_if_set()? {
        println!("backend: {remote}");
        run(
            "server, its JSON-schema mode",
            &remote,
            None,
            OutputMode::JsonSchema,
        )
        .await;
        run("server, prompt only", &remote, None, OutputMode::Prompt).await;
        return Ok(());
    }
    let threads: Option<usize> = std::env::var("OUTLINES_THREADS")
        .ok()
        .and_then(|t| t.parse().ok());
    // OUTLINES_EVAL_LAYOUT=compact: the constrained run in compact JSON instead of the default.
    let compact = std::env::var("OUTLINES_EVAL_LAYOUT").is_ok_and(|l| l == "compact");
    let layout = if compact {
        outlines::guide::Layout::Compact
    } else {
        outlines::guide::Layout::Spaced
    };
    let builder = Local::builder().seed(0).layout(layout);
    let local = match threads {
        Some(threads) => builder.threads(threads),
        None => builder,
    }
    .build()?;
    println!("backend: {local}");
    let constrained = if compact {
        "local, constrained (compact JSON)"
    } else {
        "local, constrained (spaced JSON)"
    };
    for (name, mode) in [
        (constrained, OutputMode::JsonSchema),
        ("local, prompt only (unconstrained)", OutputMode::Prompt),
    ] {
        let before = local.stats();
        run(name, &local, Some(&local), mode).await;
        let stats = local.stats().since(&before);
        let per_token = |d: Duration| d.as_secs_f64() * 1e3 / stats.output_tokens.max(1) as f64;
        println!(
            "  per output token: forward pass {:.2} ms, constraint {:.3} ms ({:.1}% of the forward pass); \
             decoding {:.1} tok/s; prompts {} tokens, {} reused",
            per_token(stats.forward),
            per_token(stats.constraint),
            100.0 * stats.constraint.as_secs_f64() / stats.forward.as_secs_f64().max(1e-9),
            stats.output_tokens as f64 / (stats.forward + stats.constraint).as_secs_f64().max(1e-9),
            stats.prompt_tokens,
            stats.reused_tokens,
        );
    }
    Ok(())
}
