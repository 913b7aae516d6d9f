//! An OpenAI-compatible Chat Completions server on 127.0.0.1 for batch tests and the batch benchmark.
//!
//! It answers `POST /v1/chat/completions` after a fixed latency with whatever a reply function decides
//! from the request body and its number, and counts what the client did: requests (by status),
//! requests in flight now and at the peak (the concurrency the client reached), each request's
//! arrival time, user prompt and message count, and the requests whose connection the client closed
//! before the reply was sent (cancellation). For a client in another process, `GET /stats` serves
//! the counters as JSON, and `POST /stats/reset` serves them and then restarts the peak.
//!
//! ```ignore
//! let server = Config::mostly_valid(VALID, INVALID, 0.05).latency(Duration::from_millis(5)).start().await;
//! let backend = OpenAi::new("test").base_url(server.base_url());
//! // … run a batch …
//! assert!(server.stats().peak_in_flight() <= 16);
//! ```
//!
//! In a test, [`Config::start`] serves inside the test's runtime and stops when the [`ChatServer`]
//! is dropped (connections still open then end with the runtime). From a plain `main`,
//! [`Config::run`] builds its own runtime and serves forever.

#![allow(dead_code)] // each test binary uses what it needs
#![allow(unreachable_pub)] // `pub` for every binary that includes this file

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::{Json, Router};
use serde_json::{Value, json};

/// The `usage.prompt_tokens` of every [`Reply::Content`].
pub const PROMPT_TOKENS: u64 = 100;
/// The `usage.completion_tokens` of every [`Reply::Content`].
pub const COMPLETION_TOKENS: u64 = 20;

/// What the server answers to one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A 200 `chat.completion` whose message content is this text (`finish_reason: "stop"`, usage
    /// [`PROMPT_TOKENS`] and [`COMPLETION_TOKENS`]).
    Content(String),
    /// Any status with this body (sent as `application/json`) and these extra headers.
    Status {
        status: u16,
        body: String,
        headers: Vec<(String, String)>,
    },
    /// No answer ever: the connection stays open until the client gives up.
    Hang,
}

impl Reply {
    /// A 200 completion with `content`.
    pub fn content(content: impl Into<String>) -> Reply {
        Reply::Content(content.into())
    }

    /// An error in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
    pub fn error(status: u16, message: &str) -> Reply {
        let body = json!({"error": {"message": message, "type": "server_error", "param": null, "code": null}});
        Reply::Status {
            status,
            body: body.to_string(),
            headers: Vec::new(),
        }
    }

    /// A 429 rate-limit error saying to wait `retry_after` (`retry-after-ms`).
    pub fn rate_limited(retry_after: Duration) -> Reply {
        Reply::error(429, "Rate limit reached for requests")
            .header("retry-after-ms", retry_after.as_millis().to_string())
    }

    /// Adds a header to a [`Reply::Status`]; other replies are returned unchanged.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Reply {
        if let Reply::Status { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }

    fn status(&self) -> Option<u16> {
        match self {
            Reply::Content(_) => Some(200),
            Reply::Status { status, .. } => Some(*status),
            Reply::Hang => None,
        }
    }
}

/// Decides the reply from the request body and the request's number (0, 1, … in arrival order).
pub type ReplyFn = dyn Fn(&Value, u64) -> Reply + Send + Sync;

/// How the server behaves; build it, then [`start`](Config::start) or [`run`](Config::run) it.
#[derive(Clone)]
pub struct Config {
    latency: Duration,
    gate: u64,
    reply: Arc<ReplyFn>,
}

impl Config {
    /// A server answering each request with `reply(body, number)`, at once.
    pub fn new(reply: impl Fn(&Value, u64) -> Reply + Send + Sync + 'static) -> Config {
        Config {
            latency: Duration::ZERO,
            gate: 0,
            reply: Arc::new(reply),
        }
    }

    /// Always the completion `content`.
    pub fn always(content: impl Into<String>) -> Config {
        let content = content.into();
        Config::new(move |_, _| Reply::Content(content.clone()))
    }

    /// The completion `valid`, except that first attempts (requests with 2 messages) whose user prompt
    /// falls in the deterministic `fraction` chosen by [`invalid_first`] get `invalid`: a repeat run
    /// with the same prompts repairs the same tasks.
    pub fn mostly_valid(
        valid: impl Into<String>,
        invalid: impl Into<String>,
        fraction: f64,
    ) -> Config {
        let (valid, invalid) = (valid.into(), invalid.into());
        Config::new(move |request, _| {
            if is_first_attempt(request) && invalid_first(user_prompt(request), fraction) {
                Reply::Content(invalid.clone())
            } else {
                Reply::Content(valid.clone())
            }
        })
    }

