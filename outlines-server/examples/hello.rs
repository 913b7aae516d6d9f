//! The baseline of the load test: axum alone, on the same stack as the server, reading a JSON
//! body and answering a fixed JSON value. What the server costs beyond this is its own.
//!
//! ```sh
//! cargo run --release -p outlines-server --example hello -- 127.0.0.1:8091
//! ```

use axum::Json;
use axum::routing::post;
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listen = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8091".into());
    let router = axum::Router::new().fallback(post(|Json(_body): Json<Value>| async {
        Json(json!({"value": {"name": "John", "age": 25}}))
    }));
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    eprintln!("baseline server on http://{listen}");
    axum::serve(listener, router).await?;
    Ok(())
}
