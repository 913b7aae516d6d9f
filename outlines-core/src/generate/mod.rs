//! The generation loop: prompt → backend → parse and validate → repair → ... → a typed value, or
//! an [`Error`] that tells the whole story.
//!
//! The loop is the same for every backend. Transport faults are the backend's to retry; the loop
//! handles what the model said: a valid value ends it, an invalid one is sent back with every error
//! (only the last reply and its errors, so the conversation stays small), a refusal ends it at once.
//!
//! Prompts can be Jinja templates with the output's description, schema and examples in their
//! context: see [`Template`].

mod error;
mod prompt;
mod report;
mod stream;
mod template;

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use tracing::Instrument as _;

pub use crate::output::SchemaInPrompt;
pub use error::Error;
pub use report::{Attempt, Cause, Outcome, Report};
pub use stream::Update;
pub use template::{OUTPUT_KEY, Template, TemplateError, TemplateErrorKind};

use crate::backend::{
    Backend, BackendError, Finish, ForcedKind, Message, OutputMode, Request, Response, Usage,
};
use crate::diagnostics::{ErrorKind, Violation};
use crate::lenient::Fix;
use crate::output::{Output, Reading, Typed};
use crate::structured::Structured;
use crate::text::f32_as_written;

/// The default number of attempts, the first one included.
pub const DEFAULT_MAX_ATTEMPTS: usize = 3;

/// The most of a reply, in bytes, that is sent back to the model in a repair turn or kept in an
/// [`Attempt`]; a longer reply is cut there (at a character boundary), and the cut says how much is
/// gone. A reply longer than this is not kept as the best candidate either.
pub const REPLY_LIMIT: usize = 64 * 1024;

/// `T::generate` and `T::generation`: asking a backend for a value of a [`Structured`] type.
///
/// Implemented for every `Structured` type; in scope with `use outlines::prelude::*` (or
/// `use outlines::Generate`).
pub trait Generate: Structured + Send {
    /// Asks `backend` for a `Self` described by `prompt`: the value, validated, or an [`Error`]
    /// telling why there is none. Invalid replies are sent back with their errors, up to 3 attempts
    /// in all; use [`Generate::generation`] to change that and the other options.
    fn generate<'a, B>(
        backend: &'a B,
        prompt: impl Into<String>,
    ) -> impl Future<Output = Result<Self, Error>> + Send + 'a
    where
        B: Backend + ?Sized,
    {
        Generation::<Self>::new(prompt).run(backend)
    }

    /// A generation of a `Self` from `prompt`, to set options on before running it:
    /// `Person::generation(text).max_attempts(5).attempt_timeout(secs(30)).run(&backend)`.
    fn generation(prompt: impl Into<String>) -> Generation<Self> {
        Generation::new(prompt)
    }
}

impl<T: Structured + Send> Generate for T {}

/// `output.generate` and `output.generation`: asking a backend for the value of an [`Output`] chosen
/// at run time (a compiled JSON Schema, a regex, a choice, a grammar, free text), as
/// [`Generate`] does for a type.
///
/// Implemented for every `Output` that is `Clone` (they are cheap to clone: what they compile is
/// shared); in scope with `use outlines::prelude::*`.
pub trait GenerateOutput: Output + Clone {
    /// Asks `backend` for this output's value, described by `prompt`: the value, checked, or an
    /// [`Error`] telling why there is none (3 attempts in all).
    fn generate<'a, B>(
        &self,
        backend: &'a B,
        prompt: impl Into<String>,
    ) -> impl Future<Output = Result<Self::Value, Error>> + Send + 'a
    where
        B: Backend + ?Sized,
    {
        self.generation(prompt).run(backend)
    }

    /// A generation of this output from `prompt`, to set options on before running it.
    fn generation(&self, prompt: impl Into<String>) -> Generation<Self::Value> {
        Generation::with_output(self.clone(), prompt)
    }
}

impl<O: Output + Clone> GenerateOutput for O {}

