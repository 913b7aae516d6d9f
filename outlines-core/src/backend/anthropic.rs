//! The Anthropic Messages API (`POST {base}/v1/messages`).
//!
//! Structured output by a forced tool call (the default: every Claude model supports it) or by
//! `output_config.format` (structured outputs, newer models), with the schema rendered into
//! Anthropic's subset by [`schema::anthropic`](crate::schema::anthropic). Transport faults — 429,
//! 5xx, 529 `overloaded_error` — are retried per the [`RetryPolicy`].
//!
//! ```no_run
//! use outlines_core::backend::anthropic::Anthropic;
//! use outlines_core::OutputMode;
//!
//! let backend = Anthropic::new("claude-sonnet-4-5")
//!     .api_key(std::env::var("ANTHROPIC_API_KEY").unwrap_or_default())
//!     .mode(OutputMode::JsonSchema);
//! ```

use std::sync::Arc;

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::http::{self, RetryPolicy, body_excerpt};
use super::memo::SchemaMemo;
use super::{
    ApiKey, Backend, BackendError, BackendFuture, Finish, OutputMode, Request, Response, Role,
    Usage,
};
use crate::schema::anthropic::{WRAP_KEY, object_root, structured};
use crate::schema::names::provider_name;

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
    model: String,
    base_url: String,
    api_key: Option<ApiKey>,
    version: String,
    mode: OutputMode,
    default_max_tokens: u32,
    retry: RetryPolicy,
    /// `None`: the shared [`http::default_client`].
    client: Option<reqwest::Client>,
    /// Shared by clones: a rate limit met by one request holds back the others.
    pacer: Arc<http::Pacer>,
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
            model: model.into(),
            base_url: DEFAULT_BASE_URL.into(),
            api_key: None,
            version: DEFAULT_VERSION.into(),
            mode: OutputMode::Auto,
            default_max_tokens: DEFAULT_MAX_TOKENS,
            retry: RetryPolicy::default(),
            client: None,
            pacer: Arc::default(),
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

    /// The API's address, e.g. a proxy or a test server (`http://127.0.0.1:8080`). A trailing `/` or
    /// `/v1` is ignored: the path `/v1/messages` is always appended.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        let url = url.trim_end_matches('/');
        self.base_url = url.strip_suffix("/v1").unwrap_or(url).to_owned();
        self
    }

    /// The API key, sent as `x-api-key`.
    pub fn api_key(mut self, key: impl Into<ApiKey>) -> Self {
        self.api_key = Some(key.into());
        self
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

    /// How transport faults are retried (default: 2 retries, as the official SDKs).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The HTTP client (for proxies, TLS settings or timeouts of your own), instead of the shared
    /// [`default`](crate::backend::http::REQUEST_TIMEOUT) one. Its redirect policy applies: reqwest's
    /// default follows redirects and keeps custom headers such as `x-api-key` across hosts, so build
    /// it with `.redirect(reqwest::redirect::Policy::none())` unless you trust every hop.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    pub(crate) fn url(&self) -> String {
        format!("{}/v1/messages", self.base_url)
    }

    /// The request body, and how to read the reply.
    fn plan(&self, request: &Request) -> Result<Plan, BackendError> {
        let mut body = Map::new();
        let model = request.model.as_deref().unwrap_or(&self.model);
        body.insert("model".into(), model.into());
        let max_tokens = request.max_tokens.unwrap_or(self.default_max_tokens);
        body.insert("max_tokens".into(), max_tokens.into());
        if !request.system.trim().is_empty() {
            body.insert("system".into(), request.system.clone().into());
        }
        let messages: Vec<Value> = request.messages.iter().map(message).collect();
        body.insert("messages".into(), messages.into());
        if let Some(t) = request.temperature {
            body.insert("temperature".into(), temperature(t)?);
        }

        let mode = match (request.mode, self.mode) {
            (OutputMode::Auto, OutputMode::Auto) => OutputMode::Tool,
            (OutputMode::Auto, configured) => configured,
            (asked, _) => asked,
        };
        let native = self
            .schemas
            .get_or_make(&request.schema.json_schema, (), || {
                Arc::new(NativeSchema::of(&request.schema.json_schema))
            });
        let wrapped = native.wrapped;
        let (read, wrapped) = match mode {
            OutputMode::Auto | OutputMode::Tool => (Read::Tool, wrapped),
            OutputMode::JsonSchema => match &native.subset {
                Ok(subset) => {
                    let mut format = Map::new();
                    format.insert("type".into(), "json_schema".into());
                    format.insert("schema".into(), subset.clone());
                    let mut config = Map::new();
                    config.insert("format".into(), Value::Object(format));
                    body.insert("output_config".into(), Value::Object(config));
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
            OutputMode::StructuredOutputs => {
                return Err(BackendError::Config(
                    "the Anthropic backend has no StructuredOutputs mode (that is vLLM's); \
                     use Tool, JsonSchema or Prompt"
                        .into(),
                ));
            }
        };
        let tool = (read == Read::Tool).then(|| provider_name(&request.schema.name));
        if let Some(name) = &tool {
            let mut description = format!("Return the {} value.", request.schema.name);
            if let Some(d) = request
                .schema
                .description
                .as_deref()
                .filter(|d| !d.trim().is_empty())
            {
                description.push(' ');
                description.push_str(d.trim());
            }
            let mut tool = Map::new();
            tool.insert("name".into(), name.as_str().into());
            tool.insert("description".into(), description.into());
            tool.insert("input_schema".into(), native.schema.clone());
            body.insert("tools".into(), Value::Array(vec![Value::Object(tool)]));
            body.insert(
                "tool_choice".into(),
                json!({"type": "tool", "name": name, "disable_parallel_tool_use": true}),
            );
        }
        let key = match &self.api_key {
            Some(key) => {
                let mut value = HeaderValue::from_str(key.expose()).map_err(|_| {
                    BackendError::Config("the API key is not a valid HTTP header value".into())
                })?;
                value.set_sensitive(true);
                Some(value)
            }
            None => None,
        };
        Ok(Plan {
            body: Value::Object(body),
            key,
            read,
            tool,
            wrapped,
        })
    }
}

/// The request body and how to read its reply.
struct Plan {
    body: Value,
    key: Option<HeaderValue>,
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
            let plan = self.plan(request)?;
            let url = self.url();
            let bytes = serde_json::to_vec(&plan.body)
                .map_err(|e| BackendError::Config(format!("the request cannot be encoded: {e}")))?;
            let client = http::client(self.client.as_ref())?;
            let call = http::Call {
                provider: PROVIDER,
                policy: &self.retry,
                pacer: &self.pacer,
                key: self.api_key.as_ref(),
                time_limit: request.time_limit,
                read_error,
            };
            let text = http::send(call, || {
                let mut builder = client
                    .post(&url)
                    .header("anthropic-version", &self.version)
                    .header(CONTENT_TYPE, "application/json")
                    .body(bytes.clone());
                if let Some(key) = &plan.key {
                    builder = builder.header("x-api-key", key.clone());
                }
                builder
            })
            .await?;
            read_reply(&text, &plan).map_err(|e| e.without_key(self.api_key.as_ref()))
        })
    }
}

