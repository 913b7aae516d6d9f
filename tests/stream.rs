//! Streaming over the wire: every backend streams (one that cannot answers with the whole reply as
//! its only item; wrappers forward the backend's own stream); OpenAI-compatible and Anthropic
//! servers on 127.0.0.1 stream SSE transcripts cut anywhere, with real delays; and the generation
//! loop streams typed partials over them, stopping a reply that can no longer be valid (the
//! connection is dropped) and asking again after a reply that broke mid-stream.

use std::sync::Arc;

use futures_util::StreamExt;
use outlines::backend::mock::Mock;
use outlines::backend::{Backend, Delta, Request, Response, StrictReading};

fn request() -> Request {
    Request::new(
        "system",
        vec![outlines::backend::Message::user("Go.")],
        outlines::backend::Constraint::Text,
    )
}

#[tokio::test]
async fn a_backend_that_cannot_stream_answers_with_the_whole_reply() {
    let mock = Mock::new().respond(Response::text("hello").with_usage(3, 1));
    let items: Vec<_> = mock.stream(&request()).collect().await;
    assert_eq!(items.len(), 1);
    match &items[0] {
        Ok(Delta::Done(response)) => {
            assert_eq!(response.text, "hello");
            assert_eq!(response.usage.output_tokens, 1);
        }
        other => panic!("expected the whole reply, got {other:?}"),
    }
    // An error is the stream's only item.
    let failing = Mock::always_fail(outlines::BackendError::Config("no key".into()));
    let items: Vec<_> = failing.stream(&request()).collect().await;
    assert!(matches!(items.as_slice(), [Err(_)]));
}

#[tokio::test]
async fn wrappers_forward_the_stream() {
    let wrapped: Vec<Box<dyn Backend>> = vec![
        Box::new(Arc::new(Mock::always("a"))),
        Box::new(StrictReading(Mock::always("b"))),
    ];
    for (backend, text) in wrapped.iter().zip(["a", "b"]) {
        let request = request();
        let items: Vec<_> = backend.stream(&request).collect().await;
        assert!(
            matches!(items.as_slice(), [Ok(Delta::Done(r))] if r.text == text),
            "{items:?}"
        );
    }
}

#[cfg(any(feature = "openai", feature = "anthropic"))]
mod sse {
    //! An OpenAI-compatible server that streams a fixed SSE transcript in small pieces, with real
    //! delays between them, cut anywhere (inside keys, strings, escapes, multi-byte characters).

    use std::convert::Infallible;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use axum::Router;
    use axum::body::{Body, Bytes};
    use axum::routing::post;
    use serde_json::Value;

    /// Serves `transcript` cut into `piece`-byte chunks; the requests' bodies go into the list.
    #[cfg(feature = "openai")]
    pub(super) async fn serve(
        transcript: String,
        piece: usize,
    ) -> (String, Arc<Mutex<Vec<Value>>>) {
        serve_at("/v1/chat/completions", transcript, piece).await
    }

    /// The same at `route`; the base URL without `/v1`.
    pub(super) async fn serve_at(
        route: &str,
        transcript: String,
        piece: usize,
    ) -> (String, Arc<Mutex<Vec<Value>>>) {
        let server = serve_each(route, vec![transcript], piece).await;
        (server.base, server.bodies)
    }

    /// A server that answers its requests with `transcripts` in turn (the last one again after).
    pub(super) struct Server {
        pub(super) base: String,
        /// The requests' bodies.
        pub(super) bodies: Arc<Mutex<Vec<Value>>>,
        /// For each request, the bytes of its transcript sent before the client stopped reading.
        #[cfg_attr(not(feature = "openai"), allow(dead_code))]
        pub(super) sent: Arc<Mutex<Vec<usize>>>,
    }

