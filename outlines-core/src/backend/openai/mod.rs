//! The OpenAI-compatible backend: Chat Completions (`POST {base_url}/chat/completions`), as served by
//! OpenAI and by Ollama, vLLM, llama.cpp's server and LM Studio.
//!
//! The output mode decides how the schema travels: `response_format` `json_schema` (always the nested
//! form, strict-transformed when possible: see [`schema`]), `json_object`, a forced
//! function tool, or the prompt alone; vLLM's `structured_outputs` instead of `response_format` when
//! the backend is built with [`SchemaParameter::StructuredOutputs`]. When the strict transform wrapped a
//! non-object root as `{"value": ...}`, the reply is unwrapped before the loop validates it.
//!
//! A regex, a choice or a Lark grammar travels natively only to the servers that take one, as
//! [`SchemaParameter`] says: vLLM's `structured_outputs`, llama.cpp's GBNF `grammar` (for a choice,
//! and a regex GBNF can say exactly). Elsewhere, and in [`OutputMode::Prompt`], it is stated in the
//! prompt alone; the JSON modes (`JsonObject`, `Tool`) mean nothing for text and are ignored. The
//! generation loop checks every reply either way.

mod gbnf;
pub mod schema;
mod stream;
mod wire;

use std::borrow::Cow;
use std::sync::Arc;

use reqwest::header::CONTENT_TYPE;
use serde_json::Value;
use serde_json::value::RawValue;

use self::schema::Limits;
use super::http::{self, HttpConfig, http_setters};
use super::memo::SchemaMemo;

use super::{
    Backend, BackendError, BackendFuture, BackendStream, Constraint, OutputMode, Request,
    SchemaSpec,
};
use crate::schema::names::provider_name;
use crate::text::f32_as_written;

/// The provider name in telemetry and errors.
const PROVIDER: &str = "openai";

/// The base URL used when none is set: OpenAI's own API.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// The model used when none is set: `gpt-4o-mini`, small, inexpensive and able to follow strict
/// schemas. Override with [`OpenAi::new`] or `OUTLINES_MODEL`.
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";

/// The request parameter that carries the constraint: the schema in [`OutputMode::JsonSchema`],
/// and a regex, a choice or a grammar where the server takes one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SchemaParameter {
    /// `response_format: {"type": "json_schema", "json_schema": {...}}`, strict-transformed where
    /// possible: what OpenAI and every compatible server read (the default). A regex, a choice, a
    /// grammar or free text is stated in the prompt alone.
    #[default]
    ResponseFormat,
    /// vLLM's `structured_outputs`: `{"json": <schema>}` (guided decoding with the full JSON Schema
    /// as `Structured::json_schema` renders it, no strict transform), `{"regex": <pattern>}`,
    /// `{"choice": [...]}` or `{"grammar": <Lark grammar>}`; free text goes unconstrained. vLLM
    /// reads `response_format` too; this is its own parameter (vLLM ≥ 0.12 removed the older
    /// `guided_json`, `guided_regex`, ...).
    ///
    /// vLLM's default structured-output backend (`auto`) prefers xgrammar, which reads a regex in
    /// its own, close syntax and converts only simple Lark grammars to its EBNF; start vLLM with
    /// `--structured-outputs-config.backend guidance` to have llguidance read both exactly as the
    /// local model and the reply check do (the `regex` crate's syntax, llguidance's Lark).
    StructuredOutputs,
    /// llama.cpp's server (`llama-server`): a JSON Schema as `response_format` (as
    /// [`ResponseFormat`](SchemaParameter::ResponseFormat)), and a choice or a regex as a GBNF
    /// `grammar`, which its `/v1/chat/completions` accepts. A regex goes as a grammar only where
    /// GBNF says exactly the same (literals, classes, alternation, repetition up to 1,000, anchors
    /// at the ends); one with a word boundary, say, and a Lark grammar, are stated in the prompt
    /// alone. Free text goes unconstrained.
    LlamaCpp,
}

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
    /// Base URL, key, retries, client.
    http: HttpConfig,
    model: String,
    mode: OutputMode,
    strict: bool,
    schema_parameter: SchemaParameter,
    max_tokens_field: Option<MaxTokensField>,
    limits: Limits,
    /// The schema as sent, per request schema and tool-or-not; made by [`OpenAi::native_schema`]
    /// and forgotten when `strict` or the limits change.
    schemas: Arc<SchemaMemo<bool, Result<Arc<NativeSchema>, BackendError>>>,
}

