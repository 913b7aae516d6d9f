//! Generate a value for a JSON Schema read from a file — a schema known only at run time — on the
//! embedded local model, constrained token by token to the schema, and checked by its validator.
//!
//! ```sh
//! cargo xtask run --features local --example runtime_schema
//! cargo xtask run --features local --example runtime_schema -- my.schema.json "text to read"
//! ```
//!
//! With no arguments it reads `examples/data/meeting.schema.json` and a sentence about a meeting.
//! It prints the schema's description (what the prompt shows the model), the validated value and
//! the attempts it took; a failure prints every reason and exits with status 1 (2 when the schema
//! or the model cannot be loaded). The first run fetches the model into the cache (see the
//! `quickstart` example).

use std::process::ExitCode;
use std::time::Instant;

use outlines::GenerateOutput;
use outlines::local::Local;
use outlines::output::JsonSchema;

const TEXT: &str =
    "Ana, Bo and Chen will hold the quarterly design review on Tuesday at 14:00 in room R204.";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/data/meeting.schema.json"
        )
        .to_owned()
    });
    let text = args.collect::<Vec<_>>().join(" ");
    let text = if text.is_empty() {
        TEXT.to_owned()
    } else {
        text
    };

    let schema = match JsonSchema::from_file(&path) {
        Ok(schema) => schema,
        Err(error) => {
            eprintln!("{path}: {error}");
            return ExitCode::from(2);
        }
    };
    println!("schema: {path}\n\n{}", schema.describe());

    let began = Instant::now();
    let backend = match Local::new() {
        Ok(local) => local,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    println!("backend: {backend} (ready in {:.1?})", began.elapsed());
    println!("text: {text}\n");

    let began = Instant::now();
    let prompt = format!("Extract the meeting from this text:\n\n{text}");
    match schema.generation(prompt).report(&backend).await {
        Ok(report) => {
            // The value passed the schema's validator: every keyword, `pattern` and bounds included.
            println!("{:#}", report.value);
            println!(
                "\nvalid: {} · {} attempt(s) in {:.2?}, {} tokens in, {} out",
                schema.validate(&report.value).is_ok(),
                report.attempt_count(),
                began.elapsed(),
                report.usage.input_tokens,
                report.usage.output_tokens
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            for attempt in error.attempts() {
                eprintln!(
                    "attempt {} ({}): {}",
                    attempt.number,
                    attempt.outcome.as_str(),
                    attempt.output
                );
            }
            ExitCode::FAILURE
        }
    }
}