/// A generation request being set up: `T::generation(prompt)...run(&backend)`.
///
/// ```
/// use outlines_core::Generate;
/// use outlines_core::backend::mock::Mock;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// // The model's first reply is out of range for a `u8`; the repair turn fixes it.
/// let backend = Mock::new().reply("300").reply("200");
/// let report = u8::generation("Pick a number from 0 to 255.")
///     .max_attempts(2)
///     .report(&backend)
///     .await
///     .unwrap();
/// assert_eq!(report.value, 200);
/// assert_eq!(report.attempt_count(), 2);
/// # });
/// ```
#[must_use = "a generation does nothing until it is run"]
pub struct Generation<T> {
    output: Arc<dyn Output<Value = T>>,
    prompt: String,
    /// Turns before the prompt: a conversation so far, or worked examples.
    history: Vec<Message>,
    system: Option<String>,
    model: Option<String>,
    temperature: Option<f32>,
    max_tokens: Option<u32>,
    max_attempts: usize,
    attempt_timeout: Option<Duration>,
    deadline: Option<Duration>,
    mode: OutputMode,
    schema_in_prompt: SchemaInPrompt,
    capture_content: bool,
    strict: bool,
}

impl<T: Structured + Send> Generation<T> {
    /// A generation of a `T` from `prompt`, with the defaults: 3 attempts, no timeouts, the backend's
    /// model and best output mode, the value described with `T::describe()`.
    pub fn new(prompt: impl Into<String>) -> Self {
        Generation::with_output(Typed::<T>::new(), prompt)
    }
}

impl<T: Send + 'static> Generation<T> {
    /// A generation of `output` (a runtime JSON Schema, a regex, a choice, a grammar, free text, or
    /// any other [`Output`]) from `prompt`, with the same defaults as [`Generation::new`].
    pub fn with_output(output: impl Output<Value = T>, prompt: impl Into<String>) -> Self {
        Generation::from_shared(Arc::new(output), prompt)
    }

    /// Like [`Generation::with_output`], for an output already shared (one compiled schema used by
    /// many generations).
    pub fn from_shared(output: Arc<dyn Output<Value = T>>, prompt: impl Into<String>) -> Self {
        Generation {
            output,
            prompt: prompt.into(),
            history: Vec::new(),
            system: None,
            model: None,
            temperature: None,
            max_tokens: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            attempt_timeout: None,
            deadline: None,
            mode: OutputMode::Auto,
            schema_in_prompt: SchemaInPrompt::Describe,
            capture_content: false,
            strict: false,
        }
    }

    /// The output this generation asks for.
    pub fn output(&self) -> &dyn Output<Value = T> {
        &*self.output
    }

    /// The prompt.
    pub fn prompt(&self) -> &str {
        &self.prompt
    }

    /// Instructions placed before the description of the value in the system prompt.
    pub fn system(mut self, instructions: impl Into<String>) -> Self {
        self.system = Some(instructions.into());
        self
    }

    /// The model, instead of the backend's default.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Sampling temperature.
    pub fn temperature(mut self, temperature: f32) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// Most tokens a reply may have.
    pub fn max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = Some(max_tokens);
        self
    }

    /// Attempts in all, the first one included (at least 1; default 3).
    pub fn max_attempts(mut self, attempts: usize) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The time one attempt may take, transport retries included.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// The time the whole generation may take.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// How the backend asks for structured output (default: the backend's best).
    pub fn mode(mut self, mode: OutputMode) -> Self {
        self.mode = mode;
        self
    }

    /// How the value is described in the system prompt (default: the output's description,
    /// `T::describe()` for a type).
    pub fn schema_in_prompt(mut self, form: SchemaInPrompt) -> Self {
        self.schema_in_prompt = form;
        self
    }

    /// Turns that come before the prompt, in order: a conversation so far (a chat client's earlier
    /// messages), or worked examples of a request and its reply. Every attempt sends them, the
    /// repair turns after the prompt.
    pub fn history(mut self, turns: impl IntoIterator<Item = Message>) -> Self {
        self.history = turns.into_iter().collect();
        self
    }

    /// Reads replies strictly: no value is recovered from prose or a code fence, no syntax slip is
    /// read past, no type coerced (off by default: replies are read leniently, each fix listed in
    /// the attempt's [`Attempt::fixes`]). [`StrictReading`](crate::backend::StrictReading) sets it
    /// for every generation on a backend.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Records prompts and replies in telemetry events (off by default: they may hold personal data).
    pub fn capture_content(mut self, capture: bool) -> Self {
        self.capture_content = capture;
        self
    }

    /// The history, then the prompt as the user's turn.
    fn turns(&self) -> Vec<Message> {
        let mut turns = Vec::with_capacity(self.history.len() + 3);
        turns.extend(self.history.iter().cloned());
        turns.push(Message::user(self.prompt.clone()));
        turns
    }

    /// Bounds the whole generation by `limit` as well as by its own deadline, if any.
    pub(crate) fn within(mut self, limit: Duration) -> Self {
        self.deadline = Some(self.deadline.map_or(limit, |own| own.min(limit)));
        self
    }

    /// Sets the deadline unless the generation has one of its own.
    pub(crate) fn default_deadline(mut self, deadline: Duration) -> Self {
        self.deadline.get_or_insert(deadline);
        self
    }

    /// Runs the generation: the value, or why there is none.
    pub async fn run<B: Backend + ?Sized>(self, backend: &B) -> Result<T, Error> {
        self.report(backend)
            .await
            .map(|generation| generation.value)
    }

    /// Runs the generation and reports how it went: the value with its attempts and token usage, or
    /// the error with the same story.
    pub async fn report<B: Backend + ?Sized>(self, backend: &B) -> Result<Report<T>, Error> {
        let span = self.span(backend);
        Run::<T>::new(self).go(backend, None).instrument(span).await
    }

    /// The generation's telemetry span.
    fn span<B: Backend + ?Sized>(&self, backend: &B) -> tracing::Span {
        let model = self
            .model
            .clone()
            .unwrap_or_else(|| backend.model().to_owned());
        let span = tracing::info_span!(
            target: "outlines::generate",
            "chat",
            otel.name = %format_args!("chat {model}"),
            gen_ai.operation.name = "chat",
            gen_ai.provider.name = backend.provider(),
            gen_ai.request.model = %model,
            gen_ai.request.temperature = self.temperature.and_then(f32_as_written),
            gen_ai.request.max_tokens = self.max_tokens,
            gen_ai.response.model = tracing::field::Empty,
            gen_ai.usage.input_tokens = tracing::field::Empty,
            gen_ai.usage.output_tokens = tracing::field::Empty,
            gen_ai.response.finish_reasons = tracing::field::Empty,
            outlines.type = %self.output.name(),
            outlines.attempts = tracing::field::Empty,
            outlines.status = tracing::field::Empty,
            outlines.duration_ms = tracing::field::Empty,
            error.r#type = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        );
        span
    }
}

