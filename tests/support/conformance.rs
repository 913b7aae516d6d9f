//! The provider-conformance scenarios: one list, run against every HTTP backend. What differs between
//! providers — the path, how a reply, a refusal, a cut-off reply and an error look on the wire, where
//! the key goes — is [`Provider`]'s; what every backend must do with them is [`scenarios`]'.
//!
//! A test binary includes this file (and `raw_http.rs`, as `raw_http`, and `fixtures.rs`, as
//! `fixtures`) and runs the whole list against its provider with one line:
//!
//! ```ignore
//! #[path = "support/fixtures.rs"]
//! mod fixtures;
//! #[macro_use]
//! #[path = "support/conformance.rs"]
//! mod conformance;
//! conformance_tests!(conformance::Provider::OpenAi);
//! ```

#![allow(dead_code)] // each test binary uses what it needs
#![allow(unreachable_pub)] // `pub` for every binary that includes this file

use outlines::backend::AnyBackend;
use outlines::backend::anthropic::Anthropic;
use outlines::backend::http::RetryPolicy;
use outlines::backend::openai::OpenAi;
use serde_json::{Value, json};

use crate::fixtures::{Person, backend_error, fast, invalid, john, sources, valid};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The key every backend is given; servers that echo it must not get it into errors.
pub const KEY: &str = "sk-conformance-0123456789-secret";

/// The `request_id` of every Anthropic error body.
const REQUEST_ID: &str = "req_011CSHoEeqs5C35K2UUqR7Fy";

/// A provider, as far as the scenarios need to tell them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    OpenAi,
    Anthropic,
}

impl Provider {
    /// Its name in errors and telemetry.
    pub fn name(self) -> &'static str {
        match self {
            Provider::OpenAi => "openai",
            Provider::Anthropic => "anthropic",
        }
    }

    /// The path requests go to.
    pub fn path(self) -> &'static str {
        match self {
            Provider::OpenAi => "/v1/chat/completions",
            Provider::Anthropic => "/v1/messages",
        }
    }

    /// A backend for the server at `root` (`http://127.0.0.1:port`), with [`KEY`] and `policy`.
    pub fn backend_with(self, root: &str, policy: RetryPolicy) -> AnyBackend {
        match self {
            Provider::OpenAi => OpenAi::new("test-model")
                .base_url(format!("{root}/v1"))
                .api_key(KEY)
                .retry_policy(policy)
                .into(),
            Provider::Anthropic => Anthropic::new("test-model")
                .base_url(root)
                .api_key(KEY)
                .retry_policy(policy)
                .into(),
        }
    }

    /// A backend for the server at `root`, retrying [`fast`].
    pub fn backend(self, root: &str) -> AnyBackend {
        self.backend_with(root, fast())
    }

    /// The header the key travels in, and its value.
    pub fn key_header(self) -> (&'static str, String) {
        match self {
            Provider::OpenAi => ("authorization", format!("Bearer {KEY}")),
            Provider::Anthropic => ("x-api-key", KEY.to_owned()),
        }
    }

    /// A successful reply as the provider sends it: OpenAI a message whose content is `text`;
    /// Anthropic a forced tool call whose input is `text` read as JSON, or a text block when it is
    /// not JSON (a model that did not call the tool).
    pub fn reply(self, text: &str, usage: (u64, u64)) -> ResponseTemplate {
        match self {
            Provider::OpenAi => completion(json!(text), "stop", usage),
            Provider::Anthropic => match serde_json::from_str::<Value>(text) {
                Ok(input) => message(
                    json!([{"type": "tool_use", "id": "toolu_01", "name": "Person", "input": input}]),
                    "tool_use",
                    usage,
                ),
                Err(_) => message(json!([{"type": "text", "text": text}]), "end_turn", usage),
            },
        }
    }

    /// A reply carrying `value` cut off at the output token limit.
    pub fn cut_off(self, value: &Value, usage: (u64, u64)) -> ResponseTemplate {
        match self {
            Provider::OpenAi => completion(json!(value.to_string()), "length", usage),
            Provider::Anthropic => message(
                json!([{"type": "tool_use", "id": "toolu_01", "name": "Person", "input": value}]),
                "max_tokens",
                usage,
            ),
        }
    }

    /// The model declining, in `words`.
    pub fn refusal(self, words: &str, usage: (u64, u64)) -> ResponseTemplate {
        match self {
            Provider::OpenAi => {
                let mut body = completion_body(Value::Null, "stop", usage);
                body["choices"][0]["message"]["refusal"] = words.into();
                ResponseTemplate::new(200).set_body_json(body)
            }
            Provider::Anthropic => {
                message(json!([{"type": "text", "text": words}]), "refusal", usage)
            }
        }
    }

    /// An error reply in the provider's shape, with its error `code` (type) and `message`.
    pub fn error(self, status: u16, code: &str, message: &str) -> ResponseTemplate {
        let body = match self {
            Provider::OpenAi => {
                json!({"error": {"message": message, "type": code, "param": null, "code": code}})
            }
            Provider::Anthropic => json!({
                "type": "error",
                "error": {"type": code, "message": message},
                "request_id": REQUEST_ID,
            }),
        };
        ResponseTemplate::new(status).set_body_json(body)
    }

    /// The provider's `message` as a [`BackendError::Status`] shows it.
    pub fn shown(self, message: &str) -> String {
        match self {
            Provider::OpenAi => message.to_owned(),
            Provider::Anthropic => format!("{message} (request_id: {REQUEST_ID})"),
        }
    }

    /// The code of a server fault the provider retries (OpenAI's 503, Anthropic's 529).
    pub fn overloaded(self) -> (u16, &'static str) {
        match self {
            Provider::OpenAi => (503, "server_error"),
            Provider::Anthropic => (529, "overloaded_error"),
        }
    }
}

