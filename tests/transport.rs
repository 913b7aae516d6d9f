//! The transport layer the HTTP backends share, against real servers on 127.0.0.1: how long retries
//! wait (`retry-after-ms`, `retry-after` as an HTTP date), what is retried (`x-should-retry`, 408,
//! 409) and what is not, a retry wait longer than the time left, error bodies that are huge or not
//! UTF-8, the body size cap, redirects (never followed: they would carry the key), requests that
//! cannot be built, and the key kept out of the debug log of a retry.

#[path = "support/fixtures.rs"]
mod fixtures;
use fixtures::{backend_error, fast};
use std::io;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use outlines::backend::BackendError;
use outlines::backend::anthropic::Anthropic;
use outlines::backend::openai::OpenAi;
use outlines::generate::{Cause, Outcome};
use outlines::{Generate, Structured};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A score.
#[derive(Debug, PartialEq, Structured)]
struct Score {
    #[outline(min = 0, max = 10)]
    score: u8,
}

const VALID: &str = r#"{"score": 7}"#;
const KEY: &str = "sk-test-TRANSPORT-0123456789";

/// The most of a reply body the backends read (16 MiB).
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

fn openai(server: &MockServer) -> OpenAi {
    OpenAi::new("gpt-test")
        .base_url(format!("{}/v1", server.uri()))
        .api_key(KEY)
        .retry_policy(fast())
}

fn completion(content: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-test",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": null},
            "finish_reason": "stop",
        }],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }))
}

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error": {"message": message, "type": "server_error", "param": null, "code": null},
    }))
}

/// Answers the first `times` requests with `template`; mounted first, it takes precedence.
async fn first(server: &MockServer, times: u64, template: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(template)
        .up_to_n_times(times)
        .mount(server)
        .await;
}

