//! Backends move bytes: they send a [`Request`] to a model in the provider's wire format and hand back
//! its [`Response`], retrying transport faults on the way. Everything about prompting, validation and
//! repair lives in the generation loop, the same for every backend.
//!
//! Each HTTP provider lives in a folder of its own ([`openai`], [`anthropic`]): its configuration,
//! its wire format as typed structs, and its schema transform. What they share — configuration,
//! sending with retries — is in [`http`].

#[cfg(feature = "anthropic")]
pub mod anthropic;
#[cfg(feature = "http")]
mod any;
mod forced;
#[cfg(feature = "http")]
pub mod http;
mod memo;
pub mod mock;
#[cfg(feature = "openai")]
pub mod openai;
mod secret;
#[cfg(feature = "http")]
#[cfg_attr(not(all(feature = "openai", feature = "anthropic")), allow(dead_code))]
mod transform;

use std::fmt;
use std::future::Future;
use std::ops::{Add, AddAssign};
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;

use crate::schema::json_schema;
use crate::schema::names::schema_name;
use crate::structured::Structured;

#[cfg(feature = "http")]
pub use any::{AnyBackend, from_env, from_env_if_set};
pub use forced::{Forced, ForcedEdit, ForcedKind};
pub use memo::SchemaMemo;
pub use secret::ApiKey;

/// The future a [`Backend`] returns.
pub type BackendFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Response, BackendError>> + Send + 'a>>;

/// The stream [`Backend::stream`] returns: the reply's text as it arrives, then the whole reply.
pub type BackendStream<'a> =
    Pin<Box<dyn futures_util::Stream<Item = Result<Delta, BackendError>> + Send + 'a>>;

/// One step of a streamed reply.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Delta {
    /// More of the reply's text (the value's text: a tool call's arguments in tool mode).
    Text(String),
    /// The text writes the value as this member of an object (`{"value": …}`): a backend that
    /// wraps values a provider cannot take bare says so before the text.
    Enveloped(String),
    /// What the provider has counted so far (Anthropic counts the prompt as the stream opens, the
    /// embedded model counts with each piece): the usage of an attempt stopped or broken before
    /// `Done`, which carries the final count.
    Usage(Usage),
    /// The reply is whole: its text (every `Text` so far, joined), finish, usage and model. The
    /// last item of a stream that did not fail.
    Done(Response),
}

/// A model provider.
///
/// Object safe, so a backend chosen at run time can be held as `Box<dyn Backend>`; `&B`, `Box<B>` and
/// `Arc<B>` are backends too.
pub trait Backend: Send + Sync {
    /// The provider's name for telemetry (`gen_ai.provider.name`): "openai", "anthropic", ...
    fn provider(&self) -> &str;

    /// The model used when a request does not name one.
    fn model(&self) -> &str;

    /// Sends one request and returns the model's reply. Transport faults (rate limits, overload,
    /// server errors) are retried here, within the backend's own policy; anything else is an error.
    fn complete<'a>(&'a self, request: &'a Request) -> BackendFuture<'a>;

    /// Sends one request and streams the reply: [`Delta::Text`] as the text arrives, then
    /// [`Delta::Done`] with the whole reply. A backend that cannot stream answers with `Done` alone
    /// (the default). A stream that breaks after some text is an error item, the text already
    /// yielded staying a prefix of the reply.
    fn stream<'a>(&'a self, request: &'a Request) -> BackendStream<'a> {
        Box::pin(futures_util::stream::once(async move {
            self.complete(request).await.map(Delta::Done)
        }))
    }

    /// Whether every generation on this backend reads replies strictly, as with
    /// `Generation::strict(true)`: no lenient reading. False unless the backend is wrapped in
    /// [`StrictReading`].
    fn strict_reading(&self) -> bool {
        false
    }
}

/// `B`, with every generation on it reading replies strictly (no value recovered from prose or a
/// code fence, no syntax slip read past, no type coerced): `StrictReading(OpenAi::new(…))`.
#[derive(Clone, Debug)]
pub struct StrictReading<B>(pub B);

impl<B: Backend> Backend for StrictReading<B> {
    fn provider(&self) -> &str {
        self.0.provider()
    }
    fn model(&self) -> &str {
        self.0.model()
    }
    fn complete<'a>(&'a self, request: &'a Request) -> BackendFuture<'a> {
        self.0.complete(request)
    }
    fn stream<'a>(&'a self, request: &'a Request) -> BackendStream<'a> {
        self.0.stream(request)
    }
    fn strict_reading(&self) -> bool {
        true
    }
}

