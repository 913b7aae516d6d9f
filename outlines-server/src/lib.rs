//! An HTTP server in front of any outlines backend. `POST /v1/chat/completions` speaks OpenAI's
//! wire format, so the `openai` SDK, LangChain, LlamaIndex and CrewAI work unchanged, and it fails
//! closed: a `response_format` or a named tool's schema is enforced — token by token on the local
//! model, validated and repaired on every backend — and a request it cannot satisfy is an error,
//! never an unconstrained reply.

mod cache;
mod error;
mod metrics;
mod native;
mod openai;
mod openapi;
mod run;
mod stream;
mod types;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use outlines::Backend;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use error::ApiError;
pub use types::{AnyOutput, Types, as_json, grammar_file};

/// What every handler shares: the backend (once it is loaded), the limits, the types it knows by
/// name, its caches and counters.
#[derive(Clone)]
pub struct Server {
    backend: Arc<OnceLock<Result<Arc<dyn Backend>, String>>>,
    limits: Limits,
    types: Arc<Types>,
    /// Places for generations: running ones hold a permit, waiting ones wait for one.
    running: Arc<Semaphore>,
    /// Places in the queue: a request that finds none is refused at once (503).
    queue: Arc<Semaphore>,
    /// The bearer token every request must carry, if any.
    token: Option<Arc<str>>,
    /// Compiled outputs, by their canonical text.
    outputs: Arc<cache::OutputCache>,
    /// The token of the admin routes (`/cache/clear`); without one they are closed.
    admin: Option<Arc<str>>,
    metrics: Arc<metrics::Metrics>,
    /// Whether generations log prompts and replies (`outlines::generate` events at info).
    log_content: bool,
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
        let server = Server::empty(limits);
        let _ = server.backend.set(Ok(backend));
        server
    }

    /// A server that answers at once while `load` runs on a thread of its own: until it returns,
    /// `/health` and every route that needs the model answer 503 with `Retry-After`; if it fails,
    /// they answer 503 with its error. For a local model that takes a while to fetch and load.
    pub fn loading<F, E>(limits: Limits, load: F) -> Server
    where
        F: FnOnce() -> Result<Arc<dyn Backend>, E> + Send + 'static,
        E: std::fmt::Display,
    {
        let server = Server::empty(limits);
        let slot = Arc::clone(&server.backend);
        std::thread::spawn(move || {
            // A loader that panics is a failed load, not a server loading for ever.
            let loaded = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(load)) {
                Ok(result) => result.map_err(|e| e.to_string()),
                Err(_) => Err("the model's loader panicked".to_owned()),
            };
            match &loaded {
                Ok(backend) => tracing::info!(model = backend.model(), "the model is loaded"),
                Err(error) => tracing::error!(%error, "the model failed to load"),
            }
            let _ = slot.set(loaded);
        });
        server
    }

    fn empty(limits: Limits) -> Server {
        Server {
            backend: Arc::default(),
            limits,
            types: Arc::default(),
            running: Arc::new(Semaphore::new(limits.concurrent.max(1))),
            queue: Arc::new(Semaphore::new(limits.concurrent.max(1) + limits.waiting)),
            token: None,
            outputs: Arc::default(),
            admin: None,
            metrics: Arc::default(),
            log_content: false,
        }
    }

    /// Requires `Authorization: Bearer <token>` on every request but `/health` and
    /// `/openapi.json` (401 without it). The token is compared in constant time and never logged.
    pub fn token(mut self, token: impl Into<String>) -> Server {
        self.token = Some(Arc::from(token.into()));
        self
    }

    /// Opens the admin routes (`POST /cache/clear`) to requests with `Authorization: Bearer
    /// <token>`; without it they answer 403.
    pub fn admin_token(mut self, token: impl Into<String>) -> Server {
        self.admin = Some(Arc::from(token.into()));
        self
    }

    /// Logs each generation's prompts and replies (off by default: they may hold personal data).
    /// The access log, on by default, names the route, status and time only.
    pub fn log_content(mut self, log: bool) -> Server {
        self.log_content = log;
        self
    }

    /// Serves `types` by name: the native API's `{"type": "registered", "name": …}` output.
    pub fn types(mut self, types: Types) -> Server {
        self.types = Arc::new(types);
        self
    }

    /// The backend, or 503 while it loads or when it failed to.
    pub(crate) fn backend(&self) -> Result<&Arc<dyn Backend>, ApiError> {
        match self.backend.get() {
            Some(Ok(backend)) => Ok(backend),
            Some(Err(error)) => Err(ApiError::unavailable(format!(
                "the model failed to load: {error}"
            ))),
            None => Err(ApiError::loading()),
        }
    }

    /// The routes.
    pub fn router(self) -> Router {
        let body_bytes = self.limits.body_bytes;
        Router::new()
            .route("/v1/chat/completions", post(openai::chat_completions))
            .route("/v1/models", get(openai::models))
            .route("/generate", post(native::generate))
            .route("/generate/batch", post(native::generate_batch))
            .route("/health", get(native::health))
            .route("/models", get(native::models))
            .route("/openapi.json", get(openapi::document))
            .route("/cache/clear", post(clear_cache))
            .route("/metrics", get(render_metrics))
            .layer(DefaultBodyLimit::max(body_bytes))
            .layer(middleware::from_fn_with_state(self.clone(), authorize))
            .layer(middleware::from_fn_with_state(self.clone(), measure))
            .with_state(self)
    }

    /// Waits for a place to generate, or refuses at once when the queue is full. The queue's
    /// places count running requests too, so it holds both until the request ends.
    pub(crate) async fn place(&self) -> Result<Place, ApiError> {
        let queued = self.queued()?;
        let running = self.running().await?;
        Ok(Place {
            _queued: queued,
            _running: running,
        })
    }

    /// A place in the queue, or 503 at once when there is none.
    pub(crate) fn queued(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        Arc::clone(&self.queue)
            .try_acquire_owned()
            .map_err(|_| ApiError::busy(1))
    }

    /// A place among the running generations, once one is free.
    pub(crate) async fn running(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        Arc::clone(&self.running)
            .acquire_owned()
            .await
            .map_err(|_| ApiError::busy(1))
    }
}

