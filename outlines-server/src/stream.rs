//! Streamed responses: a generation's partial values as server-sent events, in OpenAI's
//! `chat.completion.chunk` form and in the native API's own events.
//!
//! Chat content is text a client concatenates, and nothing sent can be taken back. So a partial
//! JSON value is sent as its compact JSON with the last member or item at every level left open
//! (no closing quote or bracket yet): each such text extends the one before, and the final
//! value's compact JSON extends them all — unless an attempt ends without a value and the next
//! one writes something else, or lenient reading changes what was written. Then the stream ends
//! with an error event rather than send a value that does not parse (a client that cannot have
//! that asks without `stream`).

use std::convert::Infallible;
use std::time::Instant;

use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use outlines::Structured;
use outlines::generate::Update;
use serde_json::{Value, json};

use crate::ApiError;
use crate::run::failure;

/// How a streamed value is shown as chat content: the text so far, then the whole.
pub(crate) trait Shown: Structured {
    /// The content a partial value has settled so far.
    fn settled(partial: &Self::Partial) -> String;
    /// The whole value's content.
    fn whole(&self) -> String;
}

/// Text is content as it is.
impl Shown for String {
    fn settled(partial: &String) -> String {
        partial.clone()
    }
    fn whole(&self) -> String {
        self.clone()
    }
}

/// A JSON value is its compact JSON.
impl Shown for Value {
    fn settled(partial: &Value) -> String {
        let mut out = String::new();
        open_json(partial, &mut out);
        out
    }
    fn whole(&self) -> String {
        self.to_string()
    }
}

/// `value` as compact JSON, its last member or item left open at every level.
fn open_json(value: &Value, out: &mut String) {
    match value {
        Value::String(text) => {
            let quoted = Value::String(text.clone()).to_string();
            out.push_str(&quoted[..quoted.len() - 1]);
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if i + 1 == items.len() {
                    open_json(item, out);
                } else {
                    out.push_str(&item.to_string());
                }
            }
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (key, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if i + 1 == members.len() {
                    open_json(item, out);
                } else {
                    out.push_str(&item.to_string());
                }
            }
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Where chat content goes: the message's `content`, or a forced tool call's `arguments`.
pub(crate) struct Chunks {
    pub(crate) id: String,
    pub(crate) created: u64,
    pub(crate) model: String,
    /// The tool whose arguments the value is, if a tool was named.
    pub(crate) tool: Option<String>,
    pub(crate) include_usage: bool,
}

impl Chunks {
    fn chunk(&self, choices: Value, usage: Value) -> Event {
        let body = json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": choices,
            "usage": usage,
        });
        Event::default().data(body.to_string())
    }

    fn delta(&self, delta: Value) -> Event {
        self.chunk(
            json!([{"index": 0, "delta": delta, "finish_reason": null}]),
            Value::Null,
        )
    }

    /// The first chunk: the assistant's role, and the tool call's name if any.
    fn start(&self) -> Event {
        self.delta(match &self.tool {
            None => json!({"role": "assistant", "content": ""}),
            Some(name) => json!({"role": "assistant", "content": null, "tool_calls": [{
                "index": 0,
                "id": format!("call_{:x}", self.created),
                "type": "function",
                "function": {"name": name, "arguments": ""},
            }]}),
        })
    }

    /// More content.
    fn more(&self, text: &str) -> Event {
        self.delta(match &self.tool {
            None => json!({"content": text}),
            Some(_) => json!({"tool_calls": [{"index": 0, "function": {"arguments": text}}]}),
        })
    }
}

/// What a streamed chat completion has sent.
struct Chat<T: Structured> {
    updates: BoxStream<'static, Result<Update<T>, outlines::Error>>,
    chunks: Chunks,
    sent: String,
    over: bool,
}

