//! `outlines`: the server, and batch extraction over JSONL, on the command line.

mod extract;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use outlines::backend::Backend;
use outlines::generate::Template;
use outlines::local::Local;
use outlines::output::{Choice, JsonSchema, Regex};
use outlines_server::Server;

#[derive(Parser)]
#[command(
    version,
    about = "Structured generation: a valid value, or a precise diagnosis"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve OpenAI-compatible chat completions whose replies are validated against the
    /// request's schema. The backend is the embedded local model unless the environment names a
    /// provider (OUTLINES_BACKEND, OPENAI_API_KEY, ANTHROPIC_API_KEY, OUTLINES_MODEL, ...).
    Serve {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// A bearer token every request must carry (`Authorization: Bearer <token>`).
        #[arg(long, env = "OUTLINES_SERVER_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// The token of the admin routes (`POST /cache/clear`); without one they are closed.
        #[arg(long, env = "OUTLINES_ADMIN_TOKEN", hide_env_values = true)]
        admin_token: Option<String>,
    },
    /// Generate one value per row of a JSONL file, appending `{"id", "value"}` or `{"id",
    /// "error"}` lines to the output; a row already there is skipped, so a run resumes.
    /// Exit status: 0 when every row succeeded, 1 when some failed, 2 on a usage or setup error.
    Extract {
        /// The rows: JSON objects (the prompt in `--field`, or a `--template`'s context) or
        /// strings (the prompt). A row's `id` names it in the output, else its line number.
        #[arg(long)]
        input: PathBuf,
        /// Where results go (appended); `<input>.out.jsonl` by default.
        #[arg(long)]
        output: Option<PathBuf>,
        /// A JSON Schema file each value must satisfy.
        #[arg(long, group = "wanted")]
        schema: Option<PathBuf>,
        /// A regex each value must match as a whole.
        #[arg(long, group = "wanted")]
        regex: Option<String>,
        /// Choices, comma-separated: each value is one of them.
        #[arg(long, group = "wanted", value_delimiter = ',')]
        choices: Option<Vec<String>>,
        /// A Jinja template file rendered with each row as its context.
        #[arg(long)]
        template: Option<PathBuf>,
        /// The row's field holding the prompt (without `--template`).
        #[arg(long, default_value = "text")]
        field: String,
        /// Instructions for the system prompt.
        #[arg(long)]
        system: Option<String>,
        /// Generations at once.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Attempts per row (the first and its repairs).
        #[arg(long, default_value_t = 3)]
        attempts: usize,
        /// Tokens per reply.
        #[arg(long)]
        max_tokens: Option<u32>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Extract {
            input,
            output,
            schema,
            regex,
            choices,
            template,
            field,
            system,
            concurrency,
            attempts,
            max_tokens,
        } => {
            let wanted = match (schema, regex, choices) {
                (Some(path), _, _) => JsonSchema::from_file(&path)
                    .map(extract::Wanted::Schema)
                    .map_err(|e| e.to_string()),
                (_, Some(pattern), _) => Regex::new(&pattern)
                    .map(extract::Wanted::Regex)
                    .map_err(|e| e.to_string()),
                (_, _, Some(choices)) => Choice::new(choices)
                    .map(extract::Wanted::Choice)
                    .map_err(|e| e.to_string()),
                _ => Err("say what each value is: --schema, --regex or --choices".to_owned()),
            };
            let template = template
                .map(Template::from_file)
                .transpose()
                .map_err(|e| e.to_string());
            let (wanted, template) = match (wanted, template) {
                (Ok(w), Ok(t)) => (w, t),
                (Err(e), _) | (_, Err(e)) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let job = extract::Job {
                wanted,
                template,
                field,
                system,
                max_tokens,
                attempts: attempts.max(1),
                concurrency,
            };
            let output = output.unwrap_or_else(|| extract::default_output(&input));
            let backend = match backend() {
                Ok(backend) => backend,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            match extract::run(backend, &job, &input, &output).await {
                Ok(summary) if summary.failures() == 0 => ExitCode::SUCCESS,
                Ok(_) => ExitCode::from(1),
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Serve {
            listen,
            token,
            admin_token,
        } => match serve(listen, token, admin_token).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        },
    }
}

/// The provider the environment names, else the embedded model.
fn backend() -> Result<Arc<dyn Backend>, Box<dyn std::error::Error>> {
    Ok(match outlines::backend::from_env_if_set()? {
        Some(remote) => Arc::new(remote),
        None => Arc::new(Local::new()?),
    })
}

async fn serve(
    listen: SocketAddr,
    token: Option<String>,
    admin_token: Option<String>,
) -> Result<(), Box<dyn std::error::Error>> {
    let backend = backend()?;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    eprintln!(
        "serving {} · {} on http://{}",
        backend.provider(),
        backend.model(),
        listener.local_addr()?
    );
    let mut server = Server::new(backend);
    if let Some(token) = token {
        server = server.token(token);
    }
    if let Some(token) = admin_token {
        server = server.admin_token(token);
    }
    axum::serve(listener, server.router())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
