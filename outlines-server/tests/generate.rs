//! `POST /generate` over HTTP: each output type, repairs with their attempts, templates, and
//! errors that name what is wrong.

mod support;

use std::sync::Arc;

use outlines::backend::Backend;
use outlines::backend::mock::Mock;
use outlines_server::Server;
use serde_json::{Value, json};

async fn serve(mock: Arc<Mock>) -> String {
    support::start(Server::new(mock)).await
}

async fn generate(base: &str, body: Value) -> (u16, Value) {
    support::post(format!("{base}/generate"), body).await
}

#[tokio::test]
async fn each_output_type_gives_its_value() {
    let cases = [
        (json!({"type": "text"}), "Hello there", json!("Hello there")),
        (
            json!({"type": "choice", "choices": ["positive", "negative"]}),
            "negative",
            json!("negative"),
        ),
        (
            json!({"type": "regex", "pattern": r"\d{3}-\d{4}"}),
            "555-0199",
            json!("555-0199"),
        ),
        (
            json!({"type": "grammar", "lark": "start: NUMBER (\"+\" NUMBER)*\nNUMBER: /[0-9]+/"}),
            "1+2",
            json!("1+2"),
        ),
        (
            json!({"type": "json_schema", "schema": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}}),
            r#"{"n": 3}"#,
            json!({"n": 3}),
        ),
    ];
    for (output, reply, value) in cases {
        let base = serve(Arc::new(Mock::always(reply))).await;
        let (status, body) = generate(&base, json!({"prompt": "Go.", "output": output})).await;
        assert_eq!(status, 200, "{output}: {body}");
        assert_eq!(body["value"], value, "{output}");
        assert_eq!(body["attempts"].as_array().unwrap().len(), 1);
        assert_eq!(body["attempts"][0]["outcome"], "valid");
        assert!(body["time_ms"].is_number());
    }
}