    pub(super) async fn serve_each(route: &str, transcripts: Vec<String>, piece: usize) -> Server {
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let sent = Arc::new(Mutex::new(Vec::new()));
        let (seen, counts) = (Arc::clone(&bodies), Arc::clone(&sent));
        let app = Router::new().route(
            route,
            post(move |body: Bytes| {
                let (bodies, sent) = (Arc::clone(&seen), Arc::clone(&counts));
                let number = {
                    let mut bodies = bodies.lock().unwrap();
                    bodies.push(serde_json::from_slice(&body).unwrap());
                    sent.lock().unwrap().push(0);
                    bodies.len() - 1
                };
                let transcript = transcripts[number.min(transcripts.len() - 1)].clone();
                async move {
                    let chunks: Vec<Bytes> = transcript
                        .as_bytes()
                        .chunks(piece)
                        .map(Bytes::copy_from_slice)
                        .collect();
                    let stream =
                        futures_util::stream::unfold(chunks.into_iter(), move |mut rest| {
                            let sent = Arc::clone(&sent);
                            async move {
                                let next = rest.next()?;
                                tokio::time::sleep(Duration::from_millis(2)).await;
                                sent.lock().unwrap()[number] += next.len();
                                Some((Ok::<_, Infallible>(next), rest))
                            }
                        });
                    axum::response::Response::builder()
                        .header("content-type", "text/event-stream")
                        .body(Body::from_stream(stream))
                        .unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let base = if route.starts_with("/v1/chat") {
            format!("http://{address}/v1")
        } else {
            format!("http://{address}")
        };
        Server { base, bodies, sent }
    }

    /// A transcript whose content pieces are `pieces`, then `tail` (a finish, usage and `[DONE]`,
    /// or whatever the test wants).
    #[cfg(feature = "openai")]
    pub(super) fn transcript(pieces: &[&str], tail: &str) -> String {
        let mut out = String::new();
        for piece in pieces {
            let chunk = serde_json::json!({
                "id": "c1", "object": "chat.completion.chunk", "model": "test",
                "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": null}],
            });
            out.push_str(&format!("data: {chunk}\r\n\r\n"));
        }
        out.push_str(tail);
        out
    }

    #[cfg(feature = "openai")]
    pub(super) const END: &str = concat!(
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"test\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
        ": keep-alive\n\n",
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"test\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":12,\"total_tokens\":21}}\n\n",
        "data: [DONE]\n\n",
    );
}

#[cfg(feature = "openai")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_streams_the_text_as_it_comes_and_then_the_whole_reply() {
    use outlines::backend::openai::OpenAi;
    let pieces = [
        "{\"na",
        "me\": \"Zo",
        "ë \\\"Z\\\" ",
        "Li\", \"age",
        "\": 3",
        "0}",
    ];
    let whole: String = pieces.concat();
    for piece in [1, 3, 7, 64, 4096] {
        let (base, bodies) = sse::serve(sse::transcript(&pieces, sse::END), piece).await;
        let backend = OpenAi::new("test").base_url(base);
        let request = request();
        let items: Vec<_> = backend.stream(&request).collect().await;
        let mut text = String::new();
        let mut done = None;
        for item in items {
            match item.unwrap_or_else(|e| panic!("piece {piece}: {e}")) {
                Delta::Text(more) => {
                    assert!(done.is_none(), "text after the end");
                    text.push_str(&more);
                }
                Delta::Done(response) => done = Some(response),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(text, whole, "piece {piece}");
        let done = done.expect("the whole reply");
        assert_eq!(done.text, whole);
        assert_eq!((done.usage.input_tokens, done.usage.output_tokens), (9, 12));
        assert_eq!(done.model.as_deref(), Some("test"));
        let sent = &bodies.lock().unwrap()[0];
        assert_eq!(sent["stream"], true);
        assert_eq!(sent["stream_options"]["include_usage"], true);
    }
}

#[cfg(feature = "openai")]
#[tokio::test]
async fn a_stream_that_breaks_or_reports_an_error_ends_in_an_error() {
    use outlines::backend::openai::OpenAi;
    // An error event after some text: the text came, then the error.
    let error = "data: {\"error\": {\"message\": \"overloaded\", \"type\": \"server_error\"}}\n\n";
    let (base, _) = sse::serve(sse::transcript(&["{\"a\""], error), 5).await;
    let items: Vec<_> = OpenAi::new("test")
        .base_url(base)
        .stream(&request())
        .collect()
        .await;
    assert!(matches!(&items[0], Ok(Delta::Text(t)) if t == "{\"a\""));
    let last = items.last().unwrap().as_ref().unwrap_err().to_string();
    assert!(last.contains("overloaded"), "{last}");
    // The body ends with neither a finish nor `[DONE]`: the reply is incomplete.
    let (base, _) = sse::serve(sse::transcript(&["{\"a\": 1"], ""), 5).await;
    let items: Vec<_> = OpenAi::new("test")
        .base_url(base)
        .stream(&request())
        .collect()
        .await;
    let last = items.last().unwrap().as_ref().unwrap_err().to_string();
    assert!(
        last.contains("ended before the reply was complete"),
        "{last}"
    );
}

#[cfg(feature = "anthropic")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anthropic_streams_text_and_tool_input_and_counts_usage_as_it_grows() {
    use outlines::backend::anthropic::Anthropic;
    let event = |name: &str, data: serde_json::Value| format!("event: {name}\ndata: {data}\n\n");
    let transcript = |block: serde_json::Value, kind: &str, key: &str, pieces: &[&str]| {
        let mut out = event(
            "message_start",
            serde_json::json!({"type": "message_start", "message": {"id": "m", "type": "message",
                "role": "assistant", "content": [], "model": "claude-test",
                "usage": {"input_tokens": 25, "output_tokens": 1}}}),
        );
        out += &event(
            "content_block_start",
            serde_json::json!({"type": "content_block_start", "index": 0, "content_block": block}),
        );
        out += &event("ping", serde_json::json!({"type": "ping"}));
        for piece in pieces {
            out += &event(
                "content_block_delta",
                serde_json::json!({"type": "content_block_delta", "index": 0, "delta": {"type": kind, key: piece}}),
            );
        }
        out += &event(
            "content_block_stop",
            serde_json::json!({"type": "content_block_stop", "index": 0}),
        );
        out += &event(
            "message_delta",
            serde_json::json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 7}}),
        );
        out += &event(
            "message_delta",
            serde_json::json!({"type": "message_delta", "delta": {}, "usage": {"output_tokens": 15}}),
        );
        out + &event("message_stop", serde_json::json!({"type": "message_stop"}))
    };
    let pieces = ["{\"na", "me\": \"Zo", "ë\", \"age", "\": 30}"];
    let text = transcript(
        serde_json::json!({"type": "text", "text": ""}),
        "text_delta",
        "text",
        &pieces,
    );
    for piece in [1, 5, 4096] {
        let (base, bodies) = sse::serve_at("/v1/messages", text.clone(), piece).await;
        let backend = Anthropic::new("claude-test").base_url(base).api_key("k");
        let request = request();
        let items: Vec<_> = backend.stream(&request).collect().await;
        let joined: String = items
            .iter()
            .filter_map(|i| match i {
                Ok(Delta::Text(t)) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(joined, pieces.concat(), "piece {piece}");
        // The counts as they come: the prompt at the start, then each cumulative output count.
        let counted: Vec<_> = items
            .iter()
            .filter_map(|i| match i {
                Ok(Delta::Usage(u)) => Some((u.input_tokens, u.output_tokens)),
                _ => None,
            })
            .collect();
        assert_eq!(counted, [(25, 1), (25, 7), (25, 15)], "piece {piece}");
        match items.last() {
            Some(Ok(Delta::Done(done))) => {
                assert_eq!(done.text, pieces.concat());
                // Cumulative usage: the last count, not a sum.
                assert_eq!(
                    (done.usage.input_tokens, done.usage.output_tokens),
                    (25, 15)
                );
                assert_eq!(done.model.as_deref(), Some("claude-test"));
            }
            other => panic!("piece {piece}: {other:?}"),
        }
        assert_eq!(bodies.lock().unwrap()[0]["stream"], true);
    }
    // Tool mode: the forced tool's input arrives as `input_json_delta`s.
    #[derive(Debug, outlines::Structured)]
    #[allow(dead_code)]
    struct Person {
        name: String,
        age: u8,
    }
    let tool = transcript(
        serde_json::json!({"type": "tool_use", "id": "t1", "name": "Person", "input": {}}),
        "input_json_delta",
        "partial_json",
        &["", "{\"name\": \"Ann\",", " \"age\": 30}"],
    );
    let (base, _) = sse::serve_at("/v1/messages", tool, 3).await;
    let backend = Anthropic::new("claude-test").base_url(base).api_key("k");
    let tool_request = outlines::backend::Request::new(
        "system",
        vec![outlines::backend::Message::user("Go.")],
        outlines::backend::Constraint::Json(outlines::backend::SchemaSpec::of::<Person>()),
    );
    let items: Vec<_> = backend.stream(&tool_request).collect().await;
    let texts = items
        .iter()
        .filter(|i| matches!(i, Ok(Delta::Text(_))))
        .count();
    assert_eq!(texts, 2, "{items:?}");
    match items.last() {
        Some(Ok(Delta::Done(done))) => {
            let value: serde_json::Value = serde_json::from_str(&done.text).unwrap();
            assert_eq!(value, serde_json::json!({"name": "Ann", "age": 30}));
        }
        other => panic!("{other:?}"),
    }
    // An overloaded error mid-stream is a transport fault, after the text that came.
    let broken = transcript(serde_json::json!({"type": "text", "text": ""}), "text_delta", "text", &["{\"a\""])
        .replacen(
            "event: content_block_stop",
            "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\nevent: content_block_stop",
            1,
        );
    let (base, _) = sse::serve_at("/v1/messages", broken, 16).await;
    let backend = Anthropic::new("claude-test").base_url(base).api_key("k");
    let items: Vec<_> = backend.stream(&request()).collect().await;
    let error = items.last().unwrap().as_ref().unwrap_err();
    assert!(
        matches!(error, outlines::BackendError::Transport { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("overloaded_error"), "{error}");
}

#[cfg(feature = "openai")]
mod generation {
    use futures_util::StreamExt;
    use outlines::backend::openai::OpenAi;
    use outlines::generate::{Outcome, Update};
    use outlines::prelude::*;

    use super::sse;

    #[derive(Debug, PartialEq, Structured)]
    enum Role {
        #[serde(rename = "admin")]
        Admin,
        #[serde(rename = "user")]
        User,
    }

    #[derive(Debug, Structured)]
    struct Person {
        #[outline(max = 40)]
        name: String,
        role: Role,
        notes: String,
    }

    const VALID: [&str; 4] = [
        "{\"name\": \"Zo",
        "ë\", \"role\": \"us",
        "er\", \"notes\": \"",
        "ok\"}",
    ];

    /// The updates of one streamed generation.
    async fn updates(backend: &OpenAi) -> Vec<Update<Person>> {
        Person::generation("Extract.")
            .max_attempts(2)
            .stream(backend)
            .map(|u| u.unwrap_or_else(|e| panic!("{e}")))
            .collect()
            .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn partials_grow_as_the_reply_streams_then_the_value() {
        for piece in [1, 7, 4096] {
            let server = sse::serve_each(
                "/v1/chat/completions",
                vec![sse::transcript(&VALID, sse::END)],
                piece,
            )
            .await;
            let backend = OpenAi::new("test").base_url(server.base);
            let updates = updates(&backend).await;
            let names: Vec<String> = updates
                .iter()
                .filter_map(|u| match u {
                    Update::Partial { value, .. } => value.name.as_ref().map(|n| n.value.clone()),
                    _ => None,
                })
                .collect();
            // The name only grows, through the cut inside "ë".
            assert!(
                names.windows(2).all(|w| w[1].starts_with(&w[0])),
                "{names:?}"
            );
            match updates.last() {
                Some(Update::Done(report)) => {
                    assert_eq!(report.value.name, "Zoë");
                    assert_eq!(report.value.role, Role::User);
                    assert_eq!(report.value.notes, "ok");
                    assert_eq!(report.usage.output_tokens, 12);
                }
                _ => panic!("piece {piece}: no value"),
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reply_past_repair_is_dropped_mid_stream_and_repaired() {
        // "superuser" begins like no role: the rest (a long note) is never paid for.
        let long = "x".repeat(4000);
        let bad = [
            "{\"name\": \"Zoë\", \"role\": \"su",
            "peruser\", \"notes\": \"",
            long.as_str(),
            "\"}",
        ];
        let first = sse::transcript(&bad, sse::END);
        let server = sse::serve_each(
            "/v1/chat/completions",
            vec![first.clone(), sse::transcript(&VALID, sse::END)],
            16,
        )
        .await;
        let backend = OpenAi::new("test").base_url(server.base);
        let updates = updates(&backend).await;
        let Some(Update::Done(report)) = updates.last() else {
            panic!("no value")
        };
        assert_eq!(report.attempts[0].outcome, Outcome::Aborted);
        assert_eq!(report.attempts[0].errors[0].path().to_string(), "role");
        assert!(
            updates
                .iter()
                .any(|u| matches!(u, Update::Retry(a) if a.outcome == Outcome::Aborted))
        );
        // The client hung up: far less than the first transcript was sent.
        let sent = server.sent.lock().unwrap()[0];
        assert!(
            sent < first.len() / 2,
            "{sent} of {} bytes sent",
            first.len()
        );
        // The repair turn quotes the error.
        let bodies = server.bodies.lock().unwrap();
        let repair =
            bodies[1]["messages"].as_array().unwrap().last().unwrap()["content"].to_string();
        assert!(repair.contains("role"), "{repair}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stream_that_breaks_is_asked_for_again() {
        let error =
            "data: {\"error\": {\"message\": \"overloaded\", \"type\": \"server_error\"}}\n\n";
        let server = sse::serve_each(
            "/v1/chat/completions",
            vec![
                sse::transcript(&VALID[..2], error),
                sse::transcript(&VALID, sse::END),
            ],
            5,
        )
        .await;
        let backend = OpenAi::new("test").base_url(server.base);
        let updates = updates(&backend).await;
        // The first attempt's partials were prefixes of what it wrote; then the retry.
        let retry = updates
            .iter()
            .position(|u| matches!(u, Update::Retry(_)))
            .expect("a retry");
        let Update::Retry(broken) = &updates[retry] else {
            unreachable!()
        };
        assert_eq!(broken.outcome, Outcome::BackendError);
        assert_eq!(broken.output, VALID[..2].concat());
        assert!(
            updates[..retry]
                .iter()
                .all(|u| matches!(u, Update::Partial { attempt: 1, .. }))
        );
        let Some(Update::Done(report)) = updates.last() else {
            panic!("no value")
        };
        assert_eq!(report.value.name, "Zoë");
        assert_eq!(report.attempts.len(), 2);
        // The second request is the first again, not a repair.
        let bodies = server.bodies.lock().unwrap();
        assert_eq!(bodies[0]["messages"], bodies[1]["messages"]);
    }
}

/// A value the backend wraps (`{"value": …}`: Anthropic's tool input must be an object) streams as
/// the value itself.
#[cfg(feature = "anthropic")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrapped_value_streams_as_the_value() {
    use outlines::backend::anthropic::Anthropic;
    use outlines::generate::Update;
    use outlines::prelude::*;
    let event = |name: &str, data: serde_json::Value| format!("event: {name}\ndata: {data}\n\n");
    let mut transcript = event(
        "message_start",
        serde_json::json!({"type": "message_start", "message": {"id": "m", "type": "message",
            "role": "assistant", "content": [], "model": "claude-test",
            "usage": {"input_tokens": 5, "output_tokens": 1}}}),
    );
    transcript += &event(
        "content_block_start",
        serde_json::json!({"type": "content_block_start", "index": 0,
            "content_block": {"type": "tool_use", "id": "t1", "name": "emit", "input": {}}}),
    );
    for piece in ["{\"val", "ue\": [\"a", "lpha\", \"be", "ta\"]}"] {
        transcript += &event(
            "content_block_delta",
            serde_json::json!({"type": "content_block_delta", "index": 0,
                "delta": {"type": "input_json_delta", "partial_json": piece}}),
        );
    }
    transcript += &event(
        "content_block_stop",
        serde_json::json!({"type": "content_block_stop", "index": 0}),
    );
    transcript += &event(
        "message_delta",
        serde_json::json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 9}}),
    );
    transcript += &event("message_stop", serde_json::json!({"type": "message_stop"}));
    let (base, _) = sse::serve_at("/v1/messages", transcript, 7).await;
    let backend = Anthropic::new("claude-test").base_url(base).api_key("k");
    let updates: Vec<_> = Vec::<String>::generation("Two words.")
        .stream(&backend)
        .map(|u| u.unwrap())
        .collect()
        .await;
    let partials: Vec<Vec<String>> = updates
        .iter()
        .filter_map(|u| match u {
            Update::Partial { value, .. } => Some(value.iter().map(|p| p.value.clone()).collect()),
            _ => None,
        })
        .collect();
    assert!(partials.len() > 1, "{partials:?}");
    assert!(
        partials
            .iter()
            .any(|p| p == &["alpha".to_owned(), "be".to_owned()])
            || partials.len() > 2
    );
    match updates.last() {
        Some(Update::Done(report)) => assert_eq!(report.value, ["alpha", "beta"]),
        _ => panic!("no value"),
    }
}

#[cfg(any(feature = "openai", feature = "anthropic"))]
#[derive(Debug, outlines::Structured)]
#[allow(dead_code)]
struct Pair {
    name: String,
    age: u8,
}

#[cfg(any(feature = "openai", feature = "anthropic"))]
fn tool_request() -> Request {
    let mut request = Request::new(
        "system",
        vec![outlines::backend::Message::user("Go.")],
        outlines::backend::Constraint::Json(outlines::backend::SchemaSpec::of::<Pair>()),
    );
    request.mode = outlines::OutputMode::Tool;
    request
}

/// A server that ignores `tool_choice` and answers in `content`: the reply is the content, as
/// when it is not streamed.
#[cfg(feature = "openai")]
#[tokio::test]
async fn openai_tool_mode_falls_back_to_content() {
    use outlines::backend::openai::OpenAi;
    let (base, _) = sse::serve(
        sse::transcript(&["{\"name\": \"A\", ", "\"age\": 3}"], sse::END),
        9,
    )
    .await;
    let items: Vec<_> = OpenAi::new("test")
        .base_url(base)
        .stream(&tool_request())
        .collect()
        .await;
    match items.last() {
        Some(Ok(Delta::Done(done))) => assert_eq!(done.text, "{\"name\": \"A\", \"age\": 3}"),
        other => panic!("{other:?}"),
    }
}

/// Tool input the token limit cut: the text so far, finished by length, for the loop to repair.
#[cfg(feature = "anthropic")]
#[tokio::test]
async fn anthropic_tool_input_cut_by_the_limit_is_a_reply_cut_short() {
    use outlines::backend::Finish;
    use outlines::backend::anthropic::Anthropic;
    let event = |name: &str, data: serde_json::Value| format!("event: {name}\ndata: {data}\n\n");
    let mut transcript = event(
        "message_start",
        serde_json::json!({"type": "message_start", "message": {"id": "m", "type": "message",
            "role": "assistant", "content": [], "model": "claude-test",
            "usage": {"input_tokens": 5, "cache_read_input_tokens": 100, "output_tokens": 1}}}),
    );
    transcript += &event(
        "content_block_start",
        serde_json::json!({"type": "content_block_start", "index": 0,
            "content_block": {"type": "tool_use", "id": "t1", "name": "Pair", "input": {}}}),
    );
    transcript += &event(
        "content_block_delta",
        serde_json::json!({"type": "content_block_delta", "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": "{\"name\": \"An"}}),
    );
    transcript += &event(
        "content_block_stop",
        serde_json::json!({"type": "content_block_stop", "index": 0}),
    );
    transcript += &event(
        "message_delta",
        serde_json::json!({"type": "message_delta", "delta": {"stop_reason": "max_tokens"}, "usage": {"output_tokens": 4}}),
    );
    transcript += &event("message_stop", serde_json::json!({"type": "message_stop"}));
    let (base, _) = sse::serve_at("/v1/messages", transcript, 11).await;
    let backend = Anthropic::new("claude-test").base_url(base).api_key("k");
    let items: Vec<_> = backend.stream(&tool_request()).collect().await;
    match items.last() {
        Some(Ok(Delta::Done(done))) => {
            assert_eq!(done.text, "{\"name\": \"An");
            assert_eq!(done.finish, Finish::Length);
            // Cached prompt tokens count as prompt tokens, as in a reply read whole.
            assert_eq!(
                (done.usage.input_tokens, done.usage.output_tokens),
                (105, 4)
            );
        }
        other => panic!("{other:?}"),
    }
}

/// An attempt that ends before its reply is whole still counts what the provider counted: an
/// Anthropic stream says the prompt's tokens as it opens.
#[cfg(feature = "anthropic")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attempt_that_breaks_counts_the_tokens_the_provider_counted() {
    use outlines::backend::Usage;
    use outlines::backend::anthropic::Anthropic;
    use outlines::generate::{Outcome, Update};
    use outlines::prelude::*;
    use serde_json::json;

    #[derive(Debug, Structured)]
    #[allow(dead_code)]
    struct Person {
        name: String,
        age: u8,
    }
    let event = |name: &str, data: serde_json::Value| format!("event: {name}\ndata: {data}\n\n");
    let start = event(
        "message_start",
        json!({"type": "message_start", "message": {"id": "m", "type": "message",
            "role": "assistant", "content": [], "model": "claude-test",
            "usage": {"input_tokens": 40, "cache_read_input_tokens": 2, "output_tokens": 1}}}),
    ) + &event(
        "content_block_start",
        json!({"type": "content_block_start", "index": 0,
            "content_block": {"type": "tool_use", "id": "t1", "name": "Person", "input": {}}}),
    );
    let text = |t: &str| {
        event(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 0,
                "delta": {"type": "input_json_delta", "partial_json": t}}),
        )
    };
    let broken = start.clone()
        + &text("{\"name\": \"Jo")
        + &event(
            "error",
            json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
        );
    let whole = start
        + &text("{\"name\": \"Jo\", \"age\": 30}")
        + &event(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": 0}),
        )
        + &event(
            "message_delta",
            json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 9}}),
        )
        + &event("message_stop", json!({"type": "message_stop"}));
    let server = sse::serve_each("/v1/messages", vec![broken, whole], 7).await;
    let backend = Anthropic::new("claude-test")
        .base_url(server.base)
        .api_key("test-key");
    let mut updates = Person::generation("Extract.")
        .max_attempts(2)
        .stream(&backend);
    let mut done = None;
    while let Some(update) = updates.next().await {
        if let Update::Done(report) = update.unwrap() {
            done = Some(report);
        }
    }
    let report = done.expect("a value");
    let broken = &report.attempts[0];
    assert_eq!(broken.outcome, Outcome::BackendError);
    assert_eq!(
        broken.usage,
        Usage {
            input_tokens: 42,
            output_tokens: 1
        }
    );
    assert_eq!(report.attempts[1].usage.output_tokens, 9);
    assert_eq!(
        report.usage,
        Usage {
            input_tokens: 84,
            output_tokens: 10
        }
    );
}