/// A schema in the form sent to the provider.
#[derive(Debug)]
struct NativeSchema {
    /// Encoded once, copied into each request body.
    schema: Box<RawValue>,
    /// Whether the provider may enforce it (`strict: true`).
    strict: bool,
    /// Whether a non-object root was wrapped in an object.
    wrapped: bool,
}

impl OpenAi {
    /// A backend for `model` on OpenAI's API ([`DEFAULT_BASE_URL`]), without a key, asking for
    /// strict JSON Schema output, with the SDKs' retry policy.
    pub fn new(model: impl Into<String>) -> Self {
        OpenAi {
            http: HttpConfig::new(DEFAULT_BASE_URL),
            model: model.into(),
            mode: OutputMode::JsonSchema,
            strict: true,
            schema_parameter: SchemaParameter::ResponseFormat,
            max_tokens_field: None,
            limits: Limits::default(),
            schemas: Arc::default(),
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
        self.schemas = Arc::default();
        self
    }

    /// The size limits of strict mode (default: OpenAI's documented ones).
    pub fn strict_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self.schemas = Arc::default();
        self
    }

    /// The parameter that carries the schema in [`OutputMode::JsonSchema`] (and `Auto`): OpenAI's
    /// `response_format` by default, or vLLM's `structured_outputs`.
    ///
    /// ```
    /// use outlines_core::backend::openai::{OpenAi, SchemaParameter};
    ///
    /// let vllm = OpenAi::new("Qwen/Qwen2.5-7B-Instruct")
    ///     .base_url("http://localhost:8000/v1")
    ///     .schema_parameter(SchemaParameter::StructuredOutputs);
    /// ```
    pub fn schema_parameter(mut self, parameter: SchemaParameter) -> Self {
        self.schema_parameter = parameter;
        self
    }

    /// The field carrying the output token limit. By default `max_completion_tokens` for OpenAI's own
    /// API (`api.openai.com`, Azure OpenAI) and `max_tokens` for every other server.
    pub fn max_tokens_field(mut self, field: MaxTokensField) -> Self {
        self.max_tokens_field = Some(field);
        self
    }

