//! Extract a typed value from text with a real model.
//!
//! The backend comes from the environment (see `outlines::backend::from_env`):
//!
//! ```sh
//! OPENAI_API_KEY=sk-... cargo run --example quickstart                        # OpenAI
//! ANTHROPIC_API_KEY=sk-ant-... cargo run --example quickstart                 # Anthropic
//! OPENAI_BASE_URL=http://localhost:11434/v1 OUTLINES_MODEL=qwen2.5:7b \
//!     cargo run --example quickstart                                          # Ollama
//! OPENAI_BASE_URL=http://localhost:8080/v1 cargo run --example quickstart     # llama.cpp server
//! ```
//!
//! Pass your own text as arguments. With no backend configured it says which variables to set and
//! exits with status 2; it never makes an answer up.

use std::process::ExitCode;

use outlines::Structured;

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
    let backend = match outlines::backend::from_env() {
        Ok(backend) => backend,
        Err(error) => {
            eprintln!("{error}");
            eprintln!("(an embedded local model, used when nothing is set, is not built yet)");
            return ExitCode::from(2);
        }
    };
    println!("backend: {backend}");

    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = if args.is_empty() {
        TEXT.to_owned()
    } else {
        args.join(" ")
    };
    println!("text: {text}\n");

    match Person::generation(format!("Extract the person from this text:\n\n{text}"))
        .report(&backend)
        .await
    {
        Ok(report) => {
            println!("{:#?}", report.value);
            println!(
                "\n{} attempt(s), {} tokens in, {} out",
                report.attempt_count(),
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