/// A turn in the API's form. An empty turn is rejected by the API, so an empty reply being repaired
/// is sent as a placeholder.
fn message(m: &super::Message) -> Value {
    let role = match m.role {
        Role::User => "user",
        Role::Assistant => "assistant",
    };
    let content = if m.content.trim().is_empty() && m.role == Role::Assistant {
        "(an empty reply)"
    } else {
        m.content.as_str()
    };
    json!({"role": role, "content": content})
}

/// A temperature as JSON, written as the `f32` reads (`0.2`, not `0.20000000298023224`).
fn temperature(t: f32) -> Result<Value, BackendError> {
    t.to_string()
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
        .ok_or_else(|| BackendError::Config(format!("temperature {t} is not a finite number")))
}

/// A Messages API reply, read leniently: unknown fields and block types are ignored.
#[derive(Deserialize)]
struct Reply {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    content: Option<Vec<Block>>,
    #[serde(default)]
    stop_reason: Option<String>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    error: Option<WireError>,
}

#[derive(Deserialize)]
#[serde(tag = "type")]
enum Block {
    #[serde(rename = "text")]
    Text { text: String },
    #[serde(rename = "tool_use")]
    ToolUse {
        #[serde(default)]
        name: String,
        #[serde(default)]
        input: Value,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize, Default)]