async fn then(server: &MockServer, template: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(template)
        .mount(server)
        .await;
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

#[tokio::test]
async fn retry_after_ms_is_waited_out() {
    let server = MockServer::start().await;
    first(
        &server,
        1,
        error(429, "Rate limit reached").insert_header("retry-after-ms", "400"),
    )
    .await;
    then(&server, completion(VALID)).await;
    let started = Instant::now();
    let score = Score::generate(&openai(&server), "Score it").await.unwrap();
    assert_eq!(score, Score { score: 7 });
    assert_eq!(requests(&server).await, 2);
    // The backoff alone would have waited at most 5 ms.
    assert!(started.elapsed() >= Duration::from_millis(400));
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_waited_out() {
    let server = MockServer::start().await;
    // HTTP dates have whole seconds: two seconds ahead is a wait of more than one.
    let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    first(
        &server,
        1,
        error(503, "Service Unavailable").insert_header("retry-after", at.as_str()),
    )
    .await;
    then(&server, completion(VALID)).await;
    let started = Instant::now();
    Score::generate(&openai(&server), "Score it").await.unwrap();
    assert_eq!(requests(&server).await, 2);
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn a_wait_longer_than_the_time_left_is_not_slept_through() {
    let server = MockServer::start().await;
    then(
        &server,
        error(429, "Rate limit reached for requests").insert_header("retry-after", "30"),
    )
    .await;
    let started = Instant::now();
    let err = Score::generation("Score it")
        .attempt_timeout(Duration::from_secs(5))
        .max_attempts(1)
        .run(&openai(&server))
        .await
        .unwrap_err();
    // The provider's own answer is reported, at once, rather than a timeout 5 s later.
    let error = backend_error(err.cause());
    assert_eq!(error.status(), Some(429));
    assert!(error.to_string().contains("Rate limit reached"), "{error}");
    assert_eq!(requests(&server).await, 1);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn x_should_retry_overrides_the_status() {
    let server = MockServer::start().await;
    first(
        &server,
        1,
        error(400, "try again").insert_header("x-should-retry", "true"),
    )
    .await;
    then(&server, completion(VALID)).await;
    Score::generate(&openai(&server), "Score it").await.unwrap();
    assert_eq!(requests(&server).await, 2);

    let server = MockServer::start().await;
    then(
        &server,
        error(503, "do not retry").insert_header("x-should-retry", "false"),
    )
    .await;
    let err = Score::generate(&openai(&server), "Score it")
        .await
        .unwrap_err();
    assert_eq!(backend_error(err.cause()).status(), Some(503));
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn request_timeout_and_conflict_are_retried() {
    for status in [408, 409] {
        let server = MockServer::start().await;
        first(&server, 2, error(status, "later")).await;
        then(&server, completion(VALID)).await;
        let report = Score::generation("Score it")
            .report(&openai(&server))
            .await
            .unwrap();
        // Two transport retries inside the one attempt.
        assert_eq!(report.attempt_count(), 1, "{status}");
        assert_eq!(requests(&server).await, 3, "{status}");
    }
}

#[tokio::test]
async fn error_bodies_that_are_huge_or_not_utf8_keep_their_status() {
    let server = MockServer::start().await;
    let mut junk = vec![0xff_u8; 4 * 1024 * 1024];
    junk.extend_from_slice(b"tail");
    first(
        &server,
        1,
        ResponseTemplate::new(502).set_body_raw(junk, "text/html"),
    )
    .await;
    then(&server, completion(VALID)).await;
    // A 502 is retried whatever its body, then the reply is read.
    Score::generate(&openai(&server), "Score it").await.unwrap();
    assert_eq!(requests(&server).await, 2);

    let server = MockServer::start().await;
    then(
        &server,
        ResponseTemplate::new(401).set_body_raw(vec![0xfe_u8; 100 * 1024], "text/plain"),
    )
    .await;
    let err = Score::generate(&openai(&server), "Score it")
        .await
        .unwrap_err();
    let error = backend_error(err.cause());
    assert_eq!(error.status(), Some(401));
    assert!(error.to_string().len() < 1000, "{error}");
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn a_reply_over_the_size_cap_is_refused_without_retrying() {
    let server = MockServer::start().await;
    let huge = format!("{{\"pad\": \"{}\"}}", "x".repeat(MAX_BODY_BYTES));
    then(
        &server,
        ResponseTemplate::new(200).set_body_raw(huge, "application/json"),
    )
    .await;
    let err = Score::generate(&openai(&server), "Score it")
        .await
        .unwrap_err();
    match backend_error(err.cause()) {
        BackendError::Malformed { message, .. } => {
            assert!(message.contains("larger than"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn redirects_are_not_followed_so_the_key_stays_home() {
    let elsewhere = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&elsewhere)
        .await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/v1/messages", elsewhere.uri())),
        )
        .mount(&server)
        .await;
    let backend = Anthropic::new("claude-test")
        .base_url(server.uri())
        .api_key(KEY)
        .retry_policy(fast());
    let err = Score::generate(&backend, "Score it").await.unwrap_err();
    assert_eq!(backend_error(err.cause()).status(), Some(307));
    assert!(
        elsewhere.received_requests().await.unwrap().is_empty(),
        "the request (and its x-api-key) followed the redirect"
    );
}

#[tokio::test]
async fn a_request_that_cannot_be_built_is_not_retried() {
    let server = MockServer::start().await;
    then(&server, completion(VALID)).await;
    let backend = OpenAi::new("gpt-test")
        .base_url(format!("{}/v1", server.uri()))
        .api_key("sk-broken\nkey")
        .retry_policy(fast());
    let err = Score::generate(&backend, "Score it").await.unwrap_err();
    let error = backend_error(err.cause());
    assert!(matches!(error, BackendError::Config(_)), "{error:?}");
    assert!(!format!("{error:?}").contains("sk-broken"), "{error:?}");
    assert_eq!(err.attempts().len(), 1);
    assert_eq!(err.attempts()[0].outcome, Outcome::BackendError);
    assert_eq!(requests(&server).await, 0);
}

/// Everything a `tracing` fmt subscriber writes, at every level.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl io::Write for Log {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_key_echoed_by_a_failing_server_stays_out_of_logs_and_errors() {
    // The global subscriber of this test binary: every test's events land in the one log, and no
    // thread-local dispatcher muddles the callsites' cached interest.
    static LOG: OnceLock<Log> = OnceLock::new();
    let log = LOG.get_or_init(|| {
        let log = Log::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        log
    });

    for backend in ["openai", "anthropic"] {
        let server = MockServer::start().await;
        let echo = format!("upstream rejected key {KEY}");
        Mock::given(method("POST"))
            .respond_with(error(500, &echo))
            .mount(&server)
            .await;
        let err = match backend {
            "openai" => Score::generation("Score it")
                .capture_content(true)
                .run(&openai(&server))
                .await
                .unwrap_err(),
            _ => {
                let backend = Anthropic::new("claude-test")
                    .base_url(server.uri())
                    .api_key(KEY)
                    .retry_policy(fast());
                assert!(!format!("{backend:?}").contains(KEY));
                Score::generate(&backend, "Score it").await.unwrap_err()
            }
        };
        assert_eq!(requests(&server).await, 3, "{backend}");
        assert!(
            err.to_string().contains("upstream rejected key ***"),
            "{err}"
        );
        assert!(!format!("{err:?}").contains(KEY), "{backend}");
    }

    let text = String::from_utf8_lossy(&log.0.lock().unwrap()).into_owned();
    assert!(
        text.contains("retrying after a transport fault"),
        "the retries were logged: {text}"
    );
    assert!(!text.contains(KEY), "the key leaked into the log:\n{text}");
}

#[tokio::test]
async fn a_content_filter_ends_the_loop() {
    let server = MockServer::start().await;
    then(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": "gpt-test",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": null, "refusal": null},
                "finish_reason": "content_filter",
            }],
            "usage": {"prompt_tokens": 10, "completion_tokens": 0, "total_tokens": 10},
        })),
    )
    .await;
    let err = Score::generate(&openai(&server), "Score it")
        .await
        .unwrap_err();
    assert!(
        matches!(err.cause(), Cause::Refused { message } if message.contains("content filter")),
        "{:?}",
        err.cause()
    );
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn the_time_limit_reaches_the_backend() {
    // Backends see the time the loop allows the attempt, to bound their retries by it.
    let mock = outlines::backend::mock::Mock::always(VALID);
    Score::generation("Score it")
        .attempt_timeout(Duration::from_secs(7))
        .run(&mock)
        .await
        .unwrap();
    let limit = mock.requests()[0].time_limit;
    assert_eq!(limit, Some(Duration::from_secs(7)));
}
