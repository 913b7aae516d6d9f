//! Regexes, choices, grammars and free text over HTTP, against servers on 127.0.0.1 answering in
//! the providers' exact wire formats: the body each configuration sends for each constraint —
//! OpenAI (prompt only), vLLM (`structured_outputs`), llama.cpp's server (a GBNF `grammar`),
//! Anthropic (prompt only) — and a generation whose first reply is wrong, repaired by a turn that
//! says where the reply stopped matching and what was expected there.

#[allow(unused_macros)] // the scenario list runs in openai.rs and anthropic.rs
#[path = "support/conformance.rs"]
mod conformance;
#[path = "support/fixtures.rs"]
mod fixtures;
#[allow(unreachable_pub)] // the helpers are `pub` for every test binary that shares them
#[path = "support/raw_http.rs"]
mod raw_http;

use conformance::{bodies, completion_body, last_message, message_body};
use fixtures::fast;
use outlines::backend::anthropic::Anthropic;
use outlines::backend::openai::{OpenAi, SchemaParameter};
use outlines::backend::{Backend, Constraint, Message, OutputMode, Request, SchemaSpec};
use outlines::output::{Choice, Regex, SchemaInPrompt, Text};
use outlines::{Generate, GenerateOutput};
use outlines::{Output, Structured};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PATTERN: &str = r"\(\d{3}\) \d{3}-\d{4}";
/// [`PATTERN`] with ASCII digits, for a GBNF grammar short enough to read (Unicode's `\d` is a
/// class of some 70 ranges).
const ASCII_PATTERN: &str = r"\([0-9]{3}\) [0-9]{3}-[0-9]{4}";
const LARK: &str = "start: expr\nexpr: NUMBER (\"+\" NUMBER)*\n%import common.NUMBER\n";

/// The servers a configuration talks to.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Server {
    OpenAi,
    Vllm,
    LlamaCpp,
    Anthropic,
}

const SERVERS: [Server; 4] = [
    Server::OpenAi,
    Server::Vllm,
    Server::LlamaCpp,
    Server::Anthropic,
];

impl Server {
    fn path(self) -> &'static str {
        match self {
            Server::Anthropic => "/v1/messages",
            _ => "/v1/chat/completions",
        }
    }

    fn backend(self, root: &str) -> Box<dyn Backend> {
        let openai = || {
            OpenAi::new("test-model")
                .base_url(format!("{root}/v1"))
                .retry_policy(fast())
        };
        match self {
            Server::OpenAi => Box::new(openai()),
            Server::Vllm => Box::new(openai().schema_parameter(SchemaParameter::StructuredOutputs)),
            Server::LlamaCpp => Box::new(openai().schema_parameter(SchemaParameter::LlamaCpp)),
            Server::Anthropic => Box::new(
                Anthropic::new("test-model")
                    .base_url(root)
                    .retry_policy(fast()),
            ),
        }
    }

    /// A reply whose text is `text`, as the server sends it.
    fn reply(self, text: &str) -> ResponseTemplate {
        let body = match self {
            Server::Anthropic => {
                message_body(json!([{"type": "text", "text": text}]), "end_turn", (30, 5))
            }
            _ => completion_body(json!(text), "stop", (30, 5)),
        };
        ResponseTemplate::new(200).set_body_json(body)
    }

    /// The whole body a request with `system`, one user turn `prompt` and `max_tokens` is sent
    /// as, with the constraint's own fields added.
    fn expected_body(self, system: &str, prompt: &str, extra: Value) -> Value {
        let mut body = match self {
            Server::Anthropic => json!({
                "model": "test-model",
                "max_tokens": 64,
                "system": system,
                "messages": [{"role": "user", "content": prompt}],
            }),
            _ => json!({
                "model": "test-model",
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": prompt},
                ],
                "max_tokens": 64,
            }),
        };
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        body
    }
}

async fn serve(server: Server, replies: Vec<ResponseTemplate>) -> MockServer {
    // Not from wiremock's pool: a pooled server can still hold a connection from another test.
    let mock_server = MockServer::builder().start().await;
    let count = replies.len();
    for (i, reply) in replies.into_iter().enumerate() {
        let mock = Mock::given(method("POST"))
            .and(path(server.path()))
            .respond_with(reply);
        let mock = if i + 1 < count {
            mock.up_to_n_times(1)
        } else {
            mock
        };
        mock.mount(&mock_server).await;
    }
    mock_server
}

