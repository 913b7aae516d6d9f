//! The server's limits over HTTP: an oversized body (413), a generation past the time limit
//! (504), a full queue (503 with `Retry-After`), each in OpenAI's error envelope.

mod support;

use std::sync::Arc;
use std::time::Duration;

use outlines::backend::Backend;
use outlines::backend::mock::Mock;
use outlines_server::{Limits, Server};
use serde_json::{Value, json};

async fn serve(mock: Mock, limits: Limits) -> String {
    serve_shared(Arc::new(mock), limits).await
}

async fn serve_shared(mock: Arc<Mock>, limits: Limits) -> String {
    support::start(Server::with_limits(mock, limits)).await
}

async fn post(base: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/v1/chat/completions"))
        .json(body)
        .send()
        .await
        .unwrap()
}

fn ask(text: &str) -> Value {
    json!({"messages": [{"role": "user", "content": text}]})
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let limits = Limits {
        body_bytes: 1024,
        ..Limits::default()
    };
    let base = serve(Mock::always("x"), limits).await;
    let response = post(&base, &ask(&"x".repeat(2048))).await;
    assert_eq!(response.status().as_u16(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["type"], "invalid_request_error");
    // Under the limit it is served.
    assert_eq!(post(&base, &ask("hello")).await.status().as_u16(), 200);
}

#[tokio::test]
async fn a_generation_past_the_time_limit_is_504() {
    let limits = Limits {
        time: Duration::from_millis(100),
        ..Limits::default()
    };
    let mock = Mock::new().reply_after(Duration::from_secs(5), "late");
    let base = serve(mock, limits).await;
    let response = post(&base, &ask("x")).await;
    assert_eq!(response.status().as_u16(), 504);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["type"], "timeout");
}

#[tokio::test]
async fn a_full_queue_is_503_with_retry_after() {
    // One generation at a time and one waiting: of three requests at once, the third is refused.
    let limits = Limits {
        concurrent: 1,
        waiting: 1,
        ..Limits::default()
    };
    let mock = Arc::new(Mock::always("ok").with_latency(Duration::from_secs(2)));
    let base = serve_shared(Arc::clone(&mock), limits).await;
    let first = tokio::spawn({
        let base = base.clone();
        async move { post(&base, &ask("1")).await.status().as_u16() }
    });
    // The first is running once the backend has it; the second then waits for its place.
    while mock.requests().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let second = tokio::spawn({
        let base = base.clone();
        async move { post(&base, &ask("2")).await.status().as_u16() }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let third = post(&base, &ask("3")).await;
    assert_eq!(third.status().as_u16(), 503);
    assert_eq!(third.headers()["retry-after"], "1");
    let body: Value = third.json().await.unwrap();
    assert_eq!(body["error"]["type"], "overloaded");
    assert_eq!(first.await.unwrap(), 200);
    assert_eq!(second.await.unwrap(), 200);
}

#[tokio::test]
async fn a_token_is_required_when_set() {
    let backend: Arc<dyn Backend> = Arc::new(Mock::always("ok"));
    let base = support::start(Server::new(backend).token("s3cret")).await;
    let client = reqwest::Client::new();
    for token in [None, Some("wrong"), Some("s3cre"), Some("s3cret!")] {
        let mut request = client
            .post(format!("{base}/v1/chat/completions"))
            .json(&ask("x"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 401, "{token:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["type"], "authentication_error");
        assert!(!body.to_string().contains("s3cret"));
    }
    let ok = client
        .post(format!("{base}/v1/chat/completions"))
        .bearer_auth("s3cret")
        .json(&ask("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    // Probes and the API's description need no token; the rest do.
    for (path, status) in [
        ("/health", 200),
        ("/openapi.json", 200),
        ("/metrics", 401),
        ("/models", 401),
    ] {
        let response = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{path}");
    }
}