    /// Waits `latency` before each reply (`tokio::time::sleep`).
    pub fn latency(mut self, latency: Duration) -> Config {
        self.latency = latency;
        self
    }

    /// Holds the replies to the first `n` requests until `n` are in flight at once (or 10 s have
    /// passed): a client that may run `n` at once is then seen doing so however slowly the machine
    /// lets it send them.
    pub fn hold_until_in_flight(mut self, n: usize) -> Config {
        self.gate = n as u64;
        self
    }

    /// Replaces the reply function.
    pub fn reply(mut self, reply: impl Fn(&Value, u64) -> Reply + Send + Sync + 'static) -> Config {
        self.reply = Arc::new(reply);
        self
    }

    /// Binds 127.0.0.1 on a free port and serves in the current tokio runtime until the returned
    /// server is dropped.
    pub async fn start(self) -> ChatServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        // Replies are written in more than one piece: Nagle's algorithm would hold the last one back.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let stats = Arc::new(Stats::default());
        let shared = Arc::new(Shared {
            config: self,
            stats: stats.clone(),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(chat))
            .route("/stats", get(stats_json))
            .route("/stats/reset", post(reset_peak))
            .with_state(shared);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        ChatServer { addr, stats, task }
    }

    /// Serves forever on a multi-threaded runtime of its own, calling `ready` once the port is bound:
    /// for a server in its own process.
    pub fn run(self, ready: impl FnOnce(&ChatServer)) -> ! {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        match runtime.block_on(async {
            let server = self.start().await;
            ready(&server);
            std::future::pending::<Infallible>().await
        }) {}
    }
}

/// A running server; dropping it stops accepting connections.
pub struct ChatServer {
    addr: SocketAddr,
    stats: Arc<Stats>,
    task: tokio::task::JoinHandle<()>,
}