/// A generation with the default options, from its prompt: so a batch takes a list of prompts.
impl<T: Structured + Send> From<String> for Generation<T> {
    fn from(prompt: String) -> Self {
        Generation::new(prompt)
    }
}

impl<T: Structured + Send> From<&str> for Generation<T> {
    fn from(prompt: &str) -> Self {
        Generation::new(prompt)
    }
}

impl<T: Structured + Send> From<&String> for Generation<T> {
    fn from(prompt: &String) -> Self {
        Generation::new(prompt.as_str())
    }
}

// Written out rather than derived: a derive would ask `T: Clone` and `T: Debug`, which the builder
// (it holds no `T`) does not need.
impl<T> Clone for Generation<T> {
    fn clone(&self) -> Self {
        Generation {
            output: Arc::clone(&self.output),
            prompt: self.prompt.clone(),
            history: self.history.clone(),
            system: self.system.clone(),
            model: self.model.clone(),
            temperature: self.temperature,
            max_tokens: self.max_tokens,
            max_attempts: self.max_attempts,
            attempt_timeout: self.attempt_timeout,
            deadline: self.deadline,
            mode: self.mode,
            schema_in_prompt: self.schema_in_prompt,
            capture_content: self.capture_content,
            strict: self.strict,
        }
    }
}

impl<T: Send + 'static> fmt::Debug for Generation<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Generation")
            .field("output", &self.output.name())
            .field("prompt", &self.prompt)
            .field("history", &self.history.len())
            .field("system", &self.system)
            .field("model", &self.model)
            .field("temperature", &self.temperature)
            .field("max_tokens", &self.max_tokens)
            .field("max_attempts", &self.max_attempts)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("deadline", &self.deadline)
            .field("mode", &self.mode)
            .field("schema_in_prompt", &self.schema_in_prompt)
            .field("capture_content", &self.capture_content)
            .finish()
    }
}