/// A Chat Completions reply as OpenAI sends it.
pub fn completion_body(content: Value, finish: &str, usage: (u64, u64)) -> Value {
    json!({
        "id": "chatcmpl-AB1cDeFgHiJ",
        "object": "chat.completion",
        "created": 1_728_933_352,
        "model": "gpt-4o-2024-08-06",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": null, "annotations": []},
            "logprobs": null,
            "finish_reason": finish,
        }],
        "usage": {
            "prompt_tokens": usage.0,
            "completion_tokens": usage.1,
            "total_tokens": usage.0 + usage.1,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
        },
        "service_tier": "default",
        "system_fingerprint": "fp_6b68a8204b",
    })
}

fn completion(content: Value, finish: &str, usage: (u64, u64)) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(completion_body(content, finish, usage))
}

/// A Messages API reply.
pub fn message_body(content: Value, stop_reason: &str, usage: (u64, u64)) -> Value {
    json!({
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": "claude-test-20250929",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": null,
        "usage": {
            "input_tokens": usage.0,
            "output_tokens": usage.1,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    })
}

fn message(content: Value, stop_reason: &str, usage: (u64, u64)) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(message_body(content, stop_reason, usage))
}

/// A server answering `replies` in order, one request each; the last answers every later request.
pub async fn serve(provider: Provider, replies: Vec<ResponseTemplate>) -> MockServer {
    let server = MockServer::start().await;
    let count = replies.len();
    for (i, reply) in replies.into_iter().enumerate() {
        let mock = Mock::given(method("POST"))
            .and(path(provider.path()))
            .respond_with(reply);
        let mock = if i + 1 < count {
            mock.up_to_n_times(1)
        } else {
            mock
        };
        mock.mount(&server).await;
    }
    server
}

/// The bodies the server received, in order.
pub async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| r.body_json().expect("the request body is JSON"))
        .collect()
}

/// The last message of a request body (the repair request, in a repair).
pub fn last_message(body: &Value) -> &str {
    body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["content"].as_str())
        .expect("a last message")
}