    /// The HTTP request that sends `bytes` to `url`, with the key.
    fn post(
        &self,
        client: &reqwest::Client,
        url: &reqwest::Url,
        bytes: &[u8],
    ) -> reqwest::RequestBuilder {
        let builder = client
            .post(url.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(bytes.to_vec());
        match &self.http.api_key {
            // `bearer_auth` marks the header sensitive: it is never printed.
            Some(key) => builder.bearer_auth(key.expose()),
            None => builder,
        }
    }

    /// The URL requests go to: the base URL with `/chat/completions`.
    pub fn endpoint(&self) -> Result<reqwest::Url, BackendError> {
        let base = self.http.base_url.trim().trim_end_matches('/');
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

    fn token_limit_field(&self) -> MaxTokensField {
        self.max_tokens_field.unwrap_or(if self.is_openai() {
            MaxTokensField::MaxCompletionTokens
        } else {
            MaxTokensField::MaxTokens
        })
    }

    /// The request body, encoded, and what reading the reply needs to know.
    fn body(&self, request: &Request, stream: bool) -> Result<(Vec<u8>, Plan), BackendError> {
        let mode = match (request.mode, self.mode) {
            (OutputMode::Auto, OutputMode::Auto) => OutputMode::JsonSchema,
            (OutputMode::Auto, mode) | (mode, _) => mode,
        };
        let (max_tokens, max_completion_tokens) = match request.max_tokens {
            None => (None, None),
            Some(n) => match self.token_limit_field() {
                MaxTokensField::MaxTokens => (Some(n), None),
                MaxTokensField::MaxCompletionTokens => (None, Some(n)),
            },
        };
        // Everything but the constraint; the JSON modes add theirs below.
        let base = |json_mode: bool| wire::Body {
            model: request.model.as_deref().unwrap_or(&self.model),
            messages: wire::messages(request, json_mode),
            temperature: request.temperature.and_then(f32_as_written),
            max_tokens,
            max_completion_tokens,
            response_format: None,
            tools: None,
            tool_choice: None,
            parallel_tool_calls: None,
            structured_outputs: None,
            grammar: None,
            stream: stream.then_some(true),
            stream_options: stream.then_some(wire::StreamOptions {
                include_usage: true,
            }),
        };
        // A regex, a choice, a grammar or free text: the reply is read as text, and the constraint
        // travels natively where the server takes it (any mode but `Prompt`: the JSON modes have
        // no meaning for text).
        let Some(spec) = request.output.json() else {
            let native = mode != OutputMode::Prompt;
            let grammar = match self.schema_parameter {
                SchemaParameter::LlamaCpp if native => self.gbnf(&request.output),
                _ => None,
            };
            let mut body = base(false);
            body.grammar = grammar.as_deref();
            body.structured_outputs = match self.schema_parameter {
                SchemaParameter::StructuredOutputs if native => match &request.output {
                    Constraint::Regex(pattern) => Some(wire::StructuredOutputs::Regex(pattern)),
                    Constraint::Choice(choices) => Some(wire::StructuredOutputs::Choice(choices)),
                    Constraint::Grammar(lark) => Some(wire::StructuredOutputs::Grammar(lark)),
                    _ => None,
                },
                _ => None,
            };
            let plan = Plan {
                tool: false,
                wrapped: false,
            };
            return encode(&body, plan);
        };
        let name = provider_name(&spec.name);
        let mut body = base(mode == OutputMode::JsonObject);
        let mut plan = Plan {
            tool: false,
            wrapped: false,
        };
        // Kept here so the body can borrow it.
        let native;
        match mode {
            OutputMode::Auto | OutputMode::JsonSchema
                if self.schema_parameter == SchemaParameter::StructuredOutputs =>
            {
                body.structured_outputs = Some(wire::StructuredOutputs::Json(&spec.json_schema));
            }
            OutputMode::Auto | OutputMode::JsonSchema => {
                native = self.native_schema(spec, false)?;
                plan.wrapped = native.wrapped;
                body.response_format = Some(wire::ResponseFormat::JsonSchema {
                    json_schema: wire::JsonSchemaFormat {
                        name: &name,
                        strict: native.strict,
                        schema: &native.schema,
                        description: spec.description.as_deref(),
                    },
                });
            }
            OutputMode::JsonObject => body.response_format = Some(wire::ResponseFormat::JsonObject),
            OutputMode::Tool => {
                native = self.native_schema(spec, true)?;
                plan.wrapped = native.wrapped;
                plan.tool = true;
                body.tools = Some([wire::Tool::Function {
                    function: wire::Function {
                        name: &name,
                        description: spec.description.as_deref(),
                        parameters: &native.schema,
                        strict: native.strict,
                    },
                }]);
                body.tool_choice = Some(wire::ToolChoice::Function {
                    function: wire::Named { name: &name },
                });
                body.parallel_tool_calls = native.strict.then_some(false);
            }
            OutputMode::Prompt => {}
        }
        encode(&body, plan)
    }

    /// llama.cpp's GBNF grammar for a choice or a regex, when one says exactly the same.
    fn gbnf(&self, output: &Constraint) -> Option<String> {
        let grammar = match output {
            Constraint::Choice(choices) => gbnf::choice(choices),
            Constraint::Regex(pattern) => gbnf::regex(pattern),
            // A Lark grammar has no sound GBNF translation here; free text needs none.
            _ => None,
        };
        if grammar.is_none() && !matches!(output, Constraint::Text) {
            tracing::debug!(
                target: "outlines::backend",
                provider = PROVIDER,
                constraint = output.kind(),
                "no exact GBNF grammar for this constraint: it is stated in the prompt alone"
            );
        }
        grammar
    }

    /// The schema to send (encoded), whether it is strict, and whether its root was wrapped. Tool
    /// parameters must be an object even when not strict, so a non-object root is wrapped for them
    /// regardless. Made once per schema and tool-or-not.
    fn native_schema(
        &self,
        spec: &SchemaSpec,
        tool: bool,
    ) -> Result<Arc<NativeSchema>, BackendError> {
        let make = || {
            let (schema, strict, wrapped) = self.make_native_schema(spec, tool);
            let schema = serde_json::value::to_raw_value(&*schema)
                .map_err(|e| BackendError::Config(format!("could not encode the schema: {e}")))?;
            Ok(Arc::new(NativeSchema {
                schema,
                strict,
                wrapped,
            }))
        };
        self.schemas.get_or_make(&spec.json_schema, tool, make)
    }

    /// The schema as sent: the strict form, or else the schema itself (borrowed: a deep one is
    /// serialized, never copied), wrapped where a tool needs an object.
    fn make_native_schema<'s>(
        &self,
        spec: &'s SchemaSpec,
        tool: bool,
    ) -> (Cow<'s, Value>, bool, bool) {
        let schema = &*spec.json_schema;
        if self.strict {
            match schema::strict_with(schema, &self.limits) {
                Ok(s) => return (Cow::Owned(s.schema), true, s.wrapped),
                Err(reason) => tracing::debug!(
                    target: "outlines::backend",
                    provider = PROVIDER,
                    schema = %spec.name,
                    reason = %reason,
                    "the schema has no strict form; sending it with strict: false"
                ),
            }
        }
        if tool && !schema::is_object_root(schema) {
            return (Cow::Owned(schema::wrap(schema)), false, true);
        }
        (Cow::Borrowed(schema), false, false)
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
            let (bytes, plan) = self.body(request, false)?;
            let client = self.http.client()?;
            let shown = http::public_url(&url);
            let call = self
                .http
                .call(PROVIDER, &shown, request.time_limit, wire::read_error);
            let reply = http::send(call, || self.post(&client, &url, &bytes)).await?;
            wire::parse_reply(&reply, plan).map_err(|e| e.without_key(self.http.api_key.as_ref()))
        })
    }

    /// Streams the reply over server-sent events (`stream: true`, with the usage chunk): each
    /// `delta.content` (or, in tool mode, each piece of the first tool call's arguments) as
    /// [`Delta::Text`], then the whole reply, read as [`complete`](Backend::complete) reads one.
    fn stream<'a>(&'a self, request: &'a Request) -> BackendStream<'a> {
        let key = self.http.api_key.as_ref();
        let start = async move {
            let url = self.endpoint()?;
            let (bytes, plan) = self.body(request, true)?;
            let client = self.http.client()?;
            let shown = http::public_url(&url);
            let call = self
                .http
                .call(PROVIDER, &shown, request.time_limit, wire::read_error);
            let response = http::open(call, || self.post(&client, &url, &bytes)).await?;
            let wrapped = plan.wrapped;
            let deltas = stream::deltas(http::sse::events(&call, response), plan);
            Ok::<_, BackendError>(http::sse::enveloped(wrapped, deltas))
        };
        http::sse::opened(start, key)
    }
}

