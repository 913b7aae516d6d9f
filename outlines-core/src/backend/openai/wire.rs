//! Chat Completions on the wire: the request body (borrowing from the request and the backend), the
//! reply and the error bodies of OpenAI and the servers that speak its API, each as typed structs.
//! Replies are read defensively ([`Lenient`]): a field of an unexpected type reads as absent.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::{PROVIDER, Plan, schema};
use crate::backend::http::{self, Lenient, Text};
use crate::backend::{BackendError, Finish, Request, Response, Role, Usage};

// ---------------------------------------------------------------------------------------------------
// The request

#[derive(Serialize)]
pub(super) struct Body<'a> {
    pub(super) model: &'a str,
    pub(super) messages: Vec<Message<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) response_format: Option<ResponseFormat<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) tools: Option<[Tool<'a>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) tool_choice: Option<ToolChoice<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) parallel_tool_calls: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) structured_outputs: Option<StructuredOutputs<'a>>,
    /// llama.cpp's GBNF grammar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) grammar: Option<&'a str>,
    /// `true` for a streamed reply, which then asks for its usage too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) stream: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) stream_options: Option<StreamOptions>,
}

#[derive(Serialize)]
pub(super) struct StreamOptions {
    pub(super) include_usage: bool,
}

#[derive(Serialize)]
pub(super) struct Message<'a> {
    role: &'static str,
    content: Cow<'a, str>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(super) enum ResponseFormat<'a> {
    /// Always the nested form: llama.cpp's server ignores `{"type": "json_schema", "schema":
    /// ...}` and answers unconstrained.
    JsonSchema {
        json_schema: JsonSchemaFormat<'a>,
    },
    JsonObject,
}

#[derive(Serialize)]
pub(super) struct JsonSchemaFormat<'a> {
    pub(super) name: &'a str,
    pub(super) strict: bool,
    pub(super) schema: &'a RawValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) description: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(super) enum Tool<'a> {
    Function { function: Function<'a> },
}

#[derive(Serialize)]
pub(super) struct Function<'a> {
    pub(super) name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) description: Option<&'a str>,
    pub(super) parameters: &'a RawValue,
    pub(super) strict: bool,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(super) enum ToolChoice<'a> {
    Function { function: Named<'a> },
}

#[derive(Serialize)]
pub(super) struct Named<'a> {
    pub(super) name: &'a str,
}

