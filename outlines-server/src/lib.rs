//! An HTTP server in front of any outlines backend. `POST /v1/chat/completions` speaks OpenAI's
//! wire format, so the `openai` SDK, LangChain, LlamaIndex and CrewAI work unchanged, and it fails
//! closed: a `response_format` or a named tool's schema is enforced — token by token on the local
//! model, validated and repaired on every backend — and a request it cannot satisfy is an error,
//! never an unconstrained reply.

mod error;
mod native;
mod openai;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use outlines::Backend;
use tokio::sync::Semaphore;

pub use error::ApiError;

/// What every handler shares: the backend, the model name it answers as, and the limits.
#[derive(Clone)]
pub struct Server {
    backend: Arc<dyn Backend>,
    model: String,
    limits: Limits,
    /// Places for generations: running ones hold a permit, waiting ones wait for one.
    running: Arc<Semaphore>,
    /// Places in the queue: a request that finds none is refused at once (503).
    queue: Arc<Semaphore>,
}

/// What a server takes on.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The largest request body, in bytes (413 past it).
    pub body_bytes: usize,
    /// How long one request's generation may take, repairs included (504 past it).
    pub time: Duration,
    /// Generations at once (the embedded model runs one sequence at a time).
    pub concurrent: usize,
    /// Requests waiting for a place, beyond which one is refused with 503 and `Retry-After`.
    pub waiting: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            body_bytes: 4 << 20,
            time: Duration::from_secs(120),
            concurrent: 4,
            waiting: 64,
        }
    }
}

impl Server {
    /// A server in front of `backend`, answering as its model, with the default [`Limits`].
    pub fn new(backend: Arc<dyn Backend>) -> Server {
        Server::with_limits(backend, Limits::default())
    }

    /// A server in front of `backend` with `limits`.
    pub fn with_limits(backend: Arc<dyn Backend>, limits: Limits) -> Server {
        let model = backend.model().to_owned();
        Server {
            backend,
            model,
            limits,
            running: Arc::new(Semaphore::new(limits.concurrent.max(1))),
            queue: Arc::new(Semaphore::new(limits.concurrent.max(1) + limits.waiting)),
        }
    }

    /// The routes.
    pub fn router(self) -> Router {
        let body_bytes = self.limits.body_bytes;
        Router::new()
            .route("/v1/chat/completions", post(openai::chat_completions))
            .route("/v1/models", get(openai::models))
            .route("/generate", post(native::generate))
            .route("/health", get(native::health))
            .layer(DefaultBodyLimit::max(body_bytes))
            .with_state(self)
    }

    /// Waits for a place to generate, or refuses at once when the queue is full. The queue's
    /// places count running requests too, so it holds both until the request ends.
    pub(crate) async fn place(&self) -> Result<Place, ApiError> {
        let queued = Arc::clone(&self.queue)
            .try_acquire_owned()
            .map_err(|_| ApiError::busy(1))?;
        let running = Arc::clone(&self.running)
            .acquire_owned()
            .await
            .map_err(|_| ApiError::busy(1))?;
        Ok(Place {
            _queued: queued,
            _running: running,
        })
    }
}

/// A request's place in the queue and among the running: both freed when it ends.
pub(crate) struct Place {
    _queued: tokio::sync::OwnedSemaphorePermit,
    _running: tokio::sync::OwnedSemaphorePermit,
}