struct WireUsage {
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    output_tokens: Option<u64>,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct WireError {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Turns a successful body into a [`Response`].
fn read_reply(body: &str, plan: &Plan) -> Result<Response, BackendError> {
    let malformed = |message: String| BackendError::Malformed {
        provider: PROVIDER.into(),
        message,
        body: body_excerpt(body),
    };
    let reply: Reply = serde_json::from_str(body)
        .map_err(|e| malformed(format!("not a Messages API reply: {e}")))?;
    if reply.kind.as_deref() == Some("error") || reply.error.is_some() {
        let (kind, message) = reply.error.map(|e| (e.kind, e.message)).unwrap_or_default();
        return Err(malformed(format!(
            "an error in a successful reply: {}: {}",
            kind.as_deref().unwrap_or("error"),
            message.as_deref().unwrap_or("(no message)")
        )));
    }
    let content = reply
        .content
        .ok_or_else(|| malformed("the reply has no `content`".into()))?;
    let said: String = content
        .iter()
        .filter_map(|b| match b {
            Block::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let tool_input = match plan.read {
        Read::Tool => {
            let calls = || {
                content.iter().filter_map(|b| match b {
                    Block::ToolUse { name, input } => Some((name, input)),
                    _ => None,
                })
            };
            calls()
                .find(|(name, _)| Some(*name) == plan.tool.as_ref())
                .or_else(|| calls().next())
                .map(|(_, input)| input)
        }
        Read::Text => None,
    };
    let text = match tool_input {
        Some(input) => {
            let value = if plan.wrapped {
                unwrap(input.clone())
            } else {
                input.clone()
            };
            serde_json::to_string(&value)
                .map_err(|e| malformed(format!("the tool input cannot be written as JSON: {e}")))?
        }
        // A refusal or a reply cut off before the call: the text, for the loop to judge.
        None if plan.wrapped => unwrap_text(&said),
        None => said.clone(),
    };
    let finish = match reply.stop_reason.as_deref() {
        None | Some("end_turn" | "tool_use" | "stop_sequence") => Finish::Stop,
        Some("max_tokens") => Finish::Length,
        Some("refusal") => Finish::Refusal,
        Some(other) => Finish::Other(other.to_owned()),
    };
    let refusal = (finish == Finish::Refusal).then(|| {
        let said = said.trim();
        if said.is_empty() {
            "the model declined to answer (stop_reason: refusal)".to_owned()
        } else {
            said.to_owned()
        }
    });
    // Cached prompt tokens are prompt tokens too (OpenTelemetry's `gen_ai.usage.input_tokens`
    // counts them); Anthropic reports them apart from `input_tokens`.
    let usage = reply.usage.unwrap_or_default();
    let usage = Usage {
        input_tokens: usage.input_tokens.unwrap_or(0)
            + usage.cache_creation_input_tokens.unwrap_or(0)
            + usage.cache_read_input_tokens.unwrap_or(0),
        output_tokens: usage.output_tokens.unwrap_or(0),
    };
    Ok(Response {
        text,
        finish,
        refusal,
        usage,
        model: reply.model,
        forced: None,
    })
}

/// The wrapped value: the `value` property of a wrapper object, or the value itself if it is not one.
fn unwrap(value: Value) -> Value {
    match value {
        Value::Object(mut map) if map.len() == 1 && map.contains_key(WRAP_KEY) => {
            map.remove(WRAP_KEY).unwrap_or(Value::Null)
        }
        other => other,
    }
}

/// The wrapped value of a reply's text, or the text as it is when it is not a wrapper (not JSON, cut
/// off...), so the loop reports what is wrong with it.
fn unwrap_text(text: &str) -> String {
    match serde_json::from_str::<Value>(text.trim()) {
        Ok(Value::Object(map)) if map.len() == 1 && map.contains_key(WRAP_KEY) => {
            serde_json::to_string(&unwrap(Value::Object(map))).unwrap_or_else(|_| text.to_owned())
        }
        _ => text.to_owned(),
    }
}

/// The error type and message of an error body: `{"type": "error", "error": {"type", "message"},
/// "request_id"}`. The request id is added to the message, for support requests.
fn read_error(body: &str) -> (Option<String>, Option<String>) {
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        return (None, None);
    };
    let error = value.get("error");
    let kind = error
        .and_then(|e| e.get("type"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let message = error
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .map(|m| match value.get("request_id").and_then(Value::as_str) {
            Some(id) => format!("{m} (request_id: {id})"),
            None => m.to_owned(),
        });
    (kind, message)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            backend.api_key.as_ref().map(ApiKey::expose),
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
    fn error_bodies_give_type_message_and_request_id() {
        let body = r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}"#;
        assert_eq!(
            read_error(body),
            (
                Some("overloaded_error".into()),
                Some("Overloaded (request_id: req_1)".into())
            )
        );
        assert_eq!(read_error("<html>bad gateway</html>"), (None, None));
    }

    #[test]
    fn temperatures_read_as_written() {
        assert_eq!(temperature(0.2).unwrap(), json!(0.2));
        assert!(temperature(f32::NAN).is_err());
    }

    #[test]
    fn unwrapping_leaves_other_values_alone() {
        assert_eq!(unwrap(json!({"value": [1, 2]})), json!([1, 2]));
        assert_eq!(
            unwrap(json!({"value": 1, "other": 2})),
            json!({"value": 1, "other": 2})
        );
        assert_eq!(unwrap_text(r#" {"value": "x"} "#), r#""x""#);
        assert_eq!(unwrap_text(r#"{"value": [1,"#), r#"{"value": [1,"#);
    }
}
