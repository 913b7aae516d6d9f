//! The baseline of the load test: axum alone, on the same stack as the server, reading a JSON
//! body and answering a fixed JSON value. What the server costs beyond this is its own.
//!
//! ```sh
//! cargo run --release -p outlines-server --example hello -- 127.0.0.1:8091 [WORKERS]
//! ```

use axum::Json;
use axum::routing::post;
use serde_json::{Value, json};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listen = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8091".into());
    // The runtime's worker threads: as many as cores unless given (`outlines serve --workers`).
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(workers) = std::env::args().nth(2) {
        runtime.worker_threads(workers.parse()?);
    }
    runtime.enable_all().build()?.block_on(serve(listen))
}

async fn serve(listen: String) -> Result<(), Box<dyn std::error::Error>> {
    let router = axum::Router::new().fallback(post(|Json(_body): Json<Value>| async {
        Json(json!({"value": {"name": "John", "age": 25}}))
    }));
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    eprintln!("baseline server on http://{listen}");
    axum::serve(listener, router).await?;
    Ok(())
}