/// The body `server` is sent for one request of `output` (mode `Auto`).
async fn body_for(server: Server, output: Constraint, mode: OutputMode) -> Value {
    let http = serve(server, vec![server.reply("x")]).await;
    let backend = server.backend(&http.uri());
    let mut request = Request::new("Reply as told.", vec![Message::user("Go.")], output);
    request.max_tokens = Some(64);
    request.mode = mode;
    backend.complete(&request).await.unwrap();
    bodies(&http).await.remove(0)
}

/// What each configuration adds to the body for each constraint.
fn native(server: Server, output: &Constraint) -> Value {
    match (server, output) {
        (Server::Vllm, Constraint::Regex(pattern)) => {
            json!({"structured_outputs": {"regex": pattern}})
        }
        (Server::Vllm, Constraint::Choice(choices)) => {
            json!({"structured_outputs": {"choice": choices}})
        }
        (Server::Vllm, Constraint::Grammar(lark)) => {
            json!({"structured_outputs": {"grammar": lark}})
        }
        (Server::LlamaCpp, Constraint::Regex(pattern)) if pattern == ASCII_PATTERN => json!({
            "grammar": "root ::= (\"(\" c0{3} \") \" c0{3} \"-\" c0{4})\nc0 ::= [0-9]\n"
        }),
        (Server::LlamaCpp, Constraint::Choice(_)) => {
            json!({"grammar": "root ::= \"positive\" | \"negative\" | \"say \\\"meh\\\"\"\n"})
        }
        _ => json!({}),
    }
}

#[tokio::test]
async fn each_configuration_sends_each_constraint_as_it_should() {
    let constraints = [
        Constraint::Regex(ASCII_PATTERN.into()),
        Constraint::Choice(vec![
            "positive".into(),
            "negative".into(),
            "say \"meh\"".into(),
        ]),
        Constraint::Grammar(LARK.into()),
        Constraint::Text,
    ];
    for server in SERVERS {
        for output in &constraints {
            let body = body_for(server, output.clone(), OutputMode::Auto).await;
            let expected = server.expected_body("Reply as told.", "Go.", native(server, output));
            assert_eq!(body, expected, "{server:?} {}", output.kind());
        }
    }
}

#[tokio::test]
async fn the_json_modes_mean_nothing_for_text_and_prompt_mode_sends_nothing_native() {
    let regex = Constraint::Regex(ASCII_PATTERN.into());
    for server in SERVERS {
        // `Tool`, `JsonObject` and `JsonSchema` are ignored: the native form, if any, is sent.
        for mode in [
            OutputMode::Tool,
            OutputMode::JsonObject,
            OutputMode::JsonSchema,
        ] {
            let body = body_for(server, regex.clone(), mode).await;
            let expected = server.expected_body("Reply as told.", "Go.", native(server, &regex));
            assert_eq!(body, expected, "{server:?} {mode:?}");
        }
        // `Prompt`: the prompt alone, whatever the server could take.
        let body = body_for(server, regex.clone(), OutputMode::Prompt).await;
        assert_eq!(
            body,
            server.expected_body("Reply as told.", "Go.", json!({})),
            "{server:?}"
        );
    }
}

#[tokio::test]
async fn llama_cpp_gets_a_grammar_only_where_gbnf_says_exactly_the_same() {
    // A word boundary has no GBNF form: the prompt alone.
    let body = body_for(
        Server::LlamaCpp,
        Constraint::Regex(r"\b\w+\b".into()),
        OutputMode::Auto,
    )
    .await;
    assert!(body.get("grammar").is_none(), "{body}");
    // So does an unbounded repetition of something that can be empty (llama.cpp would refuse its
    // left recursion), and a bound past 1,000.
    for pattern in [r"(a?)*b", r"x{2000}"] {
        let body = body_for(
            Server::LlamaCpp,
            Constraint::Regex(pattern.into()),
            OutputMode::Auto,
        )
        .await;
        assert!(body.get("grammar").is_none(), "{pattern}: {body}");
    }
    let body = body_for(
        Server::LlamaCpp,
        Constraint::Regex(r"^[a-c]{2,5}(-[0-9]+)?$".into()),
        OutputMode::Auto,
    )
    .await;
    assert_eq!(
        body["grammar"],
        "root ::= (\"\" c0{2,5} (\"-\" c1+)? \"\")\nc0 ::= [a-c]\nc1 ::= [0-9]\n"
    );
    // A JSON Schema still goes as `response_format`, as for any OpenAI-compatible server.
    let spec = SchemaSpec {
        name: "N".into(),
        json_schema: json!({"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"], "additionalProperties": false}).into(),
        description: None,
    };
    let body = body_for(Server::LlamaCpp, Constraint::Json(spec), OutputMode::Auto).await;
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert!(body.get("grammar").is_none());
}

