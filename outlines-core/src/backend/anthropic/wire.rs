//! The Messages API on the wire: the request body (borrowing from the request and the backend), the
//! reply and the error body, each as typed structs. Replies are read leniently: unknown fields and
//! block types are ignored, and a field of an unexpected type reads as absent.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::schema::WRAP_KEY;
use super::{PROVIDER, Plan, Read};
use crate::backend::http::{self, Lenient};
use crate::backend::{BackendError, Finish, Message, Response, Role, Usage};

// ---------------------------------------------------------------------------------------------------
// The request

#[derive(Serialize)]
pub(super) struct Body<'a> {
    pub(super) model: &'a str,
    pub(super) max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) system: Option<&'a str>,
    pub(super) messages: Vec<Turn<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) output_config: Option<OutputConfig<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) tools: Option<[Tool<'a>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) tool_choice: Option<ToolChoice<'a>>,
    /// `true` for a streamed reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) stream: Option<bool>,
}

/// A turn of the conversation.
#[derive(Serialize)]
pub(super) struct Turn<'a> {
    role: &'static str,
    content: &'a str,
}

impl<'a> Turn<'a> {
    /// A turn in the API's form. An empty turn is rejected by the API, so an empty reply being
    /// repaired is sent as a placeholder.
    pub(super) fn of(message: &'a Message) -> Self {
        let (role, content) = match message.role {
            Role::User => ("user", message.content.as_str()),
            Role::Assistant if message.content.trim().is_empty() => {
                ("assistant", "(an empty reply)")
            }
            Role::Assistant => ("assistant", message.content.as_str()),
        };
        Turn { role, content }
    }
}

/// Structured outputs: `{"format": {"type": "json_schema", "schema": ...}}`.
#[derive(Serialize)]
pub(super) struct OutputConfig<'a> {
    pub(super) format: Format<'a>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(super) enum Format<'a> {
    JsonSchema { schema: &'a Value },
}

#[derive(Serialize)]
pub(super) struct Tool<'a> {
    pub(super) name: &'a str,
    pub(super) description: String,
    pub(super) input_schema: &'a Value,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(super) enum ToolChoice<'a> {
    Tool {
        name: &'a str,
        disable_parallel_tool_use: bool,
    },
}

// ---------------------------------------------------------------------------------------------------
// The reply

/// A Messages API reply, as much of it as is read.
#[derive(Deserialize)]
struct Reply {
    #[serde(rename = "type", default)]
    kind: Lenient<String>,
    #[serde(default)]
    content: Lenient<Vec<Block>>,
    #[serde(default)]
    stop_reason: Lenient<String>,
    #[serde(default)]
    usage: Lenient<WireUsage>,
    #[serde(default)]
    model: Lenient<String>,
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
        /// The tool's input: the value, free-form.
        #[serde(default)]
        input: Value,
    },
    #[serde(other)]
    Other,
}

/// Token counts: prompt tokens read from and written to the cache are counted apart.
#[derive(Deserialize, Default)]
struct WireUsage {
    #[serde(default)]
    input_tokens: Lenient<u64>,
    #[serde(default)]
    output_tokens: Lenient<u64>,
    #[serde(default)]
    cache_creation_input_tokens: Lenient<u64>,
    #[serde(default)]
    cache_read_input_tokens: Lenient<u64>,
}

/// `{"type": "...", "message": "..."}`, in an error body or (rarely) a successful one.
#[derive(Deserialize)]
struct WireError {
    #[serde(rename = "type", default)]
    kind: Lenient<String>,
    #[serde(default)]
    message: Lenient<String>,
}

/// Turns a successful body into a [`Response`].
pub(super) fn read_reply(body: &str, plan: &Plan) -> Result<Response, BackendError> {
    let malformed = |message: String| BackendError::Malformed {
        provider: PROVIDER.into(),
        message,
        body: http::body_excerpt(body),
    };
    let reply: Reply = serde_json::from_str(body)
        .map_err(|e| malformed(format!("not a Messages API reply: {e}")))?;
    if reply.kind.as_ref().map(String::as_str) == Some("error") || reply.error.is_some() {
        let (kind, message) = reply
            .error
            .map(|e| (e.kind.into_option(), e.message.into_option()))
            .unwrap_or_default();
        return Err(malformed(format!(
            "an error in a successful reply: {}: {}",
            kind.as_deref().unwrap_or("error"),
            message.as_deref().unwrap_or("(no message)")
        )));
    }
    let content = reply
        .content
        .into_option()
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
    let finish = match reply.stop_reason.as_ref().map(String::as_str) {
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
    let usage = reply.usage.into_option().unwrap_or_default();
    let count = |n: Lenient<u64>| n.into_option().unwrap_or(0);
    let usage = Usage {
        input_tokens: count(usage.input_tokens)
            + count(usage.cache_creation_input_tokens)
            + count(usage.cache_read_input_tokens),
        output_tokens: count(usage.output_tokens),
    };
    Ok(Response {
        text,
        finish,
        refusal,
        usage,
        model: reply.model.into_option(),
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

// ---------------------------------------------------------------------------------------------------
// Error bodies

/// `{"type": "error", "error": {"type", "message"}, "request_id"}`.
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    error: Lenient<WireError>,
    #[serde(default)]
    request_id: Lenient<String>,
}

/// The error type and message of an error body. The request id is added to the message, for
/// support requests.
pub(super) fn read_error(body: &str) -> (Option<String>, Option<String>) {
    let Ok(body) = serde_json::from_str::<ErrorBody>(body) else {
        return (None, None);
    };
    let Some(error) = body.error.into_option() else {
        return (None, None);
    };
    let message = error
        .message
        .into_option()
        .map(|m| match body.request_id.into_option() {
            Some(id) => format!("{m} (request_id: {id})"),
            None => m,
        });
    (error.kind.into_option(), message)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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