/// Runs every scenario of [`scenarios`] against `$provider`, one test each.
macro_rules! conformance_tests {
    ($provider:expr) => {
        /// The provider-conformance scenarios (`tests/support/conformance.rs`) against this
        /// provider.
        mod conformance_scenarios {
            use super::conformance::{Provider, scenarios};

            const PROVIDER: Provider = $provider;

            #[tokio::test]
            async fn valid_first_time() {
                scenarios::valid_first_time(PROVIDER).await
            }
            #[tokio::test]
            async fn invalid_then_valid_sends_the_reply_and_its_errors_back() {
                scenarios::invalid_then_valid(PROVIDER).await
            }
            #[tokio::test]
            async fn always_invalid_tells_the_whole_story() {
                scenarios::always_invalid(PROVIDER).await
            }
            #[tokio::test]
            async fn a_429_with_retry_after_is_waited_out() {
                scenarios::rate_limit_with_retry_after(PROVIDER).await
            }
            #[tokio::test]
            async fn rate_limits_are_waited_out_beyond_the_retry_count() {
                scenarios::rate_limits_beyond_the_retry_count(PROVIDER).await
            }
            #[tokio::test]
            async fn server_faults_are_retried_then_the_reply_is_read() {
                scenarios::server_faults_retried(PROVIDER).await
            }
            #[tokio::test]
            async fn server_faults_past_the_retry_budget_fail_with_the_last_status() {
                scenarios::server_faults_past_the_budget(PROVIDER).await
            }
            #[tokio::test]
            async fn an_auth_error_fails_at_once_without_the_key() {
                scenarios::auth_error(PROVIDER).await
            }
            #[tokio::test]
            async fn a_body_that_is_not_json_is_malformed_with_an_excerpt() {
                scenarios::not_json(PROVIDER).await
            }
            #[tokio::test]
            async fn a_refusal_ends_the_loop() {
                scenarios::refusal(PROVIDER).await
            }
            #[tokio::test]
            async fn a_reply_cut_off_is_repaired_saying_so() {
                scenarios::cut_off(PROVIDER).await
            }
            #[tokio::test]
            async fn a_connection_closed_mid_body_is_retried_then_a_transport_error() {
                scenarios::closed_mid_body(PROVIDER).await
            }
            #[tokio::test]
            async fn a_connection_closed_after_the_request_says_so_and_where() {
                scenarios::closed_after_the_request(PROVIDER).await
            }
            #[tokio::test]
            async fn a_refused_connection_says_so_and_where() {
                scenarios::refused(PROVIDER).await
            }
            #[tokio::test(start_paused = true)]
            async fn a_server_that_never_answers_times_out() {
                scenarios::never_answers(PROVIDER).await
            }
        }
    };
}

/// What every HTTP backend must do, each scenario a function of the provider.
pub mod scenarios {
    use std::time::Duration;

    use outlines::backend::BackendError;
    use outlines::generate::{Cause, Outcome};
    use outlines::{Generate, Usage};
    use serde_json::json;

    use super::{
        KEY, Person, Provider, backend_error, bodies, invalid, john, last_message, serve, sources,
        valid,
    };
    use crate::raw_http;