#[tokio::test]
async fn a_repair_shows_in_the_attempts_and_failure_returns_them_all() {
    let mock = Arc::new(Mock::new().reply("555-01x9").reply("555-0199"));
    let base = serve(mock).await;
    let regex = json!({"type": "regex", "pattern": r"\d{3}-\d{4}"});
    let (status, body) = generate(&base, json!({"prompt": "Go.", "output": regex})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["attempts"][0]["outcome"], "invalid");
    let error = &body["attempts"][0]["errors"][0];
    assert_eq!(error["path"], "$");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("stops matching"),
        "{error}"
    );
    assert_eq!(body["attempts"][1]["outcome"], "valid");

    let base = serve(Arc::new(Mock::always("nope"))).await;
    let (status, body) = generate(
        &base,
        json!({"prompt": "Go.", "output": regex, "attempts": 2}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["type"], "invalid_output");
    assert_eq!(body["error"]["attempts"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_reply_read_leniently_lists_its_fixes() {
    let mock = Arc::new(Mock::always("Here:\n```json\n{\"n\": \"3\",}\n```"));
    let base = serve(mock).await;
    let schema =
        json!({"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]});
    let (status, body) = generate(
        &base,
        json!({"prompt": "Go.", "output": {"type": "json_schema", "schema": schema}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"], json!({"n": 3}));
    let fixes = &body["attempts"][0]["fixes"];
    let kinds: Vec<&str> = fixes
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "code_fence",
            "surrounding_text",
            "trailing_comma",
            "coerce_string_to_integer"
        ]
    );
    assert_eq!(fixes[3]["at"], "n");
    assert_eq!(
        (fixes[3]["before"].as_str(), fixes[3]["after"].as_str()),
        (Some("\"3\""), Some("3"))
    );
}

#[tokio::test]
async fn a_template_renders_the_prompt_with_the_output_in_context() {
    let mock = Arc::new(Mock::always("positive"));
    let base = serve(mock.clone()).await;
    let (status, body) = generate(
        &base,
        json!({
            "template": {"source": "Review: {{ review }}\nAnswer with {{ output.name }}.", "context": {"review": "Loved it"}},
            "output": {"type": "choice", "choices": ["positive", "negative"]}
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let prompt = &mock.requests()[0].messages[0].content;
    assert!(
        prompt.starts_with("Review: Loved it\nAnswer with "),
        "{prompt}"
    );
}

#[tokio::test]
async fn what_is_wrong_is_named() {
    let base = serve(Arc::new(Mock::always("x"))).await;
    let cases = [
        (
            json!({"prompt": "x", "output": {"type": "regex", "pattern": "("}}),
            "output",
        ),
        (
            json!({"prompt": "x", "output": {"type": "choice", "choices": []}}),
            "output",
        ),
        (
            json!({"prompt": "x", "output": {"type": "grammar", "lark": "start: ???"}}),
            "output",
        ),
        (
            json!({"prompt": "x", "output": {"type": "json_schema", "schema": {"type": "nope"}}}),
            "output",
        ),
        (
            json!({"template": {"source": "{{ missing }}"}, "output": {"type": "text"}}),
            "template",
        ),
        (json!({"output": {"type": "text"}}), "prompt"),
        (
            json!({"prompt": "x", "output": {"type": "text"}, "attempts": 0}),
            "attempts",
        ),
    ];
    for (request, param) in cases {
        let (status, body) = generate(&base, request.clone()).await;
        assert_eq!(status, 400, "{request}: {body}");
        assert_eq!(body["error"]["param"], param, "{request}: {body}");
    }
    // An unknown output type or field is a 4xx from the body's parser, in the same envelope.
    let (status, body) = generate(&base, json!({"prompt": "x", "output": {"type": "xml"}})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["type"], "invalid_request_error");
}

#[tokio::test]
async fn health_answers() {
    let base = serve(Arc::new(Mock::always("x"))).await;
    let body: Value = reqwest::get(format!("{base}/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn schemas_are_compiled_once_and_the_admin_clears_them() {
    let backend: Arc<dyn Backend> = Arc::new(Mock::always(r#"{"n": 1}"#));
    let base = support::start(Server::new(backend).admin_token("admin")).await;
    let request =
        json!({"prompt": "x", "output": {"type": "json_schema", "schema": {"type": "object"}}});
    for _ in 0..3 {
        assert_eq!(generate(&base, request.clone()).await.0, 200);
    }
    let health: Value = reqwest::get(format!("{base}/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        health["cache"],
        json!({"entries": 1, "hits": 2, "misses": 1})
    );
    let client = reqwest::Client::new();
    let clear = |token: &'static str| {
        client
            .post(format!("{base}/cache/clear"))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(clear("wrong").await.unwrap().status().as_u16(), 403);
    let cleared: Value = clear("admin").await.unwrap().json().await.unwrap();
    assert_eq!(cleared["cleared"], 1);
    // Without an admin token the route is closed to everyone.
    let closed = serve(Arc::new(Mock::always("x"))).await;
    let response = client
        .post(format!("{closed}/cache/clear"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
}

#[tokio::test]
async fn a_batch_answers_each_request_in_order_and_keeps_failures_apart() {
    // Replies by prompt: the second request's model never gives a valid value.
    let mock = Mock::from_fn(|request| {
        let prompt = request.messages[0].content.clone();
        let reply = match prompt.as_str() {
            "one" => "positive",
            "two" => "maybe",
            _ => "negative",
        };
        Ok(outlines::backend::Response::text(reply))
    });
    let base = serve(Arc::new(mock)).await;
    let choice = json!({"type": "choice", "choices": ["positive", "negative"]});
    let requests: Vec<Value> = ["one", "two", "three"]
        .iter()
        .map(|p| json!({"prompt": p, "output": choice, "attempts": 2}))
        .chain([json!({"prompt": "four", "output": {"type": "regex", "pattern": "("}})])
        .collect();
    let response = reqwest::Client::new()
        .post(format!("{base}/generate/batch"))
        .json(&json!({"requests": requests, "max_concurrent": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(results[0]["value"], "positive");
    assert_eq!(results[1]["error"]["type"], "invalid_output");
    assert_eq!(results[1]["error"]["status"], 422);
    assert_eq!(results[1]["error"]["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(results[2]["value"], "negative");
    assert_eq!(results[3]["error"]["status"], 400);
    assert_eq!(results[3]["error"]["param"], "output");
    assert_eq!(
        (body["succeeded"].clone(), body["failed"].clone()),
        (json!(2), json!(2))
    );
}

#[tokio::test]
async fn metrics_count_requests_attempts_and_the_cache() {
    let mock = Arc::new(
        Mock::new()
            .reply("maybe")
            .respond(outlines::backend::Response::text("positive").with_usage(20, 2)),
    );
    let base = serve(mock).await;
    let choice = json!({"type": "choice", "choices": ["positive", "negative"]});
    assert_eq!(
        generate(&base, json!({"prompt": "x", "output": choice}))
            .await
            .0,
        200
    );
    assert_eq!(generate(&base, json!({"output": choice})).await.0, 400);
    let response = reqwest::get(format!("{base}/metrics")).await.unwrap();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    for line in [
        "outlines_requests_total{route=\"/generate\",status=\"200\"} 1",
        "outlines_requests_total{route=\"/generate\",status=\"400\"} 1",
        "outlines_request_seconds_count{route=\"/generate\",status=\"200\"} 1",
        "outlines_attempts_total 2",
        "outlines_invalid_attempts_total 1",
        "outlines_input_tokens_total 20",
        "outlines_output_tokens_total 2",
        "outlines_output_cache_entries 1",
        "outlines_output_cache_misses_total 1",
        "outlines_output_cache_hits_total 1",
    ] {
        assert!(text.lines().any(|l| l == line), "no {line:?} in:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_generate_sends_partials_retries_and_the_value() {
    let mock = Arc::new(
        Mock::new()
            .reply(r#"{"name": "Jo", "role": "superuser"}"#)
            .reply(r#"{"name": "Jo", "role": "admin"}"#)
            .streaming(4),
    );
    let base = serve(mock).await;
    let schema = json!({
        "type": "object",
        "properties": {"name": {"type": "string"}, "role": {"enum": ["admin", "user"]}},
        "required": ["name", "role"], "additionalProperties": false,
    });
    let body = json!({"prompt": "Jo, admin.", "stream": true, "output": {"type": "json_schema", "schema": schema}});
    let (status, events) = support::events(format!("{base}/generate"), body.clone()).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    let retry = names.iter().position(|n| *n == "retry").expect("a retry");
    assert!(names[..retry].iter().all(|n| *n == "partial"), "{names:?}");
    assert_eq!(names.last(), Some(&"done"));
    let stopped: Value = serde_json::from_str(&events[retry].1).unwrap();
    assert_eq!(stopped["outcome"], "aborted");
    assert_eq!(stopped["errors"][0]["path"], "role");
    let first: Value = serde_json::from_str(&events[0].1).unwrap();
    assert_eq!(first["attempt"], 1);
    let done: Value = serde_json::from_str(&events.last().unwrap().1).unwrap();
    assert_eq!(done["value"], json!({"name": "Jo", "role": "admin"}));
    assert_eq!(done["attempts"].as_array().unwrap().len(), 2);
    // In a batch, an item cannot stream.
    let (_, batch) = support::post(
        format!("{base}/generate/batch"),
        json!({"requests": [body]}),
    )
    .await;
    assert_eq!(batch["results"][0]["error"]["param"], "stream");
}
