//! What both APIs do with a request's generation: set what the request asks for, run it within the
//! server's time limit, count its attempts, and turn a failure into the error a client reads.

use std::sync::Arc;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use outlines::Structured;
use outlines::backend::{Backend, Message};
use outlines::generate::{Cause, Generation, Report, Update};

use crate::{ApiError, Server};

/// What a request sets on its generation.
#[derive(Default)]
pub(crate) struct Options {
    pub(crate) system: Option<String>,
    pub(crate) history: Vec<Message>,
    pub(crate) max_tokens: Option<u32>,
    pub(crate) temperature: Option<f32>,
    pub(crate) attempts: Option<usize>,
}

impl Options {
    /// Runs `generation` with these options on `backend` (the server's, which the caller got
    /// before queueing), within the server's time limit.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        server: &Server,
        backend: &dyn Backend,
        generation: Generation<T>,
    ) -> Result<Report<T>, outlines::Error> {
        let result = self.prepare(server, generation).report(backend).await;
        match &result {
            Ok(report) => server.metrics.attempts(&report.attempts),
            Err(error) => server.metrics.attempts(error.attempts()),
        }
        result
    }

    /// Streams `generation` with these options on `backend`; its attempts are counted when it
    /// ends. The stream owns what it needs, so it can be a response's body.
    pub(crate) fn stream<T>(
        &self,
        server: &Server,
        backend: Arc<dyn Backend>,
        generation: Generation<T>,
    ) -> BoxStream<'static, Result<Update<T>, outlines::Error>>
    where
        T: Structured + Send,
        T::Partial: Send,
    {
        let counted = server.clone();
        self.prepare(server, generation)
            .stream_owned(backend)
            .inspect(move |update| match update {
                Ok(Update::Done(report)) => counted.metrics.attempts(&report.attempts),
                Err(error) => counted.metrics.attempts(error.attempts()),
                _ => {}
            })
            .boxed()
    }

    /// `generation` with these options, within the server's time limit.
    fn prepare<T: Send + 'static>(
        &self,
        server: &Server,
        mut generation: Generation<T>,
    ) -> Generation<T> {
        generation = generation
            .history(self.history.iter().cloned())
            .deadline(server.limits.time)
            .capture_content(server.log_content);
        if let Some(system) = &self.system {
            generation = generation.system(system.clone());
        }
        if let Some(n) = self.max_tokens {
            generation = generation.max_tokens(n);
        }
        if let Some(t) = self.temperature {
            generation = generation.temperature(t);
        }
        if let Some(n) = self.attempts {
            generation = generation.max_attempts(n);
        }
        generation
    }
}

/// The error a client reads for a generation that failed.
pub(crate) fn failure(error: &outlines::Error) -> ApiError {
    match error.cause() {
        Cause::Backend(e) => ApiError::backend(e.to_string()),
        Cause::Deadline { .. } | Cause::Timeout { .. } => ApiError::timeout(error.to_string()),
        _ => ApiError::no_valid_value(error.to_string()),
    }
}