http_setters!(
    OpenAi,
    key = "Authorization: Bearer ...",
    base_url = "The API's base URL, `/v1` included: `https://api.openai.com/v1`, \
        `http://localhost:11434/v1` (Ollama), `http://localhost:8000/v1` (vLLM), \
        `http://localhost:8080/v1` (llama.cpp), `http://localhost:1234/v1` (LM Studio). A trailing \
        `/chat/completions` is ignored.",
);

/// What reading a reply needs to know about its request.
#[derive(Clone, Copy, Debug)]
struct Plan {
    /// The value is in the first tool call's arguments.
    tool: bool,
    /// The value is wrapped as `{"value": ...}`.
    wrapped: bool,
}

/// The request's bytes.
fn encode(body: &wire::Body<'_>, plan: Plan) -> Result<(Vec<u8>, Plan), BackendError> {
    let bytes = serde_json::to_vec(body)
        .map_err(|e| BackendError::Config(format!("could not encode the request: {e}")))?;
    Ok((bytes, plan))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{ApiKey, Finish, Usage};

    impl OpenAi {
        /// The body as JSON, to look into.
        fn body_json(&self, request: &Request) -> (Value, Plan) {
            let (bytes, plan) = self.body(request, false).expect("a body");
            (serde_json::from_slice(&bytes).expect("JSON"), plan)
        }
    }
    use serde_json::json;

    use crate::backend::Message;

    fn spec(schema: Value) -> SchemaSpec {
        SchemaSpec {
            name: "Person".into(),
            json_schema: schema.into(),
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
        let (body, _) = OpenAi::new("m").body_json(&request(OutputMode::Auto, person()));
        assert_eq!(body["response_format"]["type"], "json_schema");
        let (body, plan) = OpenAi::new("m")
            .mode(OutputMode::Tool)
            .body_json(&request(OutputMode::Auto, person()));
        assert!(body.get("response_format").is_none());
        assert!(plan.tool);
        let (body, _) = OpenAi::new("m")
            .mode(OutputMode::Tool)
            .body_json(&request(OutputMode::Prompt, person()));
        assert!(body.get("tools").is_none());
    }

    #[test]
    fn the_schema_is_transformed_once_per_type_and_variant() {
        let backend = OpenAi::new("m");
        let r = request(OutputMode::JsonSchema, person());
        let first = backend
            .native_schema(r.output.json().unwrap(), false)
            .unwrap();
        let again = backend
            .native_schema(r.clone().output.json().unwrap(), false)
            .unwrap();
        assert!(
            Arc::ptr_eq(&first, &again),
            "the same schema is not transformed again"
        );
        let tool = backend
            .native_schema(r.output.json().unwrap(), true)
            .unwrap();
        assert!(!Arc::ptr_eq(&first, &tool));
        // Changing strictness starts afresh: the strict form is not reused for `strict: false`.
        let lax = backend.strict(false);
        assert!(
            !lax.native_schema(r.output.json().unwrap(), false)
                .unwrap()
                .strict
        );
        assert!(first.strict);
    }

    #[test]
    fn the_token_limit_field_follows_the_host() {
        let mut r = request(OutputMode::Prompt, person());
        r.max_tokens = Some(100);
        r.temperature = Some(0.2);
        let (openai, _) = OpenAi::new("m").body_json(&r);
        assert_eq!(openai["max_completion_tokens"], 100);
        assert!(openai.get("max_tokens").is_none());
        assert_eq!(openai["temperature"], json!(0.2));
        let (azure, _) = OpenAi::new("m")
            .base_url("https://x.openai.azure.com/openai/v1")
            .body_json(&r);
        assert_eq!(azure["max_completion_tokens"], 100);
        let (ollama, _) = OpenAi::new("m")
            .base_url("http://localhost:11434/v1/")
            .body_json(&r);
        assert_eq!(ollama["max_tokens"], 100);
        let (forced, _) = OpenAi::new("m")
            .base_url("http://localhost:8000/v1")
            .max_tokens_field(MaxTokensField::MaxCompletionTokens)
            .body_json(&r);
        assert_eq!(forced["max_completion_tokens"], 100);
    }

    #[test]
    fn structured_outputs_carry_the_schema_in_json_schema_mode_only() {
        let vllm = OpenAi::new("m").schema_parameter(SchemaParameter::StructuredOutputs);
        for mode in [OutputMode::Auto, OutputMode::JsonSchema] {
            let (body, plan) = vllm.body_json(&request(mode, person()));
            assert_eq!(body["structured_outputs"], json!({"json": person()}));
            assert!(body.get("response_format").is_none());
            assert!(!plan.wrapped && !plan.tool);
        }
        // The other modes are what they are on any server.
        let (body, plan) = vllm.body_json(&request(OutputMode::Tool, person()));
        assert!(body.get("structured_outputs").is_none());
        assert!(plan.tool);
        let (body, _) = vllm.body_json(&request(OutputMode::Prompt, person()));
        assert!(body.get("structured_outputs").is_none());
    }

    #[test]
    fn strict_off_sends_the_plain_schema() {
        let (body, plan) = OpenAi::new("m").strict(false).body_json(&request(
            OutputMode::JsonSchema,
            json!({"type": "array", "items": {"type": "string"}}),
        ));
        assert_eq!(
            body["response_format"]["json_schema"],
            json!({"name": "Person", "strict": false, "schema": {"type": "array", "items": {"type": "string"}}, "description": "A person."})
        );
        assert!(!plan.wrapped);
        // Tool parameters must be an object even when not strict.
        let (body, plan) = OpenAi::new("m").strict(false).body_json(&request(
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
        let (body, _) = OpenAi::new("m").body_json(&r);
        assert_eq!(
            body["messages"][0],
            json!({"role": "system", "content": "Reply with JSON."})
        );
        r.system = "Be brief.".into();
        let (body, _) = OpenAi::new("m").body_json(&r);
        assert_eq!(
            body["messages"][0]["content"],
            "Be brief.\n\nReply with JSON."
        );
        let (body, _) = OpenAi::new("m").body_json(&request(OutputMode::JsonObject, person()));
        assert_eq!(body["messages"][0]["content"], "Reply with JSON.");
    }

    #[test]
    fn replies_are_read_defensively() {
        let plan = Plan {
            tool: false,
            wrapped: false,
        };
        let reply = wire::parse_reply(
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
        let parts = wire::parse_reply(
            r#"{"choices":[{"message":{"content":[{"type":"text","text":"{\"a\""},{"type":"text","text":":1}"}]}}]}"#,
            plan,
        )
        .unwrap();
        assert_eq!(parts.text, r#"{"a":1}"#);
        let err = wire::parse_reply(r#"{"choices":[]}"#, plan).unwrap_err();
        assert!(
            err.to_string().ends_with("the reply has no choices"),
            "{err}"
        );
        let err = wire::parse_reply(r#"{"error":{"message":"overloaded"}}"#, plan).unwrap_err();
        assert!(err.to_string().contains("overloaded"), "{err}");
        let tool = Plan {
            tool: true,
            wrapped: true,
        };
        let reply = wire::parse_reply(
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
            wire::read_error(
                r#"{"error":{"message":"Bad schema","type":"invalid_request_error","param":"response_format","code":null}}"#
            ),
            (
                Some("invalid_request_error".into()),
                Some("Bad schema".into())
            )
        );
        assert_eq!(
            wire::read_error(
                r#"{"error":{"message":"Quota","type":"insufficient_quota","code":"insufficient_quota"}}"#
            ),
            (Some("insufficient_quota".into()), Some("Quota".into()))
        );
        assert_eq!(
            wire::read_error(r#"{"error":{"message":"bad","type":"BadRequestError","code":400}}"#),
            (Some("400".into()), Some("bad".into()))
        );
        assert_eq!(
            wire::read_error(r#"{"error":"model \"x\" not found"}"#),
            (None, Some("model \"x\" not found".into()))
        );
        assert_eq!(
            wire::read_error(r#"{"detail":"Not Found"}"#),
            (None, Some("Not Found".into()))
        );
        assert_eq!(wire::read_error("<html>"), (None, None));
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
            openai.http.api_key.as_ref().map(ApiKey::expose),
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
        assert!(ollama.http.api_key.is_none());
        let err = OpenAi::from_lookup(env(&[("OPENAI_BASE_URL", "localhost:11434")])).unwrap_err();
        assert!(matches!(err, BackendError::Config(_)), "{err}");
    }
}
