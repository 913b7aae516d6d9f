//! A server of your own types: `Person` is registered by name, so any client can ask
//! `POST /generate` for `{"type": "registered", "name": "Person"}` and get a value that `Person`'s
//! own validator accepted (its ranges, its pattern), as JSON.
//!
//! ```sh
//! cargo xtask run -p outlines-server --example registered -- 127.0.0.1:8080
//! curl -s 127.0.0.1:8080/generate -H 'content-type: application/json' \
//!   -d '{"prompt": "Extract: John, 25, john@x.io", "output": {"type": "registered", "name": "Person"}}'
//! ```

use std::sync::Arc;

use outlines::Structured;
use outlines::backend::Backend;
use outlines::local::Local;
use outlines_server::{Limits, Server, Types};
use serde::Serialize;

/// A person mentioned in the text.
#[derive(Debug, Structured, Serialize)]
struct Person {
    #[outline(min = 1, max = 80)]
    name: String,
    #[outline(min = 0, max = 120)]
    age: u8,
    #[outline(pattern = r"^[^@\s]+@[^@\s]+\.[a-z]+$")]
    email: Option<String>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listen = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    // The server answers at once; `/health` says 503 until the model is loaded.
    let server = Server::loading(Limits::default(), || {
        Local::new().map(|local| Arc::new(local) as Arc<dyn Backend>)
    })
    .types(Types::new().register::<Person>());
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    eprintln!("serving Person on http://{listen}");
    axum::serve(listener, server.router()).await?;
    Ok(())
}
