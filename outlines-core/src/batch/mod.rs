//! Many generations against one backend: bounded concurrency, per-task and overall time limits,
//! results in input order or as they finish, progress, and a summary.
//!
//! Each task is a [`Generation`] (a prompt with its own options; a `String` or `&str` is a prompt with
//! the defaults), run by the same loop as `T::generate`. Every task gets exactly one result: a task
//! that fails, times out or panics ends with an [`Error`] saying so, and the others go on.
//! Dropping the batch (its future or its stream) sends no new request and cancels those in flight.
//!
//! Rate limits are met as a batch, not task by task: when the server answers one request with a 429
//! or a `retry-after`, the HTTP backends hold back all their requests for that long (the pause is
//! shared by every request of a backend), and [`Batch::requests_per_minute`] spaces calls out.
//!
//! ```
//! use outlines_core::backend::{Response, mock::Mock};
//! use outlines_core::batch::Batch;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! // A stand-in model: a review is negative when it says "broke".
//! let backend = Mock::from_fn(|request| {
//!     let negative = request.messages[0].content.contains("broke");
//!     Ok(Response::text(negative.to_string()))
//! });
//! let reviews = ["Love it", "It broke in a week", "Great value"];
//! let report = Batch::<bool>::new(reviews.iter().map(|r| format!("Is this review negative? {r}")))
//!     .max_concurrency(8)
//!     .report(&backend)
//!     .await;
//! let negative: Vec<bool> = report.results.into_iter().map(|r| r.unwrap()).collect();
//! assert_eq!(negative, [false, true, false]); // in input order
//! assert_eq!(report.summary.succeeded, 3);
//! # });
//! ```

mod pace;
mod summary;

use std::collections::VecDeque;
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::{BoxStream, FuturesUnordered, Stream, StreamExt};
use futures_util::{FutureExt as _, stream};
use tokio::time::Instant;

pub use summary::{Progress, Summary};

use self::pace::Paced;
use self::summary::Tally;
use crate::backend::{Backend, Usage};
use crate::generate::{Cause, Error, Generation, Report, Update};
use crate::structured::Structured;

/// The default cap on tasks in flight at once: enough to hide a model's latency, low enough for the
/// rate limits of a new API account (16 tasks of ~2 s each is ~500 requests a minute). Local servers
/// (Ollama, llama.cpp) run requests a few at a time anyway; raise it for vLLM or a high API tier.
pub const DEFAULT_MAX_CONCURRENCY: usize = 16;

/// A progress observer.
type Observer<'a> = Box<dyn Fn(&Progress) + Send + Sync + 'a>;

/// Runs one task streaming, its updates going to an observer: set by [`Batch::on_update`].
type Streamer<T> = Arc<
    dyn for<'b> Fn(usize, Generation<T>, &'b dyn Backend) -> BoxFuture<'b, Finished<T>>
        + Send
        + Sync,
>;

/// A batch of generations being set up: `Batch::new(tasks)...run(&backend)`.
#[must_use = "a batch does nothing until it is run"]
pub struct Batch<'a, T> {
    tasks: BoxStream<'a, Generation<T>>,
    total: Option<usize>,
    max_concurrency: usize,
    task_timeout: Option<Duration>,
    deadline: Option<Duration>,
    requests_per_minute: Option<u32>,
    on_progress: Option<Observer<'a>>,
    on_update: Option<Streamer<T>>,
}

impl<T> fmt::Debug for Batch<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batch")
            .field("total", &self.total)
            .field("max_concurrency", &self.max_concurrency)
            .field("task_timeout", &self.task_timeout)
            .field("deadline", &self.deadline)
            .field("requests_per_minute", &self.requests_per_minute)
            .finish_non_exhaustive()
    }
}

