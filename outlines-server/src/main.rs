//! `outlines`: the server (and, to come, batch extraction) on the command line.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use outlines::backend::Backend;
use outlines::local::Local;
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
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
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

async fn serve(
    listen: SocketAddr,
    token: Option<String>,
    admin_token: Option<String>,
) -> Result<(), Box<dyn std::error::Error>> {
    let backend: Arc<dyn Backend> = match outlines::backend::from_env_if_set()? {
        Some(remote) => Arc::new(remote),
        None => Arc::new(Local::new()?),
    };
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
