//! Messages streamed: the request asks for `stream: true`; the reply's named events become
//! [`Delta`]s, and at `message_stop` the blocks are put together as the one reply
//! [`wire::read_reply`] reads, so a streamed reply is read exactly as a whole one.

use futures_util::{Stream, StreamExt};
use serde_json::{Map, Value, json};
use sse_stream::Sse;

use super::{PROVIDER, Plan, Read, wire};
use crate::backend::{BackendError, Delta, Response, Usage};

/// A content block as its deltas built it.
struct Block {
    kind: String,
    name: Option<String>,
    /// The text, or a tool call's input as JSON text.
    text: String,
}

/// What the events so far said.
#[derive(Default)]
struct Reply {
    model: Option<String>,
    /// `message_start`'s usage: the prompt's tokens, cached ones included.
    start_usage: Option<Value>,
    output_tokens: Option<u64>,
    stop_reason: Option<String>,
    blocks: Vec<Block>,
}

/// The deltas of a stream of events, ending with the whole reply or an error.
pub(super) fn deltas(
    events: impl Stream<Item = Result<Sse, BackendError>> + Send + 'static,
    plan: Plan,
) -> impl Stream<Item = Result<Delta, BackendError>> + Send + 'static {
    futures_util::stream::unfold(
        Some((Box::pin(events), Reply::default(), plan)),
        |state| async move {
            let (mut events, mut reply, plan) = state?;
            loop {
                let event = match events.next().await {
                    Some(Ok(event)) => event,
                    Some(Err(error)) => return Some((Err(error), None)),
                    None if reply.stop_reason.is_some() => {
                        return Some((reply.done(&plan).map(Delta::Done), None));
                    }
                    None => {
                        let error = BackendError::Transport {
                            provider: PROVIDER.to_owned(),
                            message: "the stream ended before the reply was complete".into(),
                            source: None,
                        };
                        return Some((Err(error), None));
                    }
                };
                let Some(data) = event.data else { continue };
                match reply.read(event.event.as_deref(), &data, &plan) {
                    Ok(Step::Text(text)) => {
                        return Some((Ok(Delta::Text(text)), Some((events, reply, plan))));
                    }
                    Ok(Step::Usage(usage)) => {
                        return Some((Ok(Delta::Usage(usage)), Some((events, reply, plan))));
                    }
                    Ok(Step::More) => {}
                    Ok(Step::Stop) => return Some((reply.done(&plan).map(Delta::Done), None)),
                    Err(error) => return Some((Err(error), None)),
                }
            }
        },
    )
}

enum Step {
    Text(String),
    /// The count so far, when it changed.
    Usage(Usage),
    More,
    Stop,
}