/// One run of the loop.
struct Run<T> {
    options: Generation<T>,
    started: Instant,
    attempts: Vec<Attempt>,
    usage: Usage,
    best: Option<(usize, serde_json::Value)>,
}

impl<T: Send + 'static> Run<T> {
    fn new(options: Generation<T>) -> Self {
        Run {
            options,
            started: Instant::now(),
            attempts: Vec::new(),
            usage: Usage::default(),
            best: None,
        }
    }

    /// The loop. With a `watcher`, each attempt streams (see [`stream`]).
    async fn go<B: Backend + ?Sized>(
        mut self,
        backend: &B,
        watcher: Option<&dyn stream::Watcher>,
    ) -> Result<Report<T>, Error> {
        let mut request = self.first_request();
        if self.options.capture_content {
            tracing::info!(target: "outlines::generate", system = %request.system, prompt = %self.options.prompt, "gen_ai.user.message");
        }
        let mut cause = None;
        // Compiled once for every attempt.
        let plan = watcher.and_then(|_| self.options.output.plan());
        for number in 1..=self.options.max_attempts {
            let Some(limit) = self.time_left() else {
                cause = Some(Cause::Deadline {
                    after: self.options.deadline.unwrap_or_default(),
                });
                break;
            };
            request.time_limit = limit;
            // A stream says when an attempt gave no value and another follows.
            if let (Some(watcher), Some(last)) = (watcher, self.attempts.last()) {
                watcher.retry(last);
            }
            let began = Instant::now();
            let call = async {
                match watcher {
                    None => backend
                        .complete(&request)
                        .await
                        .map(|response| stream::Got::Reply(response, None)),
                    Some(watcher) => {
                        let output = &*self.options.output;
                        stream::attempt(backend, &request, number, watcher, output, plan.as_deref())
                            .await
                    }
                }
            };
            let result = match limit {
                Some(limit) => tokio::time::timeout(limit, call).await.ok(),
                None => Some(call.await),
            };
            let duration = began.elapsed();
            let attempt = |outcome, mut output: String, errors, finish, usage| {
                let kept = cut(&output, REPLY_LIMIT).len();
                let output_cut = output.len() - kept;
                output.truncate(kept);
                Attempt {
                    number,
                    outcome,
                    output,
                    output_cut,
                    errors,
                    finish,
                    usage,
                    duration,
                    forced: None,
                    fixes: Vec::new(),
                }
            };
            match result {
                None => {
                    self.record(attempt(
                        Outcome::TimedOut,
                        String::new(),
                        Vec::new(),
                        None,
                        Usage::default(),
                    ));
                    cause = Some(self.timeout_cause(number, limit));
                    if self.time_left().is_none() {
                        break;
                    }
                }
                Some(Err(error)) => {
                    self.record(attempt(
                        Outcome::BackendError,
                        String::new(),
                        Vec::new(),
                        None,
                        Usage::default(),
                    ));
                    cause = Some(Cause::Backend(error));
                    break;
                }
                Some(Ok(stream::Got::Broken { text, error, usage })) => {
                    // A reply cut off mid-stream is asked for again as it was, while attempts
                    // remain; any other fault ends the loop, as before a reply.
                    let transient = matches!(error, BackendError::Transport { .. });
                    self.usage += usage;
                    self.record(attempt(
                        Outcome::BackendError,
                        text,
                        Vec::new(),
                        None,
                        usage,
                    ));
                    cause = Some(Cause::Backend(error));
                    if !transient {
                        break;
                    }
                }
                Some(Ok(stream::Got::Aborted { text, error, usage })) => {
                    self.usage += usage;
                    let errors = vec![error];
                    let repair = prompt::repair(&errors, false, self.options.output.reply_kind());
                    if self.options.capture_content {
                        tracing::info!(target: "outlines::generate", attempt = number, content = %repair, "gen_ai.user.message");
                    }
                    request.messages = self.options.turns();
                    request
                        .messages
                        .extend([Message::assistant(echo(&text)), Message::user(repair)]);
                    self.record(attempt(Outcome::Aborted, text, errors, None, usage));
                    cause = Some(Cause::Invalid { attempts: number });
                }
                Some(Ok(stream::Got::Reply(response, streamed))) => {
                    self.usage += response.usage;
                    if let Some(model) = &response.model {
                        tracing::Span::current().record("gen_ai.response.model", model.as_str());
                    }
                    if self.options.capture_content {
                        tracing::info!(target: "outlines::generate", attempt = number, content = %response.text, "gen_ai.choice");
                    }
                    if let Some(message) = refusal(&response) {
                        let finish = Some(response.finish.clone());
                        self.record(attempt(
                            Outcome::Refused,
                            response.text,
                            Vec::new(),
                            finish,
                            response.usage,
                        ));
                        cause = Some(Cause::Refused { message });
                        break;
                    }
                    let forced = response.forced.clone();
                    let strict = self.options.strict || backend.strict_reading();
                    let reading = read(&*self.options.output, &response, strict, streamed);
                    let fixes = reading.fixes;
                    match reading.value {
                        Ok(value) => {
                            let finish = Some(response.finish.clone());
                            self.record(Attempt {
                                forced,
                                fixes,
                                ..attempt(
                                    Outcome::Valid,
                                    response.text,
                                    Vec::new(),
                                    finish,
                                    response.usage,
                                )
                            });
                            return Ok(self.succeed(value));
                        }
                        Err(errors) => {
                            self.consider_best(&response.text, errors.len());
                            let truncated = response.finish == Finish::Length;
                            let repair = prompt::repair(
                                &errors,
                                truncated,
                                self.options.output.reply_kind(),
                            );
                            if self.options.capture_content {
                                tracing::info!(target: "outlines::generate", attempt = number, content = %repair, "gen_ai.user.message");
                            }
                            request.messages = self.options.turns();
                            request.messages.extend([
                                Message::assistant(echo(&response.text)),
                                Message::user(repair),
                            ]);
                            let finish = Some(response.finish.clone());
                            self.record(Attempt {
                                forced,
                                fixes,
                                ..attempt(
                                    Outcome::Invalid,
                                    response.text,
                                    errors,
                                    finish,
                                    response.usage,
                                )
                            });
                            cause = Some(Cause::Invalid { attempts: number });
                        }
                    }
                }
            }
        }
        let cause = cause.unwrap_or(Cause::Invalid {
            attempts: self.attempts.len(),
        });
        Err(self.fail(cause))
    }

    /// The request of the first attempt: system prompt, the user's prompt, options.
    fn first_request(&self) -> Request {
        let output = &*self.options.output;
        let reply_with = output.instructions(self.options.schema_in_prompt);
        let system = prompt::system(self.options.system.as_deref(), &reply_with);
        let mut request = Request::new(system, self.options.turns(), output.constraint());
        request.mode = self.options.mode;
        request.model = self.options.model.clone();
        request.temperature = self.options.temperature;
        request.max_tokens = self.options.max_tokens;
        request
    }

    /// The time the next attempt may take: `Some(None)` for unlimited, `None` when the deadline passed.
    fn time_left(&self) -> Option<Option<Duration>> {
        let remaining = match self.options.deadline {
            Some(deadline) => Some(
                deadline
                    .checked_sub(self.started.elapsed())
                    .filter(|d| !d.is_zero())?,
            ),
            None => None,
        };
        Some(match (self.options.attempt_timeout, remaining) {
            (Some(a), Some(r)) => Some(a.min(r)),
            (a, r) => a.or(r),
        })
    }

    fn timeout_cause(&self, attempt: usize, limit: Option<Duration>) -> Cause {
        match (self.options.deadline, self.time_left()) {
            (Some(after), None) => Cause::Deadline { after },
            _ => Cause::Timeout {
                attempt,
                after: limit.unwrap_or_default(),
            },
        }
    }

    /// Keeps the reply as the best candidate if it is one (JSON, for a JSON value) with fewer errors
    /// than the best so far.
    fn consider_best(&mut self, text: &str, errors: usize) {
        if text.len() > REPLY_LIMIT {
            return;
        }
        if self
            .best
            .as_ref()
            .is_some_and(|(fewest, _)| *fewest < errors)
        {
            return;
        }
        if let Some(value) = self.options.output.candidate(text) {
            self.best = Some((errors, value));
        }
    }

    fn record(&mut self, attempt: Attempt) {
        tracing::info!(
            target: "outlines::generate",
            attempt = attempt.number,
            outcome = attempt.outcome.as_str(),
            errors = attempt.errors.len(),
            finish_reason = attempt.finish.as_ref().map(Finish::as_str),
            forced = attempt.forced.as_ref().map(tracing::field::display),
            fixes = (!attempt.fixes.is_empty()).then(|| tracing::field::display(FixList(&attempt.fixes))),
            gen_ai.usage.input_tokens = attempt.usage.input_tokens,
            gen_ai.usage.output_tokens = attempt.usage.output_tokens,
            duration_ms = attempt.duration.as_millis() as u64,
            "attempt"
        );
        self.attempts.push(attempt);
    }

    fn close_span(&self, status: &str) {
        let span = tracing::Span::current();
        span.record("gen_ai.usage.input_tokens", self.usage.input_tokens);
        span.record("gen_ai.usage.output_tokens", self.usage.output_tokens);
        let reasons: Vec<&str> = self
            .attempts
            .iter()
            .filter_map(|a| a.finish.as_ref().map(Finish::as_str))
            .collect();
        span.record(
            "gen_ai.response.finish_reasons",
            tracing::field::debug(&reasons),
        );
        span.record("outlines.attempts", self.attempts.len());
        span.record("outlines.status", status);
        span.record(
            "outlines.duration_ms",
            self.started.elapsed().as_millis() as u64,
        );
    }

    fn succeed(self, value: T) -> Report<T> {
        self.close_span("ok");
        Report {
            value,
            attempts: self.attempts,
            usage: self.usage,
        }
    }

    fn fail(self, cause: Cause) -> Error {
        let status = cause.kind();
        self.close_span(status);
        let span = tracing::Span::current();
        span.record("error.type", status);
        span.record("otel.status_code", "ERROR");
        Error::new(
            cause,
            self.attempts,
            self.best.map(|(_, value)| value),
            self.usage,
        )
    }
}

