//! The Anthropic Messages API (`POST {base}/v1/messages`).
//!
//! Structured output by a forced tool call (the default: every Claude model supports it) or by
//! `output_config.format` (structured outputs, newer models), with the schema rendered into
//! Anthropic's subset by [`schema`]. Transport faults — 429, 5xx, 529 `overloaded_error` — are
//! retried per the [`RetryPolicy`](crate::backend::http::RetryPolicy).
//!
//! ```no_run
//! use outlines_core::backend::anthropic::Anthropic;
//! use outlines_core::OutputMode;
//!
//! let backend = Anthropic::new("claude-sonnet-4-5")
//!     .api_key(std::env::var("ANTHROPIC_API_KEY").unwrap_or_default())
//!     .mode(OutputMode::JsonSchema);
//! ```

pub mod schema;
mod stream;
mod wire;

use std::sync::Arc;

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde_json::Value;

use self::schema::{object_root, structured};
use super::http::{self, HttpConfig, http_setters};
use super::memo::SchemaMemo;

use super::{Backend, BackendError, BackendFuture, BackendStream, OutputMode, Request};
use crate::schema::names::provider_name;
use crate::text::f32_as_written;

/// The provider's name, in errors and telemetry.
const PROVIDER: &str = "anthropic";

/// The API's address.
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";

/// The `anthropic-version` header sent unless [`Anthropic::version`] says otherwise.
pub const DEFAULT_VERSION: &str = "2023-06-01";

/// The model [`Anthropic::from_env`] uses when `OUTLINES_MODEL` is not set: a current model that
/// supports both forced tool use and structured outputs.
pub const DEFAULT_MODEL: &str = "claude-sonnet-4-5";

/// `max_tokens` when neither the request nor [`Anthropic::default_max_tokens`] sets it. The API
/// requires the field; 4096 is the largest output every Claude model accepts, and ample for a
/// structured value.
pub const DEFAULT_MAX_TOKENS: u32 = 4096;

/// A backend for Anthropic's Messages API.
///
/// `Debug` shows the configuration, never the key.
#[derive(Clone, Debug)]
pub struct Anthropic {
    /// Base URL, key, retries, client.
    http: HttpConfig,
    model: String,
    version: String,
    mode: OutputMode,
    default_max_tokens: u32,
    /// The schema as sent, per request schema.
    schemas: Arc<SchemaMemo<(), Arc<NativeSchema>>>,
}

/// A request's schema in the forms Anthropic takes, made once per schema.
#[derive(Debug)]
struct NativeSchema {
    /// The schema with an object root (a tool's `input_schema`).
    schema: Value,
    /// Whether a non-object root was wrapped in an object.
    wrapped: bool,
    /// The structured-outputs subset of `schema`, or why there is none.
    subset: Result<Value, String>,
}

impl NativeSchema {
    fn of(json_schema: &Value) -> Self {
        let (schema, wrapped) = object_root(json_schema);
        let subset = structured(&schema).map_err(|why| why.to_string());
        NativeSchema {
            schema,
            wrapped,
            subset,
        }
    }
}

impl Anthropic {
    /// A backend for `model` at [`DEFAULT_BASE_URL`], without a key (set one with [`Anthropic::api_key`];
    /// without one no `x-api-key` header is sent, for gateways that authenticate otherwise).
    pub fn new(model: impl Into<String>) -> Self {
        Anthropic {
            http: HttpConfig::new(DEFAULT_BASE_URL),
            model: model.into(),
            version: DEFAULT_VERSION.into(),
            mode: OutputMode::Auto,
            default_max_tokens: DEFAULT_MAX_TOKENS,
            schemas: Arc::default(),
        }
    }

    /// A backend configured from the environment: the key from `ANTHROPIC_API_KEY` (required), the
    /// address from `ANTHROPIC_BASE_URL` (default [`DEFAULT_BASE_URL`]), the model from
    /// `OUTLINES_MODEL` (default [`DEFAULT_MODEL`]).
    pub fn from_env() -> Result<Self, BackendError> {
        Anthropic::from_lookup(|name| std::env::var(name).ok())
    }

    pub(crate) fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, BackendError> {
        let var = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let key = var("ANTHROPIC_API_KEY").ok_or_else(|| {
            BackendError::Config(
                "ANTHROPIC_API_KEY is not set: set it to use the Anthropic backend".into(),
            )
        })?;
        let model = var("OUTLINES_MODEL").unwrap_or_else(|| DEFAULT_MODEL.into());
        let mut backend = Anthropic::new(model).api_key(key);
        if let Some(url) = var("ANTHROPIC_BASE_URL") {
            backend = backend.base_url(url);
        }
        Ok(backend)
    }

    /// The `anthropic-version` header (default [`DEFAULT_VERSION`]).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// The output mode used for requests in [`OutputMode::Auto`]. `Auto` here means a forced tool
    /// call.
    pub fn mode(mut self, mode: OutputMode) -> Self {
        self.mode = mode;
        self
    }