    pub async fn valid_first_time(p: Provider) {
        let server = serve(p, vec![p.reply(&valid().to_string(), (100, 20))]).await;
        let report = Person::generation("Extract: John, 25, admin")
            .report(&p.backend(&server.uri()))
            .await
            .unwrap();
        assert_eq!(report.value, john());
        assert_eq!(report.attempt_count(), 1);
        assert_eq!(
            report.usage,
            Usage {
                input_tokens: 100,
                output_tokens: 20
            }
        );
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 1);
        let (header, value) = p.key_header();
        assert_eq!(requests[0].headers[header], value.as_str());
        assert_eq!(requests[0].headers["content-type"], "application/json");
        assert!(!String::from_utf8_lossy(&requests[0].body).contains(KEY));
    }

    pub async fn invalid_then_valid(p: Provider) {
        let server = serve(
            p,
            vec![
                p.reply(&invalid().to_string(), (100, 20)),
                p.reply(&valid().to_string(), (150, 25)),
            ],
        )
        .await;
        let report = Person::generation("Extract")
            .report(&p.backend(&server.uri()))
            .await
            .unwrap();
        assert_eq!(report.value, john());
        assert_eq!(report.attempt_count(), 2);
        assert_eq!(report.attempts[0].outcome, Outcome::Invalid);
        assert_eq!(report.attempts[0].errors.len(), 3);
        assert_eq!(
            report.usage,
            Usage {
                input_tokens: 250,
                output_tokens: 45
            }
        );
        let sent = bodies(&server).await;
        assert_eq!(sent.len(), 2);
        let messages = sent[1]["messages"].as_array().unwrap();
        let turns: Vec<&str> = messages
            .iter()
            .map(|m| m["role"].as_str().unwrap())
            .skip_while(|role| *role == "system")
            .collect();
        assert_eq!(turns, ["user", "assistant", "user"]);
        let reply = &messages[messages.len() - 2]["content"];
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(reply.as_str().unwrap()).unwrap(),
            invalid()
        );
        let repair = last_message(&sent[1]);
        for needle in [
            "- name: too short (0 characters) (expected string of 1 to 80 characters, got \"\")",
            "- age: above the maximum (expected integer between 0 and 120, got 150)",
            "- role: unknown variant \"boss\" (expected one of: user, admin, got \"boss\")",
        ] {
            assert!(repair.contains(needle), "missing {needle:?} in:\n{repair}");
        }
    }

    pub async fn always_invalid(p: Provider) {
        let partly = json!({"name": "", "age": 25, "role": "admin"});
        let server = serve(
            p,
            vec![
                p.reply("Sorry, here it is: {", (10, 5)),
                p.reply(&partly.to_string(), (20, 6)),
                p.reply(&invalid().to_string(), (30, 7)),
            ],
        )
        .await;
        let err = Person::generation("Extract")
            .run(&p.backend(&server.uri()))
            .await
            .unwrap_err();
        assert_eq!(err.cause(), &Cause::Invalid { attempts: 3 });
        assert_eq!(
            err.usage(),
            Usage {
                input_tokens: 60,
                output_tokens: 18
            }
        );
        let attempts = err.attempts();
        assert_eq!(attempts.len(), 3);
        assert_eq!(attempts[0].output, "Sorry, here it is: {");
        assert_eq!(attempts[0].errors[0].kind(), outlines::ErrorKind::Syntax);
        assert_eq!(attempts[1].errors.len(), 1);
        assert_eq!(
            attempts[2].usage,
            Usage {
                input_tokens: 30,
                output_tokens: 7
            }
        );
        assert_eq!(err.best(), Some(&partly));
        assert_eq!(err.errors().len(), 3);
        assert!(
            err.to_string()
                .starts_with("no valid value after 3 attempts:\n- name: too short"),
            "{err}"
        );
        assert_eq!(bodies(&server).await.len(), 3);
    }

    pub async fn rate_limit_with_retry_after(p: Provider) {
        let limited = p
            .error(429, "rate_limit_error", "Rate limit reached for requests")
            .insert_header("retry-after", "1");
        let server = serve(p, vec![limited, p.reply(&valid().to_string(), (10, 5))]).await;
        let report = Person::generation("Extract")
            .report(&p.backend(&server.uri()))
            .await
            .unwrap();
        assert_eq!(report.value, john());
        // The transport retry happened inside the one attempt.
        assert_eq!(report.attempt_count(), 1);
        assert_eq!(bodies(&server).await.len(), 2);
    }

    pub async fn rate_limits_beyond_the_retry_count(p: Provider) {
        // Four 429s — twice the default policy's retries of server faults — asking for short waits
        // (one a `retry-after: 0`, which means the backoff), then a reply: with the default policy,
        // rate limits are waited out, not counted.
        let limited = |header: &str, value: &str| {
            p.error(429, "rate_limit_error", "Rate limit reached for requests")
                .insert_header(header, value)
        };
        let server = serve(
            p,
            vec![
                limited("retry-after-ms", "5"),
                limited("retry-after", "0"),
                limited("retry-after-ms", "20"),
                limited("retry-after-ms", "1"),
                p.reply(&valid().to_string(), (10, 5)),
            ],
        )
        .await;
        let backend = p.backend_with(
            &server.uri(),
            outlines::backend::http::RetryPolicy::default(),
        );
        let report = Person::generation("Extract")
            .report(&backend)
            .await
            .unwrap();
        assert_eq!(report.value, john());
        assert_eq!(report.attempt_count(), 1);
        assert_eq!(bodies(&server).await.len(), 5);
    }

    pub async fn server_faults_retried(p: Provider) {
        let (status, code) = p.overloaded();
        let server = serve(
            p,
            vec![
                p.error(500, "api_error", "The server had an error"),
                p.error(status, code, "Overloaded")
                    .insert_header("retry-after-ms", "10"),
                p.reply(&valid().to_string(), (10, 5)),
            ],
        )
        .await;
        let report = Person::generation("Extract")
            .report(&p.backend(&server.uri()))
            .await
            .unwrap();
        assert_eq!(report.value, john());
        assert_eq!(report.attempt_count(), 1);
        assert_eq!(report.attempts[0].outcome, Outcome::Valid);
        assert_eq!(bodies(&server).await.len(), 3);
    }

    pub async fn server_faults_past_the_budget(p: Provider) {
        let (status, code) = p.overloaded();
        let server = serve(p, vec![p.error(status, code, "Overloaded")]).await;
        let err = Person::generation("Extract")
            .run(&p.backend(&server.uri()))
            .await
            .unwrap_err();
        assert_eq!(
            backend_error(err.cause()),
            &BackendError::Status {
                provider: p.name().into(),
                status,
                code: Some(code.into()),
                message: p.shown("Overloaded"),
            }
        );
        // The first try and the policy's 2 retries; the loop does not start another attempt.
        assert_eq!(bodies(&server).await.len(), 3);
        assert_eq!(err.attempts().len(), 1);
    }

    pub async fn auth_error(p: Provider) {
        // A server that echoes the whole key: it must not reach the error.
        let server = serve(
            p,
            vec![p.error(
                401,
                "authentication_error",
                &format!("Incorrect API key provided: {KEY}."),
            )],
        )
        .await;
        let backend = p.backend(&server.uri());
        let err = Person::generation("Extract")
            .run(&backend)
            .await
            .unwrap_err();
        assert_eq!(err.attempts().len(), 1);
        assert_eq!(err.attempts()[0].outcome, Outcome::BackendError);
        let error = backend_error(err.cause());
        assert_eq!(error.status(), Some(401));
        assert_eq!(
            err.to_string(),
            format!(
                "the backend failed: {} answered HTTP 401: {}",
                p.name(),
                p.shown("Incorrect API key provided: ***.")
            )
        );
        for shown in [err.to_string(), format!("{err:?}"), format!("{backend:?}")] {
            assert!(!shown.contains(KEY), "the key leaked: {shown}");
        }
        assert_eq!(bodies(&server).await.len(), 1);
    }

    pub async fn not_json(p: Provider) {
        let html = wiremock::ResponseTemplate::new(200)
            .set_body_raw("<html><body>Bad gateway</body></html>", "text/html");
        let server = serve(p, vec![html]).await;
        let err = Person::generation("Extract")
            .run(&p.backend(&server.uri()))
            .await
            .unwrap_err();
        match backend_error(err.cause()) {
            BackendError::Malformed { provider, body, .. } => {
                assert_eq!(provider, p.name());
                assert!(
                    body.contains("<html><body>Bad gateway</body></html>"),
                    "{body}"
                );
            }
            other => panic!("expected Malformed, got {other:?}"),
        }
        // Not retried, and no second attempt.
        assert_eq!(bodies(&server).await.len(), 1);
    }

    pub async fn refusal(p: Provider) {
        let words = "I'm sorry, but I cannot assist with that request.";
        let server = serve(p, vec![p.refusal(words, (50, 10))]).await;
        let err = Person::generation("Extract")
            .run(&p.backend(&server.uri()))
            .await
            .unwrap_err();
        assert_eq!(
            err.cause(),
            &Cause::Refused {
                message: words.into()
            }
        );
        assert_eq!(err.attempts()[0].outcome, Outcome::Refused);
        assert_eq!(
            err.usage(),
            Usage {
                input_tokens: 50,
                output_tokens: 10
            }
        );
        assert_eq!(bodies(&server).await.len(), 1);
    }

    pub async fn cut_off(p: Provider) {
        let server = serve(
            p,
            vec![
                p.cut_off(&json!({"name": "Jo"}), (50, 16)),
                p.reply(&valid().to_string(), (60, 20)),
            ],
        )
        .await;
        let report = Person::generation("Extract")
            .max_tokens(16)
            .report(&p.backend(&server.uri()))
            .await
            .unwrap();
        assert_eq!(report.value, john());
        assert_eq!(
            report.attempts[0].finish,
            Some(outlines::backend::Finish::Length)
        );
        let sent = bodies(&server).await;
        // A local server (127.0.0.1) gets `max_tokens` from either backend.
        assert_eq!(sent[0]["max_tokens"], 16);
        let repair = last_message(&sent[1]);
        assert!(repair.starts_with("Your reply was cut off"), "{repair}");
        assert!(repair.contains("- age: missing"), "{repair}");
    }

    pub async fn closed_mid_body(p: Provider) {
        let server = raw_http::start(raw_http::Misbehaviour::CloseMidBody {
            status: 200,
            partial: r#"{"id":"x","choices":[{"index":0,"mess"#.into(),
            declared: 4096,
        })
        .await;
        let err = Person::generation("Extract")
            .run(&p.backend(&server.url()))
            .await
            .unwrap_err();
        let error = backend_error(err.cause());
        let url = format!("{}{}", server.url(), p.path());
        assert!(
            matches!(error, BackendError::Transport { provider, message, .. }
                if provider == p.name()
                    && *message == format!("the connection to {url} broke while the reply was being read")),
            "{error:?}"
        );
        assert_eq!(err.attempts().len(), 1);
        // Retried on a new connection each time: the first try and two retries.
        assert_eq!(server.connections(), 3);
    }

    pub async fn closed_after_the_request(p: Provider) {
        let server = raw_http::start(raw_http::Misbehaviour::CloseAfterRequest).await;
        let err = Person::generation("Extract")
            .run(&p.backend(&server.url()))
            .await
            .unwrap_err();
        let error = backend_error(err.cause());
        let url = format!("{}{}", server.url(), p.path());
        assert_eq!(
            error.to_string(),
            format!(
                "{}: the connection to {url} closed after the request was sent, before a reply",
                p.name()
            )
        );
        // What the HTTP library saw is there for whoever wants it, below.
        let below = sources(error);
        assert!(!below.is_empty(), "{error:?}");
        assert!(!below.iter().any(|s| s.contains(KEY)), "{below:?}");
        assert_eq!(server.connections(), 3);
    }

    pub async fn refused(p: Provider) {
        let root = raw_http::refusing_url().await;
        let err = Person::generation("Extract")
            .run(&p.backend(&root))
            .await
            .unwrap_err();
        let error = backend_error(err.cause());
        assert_eq!(
            error.to_string(),
            format!(
                "{}: could not connect to {root}{}: the connection was refused",
                p.name(),
                p.path()
            )
        );
        assert!(!sources(error).is_empty(), "{error:?}");
    }

    /// On a paused clock: the attempt timeouts pass as soon as nothing else can happen.
    pub async fn never_answers(p: Provider) {
        let server = raw_http::start(raw_http::Misbehaviour::NeverAnswer).await;
        let err = Person::generation("Extract")
            .max_attempts(2)
            .attempt_timeout(Duration::from_millis(300))
            .run(&p.backend(&server.url()))
            .await
            .unwrap_err();
        assert_eq!(
            err.cause(),
            &Cause::Timeout {
                attempt: 2,
                after: Duration::from_millis(300)
            }
        );
        let outcomes: Vec<Outcome> = err.attempts().iter().map(|a| a.outcome).collect();
        assert_eq!(outcomes, [Outcome::TimedOut, Outcome::TimedOut]);
    }
}
