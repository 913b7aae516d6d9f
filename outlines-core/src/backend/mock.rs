//! A scripted backend for tests and examples: it replays replies and failures in order, and records
//! every request it receives so a test can check what the generation loop sent.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::StreamExt as _;

use super::{Backend, BackendError, BackendFuture, BackendStream, Delta, Request, Response};

/// One scripted step.
#[derive(Clone)]
enum Step {
    Reply(Response),
    Fail(BackendError),
    /// Wait, then take the inner step (to exercise timeouts).
    Delay(Duration, Box<Step>),
    /// Answer as the function says.
    Compute(Responder),
}

/// A function from a request to the mock's answer.
type Responder = Arc<dyn Fn(&Request) -> Result<Response, BackendError> + Send + Sync>;

impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Reply(response) => f.debug_tuple("Reply").field(response).finish(),
            Step::Fail(error) => f.debug_tuple("Fail").field(error).finish(),
            Step::Delay(delay, step) => f.debug_tuple("Delay").field(delay).field(step).finish(),
            Step::Compute(_) => f.write_str("Compute(..)"),
        }
    }
}

/// A backend that answers from a script.
///
/// ```
/// use outlines_core::backend::{Backend, Message, Request, SchemaSpec};
/// use outlines_core::backend::mock::Mock;
///
/// let mock = Mock::new().reply(r#"{"n": 1}"#).reply(r#"{"n": 2}"#);
/// let schema = SchemaSpec { name: "N".into(), json_schema: serde_json::json!({}).into(), description: None };
/// let request = Request::new("", vec![Message::user("count")], schema);
/// # tokio_test_block(async {
/// assert_eq!(mock.complete(&request).await.unwrap().text, r#"{"n": 1}"#);
/// assert_eq!(mock.complete(&request).await.unwrap().text, r#"{"n": 2}"#);
/// assert!(mock.complete(&request).await.is_err()); // the script ran out
/// assert_eq!(mock.requests().len(), 3);
/// # });
/// # fn tokio_test_block(f: impl std::future::Future<Output = ()>) {
/// #     tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Debug, Default)]
pub struct Mock {
    script: Mutex<VecDeque<Step>>,
    /// Used once the script is exhausted (`always`, `always_fail`).
    fallback: Option<Step>,
    requests: Mutex<Vec<Request>>,
    model: String,
    /// Waited before every answer.
    latency: Duration,
    /// Streamed replies come in pieces of this many bytes (0: whole).
    piece: usize,
    /// Bytes of reply text streamed so far.
    streamed: std::sync::atomic::AtomicUsize,
}

impl Mock {
    /// An empty script: every call fails with "script exhausted".
    pub fn new() -> Self {
        Mock {
            model: "mock".into(),
            ..Mock::default()
        }
    }

    /// A mock that answers `text` to every call.
    pub fn always(text: impl Into<String>) -> Self {
        Mock {
            fallback: Some(Step::Reply(Response::text(text))),
            ..Mock::new()
        }
    }

    /// A mock that answers every call as `respond` says, from the request: replies that depend on the
    /// prompt, failures for some inputs, ...
    pub fn from_fn(
        respond: impl Fn(&Request) -> Result<Response, BackendError> + Send + Sync + 'static,
    ) -> Self {
        Mock {
            fallback: Some(Step::Compute(Arc::new(respond))),
            ..Mock::new()
        }
    }

    /// Waits `latency` before every answer, as a model would.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// A mock that fails every call with `error`.
    pub fn always_fail(error: BackendError) -> Self {
        Mock {
            fallback: Some(Step::Fail(error)),
            ..Mock::new()
        }
    }

    /// Then answers `text`.
    pub fn reply(self, text: impl Into<String>) -> Self {
        self.respond(Response::text(text))
    }

    /// Then answers with this response (usage, finish reason, refusal...).
    pub fn respond(self, response: Response) -> Self {
        self.push(Step::Reply(response))
    }

    /// Then fails with `error`.
    pub fn fail(self, error: BackendError) -> Self {
        self.push(Step::Fail(error))
    }

    /// Then waits `delay` before answering `text` (for timeouts).
    pub fn reply_after(self, delay: Duration, text: impl Into<String>) -> Self {
        self.push(Step::Delay(
            delay,
            Box::new(Step::Reply(Response::text(text))),
        ))
    }

    /// Reports `model` as its default model.
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Streams each reply ([`Backend::stream`]) in pieces of `bytes` bytes (cut at character
    /// boundaries), so partial values and early aborts can be tested; without it a streamed reply
    /// comes whole.
    pub fn streaming(mut self, bytes: usize) -> Self {
        self.piece = bytes;
        self
    }

    /// Bytes of reply text streamed so far: a stream dropped early stops counting.
    pub fn streamed_bytes(&self) -> usize {
        self.streamed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn push(self, step: Step) -> Self {
        self.script
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(step);
        self
    }

    fn next_step(&self) -> Step {
        let scripted = self
            .script
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front();
        scripted
            .or_else(|| self.fallback.clone())
            .unwrap_or_else(|| {
                Step::Fail(BackendError::other(
                    "mock",
                    "the mock's script is exhausted",
                ))
            })
    }
}

impl Backend for Mock {
    fn provider(&self) -> &str {
        "mock"
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn complete<'a>(&'a self, request: &'a Request) -> BackendFuture<'a> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request.clone());
        let mut step = self.next_step();
        Box::pin(async move {
            if !self.latency.is_zero() {
                tokio::time::sleep(self.latency).await;
            }
            loop {
                match step {
                    Step::Reply(response) => return Ok(response),
                    Step::Fail(error) => return Err(error),
                    Step::Compute(respond) => return respond(request),
                    Step::Delay(delay, next) => {
                        tokio::time::sleep(delay).await;
                        step = *next;
                    }
                }
            }
        })
    }

    fn stream<'a>(&'a self, request: &'a Request) -> BackendStream<'a> {
        let whole = self.complete(request);
        let piece = self.piece;
        let pieces = futures_util::stream::once(whole).flat_map(move |reply| {
            let mut items = Vec::new();
            match reply {
                Ok(response) if piece > 0 => {
                    let mut rest = response.text.as_str();
                    while !rest.is_empty() {
                        let mut end = piece.min(rest.len());
                        while !rest.is_char_boundary(end) {
                            end += 1;
                        }
                        items.push(Ok(Delta::Text(rest[..end].to_owned())));
                        rest = &rest[end..];
                    }
                    items.push(Ok(Delta::Done(response)));
                }
                other => items.push(other.map(Delta::Done)),
            }
            // Each piece after the executor had a turn, as over a network: a consumer sees them
            // one by one.
            futures_util::stream::iter(items).then(|item| async move {
                let mut yielded = false;
                std::future::poll_fn(|cx| {
                    if yielded {
                        return std::task::Poll::Ready(());
                    }
                    yielded = true;
                    cx.waker().wake_by_ref();
                    std::task::Poll::Pending
                })
                .await;
                item
            })
        });
        Box::pin(pieces.inspect(|item| {
            if let Ok(Delta::Text(text)) = item {
                self.streamed
                    .fetch_add(text.len(), std::sync::atomic::Ordering::Relaxed);
            }
        }))
    }
}
