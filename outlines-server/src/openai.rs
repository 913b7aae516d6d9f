//! `POST /v1/chat/completions` and `GET /v1/models` in OpenAI's wire format (the fields the
//! popular clients send and read; unknown fields are ignored, as OpenAI's own server does).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::response::{IntoResponse, Response};
use outlines::backend::Message;
use outlines::generate::Generation;
use outlines::output::{JsonSchema, Text};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::run::{Options, failure};
use crate::stream::{self, Chunks};
use crate::{ApiError, Server};

#[derive(Debug, Deserialize)]
pub(crate) struct ChatRequest {
    #[serde(default)]
    model: Option<String>,
    messages: Vec<ChatMessage>,
    #[serde(default)]
    response_format: Option<ResponseFormat>,
    #[serde(default)]
    tools: Vec<Tool>,
    #[serde(default)]
    tool_choice: Option<Value>,
    #[serde(default)]
    max_tokens: Option<u32>,
    #[serde(default)]
    max_completion_tokens: Option<u32>,
    #[serde(default)]
    temperature: Option<f32>,
    #[serde(default)]
    stream: bool,
    #[serde(default)]
    stream_options: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct ChatMessage {
    role: String,
    #[serde(default)]
    content: Option<Content>,
}

/// A message's content: a string, or parts of which only text is read.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Parts(Vec<Part>),
}