impl<'a, T: Structured + Send> Batch<'a, T>
where
    T::Partial: Send,
{
    /// Streams every task ([`Generation::stream`]): `observer` sees each task's partial values and
    /// retries as they come, with the task's index (its place in the input). The results are
    /// the same as without it; a reply that can no longer be valid is stopped early and repaired.
    /// Keep it quick: it runs in the task.
    pub fn on_update(
        mut self,
        observer: impl Fn(usize, &Update<T>) + Send + Sync + 'static,
    ) -> Self {
        let observer = Arc::new(observer);
        self.on_update = Some(Arc::new(
            move |index, task: Generation<T>, backend: &dyn Backend| {
                let observer = Arc::clone(&observer);
                async move {
                    let mut updates = task.stream(backend);
                    let mut last = None;
                    while let Some(update) = updates.next().await {
                        match update {
                            Ok(Update::Done(report)) => last = Some(Ok(report)),
                            Ok(update) => observer(index, &update),
                            Err(error) => last = Some(Err(error)),
                        }
                    }
                    // The stream ends with its value or its error; were it to end without, say so.
                    last.unwrap_or_else(|| {
                        Err(Error::without_attempts(Cause::Panicked {
                            message: "the task's stream ended without its value".into(),
                        }))
                    })
                }
                .boxed()
            },
        ));
        self
    }
}

impl<'a, T: Send + 'static> Batch<'a, T> {
    /// A batch over a list of tasks: prompts (`String`, `&str`) or [`Generation`]s with options of
    /// their own. The list is read as tasks start, not all at once.
    pub fn new<I>(tasks: I) -> Self
    where
        I: IntoIterator,
        I::IntoIter: Send + 'a,
        I::Item: Into<Generation<T>>,
    {
        let tasks = tasks.into_iter();
        let total = match tasks.size_hint() {
            (low, Some(high)) if low == high => Some(low),
            _ => None,
        };
        let mut batch = Batch::from_stream(stream::iter(tasks));
        batch.total = total;
        batch
    }

    /// A batch over a stream of tasks, read as tasks start: a batch can begin before its input is
    /// all there, and a long input is never held in memory.
    pub fn from_stream<S>(tasks: S) -> Self
    where
        S: Stream + Send + 'a,
        S::Item: Into<Generation<T>>,
    {
        Batch {
            tasks: tasks.map(Into::into).boxed(),
            total: None,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            task_timeout: None,
            deadline: None,
            requests_per_minute: None,
            on_progress: None,
            on_update: None,
        }
    }

    /// The most tasks in flight at once (at least 1; default [`DEFAULT_MAX_CONCURRENCY`]).
    pub fn max_concurrency(mut self, tasks: usize) -> Self {
        self.max_concurrency = tasks.max(1);
        self
    }

    /// The time each task may take, all its attempts included, unless the task sets its own
    /// [`deadline`](Generation::deadline): it is the task's deadline, and a task past it ends with
    /// [`Cause::Deadline`], its request in flight abandoned (the connection closed).
    pub fn task_timeout(mut self, timeout: Duration) -> Self {
        self.task_timeout = Some(timeout);
        self
    }

    /// The time the whole batch may take. When it passes, the tasks in flight end with
    /// [`Cause::Deadline`], and so does every task not yet started, without a request.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The most backend calls a minute, spaced evenly (every attempt is a call; a backend's own
    /// transport retries are paced by the server instead).
    pub fn requests_per_minute(mut self, requests: u32) -> Self {
        self.requests_per_minute = Some(requests.max(1));
        self
    }

    /// Calls `observer` each time a task starts or ends, e.g. to drive a progress bar. Keep it quick:
    /// it runs in the batch's task.
    pub fn on_progress(mut self, observer: impl Fn(&Progress) + Send + Sync + 'a) -> Self {
        self.on_progress = Some(Box::new(observer));
        self
    }

    /// Runs every task; the results in input order.
    pub async fn run<B: Backend + ?Sized>(self, backend: &'a B) -> Vec<Result<T, Error>> {
        self.report(backend).await.results
    }

    /// Runs every task; the results in input order, and a [`Summary`].
    pub async fn report<B: Backend + ?Sized>(self, backend: &'a B) -> BatchReport<T> {
        let mut stream = self.stream(backend);
        let mut done = Vec::with_capacity(stream.tally.total.unwrap_or(0));
        while let Some(item) = stream.next().await {
            done.push(item);
        }
        // Every index from 0 comes exactly once: sorting puts each result at its input's place.
        done.sort_unstable_by_key(|(index, _)| *index);
        BatchReport {
            summary: stream.summary(),
            results: done.into_iter().map(|(_, result)| result).collect(),
        }
    }

    /// Runs the tasks, yielding `(index, result)` as each finishes (`index` is the task's place in
    /// the input). Dropping the stream cancels what is in flight.
    pub fn stream<B: Backend + ?Sized>(self, backend: &'a B) -> BatchStream<'a, T> {
        let backend = Arc::new(Paced::new(backend, self.requests_per_minute));
        let streamer = self.on_update;
        let start: Starter<'a, T> = Box::new(move |index, task: Generation<T>| {
            let backend = Arc::clone(&backend);
            match &streamer {
                Some(streamer) => {
                    let streamer = Arc::clone(streamer);
                    async move { streamer(index, task, &*backend).await }.boxed()
                }
                None => async move { task.report(&*backend).await }.boxed(),
            }
        });
        let span = tracing::info_span!(
            target: "outlines::batch",
            "batch",
            outlines.batch.size = self.total,
            outlines.batch.max_concurrency = self.max_concurrency,
            outlines.batch.succeeded = tracing::field::Empty,
            outlines.batch.failed = tracing::field::Empty,
            outlines.batch.attempts = tracing::field::Empty,
            gen_ai.usage.input_tokens = tracing::field::Empty,
            gen_ai.usage.output_tokens = tracing::field::Empty,
            outlines.duration_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        BatchStream {
            tasks: Some(self.tasks),
            running: FuturesUnordered::new(),
            finished: VecDeque::new(),
            next_index: 0,
            max_concurrency: self.max_concurrency,
            task_timeout: self.task_timeout,
            deadline: self.deadline.map(|d| (d, started + d)),
            start,
            on_progress: self.on_progress,
            tally: Tally::new(self.total),
            started,
            ended: None,
            span,
        }
    }
}

