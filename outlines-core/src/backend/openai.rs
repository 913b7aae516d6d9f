//! The OpenAI-compatible backend: Chat Completions (`POST {base_url}/chat/completions`), as served by
//! OpenAI and by Ollama, vLLM, llama.cpp's server and LM Studio.
//!
//! The output mode decides how the schema travels: `response_format` `json_schema` (always the nested
//! form, strict-transformed when possible: see [`crate::schema::openai`]), `json_object`, a forced
//! function tool, vLLM's `structured_outputs`, or the prompt alone. When the strict transform wrapped a
//! non-object root as `{"value": ...}`, the reply is unwrapped before the loop validates it.

use std::sync::Arc;

use reqwest::header::CONTENT_TYPE;
use serde_json::{Map, Value, json};

use super::http::{self, RetryPolicy};
use super::{
    ApiKey, Backend, BackendError, BackendFuture, Finish, OutputMode, Request, Response, Role,
    SchemaSpec, Usage,
};
use crate::schema::openai::{self as strict_schema, Limits};

/// The provider name in telemetry and errors.
const PROVIDER: &str = "openai";

/// The base URL used when none is set: OpenAI's own API.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// The model used when none is set: `gpt-4o-mini`, small, inexpensive and able to follow strict
/// schemas. Override with [`OpenAi::new`] or `OUTLINES_MODEL`.
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";

/// The field that carries the output token limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MaxTokensField {
    /// `max_completion_tokens`: what OpenAI's own API reads (it deprecated `max_tokens`, and its
    /// reasoning models refuse it).
    MaxCompletionTokens,
    /// `max_tokens`: what Ollama, vLLM, llama.cpp's server and LM Studio read.
    MaxTokens,
}

impl MaxTokensField {
    fn key(self) -> &'static str {
        match self {
            MaxTokensField::MaxCompletionTokens => "max_completion_tokens",
            MaxTokensField::MaxTokens => "max_tokens",
        }
    }
}

/// A backend speaking OpenAI's Chat Completions API.
///
/// ```
/// use outlines_core::backend::{Backend, OutputMode};
/// use outlines_core::backend::openai::OpenAi;
///
/// // A local Ollama server: no key needed.
/// let ollama = OpenAi::new("llama3.2").base_url("http://localhost:11434/v1");
/// assert_eq!(ollama.model(), "llama3.2");
/// // OpenAI itself, with a forced tool call instead of `response_format`.
/// let openai = OpenAi::new("gpt-4o-mini").api_key("sk-...").mode(OutputMode::Tool);
/// assert!(!format!("{openai:?}").contains("sk-"));
/// ```
#[derive(Clone, Debug)]
pub struct OpenAi {
    /// `None`: the shared [`http::default_client`].
    client: Option<reqwest::Client>,
    /// Shared by clones: a rate limit met by one request holds back the others.
    pacer: Arc<http::Pacer>,
    base_url: String,
    /// `Debug` prints it as `ApiKey(***)`.
    api_key: Option<ApiKey>,
    model: String,
    mode: OutputMode,
    strict: bool,
    retry: RetryPolicy,
    max_tokens_field: Option<MaxTokensField>,
    limits: Limits,
}