/// The chat completion's chunks as `updates` arrive: the start, content as it settles, then the
/// end (the rest of the value, the finish, the usage if asked for, `[DONE]`) or an error event.
pub(crate) fn chat<T>(
    updates: BoxStream<'static, Result<Update<T>, outlines::Error>>,
    chunks: Chunks,
    place: impl Send + 'static,
) -> Response
where
    T: Shown + Send,
    T::Partial: Send,
{
    let first = futures_util::stream::iter([chunks.start()]);
    let state = Chat {
        updates,
        chunks,
        sent: String::new(),
        over: false,
    };
    let rest = futures_util::stream::unfold(state, |mut chat| async move {
        if chat.over {
            return None;
        }
        loop {
            let events = match chat.updates.next().await? {
                Ok(Update::Partial { value, .. }) => {
                    let settled = T::settled(&value);
                    match settled.strip_prefix(chat.sent.as_str()) {
                        Some(more) if !more.is_empty() => {
                            let event = chat.chunks.more(more);
                            chat.sent = settled;
                            vec![event]
                        }
                        // Nothing new, or another attempt's text: wait for the value.
                        _ => continue,
                    }
                }
                Ok(Update::Done(report)) => {
                    chat.over = true;
                    let whole = report.value.whole();
                    let Some(rest) = whole.strip_prefix(chat.sent.as_str()) else {
                        let error = ApiError::no_valid_value(format!(
                            "the value differs from the part of it already streamed (an attempt \
                             was repaired, or the reply read leniently): {whole}; ask without \
                             `stream` to get it whole"
                        ));
                        return Some((vec![error_event(&error)], chat));
                    };
                    let mut events = Vec::new();
                    if !rest.is_empty() {
                        events.push(chat.chunks.more(rest));
                    }
                    let finish = if chat.chunks.tool.is_some() {
                        "tool_calls"
                    } else {
                        "stop"
                    };
                    events.push(chat.chunks.chunk(
                        json!([{"index": 0, "delta": {}, "finish_reason": finish}]),
                        Value::Null,
                    ));
                    if chat.chunks.include_usage {
                        let usage = report.usage;
                        events.push(chat.chunks.chunk(
                            json!([]),
                            json!({
                                "prompt_tokens": usage.input_tokens,
                                "completion_tokens": usage.output_tokens,
                                "total_tokens": usage.input_tokens + usage.output_tokens,
                            }),
                        ));
                    }
                    events.push(Event::default().data("[DONE]"));
                    events
                }
                Ok(_) => continue,
                Err(error) => {
                    chat.over = true;
                    vec![error_event(&failure(&error))]
                }
            };
            return Some((events, chat));
        }
    });
    let events = first
        .chain(rest.flat_map(futures_util::stream::iter))
        .map(move |event| {
            // The server's place is held until the last event.
            let _ = &place;
            Ok::<_, Infallible>(event)
        });
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// An error as OpenAI streams one: `data: {"error": {...}}`.
fn error_event(error: &ApiError) -> Event {
    Event::default().data(error.body().to_string())
}

/// The native API's events: `partial` (`{"attempt", "value"}`) as the value grows, `retry` (the
/// attempt that ended without a value), then `done` (the body `/generate` answers) or `error`
/// (its error body, with the attempts).
pub(crate) fn native(
    updates: BoxStream<'static, Result<Update<Value>, outlines::Error>>,
    began: Instant,
    model: String,
    attempt: fn(&outlines::generate::Attempt) -> Value,
    place: impl Send + 'static,
) -> Response {
    let events = updates.map(move |update| {
        let _ = &place;
        let event = match update {
            Ok(Update::Partial { attempt, value }) => Event::default()
                .event("partial")
                .data(json!({"attempt": attempt, "value": value}).to_string()),
            Ok(Update::Retry(failed)) => Event::default()
                .event("retry")
                .data(attempt(&failed).to_string()),
            Ok(Update::Done(report)) => Event::default().event("done").data(
                json!({
                    "value": report.value,
                    "attempts": report.attempts.iter().map(attempt).collect::<Vec<_>>(),
                    "usage": {
                        "input_tokens": report.usage.input_tokens,
                        "output_tokens": report.usage.output_tokens,
                    },
                    "time_ms": (began.elapsed().as_secs_f64() * 1e6).round() / 1e3,
                    "model": model,
                })
                .to_string(),
            ),
            Ok(_) => Event::default().comment("update"),
            Err(error) => {
                let attempts: Vec<Value> = error.attempts().iter().map(attempt).collect();
                let failed = failure(&error).with_attempts(json!(attempts));
                Event::default()
                    .event("error")
                    .data(failed.body().to_string())
            }
        };
        Ok::<_, Infallible>(event)
    });
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_json_is_a_prefix_of_every_later_value() {
        let steps = [
            json!({}),
            json!({"name": ""}),
            json!({"name": "Jo"}),
            json!({"name": "Jo\"n", "tags": []}),
            json!({"name": "Jo\"n", "tags": ["a"]}),
            json!({"name": "Jo\"n", "tags": ["a", {"k": 1}]}),
            json!({"name": "Jo\"n", "tags": ["a", {"k": 1}], "age": 30}),
        ];
        let whole = steps.last().unwrap().to_string();
        let mut last = String::new();
        for step in &steps {
            let settled = Value::settled(step);
            assert!(settled.starts_with(&last), "{last} then {settled}");
            assert!(whole.starts_with(&settled), "{settled} in {whole}");
            last = settled;
        }
    }
}