impl<B: Backend + ?Sized> Backend for &B {
    fn provider(&self) -> &str {
        (**self).provider()
    }
    fn model(&self) -> &str {
        (**self).model()
    }
    fn complete<'a>(&'a self, request: &'a Request) -> BackendFuture<'a> {
        (**self).complete(request)
    }
    fn stream<'a>(&'a self, request: &'a Request) -> BackendStream<'a> {
        (**self).stream(request)
    }
    fn strict_reading(&self) -> bool {
        (**self).strict_reading()
    }
}

impl<B: Backend + ?Sized> Backend for Box<B> {
    fn provider(&self) -> &str {
        (**self).provider()
    }
    fn model(&self) -> &str {
        (**self).model()
    }
    fn complete<'a>(&'a self, request: &'a Request) -> BackendFuture<'a> {
        (**self).complete(request)
    }
    fn stream<'a>(&'a self, request: &'a Request) -> BackendStream<'a> {
        (**self).stream(request)
    }
    fn strict_reading(&self) -> bool {
        (**self).strict_reading()
    }
}

impl<B: Backend + ?Sized> Backend for std::sync::Arc<B> {
    fn provider(&self) -> &str {
        (**self).provider()
    }
    fn model(&self) -> &str {
        (**self).model()
    }
    fn complete<'a>(&'a self, request: &'a Request) -> BackendFuture<'a> {
        (**self).complete(request)
    }
    fn stream<'a>(&'a self, request: &'a Request) -> BackendStream<'a> {
        (**self).stream(request)
    }
    fn strict_reading(&self) -> bool {
        (**self).strict_reading()
    }
}

/// One call to a model: the conversation, what the reply must be, and sampling options.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Request {
    /// Instructions, sent as the system prompt.
    pub system: String,
    /// The conversation: the user's prompt, then (when repairing) the last reply and the repair request.
    pub messages: Vec<Message>,
    /// What the reply must be: a JSON value of a schema, text a regex or a grammar matches, one of
    /// several strings, or free text.
    pub output: Constraint,
    /// How the backend should ask for structured output.
    pub mode: OutputMode,
    /// The model, if not the backend's default.
    pub model: Option<String>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// Most tokens the reply may have.
    pub max_tokens: Option<u32>,
    /// The time the backend may take for this request, transport retries included (the loop sets it
    /// from the attempt timeout and the deadline). A retry whose wait would run past it is not made:
    /// the error in hand is returned instead, so a long `retry-after` is reported, not slept through.
    pub time_limit: Option<std::time::Duration>,
}

impl Request {
    /// A request for `output` (a [`SchemaSpec`] or any other [`Constraint`]) with the given system
    /// prompt and conversation, options unset.
    pub fn new(
        system: impl Into<String>,
        messages: Vec<Message>,
        output: impl Into<Constraint>,
    ) -> Self {
        Request {
            system: system.into(),
            messages,
            output: output.into(),
            mode: OutputMode::Auto,
            model: None,
            temperature: None,
            max_tokens: None,
            time_limit: None,
        }
    }
}

/// One turn of the conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Who speaks.
    pub role: Role,
    /// What is said.
    pub content: String,
}

impl Message {
    /// A user turn.
    pub fn user(content: impl Into<String>) -> Self {
        Message {
            role: Role::User,
            content: content.into(),
        }
    }

    /// An assistant turn.
    pub fn assistant(content: impl Into<String>) -> Self {
        Message {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// Who speaks in a [`Message`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// The person (or program) asking.
    User,
    /// The model.
    Assistant,
}

/// The value a request asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct SchemaSpec {
    /// A name for the schema (the type's name), as providers ask for one: letters, digits, `_`, `-`.
    pub name: String,
    /// The JSON Schema (2020-12) of the value, as `Structured::json_schema` renders it. Shared:
    /// requests for one type carry the same rendering, so a backend can reuse the provider form it
    /// derived from it (see [`SchemaSpec::of`]).
    pub json_schema: Arc<Value>,
    /// A description of the value, if the type has one.
    pub description: Option<String>,
}

impl SchemaSpec {
    /// The spec of `T`: its name, its JSON Schema (rendered once per type and shared by every
    /// request) and its description.
    pub fn of<T: Structured>() -> Self {
        let json_schema = json_schema::shared::<T>(T::schema);
        let description = json_schema
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned);
        SchemaSpec {
            name: schema_name(&T::schema()),
            json_schema,
            description,
        }
    }
}