impl OpenAi {
    /// A backend for `model` on OpenAI's API ([`DEFAULT_BASE_URL`]), without a key, asking for
    /// strict JSON Schema output, with the SDKs' retry policy.
    pub fn new(model: impl Into<String>) -> Self {
        OpenAi {
            client: None,
            pacer: Arc::default(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_key: None,
            model: model.into(),
            mode: OutputMode::JsonSchema,
            strict: true,
            retry: RetryPolicy::default(),
            max_tokens_field: None,
            limits: Limits::default(),
        }
    }

    /// A backend configured from the environment: `OPENAI_API_KEY`, `OPENAI_BASE_URL` (with `/v1`,
    /// e.g. `http://localhost:11434/v1` for Ollama) and `OUTLINES_MODEL` (default [`DEFAULT_MODEL`]).
    ///
    /// Fails when the base URL is not an `http(s)` URL, or when it is OpenAI's and no key is set.
    pub fn from_env() -> Result<OpenAi, BackendError> {
        OpenAi::from_lookup(|name| std::env::var(name).ok())
    }

    pub(crate) fn from_lookup(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<OpenAi, BackendError> {
        let get = |name: &str| {
            var(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut backend =
            OpenAi::new(get("OUTLINES_MODEL").unwrap_or_else(|| DEFAULT_MODEL.into()));
        if let Some(url) = get("OPENAI_BASE_URL") {
            backend = backend.base_url(url);
        }
        backend.endpoint()?;
        match get("OPENAI_API_KEY") {
            Some(key) => Ok(backend.api_key(key)),
            None if backend.is_openai() => Err(BackendError::Config(
                "OPENAI_API_KEY is not set: set it to use OpenAI, or set OPENAI_BASE_URL to a server \
                 that needs no key (Ollama: http://localhost:11434/v1)"
                    .into(),
            )),
            None => Ok(backend),
        }
    }

    /// The API's base URL, `/v1` included: `https://api.openai.com/v1`, `http://localhost:11434/v1`
    /// (Ollama), `http://localhost:8000/v1` (vLLM), `http://localhost:8080/v1` (llama.cpp),
    /// `http://localhost:1234/v1` (LM Studio).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The API key, sent as `Authorization: Bearer ...` (local servers need none).
    pub fn api_key(mut self, key: impl Into<ApiKey>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The output mode used when a request asks for [`OutputMode::Auto`] (default
    /// [`OutputMode::JsonSchema`]).
    pub fn mode(mut self, mode: OutputMode) -> Self {
        self.mode = mode;
        self
    }

    /// Whether to send schemas with `strict: true`, transformed to OpenAI's strict subset (default
    /// `true`). Schemas with no strict form (maps, arbitrary values) go as they are with `strict: false`
    /// either way. Turn it off for servers that constrain decoding with the full schema themselves.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// The size limits of strict mode (default: OpenAI's documented ones).
    pub fn strict_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// How transport faults are retried (default: the SDKs' policy, 2 retries).
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

    /// The field carrying the output token limit. By default `max_completion_tokens` for OpenAI's own
    /// API (`api.openai.com`, Azure OpenAI) and `max_tokens` for every other server.
    pub fn max_tokens_field(mut self, field: MaxTokensField) -> Self {
        self.max_tokens_field = Some(field);
        self
    }

    /// The URL requests go to: the base URL with `/chat/completions`.
    pub fn endpoint(&self) -> Result<reqwest::Url, BackendError> {
        let base = self.base_url.trim().trim_end_matches('/');
        let base = base.strip_suffix("/chat/completions").unwrap_or(base);
        let url = reqwest::Url::parse(&format!("{base}/chat/completions"))
            .map_err(|e| BackendError::Config(format!("invalid OpenAI base URL {base:?}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(BackendError::Config(format!(
                "invalid OpenAI base URL {base:?}: not http or https"
            )));
        }
        Ok(url)
    }

    /// Whether the base URL is OpenAI's own API (or Azure OpenAI).
    fn is_openai(&self) -> bool {
        self.endpoint()
            .ok()
            .and_then(|url| url.host_str().map(str::to_ascii_lowercase))
            .is_some_and(|host| host == "api.openai.com" || host.ends_with(".openai.azure.com"))
    }

    fn max_tokens_key(&self) -> &'static str {
        let field = self.max_tokens_field.unwrap_or(if self.is_openai() {
            MaxTokensField::MaxCompletionTokens
        } else {
            MaxTokensField::MaxTokens
        });
        field.key()
    }

    /// The request body, and what reading the reply needs to know.
    fn body(&self, request: &Request) -> (Value, Plan) {
        let mode = match (request.mode, self.mode) {
            (OutputMode::Auto, OutputMode::Auto) => OutputMode::JsonSchema,
            (OutputMode::Auto, mode) | (mode, _) => mode,
        };
        let mut body = Map::new();
        let model = request.model.as_deref().unwrap_or(&self.model);
        body.insert("model".into(), model.into());
        body.insert(
            "messages".into(),
            messages(request, mode == OutputMode::JsonObject),
        );
        if let Some(t) = request.temperature {
            body.insert("temperature".into(), temperature(t));
        }
        if let Some(n) = request.max_tokens {
            body.insert(self.max_tokens_key().into(), n.into());
        }
        let spec = &request.schema;
        let name = schema_name(&spec.name);
        let mut plan = Plan {
            tool: false,
            wrapped: false,
        };
        match mode {
            OutputMode::Auto | OutputMode::JsonSchema => {
                let (schema, strict, wrapped) = self.native_schema(spec, false);
                plan.wrapped = wrapped;
                let mut format = Map::new();
                format.insert("name".into(), name.into());
                format.insert("strict".into(), strict.into());
                format.insert("schema".into(), schema);
                if let Some(d) = &spec.description {
                    format.insert("description".into(), d.as_str().into());
                }
                // Always the nested form: llama.cpp's server ignores `{"type": "json_schema",
                // "schema": ...}` and answers unconstrained.
                body.insert(
                    "response_format".into(),
                    json!({"type": "json_schema", "json_schema": format}),
                );
            }
            OutputMode::JsonObject => {
                body.insert("response_format".into(), json!({"type": "json_object"}));
            }
            OutputMode::Tool => {
                let (parameters, strict, wrapped) = self.native_schema(spec, true);
                plan.wrapped = wrapped;
                plan.tool = true;
                let mut function = Map::new();
                function.insert("name".into(), name.as_str().into());
                if let Some(d) = &spec.description {
                    function.insert("description".into(), d.as_str().into());
                }
                function.insert("parameters".into(), parameters);
                function.insert("strict".into(), strict.into());
                body.insert(
                    "tools".into(),
                    json!([{"type": "function", "function": function}]),
                );
                body.insert(
                    "tool_choice".into(),
                    json!({"type": "function", "function": {"name": name}}),
                );
                if strict {
                    body.insert("parallel_tool_calls".into(), false.into());
                }
            }
            OutputMode::StructuredOutputs => {
                body.insert(
                    "structured_outputs".into(),
                    json!({"json": spec.json_schema}),
                );
            }
            OutputMode::Prompt => {}
        }
        (Value::Object(body), plan)
    }

    /// The schema to send, whether it is strict, and whether its root was wrapped. Tool parameters
    /// must be an object even when not strict, so a non-object root is wrapped for them regardless.
    fn native_schema(&self, spec: &SchemaSpec, tool: bool) -> (Value, bool, bool) {
        if self.strict {
            match strict_schema::strict_with(&spec.json_schema, &self.limits) {
                Ok(s) => return (s.schema, true, s.wrapped),
                Err(reason) => tracing::debug!(
                    target: "outlines::backend",
                    provider = PROVIDER,
                    schema = %spec.name,
                    reason = %reason,
                    "the schema has no strict form; sending it with strict: false"
                ),
            }
        }
        if tool && !strict_schema::is_object_root(&spec.json_schema) {
            return (strict_schema::wrap(&spec.json_schema), false, true);
        }
        (spec.json_schema.clone(), false, false)
    }
}

impl Backend for OpenAi {
    fn provider(&self) -> &str {
        PROVIDER
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn complete<'a>(&'a self, request: &'a Request) -> BackendFuture<'a> {
        Box::pin(async move {
            let url = self.endpoint()?;
            let (body, plan) = self.body(request);
            let bytes = serde_json::to_vec(&body)
                .map_err(|e| BackendError::Config(format!("could not encode the request: {e}")))?;
            let client = http::client(self.client.as_ref())?;
            let call = http::Call {
                provider: PROVIDER,
                policy: &self.retry,
                pacer: &self.pacer,
                key: self.api_key.as_ref(),
                time_limit: request.time_limit,
                read_error,
            };
            let reply = http::send(call, || {
                let builder = client
                    .post(url.clone())
                    .header(CONTENT_TYPE, "application/json")
                    .body(bytes.clone());
                match &self.api_key {
                    // `bearer_auth` marks the header sensitive: it is never printed.
                    Some(key) => builder.bearer_auth(key.expose()),
                    None => builder,
                }
            })
            .await?;
            parse_reply(&reply, plan).map_err(|e| e.without_key(self.api_key.as_ref()))
        })
    }
}

/// What reading a reply needs to know about its request.
#[derive(Clone, Copy, Debug)]
struct Plan {
    /// The value is in the first tool call's arguments.
    tool: bool,
    /// The value is wrapped as `{"value": ...}`.
    wrapped: bool,
}

/// The system prompt, then the conversation. JSON mode requires the word "JSON" in the messages; the
/// loop's prompt has it, and a hand-built request gets a line saying so.
fn messages(request: &Request, json_mode: bool) -> Value {
    let mut system = request.system.clone();
    let mentions_json = |text: &str| text.to_ascii_lowercase().contains("json");
    if json_mode
        && !mentions_json(&system)
        && !request.messages.iter().any(|m| mentions_json(&m.content))
    {
        if !system.is_empty() {
            system.push_str("\n\n");
        }
        system.push_str("Reply with JSON.");
    }
    let mut out = Vec::with_capacity(request.messages.len() + 1);
    if !system.is_empty() {
        out.push(json!({"role": "system", "content": system}));
    }
    for message in &request.messages {
        let role = match message.role {
            Role::User => "user",
            Role::Assistant => "assistant",
        };
        out.push(json!({"role": role, "content": message.content}));
    }
    Value::Array(out)
}

/// The temperature as written (`0.2`, not `0.20000000298023224`).
fn temperature(t: f32) -> Value {
    t.to_string()
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// A schema or function name as OpenAI accepts it: `[A-Za-z0-9_-]{1,64}`.
fn schema_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if out.is_empty() {
        out.push_str("value");
    }
    out
}

/// Reads a Chat Completions reply.
fn parse_reply(body: &str, plan: Plan) -> Result<Response, BackendError> {
    let malformed = |message: String| BackendError::Malformed {
        provider: PROVIDER.to_owned(),
        message,
        body: http::body_excerpt(body),
    };
    let reply: Value =
        serde_json::from_str(body).map_err(|e| malformed(format!("the body is not JSON ({e})")))?;
    if let Some(error) = reply.get("error").filter(|e| !e.is_null()) {
        let message = error
            .get("message")
            .and_then(Value::as_str)
            .or_else(|| error.as_str())
            .unwrap_or("no message");
        return Err(malformed(format!(
            "an error in a successful reply: {message}"
        )));
    }
    let choice = reply
        .get("choices")
        .and_then(Value::as_array)
        .and_then(|choices| choices.first())
        .ok_or_else(|| malformed("the reply has no choices".into()))?;
    let message = choice
        .get("message")
        .filter(|m| m.is_object())
        .ok_or_else(|| malformed("the first choice has no message".into()))?;

    let arguments = if plan.tool {
        message
            .get("tool_calls")
            .and_then(Value::as_array)
            .and_then(|calls| calls.first())
            .and_then(|call| call.get("function"))
            .and_then(|function| function.get("arguments"))
            .and_then(|arguments| match arguments {
                Value::String(text) => Some(text.clone()),
                Value::Null => None,
                // Some servers send the arguments as an object rather than its text.
                other => Some(other.to_string()),
            })
    } else {
        None
    };
    // Without the tool call it was told to make, the model's text is the next best thing to check.
    let text = arguments.or_else(|| content(message)).unwrap_or_default();
    let text = if plan.wrapped {
        strict_schema::unwrap_reply(&text).into_owned()
    } else {
        text
    };
    let refusal = message
        .get("refusal")
        .and_then(Value::as_str)
        .filter(|r| !r.trim().is_empty())
        .map(str::to_owned);
    let finish = match choice.get("finish_reason").and_then(Value::as_str) {
        None | Some("stop") => Finish::Stop,
        Some("length") => Finish::Length,
        Some("content_filter") => Finish::ContentFilter,
        Some(other) => Finish::Other(other.to_owned()),
    };
    // vLLM may send `null` counts, and some servers no usage at all.
    let count = |key: &str| {
        reply
            .get("usage")
            .and_then(|u| u.get(key))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    Ok(Response {
        text,
        finish,
        refusal,
        usage: Usage {
            input_tokens: count("prompt_tokens"),
            output_tokens: count("completion_tokens"),
        },
        model: reply
            .get("model")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// `message.content`: a string, `null`, or (some servers) a list of text parts.
fn content(message: &Value) -> Option<String> {
    match message.get("content")? {
        Value::String(text) => Some(text.clone()),
        Value::Array(parts) => Some(
            parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str).or_else(|| p.as_str()))
                .collect(),
        ),
        _ => None,
    }
}

/// The code (or type) and message of an error body: OpenAI's `{"error": {"message", "type", "param",
/// "code"}}`, Ollama's `{"error": "..."}`, or a bare `{"message"}` / `{"detail"}`.
fn read_error(body: &str) -> (Option<String>, Option<String>) {
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        return (None, None);
    };
    let text = |v: Option<&Value>| match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match value.get("error") {
        Some(error @ Value::Object(_)) => (
            text(error.get("code")).or_else(|| text(error.get("type"))),
            text(error.get("message")),
        ),
        Some(Value::String(message)) => (None, Some(message.clone())),
        _ => (
            None,
            text(value.get("message")).or_else(|| text(value.get("detail"))),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Message;

    fn spec(schema: Value) -> SchemaSpec {
        SchemaSpec {
            name: "Person".into(),
            json_schema: schema,
            description: Some("A person.".into()),
        }
    }

    fn person() -> Value {
        json!({
            "type": "object",
            "properties": {"name": {"type": "string", "maxLength": 80}},
            "required": ["name"],
        })
    }

    fn request(mode: OutputMode, schema: Value) -> Request {
        let mut r = Request::new("Reply with JSON.", vec![Message::user("hi")], spec(schema));
        r.mode = mode;
        r
    }

    #[test]
    fn auto_uses_the_backends_mode_and_json_schema_by_default() {
        let (body, _) = OpenAi::new("m").body(&request(OutputMode::Auto, person()));
        assert_eq!(body["response_format"]["type"], "json_schema");
        let (body, plan) = OpenAi::new("m")
            .mode(OutputMode::Tool)
            .body(&request(OutputMode::Auto, person()));
        assert!(body.get("response_format").is_none());
        assert!(plan.tool);
        let (body, _) = OpenAi::new("m")
            .mode(OutputMode::Tool)
            .body(&request(OutputMode::Prompt, person()));
        assert!(body.get("tools").is_none());
    }

    #[test]
    fn the_token_limit_field_follows_the_host() {
        let mut r = request(OutputMode::Prompt, person());
        r.max_tokens = Some(100);
        r.temperature = Some(0.2);
        let (openai, _) = OpenAi::new("m").body(&r);
        assert_eq!(openai["max_completion_tokens"], 100);
        assert!(openai.get("max_tokens").is_none());
        assert_eq!(openai["temperature"], json!(0.2));
        let (azure, _) = OpenAi::new("m")
            .base_url("https://x.openai.azure.com/openai/v1")
            .body(&r);
        assert_eq!(azure["max_completion_tokens"], 100);
        let (ollama, _) = OpenAi::new("m")
            .base_url("http://localhost:11434/v1/")
            .body(&r);
        assert_eq!(ollama["max_tokens"], 100);
        let (forced, _) = OpenAi::new("m")
            .base_url("http://localhost:8000/v1")
            .max_tokens_field(MaxTokensField::MaxCompletionTokens)
            .body(&r);
        assert_eq!(forced["max_completion_tokens"], 100);
    }

    #[test]
    fn strict_off_sends_the_plain_schema() {
        let (body, plan) = OpenAi::new("m").strict(false).body(&request(
            OutputMode::JsonSchema,
            json!({"type": "array", "items": {"type": "string"}}),
        ));
        assert_eq!(
            body["response_format"]["json_schema"],
            json!({"name": "Person", "strict": false, "schema": {"type": "array", "items": {"type": "string"}}, "description": "A person."})
        );
        assert!(!plan.wrapped);
        // Tool parameters must be an object even when not strict.
        let (body, plan) = OpenAi::new("m").strict(false).body(&request(
            OutputMode::Tool,
            json!({"type": "array", "items": {"type": "string"}}),
        ));
        assert_eq!(
            body["tools"][0]["function"]["parameters"]["properties"]["value"],
            json!({"type": "array", "items": {"type": "string"}})
        );
        assert!(plan.wrapped);
        assert!(body.get("parallel_tool_calls").is_none());
    }

    #[test]
    fn json_mode_makes_sure_json_is_mentioned() {
        let mut r = request(OutputMode::JsonObject, person());
        r.system = String::new();
        let (body, _) = OpenAi::new("m").body(&r);
        assert_eq!(
            body["messages"][0],
            json!({"role": "system", "content": "Reply with JSON."})
        );
        r.system = "Be brief.".into();
        let (body, _) = OpenAi::new("m").body(&r);
        assert_eq!(
            body["messages"][0]["content"],
            "Be brief.\n\nReply with JSON."
        );
        let (body, _) = OpenAi::new("m").body(&request(OutputMode::JsonObject, person()));
        assert_eq!(body["messages"][0]["content"], "Reply with JSON.");
    }

    #[test]
    fn names_are_made_acceptable() {
        assert_eq!(schema_name("Page_Person"), "Page_Person");
        assert_eq!(schema_name("Page<Person>"), "Page_Person_");
        assert_eq!(schema_name(""), "value");
        assert_eq!(schema_name(&"x".repeat(100)).len(), 64);
    }

    #[test]
    fn replies_are_read_defensively() {
        let plan = Plan {
            tool: false,
            wrapped: false,
        };
        let reply = parse_reply(
            r#"{"choices":[{"message":{"content":"{}"},"finish_reason":null}],"usage":{"prompt_tokens":null,"completion_tokens":3}}"#,
            plan,
        )
        .unwrap();
        assert_eq!(reply.finish, Finish::Stop);
        assert_eq!(
            reply.usage,
            Usage {
                input_tokens: 0,
                output_tokens: 3
            }
        );
        let parts = parse_reply(
            r#"{"choices":[{"message":{"content":[{"type":"text","text":"{\"a\""},{"type":"text","text":":1}"}]}}]}"#,
            plan,
        )
        .unwrap();
        assert_eq!(parts.text, r#"{"a":1}"#);
        let err = parse_reply(r#"{"choices":[]}"#, plan).unwrap_err();
        assert!(
            err.to_string().ends_with("the reply has no choices"),
            "{err}"
        );
        let err = parse_reply(r#"{"error":{"message":"overloaded"}}"#, plan).unwrap_err();
        assert!(err.to_string().contains("overloaded"), "{err}");
        let tool = Plan {
            tool: true,
            wrapped: true,
        };
        let reply = parse_reply(
            r#"{"choices":[{"message":{"content":null,"tool_calls":[{"type":"function","function":{"name":"x","arguments":{"value":[1]}}}]},"finish_reason":"tool_calls"}]}"#,
            tool,
        )
        .unwrap();
        assert_eq!(reply.text, "[1]");
        assert_eq!(reply.finish, Finish::Other("tool_calls".into()));
    }

    #[test]
    fn error_bodies_of_every_server_are_read() {
        assert_eq!(
            read_error(
                r#"{"error":{"message":"Bad schema","type":"invalid_request_error","param":"response_format","code":null}}"#
            ),
            (
                Some("invalid_request_error".into()),
                Some("Bad schema".into())
            )
        );
        assert_eq!(
            read_error(
                r#"{"error":{"message":"Quota","type":"insufficient_quota","code":"insufficient_quota"}}"#
            ),
            (Some("insufficient_quota".into()), Some("Quota".into()))
        );
        assert_eq!(
            read_error(r#"{"error":{"message":"bad","type":"BadRequestError","code":400}}"#),
            (Some("400".into()), Some("bad".into()))
        );
        assert_eq!(
            read_error(r#"{"error":"model \"x\" not found"}"#),
            (None, Some("model \"x\" not found".into()))
        );
        assert_eq!(
            read_error(r#"{"detail":"Not Found"}"#),
            (None, Some("Not Found".into()))
        );
        assert_eq!(read_error("<html>"), (None, None));
    }

    #[test]
    fn configuration_comes_from_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let err = OpenAi::from_lookup(env(&[])).unwrap_err();
        assert!(
            err.to_string().contains("OPENAI_API_KEY is not set"),
            "{err}"
        );
        let openai = OpenAi::from_lookup(env(&[("OPENAI_API_KEY", " sk-env-secret ")])).unwrap();
        assert_eq!(openai.model(), DEFAULT_MODEL);
        assert_eq!(
            openai.api_key.as_ref().map(ApiKey::expose),
            Some("sk-env-secret")
        );
        assert!(!format!("{openai:?}").contains("sk-env-secret"));
        let ollama = OpenAi::from_lookup(env(&[
            ("OPENAI_BASE_URL", "http://localhost:11434/v1"),
            ("OUTLINES_MODEL", "llama3.2"),
        ]))
        .unwrap();
        assert_eq!(ollama.model(), "llama3.2");
        assert_eq!(
            ollama.endpoint().unwrap().as_str(),
            "http://localhost:11434/v1/chat/completions"
        );
        assert!(ollama.api_key.is_none());
        let err = OpenAi::from_lookup(env(&[("OPENAI_BASE_URL", "localhost:11434")])).unwrap_err();
        assert!(matches!(err, BackendError::Config(_)), "{err}");
    }
}