/// vLLM's guided decoding parameter: one of its fields, `{"json": ...}`, `{"regex": ...}`, ...
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum StructuredOutputs<'a> {
    Json(&'a Value),
    Regex(&'a str),
    Choice(&'a [String]),
    Grammar(&'a str),
}

/// The system prompt, then the conversation. JSON mode requires the word "JSON" in the messages;
/// the loop's prompt has it, and a hand-built request gets a line saying so.
pub(super) fn messages(request: &Request, json_mode: bool) -> Vec<Message<'_>> {
    let mentions_json = |text: &str| text.to_ascii_lowercase().contains("json");
    let mut system = Cow::Borrowed(request.system.as_str());
    if json_mode
        && !mentions_json(&system)
        && !request.messages.iter().any(|m| mentions_json(&m.content))
    {
        let system = system.to_mut();
        if !system.is_empty() {
            system.push_str("\n\n");
        }
        system.push_str("Reply with JSON.");
    }
    let mut out = Vec::with_capacity(request.messages.len() + 1);
    if !system.is_empty() {
        out.push(Message {
            role: "system",
            content: system,
        });
    }
    out.extend(request.messages.iter().map(|message| Message {
        role: match message.role {
            Role::User => "user",
            Role::Assistant => "assistant",
        },
        content: message.content.as_str().into(),
    }));
    out
}

// ---------------------------------------------------------------------------------------------------
// The reply

/// A `chat.completion`, as much of it as is read.
#[derive(Deserialize)]
struct Reply {
    /// Some servers put an error in a 200.
    #[serde(default)]
    error: Option<ReplyError>,
    #[serde(default)]
    choices: Lenient<Vec<Choice>>,
    #[serde(default)]
    usage: Lenient<WireUsage>,
    #[serde(default)]
    model: Lenient<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ReplyError {
    Text(String),
    Object {
        #[serde(default)]
        message: Lenient<String>,
    },
    Other(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    message: Lenient<ChoiceMessage>,
    #[serde(default)]
    finish_reason: Lenient<String>,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    #[serde(default)]
    content: Lenient<Content>,
    #[serde(default)]
    refusal: Lenient<String>,
    #[serde(default)]
    tool_calls: Lenient<Vec<ToolCall>>,
}

/// `message.content`: a string, or (some servers) a list of text parts.
#[derive(Deserialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Parts(Vec<Lenient<Part>>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Part {
    Text { text: String },
    Bare(String),
}

#[derive(Deserialize)]
struct ToolCall {
    #[serde(default)]
    function: Lenient<FunctionCall>,
}

#[derive(Deserialize)]
struct FunctionCall {
    #[serde(default)]
    arguments: Option<Arguments>,
}

/// A tool call's arguments: their JSON text, as OpenAI sends them, or (some servers) the JSON
/// itself, free-form.
#[derive(Deserialize)]
#[serde(untagged)]
enum Arguments {
    Text(String),
    Json(Value),
}

/// Token counts; vLLM may send `null` ones, and some servers no usage at all.
#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: Lenient<u64>,
    #[serde(default)]
    completion_tokens: Lenient<u64>,
}

/// Reads a Chat Completions reply.
pub(super) fn parse_reply(body: &str, plan: Plan) -> Result<Response, BackendError> {
    let malformed = |message: String| BackendError::Malformed {
        provider: PROVIDER.to_owned(),
        message,
        body: http::body_excerpt(body),
    };
    let reply: Reply =
        serde_json::from_str(body).map_err(|e| malformed(format!("the body is not JSON ({e})")))?;
    if let Some(error) = reply.error {
        let message = match error {
            ReplyError::Text(text) => Some(text),
            ReplyError::Object { message } => message.into_option(),
            ReplyError::Other(_) => None,
        };
        return Err(malformed(format!(
            "an error in a successful reply: {}",
            message.as_deref().unwrap_or("no message")
        )));
    }
    let choice = reply
        .choices
        .into_option()
        .and_then(|choices| choices.into_iter().next())
        .ok_or_else(|| malformed("the reply has no choices".into()))?;
    let message = choice
        .message
        .into_option()
        .ok_or_else(|| malformed("the first choice has no message".into()))?;

    let arguments = if plan.tool {
        message
            .tool_calls
            .into_option()
            .and_then(|calls| calls.into_iter().next())
            .and_then(|call| call.function.into_option())
            .and_then(|function| match function.arguments? {
                Arguments::Text(text) => Some(text),
                // Some servers send the arguments as an object rather than its text.
                Arguments::Json(json) => Some(json.to_string()),
            })
    } else {
        None
    };
    // Without the tool call it was told to make, the model's text is the next best thing to check.
    let text = arguments
        .or_else(|| message.content.into_option().map(Content::into_text))
        .unwrap_or_default();
    let text = if plan.wrapped {
        schema::unwrap_reply(&text).into_owned()
    } else {
        text
    };
    let refusal = message
        .refusal
        .into_option()
        .filter(|r| !r.trim().is_empty());
    let finish = match choice.finish_reason.as_ref().map(String::as_str) {
        None | Some("stop") => Finish::Stop,
        Some("length") => Finish::Length,
        Some("content_filter") => Finish::ContentFilter,
        Some(other) => Finish::Other(other.to_owned()),
    };
    let usage = reply.usage.into_option();
    let count = |read: fn(&WireUsage) -> &Lenient<u64>| {
        usage
            .as_ref()
            .and_then(|u| read(u).as_ref().copied())
            .unwrap_or(0)
    };
    Ok(Response {
        text,
        finish,
        refusal,
        usage: Usage {
            input_tokens: count(|u| &u.prompt_tokens),
            output_tokens: count(|u| &u.completion_tokens),
        },
        model: reply.model.into_option(),
        forced: None,
    })
}

impl Content {
    fn into_text(self) -> String {
        match self {
            Content::Text(text) => text,
            Content::Parts(parts) => parts
                .into_iter()
                .filter_map(Lenient::into_option)
                .map(|part| match part {
                    Part::Text { text } | Part::Bare(text) => text,
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Error bodies

/// An error body: OpenAI's `{"error": {"message", "type", "param", "code"}}`, Ollama's
/// `{"error": "..."}`, or a bare `{"message"}` / `{"detail"}`.
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    error: Lenient<ErrorField>,
    #[serde(default)]
    message: Lenient<Text>,
    #[serde(default)]
    detail: Lenient<Text>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ErrorField {
    Object(ErrorObject),
    Text(String),
}

#[derive(Deserialize)]
struct ErrorObject {
    #[serde(default)]
    code: Lenient<Text>,
    #[serde(rename = "type", default)]
    kind: Lenient<Text>,
    #[serde(default)]
    message: Lenient<Text>,
}

/// The code (or type) and message of an error body.
pub(super) fn read_error(body: &str) -> (Option<String>, Option<String>) {
    let Ok(body) = serde_json::from_str::<ErrorBody>(body) else {
        return (None, None);
    };
    match body.error.into_option() {
        Some(ErrorField::Object(error)) => (
            error.code.text().or_else(|| error.kind.text()),
            error.message.text(),
        ),
        Some(ErrorField::Text(message)) => (None, Some(message)),
        None => (None, body.message.text().or_else(|| body.detail.text())),
    }
}
