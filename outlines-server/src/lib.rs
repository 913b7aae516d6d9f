//! An HTTP server in front of any outlines backend. `POST /v1/chat/completions` speaks OpenAI's
//! wire format, so the `openai` SDK, LangChain, LlamaIndex and CrewAI work unchanged, and it fails
//! closed: a `response_format` or a named tool's schema is enforced — token by token on the local
//! model, validated and repaired on every backend — and a request it cannot satisfy is an error,
//! never an unconstrained reply.

mod error;
mod openai;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use outlines::Backend;

pub use error::ApiError;

/// What every handler shares: the backend, and the model name it answers as.
#[derive(Clone)]
pub struct Server {
    backend: Arc<dyn Backend>,
    model: String,
}

impl Server {
    /// A server in front of `backend`, answering as its model.
    pub fn new(backend: Arc<dyn Backend>) -> Server {
        let model = backend.model().to_owned();
        Server { backend, model }
    }

    /// The routes.
    pub fn router(self) -> Router {
        Router::new()
            .route("/v1/chat/completions", post(openai::chat_completions))
            .route("/v1/models", get(openai::models))
            .with_state(self)
    }
}