impl ChatServer {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:{port}/v1`, the `base_url` for the OpenAI backend.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// What the clients did so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
}

impl Drop for ChatServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One request to `/v1/chat/completions`, as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    /// Its number, 0-based, in arrival order.
    pub number: u64,
    /// When it arrived (its reply leaves `latency` later).
    pub at: Instant,
    /// The first user message (the task's prompt); empty if the body had none.
    pub prompt: String,
    /// How many messages it had: 2 for a first attempt, 4 for a repair.
    pub messages: usize,
    /// The status of the reply decided for it (400 for a body that is not JSON); `None` for
    /// [`Reply::Hang`].
    pub status: Option<u16>,
}

/// Counters shared by the handlers; every method can be called while requests are running.
#[derive(Debug, Default)]
pub struct Stats {
    requests: AtomicU64,
    in_flight: AtomicUsize,
    peak_in_flight: AtomicUsize,
    cancelled: AtomicU64,
    by_status: Mutex<BTreeMap<u16, u64>>,
    seen: Mutex<Vec<Seen>>,
}

impl Stats {
    /// Requests received.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// Replies sent, by status.
    pub fn by_status(&self) -> BTreeMap<u16, u64> {
        lock(&self.by_status).clone()
    }

    /// Replies sent with `status`.
    pub fn replies_with(&self, status: u16) -> u64 {
        lock(&self.by_status).get(&status).copied().unwrap_or(0)
    }

    /// Requests received and not answered yet.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// The most requests ever in flight at once: the concurrency the client reached.
    pub fn peak_in_flight(&self) -> usize {
        self.peak_in_flight.load(Ordering::SeqCst)
    }

    /// Restarts the peak from the requests in flight now; returns the previous peak.
    pub fn reset_peak(&self) -> usize {
        self.peak_in_flight.swap(self.in_flight(), Ordering::SeqCst)
    }

    /// Requests whose connection the client closed before their reply was sent.
    pub fn cancelled(&self) -> u64 {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// Every request so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        let mut seen = lock(&self.seen).clone();
        seen.sort_by_key(|s| s.number);
        seen
    }

    /// The arrival time of every request, in order.
    pub fn arrivals(&self) -> Vec<Instant> {
        self.seen().iter().map(|s| s.at).collect()
    }

    /// The user prompt of every request, in arrival order.
    pub fn prompts(&self) -> Vec<String> {
        self.seen().into_iter().map(|s| s.prompt).collect()
    }

    /// How many requests each user prompt was sent in.
    pub fn times_asked(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for seen in lock(&self.seen).iter() {
            *counts.entry(seen.prompt.clone()).or_insert(0) += 1;
        }
        counts
    }

    /// The counters as JSON (what `GET /stats` serves; statuses are string keys).
    pub fn to_json(&self) -> Value {
        let by_status: serde_json::Map<String, Value> = self
            .by_status()
            .into_iter()
            .map(|(status, n)| (status.to_string(), n.into()))
            .collect();
        json!({
            "requests": self.requests(),
            "in_flight": self.in_flight(),
            "peak_in_flight": self.peak_in_flight(),
            "cancelled": self.cancelled(),
            "by_status": by_status,
        })
    }

    fn replied(&self, status: u16) {
        *lock(&self.by_status).entry(status).or_insert(0) += 1;
    }
}

/// The first user message of a Chat Completions request (`""` if none).
pub fn user_prompt(request: &Value) -> &str {
    request["messages"]
        .as_array()
        .and_then(|messages| messages.iter().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
}

/// Whether the request is a first attempt: system and user message only (a repair has 4).
pub fn is_first_attempt(request: &Value) -> bool {
    message_count(request) == 2
}

/// How many messages the request has.
pub fn message_count(request: &Value) -> usize {
    request["messages"].as_array().map_or(0, Vec::len)
}

/// Whether `prompt` is among the `fraction` of prompts whose first reply [`Config::mostly_valid`]
/// makes invalid: decided by a fixed hash (FNV-1a) of the prompt, the same in every run and process.
pub fn invalid_first(prompt: &str, fraction: f64) -> bool {
    let hash = prompt.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    // The top 53 bits as a number in [0, 1).
    ((hash >> 11) as f64 / (1u64 << 53) as f64) < fraction
}

struct Shared {
    config: Config,
    stats: Arc<Stats>,
}

/// Counts a request in flight while it lives; dropped before [`Pending::finish`], the client closed
/// the connection (hyper drops the handler's future) and it counts as cancelled.
struct Pending {
    stats: Arc<Stats>,
    finished: bool,
}

impl Pending {
    fn start(stats: &Arc<Stats>) -> Pending {
        let now = stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        stats.peak_in_flight.fetch_max(now, Ordering::SeqCst);
        Pending {
            stats: stats.clone(),
            finished: false,
        }
    }

    fn finish(mut self, status: u16) {
        self.stats.replied(status);
        self.finished = true;
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.stats.in_flight.fetch_sub(1, Ordering::SeqCst);
        if !self.finished {
            self.stats.cancelled.fetch_add(1, Ordering::SeqCst);
        }
    }
}

async fn chat(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let stats = &shared.stats;
    let number = stats.requests.fetch_add(1, Ordering::SeqCst);
    let pending = Pending::start(stats);
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let reply = if request.is_null() {
        Reply::error(400, "the request body is not JSON")
    } else {
        (shared.config.reply)(&request, number)
    };
    lock(&stats.seen).push(Seen {
        number,
        at: Instant::now(),
        prompt: user_prompt(&request).to_owned(),
        messages: message_count(&request),
        status: reply.status(),
    });
    if !shared.config.latency.is_zero() {
        tokio::time::sleep(shared.config.latency).await;
    }
    if number < shared.config.gate {
        let give_up = Instant::now() + Duration::from_secs(10);
        while (stats.peak_in_flight() as u64) < shared.config.gate && Instant::now() < give_up {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    let response = match reply {
        Reply::Content(content) => Json(completion(&content)).into_response(),
        Reply::Status {
            status,
            body,
            headers,
        } => status_response(status, body, &headers),
        Reply::Hang => std::future::pending().await,
    };
    pending.finish(response.status().as_u16());
    response
}

async fn stats_json(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(shared.stats.to_json())
}

async fn reset_peak(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let stats = shared.stats.to_json();
    shared.stats.reset_peak();
    Json(stats)
}

/// A `chat.completion` body as OpenAI sends it.
fn completion(content: &str) -> Value {
    json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_728_933_352,
        "model": "test-model",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": null},
            "logprobs": null,
            "finish_reason": "stop",
        }],
        "usage": {
            "prompt_tokens": PROMPT_TOKENS,
            "completion_tokens": COMPLETION_TOKENS,
            "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
        },
    })
}

fn status_response(status: u16, body: String, headers: &[(String, String)]) -> Response {
    let status = StatusCode::from_u16(status).expect("a valid HTTP status");
    let mut response = (status, [("content-type", "application/json")], body).into_response();
    for (name, value) in headers {
        response.headers_mut().append(
            HeaderName::try_from(name.as_str()).expect("a valid header name"),
            HeaderValue::try_from(value.as_str()).expect("a valid header value"),
        );
    }
    response
}

/// Locks a mutex, ignoring poisoning: a panicking test thread must not hide the counts.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