/// What a reply must be. A backend enforces it natively where the provider can (a JSON Schema mode,
/// vLLM's `structured_outputs`, a local model's token mask) and otherwise sends the request with the
/// constraint stated in the prompt alone; the generation loop checks every reply either way.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Constraint {
    /// One JSON value of this schema.
    Json(SchemaSpec),
    /// Text that this regular expression matches as a whole (the `regex` crate's syntax, anchored
    /// at both ends).
    Regex(String),
    /// Exactly one of these strings.
    Choice(Vec<String>),
    /// Text of this context-free grammar, in the Lark syntax llguidance reads.
    Grammar(String),
    /// Any text, within the request's `max_tokens`.
    Text,
}

impl Constraint {
    /// The schema, for a JSON value.
    pub fn json(&self) -> Option<&SchemaSpec> {
        match self {
            Constraint::Json(spec) => Some(spec),
            _ => None,
        }
    }

    /// A short word for the kind of constraint, for messages: `json`, `regex`, `choice`,
    /// `grammar` or `text`.
    pub fn kind(&self) -> &'static str {
        match self {
            Constraint::Json(_) => "json",
            Constraint::Regex(_) => "regex",
            Constraint::Choice(_) => "choice",
            Constraint::Grammar(_) => "grammar",
            Constraint::Text => "text",
        }
    }
}

impl From<SchemaSpec> for Constraint {
    fn from(spec: SchemaSpec) -> Self {
        Constraint::Json(spec)
    }
}

/// How to ask a model for structured output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OutputMode {
    /// The backend's best native mode.
    #[default]
    Auto,
    /// The provider's JSON Schema mode (OpenAI `response_format` `json_schema`, or vLLM's
    /// `structured_outputs` when the backend is configured so; Anthropic `output_config.format`),
    /// strict where the provider supports it.
    JsonSchema,
    /// JSON syntax only (OpenAI `json_object`); the schema is in the prompt.
    JsonObject,
    /// A forced tool call whose arguments are the value.
    Tool,
    /// No native support: the prompt alone describes the value.
    Prompt,
}

/// A model's reply.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Response {
    /// The reply's text: the JSON value, for the loop to validate.
    pub text: String,
    /// Why the model stopped.
    pub finish: Finish,
    /// The model's refusal, when it declined.
    pub refusal: Option<String>,
    /// Tokens used.
    pub usage: Usage,
    /// The model that answered, as the provider reports it.
    pub model: Option<String>,
    /// What the token budget forced on the value, when a backend steered it to its end (the
    /// local model does; see [`Forced`]). `None` when nothing was forced.
    pub forced: Option<Forced>,
}

impl Response {
    /// A reply with this text that finished normally.
    pub fn text(text: impl Into<String>) -> Self {
        Response {
            text: text.into(),
            ..Response::default()
        }
    }

    /// The same reply with this usage.
    pub fn with_usage(mut self, input_tokens: u64, output_tokens: u64) -> Self {
        self.usage = Usage {
            input_tokens,
            output_tokens,
        };
        self
    }

    /// The same reply with this finish reason.
    pub fn with_finish(mut self, finish: Finish) -> Self {
        self.finish = finish;
        self
    }

    /// The same reply, reported as coming from `model` (providers name the exact model version).
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// The same reply, with what the token budget forced on it (nothing if `forced` is empty).
    pub fn with_forced(mut self, forced: Forced) -> Self {
        self.forced = (!forced.is_empty()).then_some(forced);
        self
    }

    /// A refusal with this message.
    pub fn refusal(message: impl Into<String>) -> Self {
        Response {
            refusal: Some(message.into()),
            finish: Finish::Refusal,
            ..Response::default()
        }
    }
}

/// Why a model stopped.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Finish {
    /// It finished its answer.
    #[default]
    Stop,
    /// It ran out of output tokens: the reply is likely cut off.
    Length,
    /// A content filter stopped it.
    ContentFilter,
    /// It refused.
    Refusal,
    /// Any other reason, as the provider names it.
    Other(String),
}

impl Finish {
    /// The reason as OpenTelemetry's `gen_ai.response.finish_reasons` spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Finish::Stop => "stop",
            Finish::Length => "length",
            Finish::ContentFilter => "content_filter",
            Finish::Refusal => "refusal",
            Finish::Other(other) => other,
        }
    }
}