#[derive(Debug, Deserialize)]
struct Part {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ResponseFormat {
    Text,
    JsonObject,
    JsonSchema { json_schema: JsonSchemaFormat },
}

#[derive(Debug, Deserialize)]
struct JsonSchemaFormat {
    name: String,
    #[serde(default)]
    schema: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct Tool {
    function: Function,
}

#[derive(Debug, Deserialize)]
struct Function {
    name: String,
    #[serde(default)]
    parameters: Option<Value>,
}

/// What the reply must be.
enum Wanted {
    Text,
    /// A JSON value of the schema, in `content`.
    Json(JsonSchema),
    /// The arguments of the named tool, as a tool call.
    Call(String, JsonSchema),
}

pub(crate) async fn chat_completions(
    State(server): State<Server>,
    body: Result<Json<ChatRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body.map_err(|e| ApiError::rejected(&e))?;
    let backend = Arc::clone(server.backend()?);
    let wanted = wanted(&server, &request)?;
    let (system, history, prompt) = conversation(&request.messages)?;
    let options = Options {
        system,
        history,
        max_tokens: request.max_completion_tokens.or(request.max_tokens),
        temperature: request.temperature,
        attempts: None,
    };
    let place = server.place().await?;
    let tool = match &wanted {
        Wanted::Call(name, _) => Some(name.clone()),
        _ => None,
    };
    let created = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let model = request.model.unwrap_or_else(|| backend.model().to_owned());
    let id = format!("chatcmpl-{created:x}");
    if request.stream {
        // Streamed as the value is written: a request that cannot be met is still an error
        // status (checked above); a generation that fails is an error event.
        let include_usage = request
            .stream_options
            .as_ref()
            .and_then(|o| o.get("include_usage"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let chunks = Chunks {
            id,
            created,
            model,
            tool,
            include_usage,
        };
        return Ok(match wanted {
            Wanted::Text => {
                let generation = Generation::with_output(Text::new(), prompt);
                stream::chat(options.stream(&server, backend, generation), chunks, place)
            }
            Wanted::Json(schema) | Wanted::Call(_, schema) => {
                let generation = Generation::with_output(schema, prompt);
                stream::chat(options.stream(&server, backend, generation), chunks, place)
            }
        });
    }
    let (content, call, usage) = match wanted {
        Wanted::Text => {
            let report = options
                .run(
                    &server,
                    &*backend,
                    Generation::with_output(Text::new(), prompt),
                )
                .await
                .map_err(|e| failure(&e))?;
            (report.value, None, report.usage)
        }
        Wanted::Json(schema) | Wanted::Call(_, schema) => {
            let report = options
                .run(&server, &*backend, Generation::with_output(schema, prompt))
                .await
                .map_err(|e| failure(&e))?;
            let value = report.value.to_string();
            match tool {
                // A tool call's arguments are the value; the message has no content.
                Some(name) => (String::new(), Some((name, value)), report.usage),
                None => (value, None, report.usage),
            }
        }
    };
    drop(place);
    let (message, finish_reason) = match call {
        None => (
            json!({"role": "assistant", "content": content, "refusal": null}),
            "stop",
        ),
        Some((name, arguments)) => (
            json!({"role": "assistant", "content": null, "tool_calls": [{
                "id": format!("call_{created:x}"),
                "type": "function",
                "function": {"name": name, "arguments": arguments},
            }]}),
            "tool_calls",
        ),
    };
    let usage = json!({
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens,
    });
    let body = json!({
        "id": id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": usage,
    });
    Ok(Json(body).into_response())
}

/// The output the request asks for: a named tool's arguments, else its `response_format`.
fn wanted(server: &Server, request: &ChatRequest) -> Result<Wanted, ApiError> {
    let named = request
        .tool_choice
        .as_ref()
        .and_then(|c| c.pointer("/function/name"))
        .and_then(Value::as_str);
    if let Some(name) = named {
        let tool = request
            .tools
            .iter()
            .find(|t| t.function.name == name)
            .ok_or_else(|| {
                ApiError::invalid(
                    Some("tool_choice"),
                    format!("`tool_choice` names {name:?}, which is not among `tools`"),
                )
            })?;
        let parameters = tool
            .function
            .parameters
            .clone()
            .unwrap_or_else(|| json!({"type": "object", "properties": {}}));
        let schema = compile(server, &parameters, Some(name), "tools")?;
        return Ok(Wanted::Call(name.to_owned(), schema));
    }
    match &request.response_format {
        None | Some(ResponseFormat::Text) => Ok(Wanted::Text),
        Some(ResponseFormat::JsonObject) => Ok(Wanted::Json(compile(
            server,
            &json!({"type": "object"}),
            None,
            "response_format",
        )?)),
        Some(ResponseFormat::JsonSchema { json_schema }) => {
            let schema = json_schema.schema.as_ref().ok_or_else(|| {
                ApiError::invalid(
                    Some("response_format"),
                    "`response_format.json_schema` has no `schema`",
                )
            })?;
            let schema = compile(server, schema, Some(&json_schema.name), "response_format")?;
            Ok(Wanted::Json(schema))
        }
    }
}

fn compile(
    server: &Server,
    schema: &Value,
    name: Option<&str>,
    param: &'static str,
) -> Result<JsonSchema, ApiError> {
    server
        .outputs
        .named_schema(schema, name)
        .map_err(|e| ApiError::invalid(Some(param), e.to_string()))
}

/// The system prompt (every system or developer message, joined), the turns before the last, and
/// the last, which must be the user's.
fn conversation(
    messages: &[ChatMessage],
) -> Result<(Option<String>, Vec<Message>, String), ApiError> {
    let mut system = Vec::new();
    let mut turns = Vec::new();
    for message in messages {
        let text = text(message.content.as_ref());
        match message.role.as_str() {
            "system" | "developer" => system.push(text),
            "user" => turns.push(Message::user(text)),
            "assistant" => turns.push(Message::assistant(text)),
            other => {
                return Err(ApiError::invalid(
                    Some("messages"),
                    format!("messages with the role {other:?} are not supported yet"),
                ));
            }
        }
    }
    let last_is_user = turns
        .last()
        .is_some_and(|m| m.role == outlines::backend::Role::User);
    if !last_is_user {
        return Err(ApiError::invalid(
            Some("messages"),
            "the last message must be the user's",
        ));
    }
    let prompt = turns.pop().map(|m| m.content).unwrap_or_default();
    let system = (!system.is_empty()).then(|| system.join("\n\n"));
    Ok((system, turns, prompt))
}

fn text(content: Option<&Content>) -> String {
    match content {
        None => String::new(),
        Some(Content::Text(text)) => text.clone(),
        Some(Content::Parts(parts)) => parts
            .iter()
            .filter(|p| p.kind == "text")
            .filter_map(|p| p.text.as_deref())
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

pub(crate) async fn models(State(server): State<Server>) -> Result<Json<Value>, ApiError> {
    let backend = server.backend()?;
    Ok(Json(json!({
        "object": "list",
        "data": [{"id": backend.model(), "object": "model", "created": 0, "owned_by": "outlines"}],
    })))
}