#[tokio::test]
async fn a_wrong_regex_reply_is_repaired_on_every_configuration() {
    let phone = Regex::new(PATTERN).unwrap();
    for server in SERVERS {
        let http = serve(
            server,
            vec![
                server.reply("Sure! (555) 123-4567"),
                server.reply("(555) 123-4567"),
            ],
        )
        .await;
        let backend = server.backend(&http.uri());
        let report = phone
            .generation("Alice's number is 555 123 4567.")
            .max_tokens(64)
            .report(&backend)
            .await
            .unwrap();
        assert_eq!(report.value, "(555) 123-4567", "{server:?}");
        let sent = bodies(&http).await;
        assert_eq!(sent.len(), 2);
        let repair = last_message(&sent[1]);
        assert_eq!(
            repair,
            "Your reply is not a valid text:\n\
             - $: the reply does not match the pattern from its first character (expected \"(\", \
             got \"Sure! (555) 123-4567\")\n\
             Reply with the corrected text only.",
            "{server:?}"
        );
        // The first request states the pattern, with examples, in the system prompt.
        let system = match server {
            Server::Anthropic => sent[0]["system"].as_str().unwrap(),
            _ => sent[0]["messages"][0]["content"].as_str().unwrap(),
        };
        assert_eq!(system, phone.instructions(SchemaInPrompt::Describe));
        assert!(system.contains("(012) 345-6789"), "{system}");
    }
}

#[tokio::test]
async fn a_wrong_choice_is_repaired_with_the_closest_choice() {
    let sentiment = Choice::new(["positive", "negative", "neutral"]).unwrap();
    for server in SERVERS {
        let http = serve(
            server,
            vec![server.reply("Positive."), server.reply("positive\n")],
        )
        .await;
        let backend = server.backend(&http.uri());
        let label = sentiment
            .generate(&backend, "Review: I loved it.")
            .await
            .unwrap();
        assert_eq!(label, "positive", "{server:?}");
        let sent = bodies(&http).await;
        let repair = serde_json::to_string(&sent[1]["messages"]).unwrap();
        assert!(
            repair
                .contains(r#"the reply is not one of the 3 choices; the closest is \"positive\""#),
            "{server:?}: {repair}"
        );
    }
}

#[tokio::test]
async fn free_text_is_taken_as_it_comes() {
    for server in SERVERS {
        let http = serve(server, vec![server.reply("Rust is a language.\n")]).await;
        let backend = server.backend(&http.uri());
        let text = Text::new()
            .generation("Describe Rust.")
            .max_tokens(64)
            .run(&backend)
            .await
            .unwrap();
        assert_eq!(text, "Rust is a language.\n");
        let sent = bodies(&http).await;
        assert_eq!(
            sent[0],
            server.expected_body("Reply in plain text.", "Describe Rust.", json!({})),
            "{server:?}"
        );
    }
}

/// A derived type next to the text outputs: its request is unchanged by them.
#[derive(Debug, Structured)]
struct N {
    n: u8,
}

#[tokio::test]
async fn json_requests_to_vllm_keep_their_schema() {
    let http = serve(Server::Vllm, vec![Server::Vllm.reply(r#"{"n": 3}"#)]).await;
    let backend = Server::Vllm.backend(&http.uri());
    let n = N::generate(&backend, "Three.").await.unwrap();
    assert_eq!(n.n, 3);
    let sent = bodies(&http).await;
    assert_eq!(
        sent[0]["structured_outputs"],
        json!({"json": N::json_schema()})
    );
}