/// A request's place in the queue and among the running: both freed when it ends.
pub(crate) struct Place {
    _queued: OwnedSemaphorePermit,
    _running: OwnedSemaphorePermit,
}

/// Lets a request through if the server needs no token or the request carries it (the admin
/// token too); `/health` and `/openapi.json` are open to all.
async fn authorize(State(server): State<Server>, request: Request, next: Next) -> Response {
    // Probes and API browsers need no token: these say nothing about requests or their content.
    let open = matches!(request.uri().path(), "/health" | "/openapi.json");
    if let (Some(token), false) = (&server.token, open) {
        let given = bearer(request.headers());
        let admin = server
            .admin
            .as_deref()
            .is_some_and(|a| same(given, a.as_bytes()));
        if !same(given, token.as_bytes()) && !admin {
            return axum::response::IntoResponse::into_response(ApiError::unauthorized());
        }
    }
    next.run(request).await
}

/// Counts each request by its route (the pattern, so that labels stay few) and status, and logs
/// it: the method, route, status and time, never a header, the body or the query.
async fn measure(State(server): State<Server>, request: Request, next: Next) -> Response {
    let began = std::time::Instant::now();
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "other".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().clone();
    let response = next.run(request).await;
    let elapsed = began.elapsed();
    let status = response.status().as_u16();
    server.metrics.request(&route, status, elapsed);
    tracing::info!(
        target: "outlines_server::access",
        %method,
        route,
        status,
        ms = (elapsed.as_secs_f64() * 1e6).round() / 1e3,
    );
    response
}

/// `GET /metrics`.
async fn render_metrics(State(server): State<Server>) -> impl axum::response::IntoResponse {
    let text = server.metrics.render(server.outputs.stats());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
}

/// The bearer token a request carries (empty if none).
fn bearer(headers: &axum::http::HeaderMap) -> &[u8] {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .as_bytes()
}

/// `POST /cache/clear`, with the admin token: forgets every compiled schema.
async fn clear_cache(
    State(server): State<Server>,
    headers: axum::http::HeaderMap,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let Some(admin) = &server.admin else {
        return Err(ApiError::forbidden(
            "the admin routes are closed: start the server with an admin token",
        ));
    };
    if !same(bearer(&headers), admin.as_bytes()) {
        return Err(ApiError::forbidden("this route needs the admin token"));
    }
    let (entries, _, _) = server.outputs.stats();
    server.outputs.clear();
    Ok(axum::Json(serde_json::json!({"cleared": entries})))
}

/// Whether `a` equals `b`, in time that depends on their lengths only.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
