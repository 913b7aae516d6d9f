//! Chat Completions streamed: the request asks for `stream: true` and the usage chunk; the reply's
//! `chat.completion.chunk` events become [`Delta`]s, and at `[DONE]` the pieces are put together as
//! the one reply [`wire::parse_reply`] reads, so a streamed reply is read exactly as a whole one.

use futures_util::{Stream, StreamExt};
use serde_json::{Value, json};
use sse_stream::Sse;

use super::{PROVIDER, Plan, wire};
use crate::backend::{BackendError, Delta};

/// What the chunks so far said.
#[derive(Default)]
struct Reply {
    content: String,
    arguments: String,
    /// A tool call was seen (its arguments may still be empty).
    called: bool,
    refusal: String,
    finish: Option<String>,
    usage: Option<Value>,
    model: Option<String>,
}

/// The deltas of a stream of events, ending with the whole reply or an error.
pub(super) fn deltas(
    events: impl Stream<Item = Result<Sse, BackendError>> + Send + 'static,
    plan: Plan,
) -> impl Stream<Item = Result<Delta, BackendError>> + Send + 'static {
    futures_util::stream::unfold(
        Some((Box::pin(events), Reply::default())),
        move |state| async move {
            let (mut events, mut reply) = state?;
            loop {
                let event = match events.next().await {
                    Some(Ok(event)) => event,
                    Some(Err(error)) => return Some((Err(error), None)),
                    None if reply.finish.is_some() => {
                        // Some servers end the stream without `[DONE]` once they said why.
                        return Some((reply.done(plan).map(Delta::Done), None));
                    }
                    None => {
                        return Some((
                            Err(BackendError::Transport {
                                provider: PROVIDER.to_owned(),
                                message: "the stream ended before the reply was complete".into(),
                                source: None,
                            }),
                            None,
                        ));
                    }
                };
                let Some(data) = event.data else { continue };
                if data.trim() == "[DONE]" {
                    return Some((reply.done(plan).map(Delta::Done), None));
                }
                match reply.read(&data, plan) {
                    Ok(Some(text)) => return Some((Ok(Delta::Text(text)), Some((events, reply)))),
                    Ok(None) => {}
                    Err(error) => return Some((Err(error), None)),
                }
            }
        },
    )
}

impl Reply {
    /// Takes in one chunk; the text it adds to the value, if any.
    fn read(&mut self, data: &str, plan: Plan) -> Result<Option<String>, BackendError> {
        let malformed = |message: String| BackendError::Malformed {
            provider: PROVIDER.to_owned(),
            message,
            body: crate::text::shorten_str(data),
        };
        let chunk: Value = serde_json::from_str(data)
            .map_err(|e| malformed(format!("a streamed chunk is not JSON ({e})")))?;
        if let Some(error) = chunk.get("error") {
            let message = error
                .get("message")
                .and_then(Value::as_str)
                .or_else(|| error.as_str())
                .unwrap_or("no message");
            // The server's fault mid-reply (overloaded, an internal error): a broken reply, as a
            // dropped connection is.
            return Err(BackendError::Transport {
                provider: PROVIDER.to_owned(),
                message: format!("the stream reported an error: {message}"),
                source: None,
            });
        }
        if let Some(model) = chunk.get("model").and_then(Value::as_str) {
            self.model = Some(model.to_owned());
        }
        if let Some(usage) = chunk.get("usage").filter(|u| u.is_object()) {
            self.usage = Some(usage.clone());
        }
        let Some(choice) = chunk.pointer("/choices/0") else {
            return Ok(None);
        };
        if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
            self.finish = Some(reason.to_owned());
        }
        let delta = choice.get("delta");
        if let Some(refusal) = delta.and_then(|d| d.get("refusal")).and_then(Value::as_str) {
            self.refusal.push_str(refusal);
        }
        let delta = delta.unwrap_or(&Value::Null);
        // Content is kept in tool mode too: a server that ignores `tool_choice` answers in it,
        // and the whole reply falls back to it then, as a non-streamed one does.
        let content = delta.get("content").and_then(Value::as_str).unwrap_or("");
        self.content.push_str(content);
        if !plan.tool {
            return Ok((!content.is_empty()).then(|| content.to_owned()));
        }
        // The first call's arguments (by its `index`: parallel calls interleave).
        let call = delta
            .get("tool_calls")
            .and_then(Value::as_array)
            .and_then(|calls| {
                calls
                    .iter()
                    .find(|c| c.get("index").and_then(Value::as_u64).unwrap_or(0) == 0)
            });
        let Some(call) = call else {
            return Ok(None);
        };
        self.called = true;
        let arguments = call
            .pointer("/function/arguments")
            .and_then(Value::as_str)
            .unwrap_or("");
        self.arguments.push_str(arguments);
        Ok((!arguments.is_empty()).then(|| arguments.to_owned()))
    }

    /// The reply whole, read as a non-streamed one is.
    fn done(&mut self, plan: Plan) -> Result<crate::backend::Response, BackendError> {
        let mut message =
            json!({"role": "assistant", "content": std::mem::take(&mut self.content)});
        if plan.tool && self.called {
            message["tool_calls"] = json!([{"type": "function", "function": {"arguments": std::mem::take(&mut self.arguments)}}]);
        }
        if !self.refusal.is_empty() {
            message["refusal"] = Value::String(std::mem::take(&mut self.refusal));
        }
        let whole = json!({
            "model": self.model.take(),
            "choices": [{"index": 0, "message": message, "finish_reason": self.finish.take()}],
            "usage": self.usage.take(),
        });
        wire::parse_reply(&whole.to_string(), plan)
    }
}