impl Reply {
    /// Takes in one event.
    fn read(&mut self, name: Option<&str>, data: &str, plan: &Plan) -> Result<Step, BackendError> {
        let malformed = |message: String| BackendError::Malformed {
            provider: PROVIDER.to_owned(),
            message,
            body: crate::text::shorten_str(data),
        };
        let event: Value = serde_json::from_str(data)
            .map_err(|e| malformed(format!("a streamed event is not JSON ({e})")))?;
        let kind = event
            .get("type")
            .and_then(Value::as_str)
            .or(name)
            .unwrap_or("");
        match kind {
            "message_start" => {
                let message = event.get("message");
                self.model = message
                    .and_then(|m| m.get("model"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                // Kept whole: the cache counts in it are prompt tokens too.
                self.start_usage = message.and_then(|m| m.get("usage")).cloned();
                if self.start_usage.is_some() {
                    return Ok(Step::Usage(self.counted()));
                }
            }
            "content_block_start" => {
                let block = event.get("content_block");
                let kind = block
                    .and_then(|b| b.get("type"))
                    .and_then(Value::as_str)
                    .unwrap_or("text");
                self.blocks.push(Block {
                    kind: kind.to_owned(),
                    name: block
                        .and_then(|b| b.get("name"))
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    text: block
                        .and_then(|b| b.get("text"))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                });
            }
            "content_block_delta" => {
                let delta = event.get("delta");
                let piece = delta
                    .and_then(|d| d.get("text").or_else(|| d.get("partial_json")))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                // The value is the text, or the first tool call's input (the forced tool is the
                // only one the model may call).
                let first_tool = self.blocks.iter().position(|b| b.kind == "tool_use");
                let last = self.blocks.len().checked_sub(1);
                let Some(block) = self.blocks.last_mut() else {
                    return Err(malformed("a delta before any content block".into()));
                };
                block.text.push_str(piece);
                let the_value = match plan.read {
                    Read::Text => block.kind == "text",
                    Read::Tool => first_tool.is_some() && first_tool == last,
                };
                if the_value && !piece.is_empty() {
                    return Ok(Step::Text(piece.to_owned()));
                }
            }
            "message_delta" => {
                if let Some(reason) = event.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    self.stop_reason = Some(reason.to_owned());
                }
                // Cumulative: the latest count is the count.
                if let Some(n) = event
                    .pointer("/usage/output_tokens")
                    .and_then(Value::as_u64)
                {
                    self.output_tokens = Some(n);
                    return Ok(Step::Usage(self.counted()));
                }
            }
            "message_stop" => return Ok(Step::Stop),
            "error" => {
                let kind = event
                    .pointer("/error/type")
                    .and_then(Value::as_str)
                    .unwrap_or("error");
                let message = event
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or("(no message)");
                return Err(if kind == "overloaded_error" || kind == "api_error" {
                    BackendError::Transport {
                        provider: PROVIDER.to_owned(),
                        message: format!("the stream broke: {kind}: {message}"),
                        source: None,
                    }
                } else {
                    malformed(format!("an error in the stream: {kind}: {message}"))
                });
            }
            // `ping`, `content_block_stop` and event types added later.
            _ => {}
        }
        Ok(Step::More)
    }

    /// The reply whole, read as a non-streamed one is.
    fn done(&mut self, plan: &Plan) -> Result<Response, BackendError> {
        let mut content = Vec::new();
        for block in std::mem::take(&mut self.blocks) {
            let mut out = Map::new();
            out.insert("type".into(), Value::String(block.kind.clone()));
            if block.kind == "tool_use" {
                let input = if block.text.trim().is_empty() {
                    json!({})
                } else {
                    match serde_json::from_str(&block.text) {
                        Ok(input) => input,
                        // Cut by the token limit: the text as far as it went, for the loop to
                        // read as a reply cut short (a non-streamed reply is read the same way).
                        Err(_) if self.stop_reason.as_deref() == Some("max_tokens") => {
                            return Ok(self.cut(block.text));
                        }
                        Err(e) => {
                            return Err(BackendError::Malformed {
                                provider: PROVIDER.to_owned(),
                                message: format!("the streamed tool input is not JSON ({e})"),
                                body: crate::text::shorten_str(&block.text),
                            });
                        }
                    }
                };
                out.insert("name".into(), json!(block.name));
                out.insert("input".into(), input);
            } else {
                out.insert("text".into(), Value::String(block.text));
            }
            content.push(Value::Object(out));
        }
        let whole = json!({
            "type": "message",
            "model": self.model.take(),
            "content": content,
            "stop_reason": self.stop_reason.take(),
            "usage": self.usage(),
        });
        wire::read_reply(&whole.to_string(), plan)
    }

    /// The usage so far: `message_start`'s, with the latest output count.
    fn usage(&self) -> Value {
        let mut usage = self.start_usage.clone().unwrap_or_else(|| json!({}));
        if let Some(object) = usage.as_object_mut() {
            object.insert(
                "output_tokens".into(),
                json!(self.output_tokens.unwrap_or(0)),
            );
        }
        usage
    }

    /// The tokens counted so far, cached prompt tokens as prompt tokens (as a whole reply counts
    /// them).
    fn counted(&self) -> Usage {
        let count = |key: &str| {
            self.start_usage
                .as_ref()
                .and_then(|u| u.get(key))
                .and_then(Value::as_u64)
                .unwrap_or(0)
        };
        Usage {
            input_tokens: count("input_tokens")
                + count("cache_creation_input_tokens")
                + count("cache_read_input_tokens"),
            output_tokens: self.output_tokens.unwrap_or_else(|| count("output_tokens")),
        }
    }

    /// A reply whose tool input the token limit cut: its text, unread.
    fn cut(&mut self, text: String) -> Response {
        let usage = self.counted();
        let mut response = Response::text(text)
            .with_finish(crate::backend::Finish::Length)
            .with_usage(usage.input_tokens, usage.output_tokens);
        if let Some(model) = self.model.take() {
            response = response.with_model(model);
        }
        response
    }
}