/// The model's refusal, if the response is one.
fn refusal(response: &Response) -> Option<String> {
    match (&response.refusal, &response.finish) {
        (Some(message), _) => Some(message.clone()),
        (None, Finish::Refusal) => Some("no reason given".into()),
        // Asking again gets the same filter: this ends the loop like a refusal.
        (None, Finish::ContentFilter) => {
            Some("the provider's content filter stopped the reply".into())
        }
        _ => None,
    }
}

/// Reads a reply with its output. A value the backend's budget steering cut short or wrote (a local
/// model's) parses and may validate, but it is not the model's answer: each such value is an error,
/// so that the attempt goes to repair rather than passing invented data for real.
fn read<T: Send + 'static>(
    output: &dyn Output<Value = T>,
    response: &Response,
    strict: bool,
    streamed: Option<T>,
) -> Reading<T> {
    if let Some(forced) = &response.forced {
        let errors: Vec<Violation> = forced
            .altered()
            .map(|edit| {
                let what = match edit.kind {
                    ForcedKind::Invented => "written by the backend's budget steering",
                    _ => "cut short by the backend's budget steering",
                };
                Violation::new(
                    ErrorKind::Budget,
                    edit.path.clone(),
                    "a value the model wrote",
                    None,
                    format!("the reply ran out of tokens here: this value was {what}"),
                )
            })
            .collect();
        if !errors.is_empty() {
            return Reading::strict(Err(errors));
        }
    }
    if let Some(value) = streamed {
        // The stream read the reply exactly (and it was not cut by the token limit), as a strict
        // reading would.
        return Reading::strict(Ok(value));
    }
    if strict {
        Reading::strict(output.read(&response.text, &response.finish))
    } else {
        output.read_lenient(&response.text, &response.finish)
    }
}

/// An attempt's fixes in a telemetry field: their kinds, comma-separated.
struct FixList<'a>(&'a [Fix]);

impl fmt::Display for FixList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, fix) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(fix.kind().as_str())?;
        }
        Ok(())
    }
}

/// The first `limit` bytes of `text`, cut back to a character boundary.
fn cut(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A reply as it is sent back in a repair turn: whole, or its first [`REPLY_LIMIT`] bytes and a
/// note of what was cut (a runaway reply would otherwise make every repair request as large).
fn echo(text: &str) -> String {
    let kept = cut(text, REPLY_LIMIT);
    if kept.len() == text.len() {
        return text.to_owned();
    }
    format!(
        "{kept}
[… {} more bytes of this reply cut]",
        text.len() - kept.len()
    )
}