    /// `max_tokens` for requests that do not set it (default [`DEFAULT_MAX_TOKENS`]).
    pub fn default_max_tokens(mut self, max_tokens: u32) -> Self {
        self.default_max_tokens = max_tokens;
        self
    }

    /// The URL requests go to: the base URL, without a trailing `/` or `/v1`, and `/v1/messages`.
    pub(crate) fn url(&self) -> String {
        let base = self.http.base_url.trim().trim_end_matches('/');
        let base = base.strip_suffix("/v1").unwrap_or(base);
        format!("{base}/v1/messages")
    }

    /// The request body, encoded, and how to read the reply.
    fn body(&self, request: &Request, stream: bool) -> Result<(Vec<u8>, Plan), BackendError> {
        let temperature = match request.temperature {
            None => None,
            Some(t) => Some(f32_as_written(t).ok_or_else(|| {
                BackendError::Config(format!("temperature {t} is not a finite number"))
            })?),
        };
        let mut body = wire::Body {
            model: request.model.as_deref().unwrap_or(&self.model),
            max_tokens: request.max_tokens.unwrap_or(self.default_max_tokens),
            system: Some(request.system.as_str()).filter(|s| !s.trim().is_empty()),
            messages: request.messages.iter().map(wire::Turn::of).collect(),
            temperature,
            output_config: None,
            tools: None,
            tool_choice: None,
            stream: stream.then_some(true),
        };

        let mode = match (request.mode, self.mode) {
            (OutputMode::Auto, OutputMode::Auto) => OutputMode::Tool,
            (OutputMode::Auto, configured) => configured,
            (asked, _) => asked,
        };
        // A regex, a choice, a grammar or free text has no native form here: the prompt states it
        // and the reply's text is read as it is.
        let Some(spec) = request.output.json() else {
            return encode(&body, Read::Text, None, false);
        };
        let native = self.schemas.get_or_make(&spec.json_schema, (), || {
            Arc::new(NativeSchema::of(&spec.json_schema))
        });
        let wrapped = native.wrapped;
        let (read, wrapped) = match mode {
            OutputMode::Auto | OutputMode::Tool => (Read::Tool, wrapped),
            OutputMode::JsonSchema => match &native.subset {
                Ok(subset) => {
                    body.output_config = Some(wire::OutputConfig {
                        format: wire::Format::JsonSchema { schema: subset },
                    });
                    (Read::Text, wrapped)
                }
                Err(why) => {
                    tracing::debug!(
                        target: "outlines::backend",
                        provider = PROVIDER,
                        reason = %why,
                        "the schema is beyond structured outputs: using a forced tool call"
                    );
                    (Read::Tool, wrapped)
                }
            },
            // Nothing native: the value is the reply's text as the prompt asked for it.
            OutputMode::Prompt | OutputMode::JsonObject => (Read::Text, false),
        };
        let tool = (read == Read::Tool).then(|| provider_name(&spec.name));
        if let Some(name) = &tool {
            let mut description = format!("Return the {} value.", spec.name);
            if let Some(d) = spec.description.as_deref().filter(|d| !d.trim().is_empty()) {
                description.push(' ');
                description.push_str(d.trim());
            }
            body.tools = Some([wire::Tool {
                name,
                description,
                input_schema: &native.schema,
            }]);
            body.tool_choice = Some(wire::ToolChoice::Tool {
                name,
                disable_parallel_tool_use: true,
            });
        }
        encode(&body, read, tool.clone(), wrapped)
    }

    /// The Messages URL, and the same as errors and logs show it (without query or credentials).
    fn urls(&self) -> (String, String) {
        let url = self.url();
        let shown = reqwest::Url::parse(&url)
            .map(|url| http::public_url(&url))
            .unwrap_or_else(|_| url.clone());
        (url, shown)
    }

    /// The HTTP request that sends `bytes` to `url`, with the version and the key.
    fn post(
        &self,
        client: &reqwest::Client,
        url: &str,
        bytes: &[u8],
        key: Option<&HeaderValue>,
    ) -> reqwest::RequestBuilder {
        let builder = client
            .post(url)
            .header("anthropic-version", &self.version)
            .header(CONTENT_TYPE, "application/json")
            .body(bytes.to_vec());
        match key {
            Some(key) => builder.header("x-api-key", key.clone()),
            None => builder,
        }
    }

    /// The key as the `x-api-key` header value, marked sensitive so that it is never printed.
    fn key_header(&self) -> Result<Option<HeaderValue>, BackendError> {
        let Some(key) = &self.http.api_key else {
            return Ok(None);
        };
        let mut value = HeaderValue::from_str(key.expose()).map_err(|_| {
            BackendError::Config("the API key is not a valid HTTP header value".into())
        })?;
        value.set_sensitive(true);
        Ok(Some(value))
    }
}