/// What [`Batch::report`] returns.
#[derive(Debug)]
#[non_exhaustive]
pub struct BatchReport<T> {
    /// One result per task, in input order.
    pub results: Vec<Result<T, Error>>,
    /// How it went.
    pub summary: Summary,
}

/// Starts one task's generation.
type Starter<'a, T> =
    Box<dyn Fn(usize, Generation<T>) -> BoxFuture<'a, Finished<T>> + Send + Sync + 'a>;

/// A task's generation, as it ended.
type Finished<T> = Result<Report<T>, Error>;

/// A running task: its index, when it started, and how it ended (`Err` if it panicked).
type Running<'a, T> = BoxFuture<'a, (usize, Instant, std::thread::Result<Finished<T>>)>;

/// The results of a batch as they finish: `(index, result)`. See [`Batch::stream`].
#[must_use = "streams do nothing unless polled"]
pub struct BatchStream<'a, T> {
    /// The tasks not yet started; `None` once all have.
    tasks: Option<BoxStream<'a, Generation<T>>>,
    running: FuturesUnordered<Running<'a, T>>,
    /// Results ready to hand out that needed no request (the deadline had passed).
    finished: VecDeque<(usize, Result<T, Error>)>,
    next_index: usize,
    max_concurrency: usize,
    task_timeout: Option<Duration>,
    /// The batch's deadline, and when it falls.
    deadline: Option<(Duration, Instant)>,
    start: Starter<'a, T>,
    on_progress: Option<Observer<'a>>,
    tally: Tally,
    started: Instant,
    ended: Option<Duration>,
    span: tracing::Span,
}

