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
use outlines_server::{AnyOutput, Limits, Server, Types, as_json, grammar_file};

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
        /// A folder of types requests may name: each `NAME.json` (a JSON Schema) and `NAME.lark`
        /// (a Lark grammar) is the type `NAME`.
        #[arg(long, env = "OUTLINES_TYPES")]
        types: Option<PathBuf>,
        /// Generations at once.
        #[arg(long, default_value_t = Limits::default().concurrent)]
        concurrent: usize,
        /// Requests waiting for a place, beyond which one gets 503 and `Retry-After`.
        #[arg(long, default_value_t = Limits::default().waiting)]
        waiting: usize,
        /// Seconds one request's generation may take, repairs included (504 past it).
        #[arg(long, default_value_t = Limits::default().time.as_secs())]
        timeout: u64,
        /// The largest request body, in bytes (413 past it).
        #[arg(long, default_value_t = Limits::default().body_bytes)]
        body_limit: usize,
        /// Threads answering HTTP requests (the embedded model computes on threads of its own):
        /// one per core by default. One costs the least CPU per request at moderate load.
        #[arg(long)]
        workers: Option<usize>,
        /// How much to log on stderr: error, warn, info (each request's route, status and time),
        /// debug or trace.
        #[arg(long, default_value = "info")]
        log: tracing_subscriber::filter::LevelFilter,
        /// Log prompts and replies too (off by default: they may hold personal data). API keys
        /// and tokens are never logged.
        #[arg(long)]
        log_content: bool,
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
        /// A Lark grammar file each value must match.
        #[arg(long, group = "wanted")]
        grammar: Option<PathBuf>,
        /// A type from the `--types` folder, by name.
        #[arg(long = "type", group = "wanted", requires = "types")]
        type_name: Option<String>,
        /// The folder of named types (`NAME.json`, `NAME.lark`) that `--type` picks from.
        #[arg(long, env = "OUTLINES_TYPES")]
        types: Option<PathBuf>,
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Command::Serve {
        workers: Some(n), ..
    } = &cli.command
    {
        runtime.worker_threads((*n).max(1));
    }
    match runtime.enable_all().build() {
        Ok(runtime) => runtime.block_on(run(cli.command)),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(command: Command) -> ExitCode {
    match command {
        Command::Extract {
            input,
            output,
            schema,
            regex,
            choices,
            grammar,
            type_name,
            types,
            template,
            field,
            system,
            concurrency,
            attempts,
            max_tokens,
        } => {
            let wanted = wanted(schema, regex, choices, grammar, type_name, types);
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
            types,
            concurrent,
            waiting,
            timeout,
            body_limit,
            log,
            log_content,
            workers: _,
        } => {
            tracing_subscriber::fmt()
                .with_max_level(log)
                .with_writer(std::io::stderr)
                .with_ansi(false)
                .init();
            let limits = Limits {
                body_bytes: body_limit,
                time: std::time::Duration::from_secs(timeout),
                concurrent,
                waiting,
            };
            let types = match types.map(|dir| Types::new().load_dir(&dir)).transpose() {
                Ok(types) => types.unwrap_or_default(),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let access = Access {
                token,
                admin_token,
                log_content,
            };
            match serve(listen, limits, types, access).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// What `extract` generates: the one output its flags name.
fn wanted(
    schema: Option<PathBuf>,
    regex: Option<String>,
    choices: Option<Vec<String>>,
    grammar: Option<PathBuf>,
    type_name: Option<String>,
    types: Option<PathBuf>,
) -> Result<AnyOutput, String> {
    if let Some(path) = schema {
        return JsonSchema::from_file(&path)
            .map(as_json)
            .map_err(|e| e.to_string());
    }
    if let Some(pattern) = regex {
        return Regex::new(&pattern).map(as_json).map_err(|e| e.to_string());
    }
    if let Some(choices) = choices {
        return Choice::new(choices).map(as_json).map_err(|e| e.to_string());
    }
    if let Some(path) = grammar {
        return grammar_file(&path).map(as_json);
    }
    if let (Some(name), Some(dir)) = (type_name, types) {
        let types = Types::new().load_dir(&dir)?;
        return types
            .find(&name)
            .cloned()
            .map_err(|e| format!("{e} (the types of {})", dir.display()));
    }
    Err("say what each value is: --schema, --regex, --choices, --grammar or --type".to_owned())
}

/// Who may call the server, and what it logs of their requests.
struct Access {
    token: Option<String>,
    admin_token: Option<String>,
    log_content: bool,
}

/// The provider the environment names, if it names one.
fn provider() -> Result<Option<Arc<dyn Backend>>, Box<dyn std::error::Error>> {
    Ok(outlines::backend::from_env_if_set()?.map(|remote| Arc::new(remote) as Arc<dyn Backend>))
}

/// The provider the environment names, else the embedded model (loaded here).
fn backend() -> Result<Arc<dyn Backend>, Box<dyn std::error::Error>> {
    match provider()? {
        Some(remote) => Ok(remote),
        None => Ok(Arc::new(Local::new()?)),
    }
}

/// Serves on `listen`. A provider the environment names is ready at once; the embedded model
/// loads (and is fetched, the first time) while the server already answers, `/health` saying 503
/// until it is ready.
async fn serve(
    listen: SocketAddr,
    limits: Limits,
    types: Types,
    access: Access,
) -> Result<(), Box<dyn std::error::Error>> {
    let remote = provider()?;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let address = listener.local_addr()?;
    let mut server = match remote {
        Some(remote) => {
            eprintln!(
                "serving {} · {} on http://{address}",
                remote.provider(),
                remote.model()
            );
            Server::with_limits(remote, limits)
        }
        None => {
            eprintln!(
                "serving the embedded model on http://{address}; it is loading (GET /health answers 200 once it is ready)"
            );
            Server::loading(limits, || {
                let local = Local::new()?;
                eprintln!("the embedded model is ready: {}", local.model());
                Ok::<_, outlines::local::LocalError>(Arc::new(local) as Arc<dyn Backend>)
            })
        }
    }
    .types(types)
    .log_content(access.log_content);
    if let Some(token) = access.token {
        server = server.token(token);
    }
    if let Some(token) = access.admin_token {
        server = server.admin_token(token);
    }
    // Ctrl-C or SIGTERM stop accepting; requests in flight finish first.
    axum::serve(listener, server.router())
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}

async fn shutdown() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