impl fmt::Display for Finish {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Tokens used by one reply, or summed over several.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Usage {
    /// Tokens of the prompt.
    pub input_tokens: u64,
    /// Tokens of the reply.
    pub output_tokens: u64,
}

impl Usage {
    /// Prompt and reply tokens together.
    pub fn total(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }
}

impl Add for Usage {
    type Output = Usage;
    fn add(self, other: Usage) -> Usage {
        Usage {
            input_tokens: self.input_tokens + other.input_tokens,
            output_tokens: self.output_tokens + other.output_tokens,
        }
    }
}

impl AddAssign for Usage {
    fn add_assign(&mut self, other: Usage) {
        *self = *self + other;
    }
}

/// A backend's own fault, kept as the `source()` of [`BackendError::Other`] and
/// [`BackendError::Transport`]: shared, so the error stays `Clone`.
pub type ErrorSource = Arc<dyn std::error::Error + Send + Sync>;

/// Why a backend could not produce a reply. API keys never appear in it.
///
/// Two errors are equal when they say the same: a source is compared by its message.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// The provider answered with an error status (after any retries).
    #[error("{provider} answered HTTP {status}: {message}")]
    Status {
        /// The provider.
        provider: String,
        /// The HTTP status.
        status: u16,
        /// The provider's error code or type, if it sent one (`rate_limit_error`, `insufficient_quota`).
        code: Option<String>,
        /// The provider's message.
        message: String,
    },
    /// The provider could not be reached, or the connection failed mid-reply.
    #[error("{provider}: {message}")]
    Transport {
        /// The provider.
        provider: String,
        /// What happened and where: `the connection to http://127.0.0.1:8080/v1/chat/completions
        /// closed after the request was sent, before a response` (the URL without query or
        /// credentials).
        message: String,
        /// The HTTP library's own error, if there is one.
        #[source]
        source: Option<ErrorSource>,
    },
    /// The provider answered, but not in its own format.
    #[error("{provider} sent a reply that could not be read: {message}")]
    Malformed {
        /// The provider.
        provider: String,
        /// What was wrong with it.
        message: String,
        /// The start of the body, for debugging.
        body: String,
    },
    /// The backend is not set up to make this request.
    #[error("{0}")]
    Config(String),
    /// Any other fault of a backend: a scripted failure of the [`Mock`](mock::Mock), an in-process
    /// model's engine, a backend written outside this crate. Made with [`BackendError::other`].
    #[error("{provider} failed: {source}")]
    Other {
        /// The backend ([`Backend::provider`]).
        provider: String,
        /// What went wrong.
        #[source]
        source: ErrorSource,
    },
}

impl BackendError {
    /// A fault of `provider`'s own: `source` is an error, or a message (`&str`, `String`).
    ///
    /// ```
    /// use outlines_core::BackendError;
    ///
    /// let error = BackendError::other("local", "the model's worker has stopped");
    /// assert_eq!(error.to_string(), "local failed: the model's worker has stopped");
    /// ```
    pub fn other(
        provider: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        BackendError::Other {
            provider: provider.into(),
            source: Arc::from(source.into()),
        }
    }

    /// The HTTP status, for errors that carry one.
    pub fn status(&self) -> Option<u16> {
        match self {
            BackendError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl PartialEq for BackendError {
    fn eq(&self, other: &Self) -> bool {
        use BackendError::*;
        let same = |a: &Option<ErrorSource>, b: &Option<ErrorSource>| {
            a.as_ref().map(ToString::to_string) == b.as_ref().map(ToString::to_string)
        };
        match (self, other) {
            (
                Status {
                    provider,
                    status,
                    code,
                    message,
                },
                Status {
                    provider: p,
                    status: s,
                    code: c,
                    message: m,
                },
            ) => provider == p && status == s && code == c && message == m,
            (
                Transport {
                    provider,
                    message,
                    source,
                },
                Transport {
                    provider: p,
                    message: m,
                    source: s,
                },
            ) => provider == p && message == m && same(source, s),
            (
                Malformed {
                    provider,
                    message,
                    body,
                },
                Malformed {
                    provider: p,
                    message: m,
                    body: b,
                },
            ) => provider == p && message == m && body == b,
            (Config(a), Config(b)) => a == b,
            (
                Other { provider, source },
                Other {
                    provider: p,
                    source: s,
                },
            ) => provider == p && source.to_string() == s.to_string(),
            _ => false,
        }
    }
}

impl Eq for BackendError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_f32_reads_as_written() {}

    #[test]
    fn other_errors_chain_their_source() {
        let io = std::io::Error::other("the worker stopped");
        let error = BackendError::other("local", io);
        assert_eq!(error.to_string(), "local failed: the worker stopped");
        let source = std::error::Error::source(&error).expect("a source");
        assert_eq!(source.to_string(), "the worker stopped");
        assert_eq!(error.clone(), error);
        assert_ne!(error, BackendError::other("local", "something else"));
    }
}