impl<T> fmt::Debug for BatchStream<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchStream")
            .field("started", &self.next_index)
            .field("in_flight", &self.running.len())
            .field("max_concurrency", &self.max_concurrency)
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static> BatchStream<'_, T> {
    /// How the batch has gone so far (all of it, once the stream has ended).
    pub fn summary(&self) -> Summary {
        self.tally.summary(self.elapsed())
    }

    /// Where the batch stands now.
    pub fn progress(&self) -> Progress {
        self.tally.progress(self.elapsed())
    }

    fn elapsed(&self) -> Duration {
        self.ended.unwrap_or_else(|| self.started.elapsed())
    }

    /// Starts tasks until the cap is reached or the input has none ready.
    fn fill(&mut self, cx: &mut Context<'_>) {
        while self.running.len() < self.max_concurrency {
            let Some(tasks) = self.tasks.as_mut() else {
                return;
            };
            let task = match tasks.poll_next_unpin(cx) {
                Poll::Ready(Some(task)) => task,
                Poll::Ready(None) => {
                    self.tasks = None;
                    return;
                }
                Poll::Pending => return,
            };
            let index = self.next_index;
            self.next_index += 1;
            let mut task = match self.task_timeout {
                Some(timeout) => task.default_deadline(timeout),
                None => task,
            };
            if let Some((after, at)) = self.deadline {
                let left = at.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    let error = Error::without_attempts(Cause::Deadline { after });
                    self.record(0, Usage::default(), Duration::ZERO, Some(&error));
                    self.finished.push_back((index, Err(error)));
                    // Hand it out before reading more input: an endless input after the deadline
                    // is still answered one task at a time.
                    return;
                }
                task = task.within(left);
            }
            let began = Instant::now();
            let generation = AssertUnwindSafe((self.start)(index, task)).catch_unwind();
            self.running
                .push(generation.map(move |ended| (index, began, ended)).boxed());
            self.tally.in_flight += 1;
            self.notify();
        }
    }

    /// Turns a finished task into its result, and counts it.
    fn finish(
        &mut self,
        began: Instant,
        ended: std::thread::Result<Finished<T>>,
    ) -> Result<T, Error> {
        self.tally.in_flight -= 1;
        let latency = began.elapsed();
        match ended {
            Ok(Ok(generation)) => {
                let attempts = generation.attempt_count();
                self.record(attempts, generation.usage, latency, None);
                Ok(generation.value)
            }
            Ok(Err(mut error)) => {
                // A task cut short by the batch's deadline says so, not "its own deadline of 1.3s".
                if let (Some((after, _)), Some(Cause::Deadline { .. })) =
                    (self.deadline, Some(error.cause()))
                {
                    error.set_cause(Cause::Deadline { after });
                }
                let (attempts, usage) = (error.attempts().len(), error.usage());
                self.record(attempts, usage, latency, Some(&error));
                Err(error)
            }
            Err(panic) => {
                let message = panic_message(panic.as_ref());
                let error = Error::without_attempts(Cause::Panicked { message });
                self.record(0, Usage::default(), latency, Some(&error));
                Err(error)
            }
        }
    }

    fn record(
        &mut self,
        attempts: usize,
        usage: Usage,
        latency: Duration,
        failure: Option<&Error>,
    ) {
        let kind = failure.map(|e| e.cause().kind());
        self.tally.record(kind, attempts, usage, latency);
        self.notify();
    }

    fn notify(&self) {
        if let Some(observer) = &self.on_progress {
            observer(&self.progress());
        }
    }

    /// Records the summary on the batch span, once.
    fn close(&mut self) {
        if self.ended.is_some() {
            return;
        }
        let elapsed = self.started.elapsed();
        self.ended = Some(elapsed);
        let summary = self.summary();
        let span = &self.span;
        span.record("outlines.batch.succeeded", summary.succeeded);
        span.record("outlines.batch.failed", summary.failed);
        span.record("outlines.batch.attempts", summary.total_attempts());
        span.record("gen_ai.usage.input_tokens", summary.usage.input_tokens);
        span.record("gen_ai.usage.output_tokens", summary.usage.output_tokens);
        span.record("outlines.duration_ms", elapsed.as_millis() as u64);
    }
}

// No field is pinned structurally: the futures in flight are boxed, results are plain values.
impl<T> Unpin for BatchStream<'_, T> {}

impl<T: Send + 'static> Stream for BatchStream<'_, T> {
    type Item = (usize, Result<T, Error>);

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let span = this.span.clone();
        // Entered while polling, so each task's generation span is a child of the batch's.
        let _entered = span.enter();
        loop {
            if let Some(item) = this.finished.pop_front() {
                return Poll::Ready(Some(item));
            }
            this.fill(cx);
            if !this.finished.is_empty() {
                continue;
            }
            return match this.running.poll_next_unpin(cx) {
                Poll::Ready(Some((index, began, ended))) => {
                    let result = this.finish(began, ended);
                    Poll::Ready(Some((index, result)))
                }
                // Nothing running: the batch is over if the input is, else the input is pending.
                Poll::Ready(None) if this.tasks.is_none() => {
                    this.close();
                    Poll::Ready(None)
                }
                Poll::Ready(None) | Poll::Pending => Poll::Pending,
            };
        }
    }
}

/// The text of a panic's payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a payload that is not text".to_owned()
    }
}