http_setters!(
    Anthropic,
    key = "x-api-key",
    base_url = "The API's address, e.g. a proxy or a test server (`http://127.0.0.1:8080`). A \
        trailing `/` or `/v1` is ignored: the path `/v1/messages` is always appended.",
);

/// The request's bytes and how to read its reply.
fn encode(
    body: &wire::Body<'_>,
    read: Read,
    tool: Option<String>,
    wrapped: bool,
) -> Result<(Vec<u8>, Plan), BackendError> {
    let bytes = serde_json::to_vec(body)
        .map_err(|e| BackendError::Config(format!("the request cannot be encoded: {e}")))?;
    Ok((
        bytes,
        Plan {
            read,
            tool,
            wrapped,
        },
    ))
}

/// How to read a request's reply.
struct Plan {
    read: Read,
    /// The forced tool's name.
    tool: Option<String>,
    /// The value is the reply's `value` property.
    wrapped: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Read {
    /// The value is the forced tool call's input.
    Tool,
    /// The value is the reply's text.
    Text,
}

impl Backend for Anthropic {
    fn provider(&self) -> &str {
        PROVIDER
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn complete<'a>(&'a self, request: &'a Request) -> BackendFuture<'a> {
        Box::pin(async move {
            let (bytes, plan) = self.body(request, false)?;
            let key = self.key_header()?;
            let (url, shown) = self.urls();
            let client = self.http.client()?;
            let call = self
                .http
                .call(PROVIDER, &shown, request.time_limit, wire::read_error);
            let text = http::send(call, || self.post(&client, &url, &bytes, key.as_ref())).await?;
            wire::read_reply(&text, &plan).map_err(|e| e.without_key(self.http.api_key.as_ref()))
        })
    }

    /// Streams the reply over server-sent events: each `text_delta` (or, in tool mode, each
    /// `input_json_delta` of the forced tool) as [`Delta::Text`](super::Delta::Text), then the
    /// whole reply, read as [`complete`](Backend::complete) reads one. Usage is the latest
    /// cumulative count; an `overloaded_error` or `api_error` event is a transport fault.
    fn stream<'a>(&'a self, request: &'a Request) -> BackendStream<'a> {
        let masked = self.http.api_key.as_ref();
        let start = async move {
            let (bytes, plan) = self.body(request, true)?;
            let key = self.key_header()?;
            let (url, shown) = self.urls();
            let client = self.http.client()?;
            let call = self
                .http
                .call(PROVIDER, &shown, request.time_limit, wire::read_error);
            let response =
                http::open(call, || self.post(&client, &url, &bytes, key.as_ref())).await?;
            let wrapped = plan.wrapped;
            let deltas = stream::deltas(http::sse::events(&call, response), plan);
            Ok::<_, BackendError>(http::sse::enveloped(wrapped, deltas))
        };
        http::sse::opened(start, masked)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::backend::ApiKey;

    #[test]
    fn from_env_needs_a_key_and_reads_the_rest() {
        let err = Anthropic::from_lookup(|_| None).unwrap_err();
        assert!(err.to_string().contains("ANTHROPIC_API_KEY"), "{err}");

        let vars = |name: &str| match name {
            "ANTHROPIC_API_KEY" => Some(" sk-ant-secret \n".to_owned()),
            "ANTHROPIC_BASE_URL" => Some("http://127.0.0.1:9/v1/".to_owned()),
            _ => None,
        };
        let backend = Anthropic::from_lookup(vars).unwrap();
        assert_eq!(backend.model, DEFAULT_MODEL);
        assert_eq!(backend.url(), "http://127.0.0.1:9/v1/messages");
        assert_eq!(
            backend.http.api_key.as_ref().map(ApiKey::expose),
            Some("sk-ant-secret")
        );
        assert!(!format!("{backend:?}").contains("sk-ant-secret"));

        let with_model = |name: &str| match name {
            "ANTHROPIC_API_KEY" => Some("k".to_owned()),
            "OUTLINES_MODEL" => Some("claude-haiku-4-5".to_owned()),
            _ => None,
        };
        assert_eq!(
            Anthropic::from_lookup(with_model).unwrap().model,
            "claude-haiku-4-5"
        );
    }

    #[test]
    fn temperatures_read_as_written() {
        let mut request = Request::new(
            "",
            vec![crate::backend::Message::user("hi")],
            crate::backend::SchemaSpec {
                name: "N".into(),
                json_schema: json!({"type": "integer"}).into(),
                description: None,
            },
        );
        request.temperature = Some(0.2);
        let backend = Anthropic::new("m");
        let (bytes, _) = backend.body(&request, false).unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["temperature"], json!(0.2));
        request.temperature = Some(f32::NAN);
        assert!(matches!(
            backend.body(&request, false),
            Err(BackendError::Config(_))
        ));
    }
}
