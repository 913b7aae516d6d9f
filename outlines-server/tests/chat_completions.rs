//! `/v1/chat/completions` over HTTP on 127.0.0.1, in front of a scripted backend: the reply in
//! OpenAI's shape, the schema enforced (a bad first reply repaired behind the client's back), named
//! tool calls, and errors in OpenAI's envelope.

mod support;

use std::sync::Arc;

use outlines::backend::Role;
use outlines::backend::mock::Mock;
use outlines_server::Server;
use serde_json::{Value, json};

/// The server on a free port in front of `mock`; its base URL.
async fn serve(mock: Arc<Mock>) -> String {
    support::start(Server::new(mock)).await
}

async fn post(base: &str, body: Value) -> (u16, Value) {
    support::post(format!("{base}/v1/chat/completions"), body).await
}

fn person_format(strict: bool) -> Value {
    json!({"type": "json_schema", "json_schema": {"name": "Person", "strict": strict, "schema": {
        "type": "object",
        "properties": {"name": {"type": "string", "minLength": 1}, "age": {"type": "integer", "minimum": 0, "maximum": 120}},
        "required": ["name", "age"],
        "additionalProperties": false
    }}})
}

#[tokio::test]
async fn a_json_schema_reply_is_valid_and_repaired_behind_the_client() {
    let mock = Arc::new(
        Mock::new()
            .reply(r#"{"name": "John", "age": 250}"#)
            .reply(r#"{"name": "John", "age": 25}"#),
    );
    let base = serve(mock.clone()).await;
    let (status, body) = post(
        &base,
        json!({
            "model": "local",
            "messages": [
                {"role": "system", "content": "You extract people."},
                {"role": "user", "content": "John is 25."}
            ],
            "response_format": person_format(true),
            "seed": 7
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["object"], "chat.completion");
    assert_eq!(body["model"], "local");
    let choice = &body["choices"][0];
    assert_eq!(choice["finish_reason"], "stop");
    assert_eq!(choice["message"]["role"], "assistant");
    let content: Value =
        serde_json::from_str(choice["message"]["content"].as_str().unwrap()).unwrap();
    assert_eq!(content, json!({"name": "John", "age": 25}));
    // The backend saw the system prompt and, after the bad reply, a repair turn.
    let sent = mock.requests();
    assert_eq!(sent.len(), 2);
    assert!(
        sent[0].system.starts_with("You extract people."),
        "{}",
        sent[0].system
    );
    assert_eq!(sent[1].messages.len(), 3);
    assert!(
        sent[1].messages[2].content.contains("age"),
        "{}",
        sent[1].messages[2].content
    );
}

#[tokio::test]
async fn earlier_turns_are_history_and_parts_are_read_as_text() {
    let mock = Arc::new(Mock::always("Paris"));
    let base = serve(mock.clone()).await;
    let (status, body) = post(
        &base,
        json!({"messages": [
            {"role": "user", "content": "Capital of Italy?"},
            {"role": "assistant", "content": "Rome"},
            {"role": "user", "content": [{"type": "text", "text": "And of France?"}]}
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["choices"][0]["message"]["content"], "Paris");
    let sent = &mock.requests()[0];
    let roles: Vec<Role> = sent.messages.iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::User, Role::Assistant, Role::User]);
    assert_eq!(sent.messages[2].content, "And of France?");
}

#[tokio::test]
async fn a_named_tool_is_answered_with_a_tool_call() {
    let mock = Arc::new(Mock::always(r#"{"city": "Paris"}"#));
    let base = serve(mock).await;
    let (status, body) = post(
        &base,
        json!({
            "messages": [{"role": "user", "content": "Weather in Paris?"}],
            "tools": [{"type": "function", "function": {"name": "weather", "parameters": {
                "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]
            }}}],
            "tool_choice": {"type": "function", "function": {"name": "weather"}},
            "parallel_tool_calls": false
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let choice = &body["choices"][0];
    assert_eq!(choice["finish_reason"], "tool_calls");
    assert!(choice["message"]["content"].is_null());
    let call = &choice["message"]["tool_calls"][0];
    assert_eq!(call["type"], "function");
    assert_eq!(call["function"]["name"], "weather");
    let arguments: Value =
        serde_json::from_str(call["function"]["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(arguments, json!({"city": "Paris"}));
}

#[tokio::test]
async fn what_cannot_be_served_is_an_error_in_openai_s_envelope() {
    let mock = Arc::new(Mock::always(r#"{"name": "", "age": 1}"#));
    let base = serve(mock).await;
    // No valid value within the attempts: fails closed, with the diagnostics.
    let (status, body) = post(
        &base,
        json!({"messages": [{"role": "user", "content": "x"}], "response_format": person_format(false)}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["type"], "invalid_output");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("name"),
        "{body}"
    );
    // A schema with an unsupported keyword: 400, naming it.
    let (status, body) = post(
        &base,
        json!({"messages": [{"role": "user", "content": "x"}],
               "response_format": {"type": "json_schema", "json_schema": {"name": "X", "schema": {"type": "object", "unevaluatedProperties": false}}}}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["param"], "response_format");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unevaluatedProperties"),
        "{body}"
    );
    // A tool_choice naming no tool, a conversation not ending with the user, malformed JSON.
    let (status, body) = post(
        &base,
        json!({"messages": [{"role": "user", "content": "x"}], "tool_choice": {"type": "function", "function": {"name": "nope"}}}),
    )
    .await;
    assert_eq!(
        (status, &body["error"]["param"]),
        (400, &json!("tool_choice")),
        "{body}"
    );
    let (status, _) = post(
        &base,
        json!({"messages": [{"role": "assistant", "content": "x"}]}),
    )
    .await;
    assert_eq!(status, 400);
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/chat/completions"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["type"], "invalid_request_error");
}

#[tokio::test]
async fn models_lists_the_backend_s_model() {
    let base = serve(Arc::new(Mock::always("x"))).await;
    let body: Value = reqwest::get(format!("{base}/v1/models"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["object"], "list");
    assert_eq!(body["data"][0]["object"], "model");
    assert!(body["data"][0]["id"].is_string());
}

/// The content of a streamed completion: each chunk's delta content (or tool arguments), the
/// finish reason, and the events after the chunks.
fn streamed(events: &[(String, String)]) -> (Vec<String>, Option<String>, Vec<String>) {
    let (mut pieces, mut finish, mut rest) = (Vec::new(), None, Vec::new());
    for (_, data) in events {
        let Ok(chunk) = serde_json::from_str::<Value>(data) else {
            rest.push(data.clone());
            continue;
        };
        if chunk.get("error").is_some() {
            rest.push(data.clone());
            continue;
        }
        let Some(choice) = chunk.pointer("/choices/0") else {
            continue;
        };
        let delta = &choice["delta"];
        let piece = delta["content"].as_str().or_else(|| {
            delta
                .pointer("/tool_calls/0/function/arguments")
                .and_then(Value::as_str)
        });
        if let Some(piece) = piece.filter(|p| !p.is_empty()) {
            pieces.push(piece.to_owned());
        }
        if let Some(reason) = choice["finish_reason"].as_str() {
            finish = Some(reason.to_owned());
        }
    }
    (pieces, finish, rest)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_completion_sends_the_value_as_it_is_written() {
    // The backend streams in 3-byte pieces; the first reply breaks the maximum and is stopped,
    // the repair agrees with what was already sent.
    let mock = Arc::new(
        Mock::new()
            .reply(r#"{"name": "John", "age": 250, "x": "a long rest that is never paid for"}"#)
            .reply(r#"{"name": "John", "age": 25}"#)
            .streaming(3),
    );
    let base = serve(mock.clone()).await;
    let body = json!({
        "model": "m", "stream": true, "stream_options": {"include_usage": true},
        "messages": [{"role": "user", "content": "John is 25."}],
        "response_format": person_format(true),
    });
    let (status, events) = support::events(format!("{base}/v1/chat/completions"), body).await;
    assert_eq!(status, 200);
    let (pieces, finish, rest) = streamed(&events);
    assert!(pieces.len() > 3, "{pieces:?}");
    assert_eq!(pieces.concat(), r#"{"name":"John","age":25}"#);
    assert_eq!(finish.as_deref(), Some("stop"));
    assert_eq!(rest, ["[DONE]"]);
    // The first reply was dropped once 250 was whole.
    assert!(mock.streamed_bytes() < 70, "{}", mock.streamed_bytes());

    // A tool call streams its arguments.
    let mock = Arc::new(
        Mock::new()
            .reply(r#"{"name": "Ann", "age": 30}"#)
            .streaming(4),
    );
    let base = serve(mock).await;
    let body = json!({
        "model": "m", "stream": true,
        "messages": [{"role": "user", "content": "Ann is 30."}],
        "tools": [{"type": "function", "function": {"name": "person", "parameters": person_format(true)["json_schema"]["schema"]}}],
        "tool_choice": {"type": "function", "function": {"name": "person"}},
    });
    let (_, events) = support::events(format!("{base}/v1/chat/completions"), body).await;
    let (pieces, finish, _) = streamed(&events);
    assert!(pieces.len() > 2);
    assert_eq!(pieces.concat(), r#"{"name":"Ann","age":30}"#);
    assert_eq!(finish.as_deref(), Some("tool_calls"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_value_that_changes_or_fails_ends_with_an_error_event() {
    // The first reply streams a name, then breaks the maximum; the repair writes another name:
    // what was sent cannot be taken back, so the stream ends with an error, not a wrong value.
    let mock = Arc::new(
        Mock::new()
            .reply(r#"{"name": "Johnny", "age": 250}"#)
            .reply(r#"{"name": "John", "age": 25}"#)
            .streaming(3),
    );
    let base = serve(mock).await;
    let body = json!({
        "model": "m", "stream": true,
        "messages": [{"role": "user", "content": "John is 25."}],
        "response_format": person_format(true),
    });
    let (status, events) =
        support::events(format!("{base}/v1/chat/completions"), body.clone()).await;
    assert_eq!(status, 200);
    let (_, finish, rest) = streamed(&events);
    assert_eq!(finish, None);
    let error: Value = serde_json::from_str(rest.last().unwrap()).unwrap();
    assert_eq!(error["error"]["type"], "invalid_output");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("without `stream`")
    );
    // A generation that fails ends with its error.
    let mock = Arc::new(Mock::always(r#"{"name": "", "age": 25}"#).streaming(5));
    let base = serve(mock).await;
    let (_, events) = support::events(format!("{base}/v1/chat/completions"), body).await;
    let (_, _, rest) = streamed(&events);
    let error: Value = serde_json::from_str(rest.last().unwrap()).unwrap();
    assert_eq!(error["error"]["type"], "invalid_output", "{error}");
}
