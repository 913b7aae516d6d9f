//! The server in front of a canned backend (every reply the same valid value), for load tests:
//! what the server itself costs per request, without a model.
//!
//! `outlines-server/load/bench.py` runs it at a fixed rate beside a baseline; by hand, with wrk:
//!
//! ```sh
//! cargo run --release -p outlines-server --example canned -- 127.0.0.1:8090 [WORKERS]
//! wrk -t2 -c32 -d10s --latency -s outlines-server/load/chat.lua http://127.0.0.1:8090
//! ```

use std::sync::Arc;

use outlines::backend::Backend;
use outlines::backend::mock::Mock;
use outlines_server::Server;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listen = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8090".into());
    // The runtime's worker threads: as many as cores unless given (`outlines serve --workers`).
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(workers) = std::env::args().nth(2) {
        runtime.worker_threads(workers.parse()?);
    }
    runtime.enable_all().build()?.block_on(serve(listen))
}

async fn serve(listen: String) -> Result<(), Box<dyn std::error::Error>> {
    let backend: Arc<dyn Backend> = Arc::new(Mock::always(r#"{"name": "John", "age": 25}"#));
    let limits = outlines_server::Limits {
        concurrent: 256,
        waiting: 1024,
        ..Default::default()
    };
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    eprintln!("canned server on http://{listen}");
    axum::serve(listener, Server::with_limits(backend, limits).router()).await?;
    Ok(())
}
