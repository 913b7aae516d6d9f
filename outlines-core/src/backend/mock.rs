//! A scripted backend for tests and examples: it replays replies and failures in order, and records
//! every request it receives so a test can check what the generation loop sent.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::{Backend, BackendError, BackendFuture, Request, Response};

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
}
