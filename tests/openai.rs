//! The OpenAI-compatible backend against real HTTP servers on 127.0.0.1 answering in Chat Completions'
//! exact wire format, driven through the generation loop: the conformance scenarios every HTTP backend
//! passes (`support/conformance.rs`), then what is OpenAI's own (the body sent, output modes, wrapped
//! roots); and the strict-schema transform checked against OpenAI's strict-mode rules for many
//! derived types.

#[path = "support/fixtures.rs"]
mod fixtures;
#[allow(unreachable_pub)] // the helpers are `pub` for every test binary that shares them
#[path = "support/raw_http.rs"]
mod raw_http;

#[macro_use]
#[path = "support/conformance.rs"]
mod conformance;

conformance_tests!(Provider::OpenAi);

use conformance::completion_body;
use fixtures::{backend_error, fast};
use std::collections::HashMap;
use std::fmt::Debug;

use outlines::Usage;
use outlines::backend::openai::schema::{NotStrict, strict, strict_violations};
use outlines::backend::openai::{OpenAi, SchemaParameter};
use outlines::backend::{Backend, BackendError, Finish, Message, OutputMode, Request, SchemaSpec};
use outlines::generate::Outcome;
use outlines::{Generate, Structured};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// ---------------------------------------------------------------------------------------------------
// Types

/// A person mentioned in the text.
#[derive(Debug, PartialEq, Structured)]
struct Person {
    /// Full name.
    #[outline(min = 1, max = 80)]
    name: String,
    #[outline(min = 0, max = 120)]
    age: u8,
    role: Role,
    nickname: Option<String>,
}

/// What the person may do.
#[derive(Debug, PartialEq, Structured)]
#[serde(rename_all = "lowercase")]
enum Role {
    User,
    Admin,
}

const VALID: &str = r#"{"name": "John", "age": 25, "role": "admin", "nickname": null}"#;

fn john() -> Person {
    Person {
        name: "John".into(),
        age: 25,
        role: Role::Admin,
        nickname: None,
    }
}

/// `Person::json_schema()` in OpenAI's strict form.
fn person_strict() -> Value {
    json!({
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "Full name. (1-80 characters)"},
            "age": {"type": "integer", "minimum": 0, "maximum": 120},
            "role": {"$ref": "#/$defs/Role"},
            "nickname": {"type": ["string", "null"]},
        },
        "required": ["name", "age", "role", "nickname"],
        "additionalProperties": false,
        "description": "A person mentioned in the text.",
        "$defs": {
            "Role": {"type": "string", "enum": ["user", "admin"], "description": "What the person may do."},
        },
    })
}

// ---------------------------------------------------------------------------------------------------
// Harness

const KEY: &str = "sk-test-secret-4f9a";

fn backend(server: &MockServer) -> OpenAi {
    OpenAi::new("gpt-test")
        .base_url(format!("{}/v1", server.uri()))
        .retry_policy(fast())
}

fn ok(content: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(completion_body(content.into(), "stop", (100, 20)))
}

fn openai_error(status: u16, message: &str, kind: &str, code: Option<&str>) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error": {"message": message, "type": kind, "param": null, "code": code},
    }))
}

async fn always(server: &MockServer, template: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(template)
        .mount(server)
        .await;
}

/// Answers with `template` once; mounted earlier, it takes precedence over later mocks.
async fn once(server: &MockServer, template: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(template)
        .up_to_n_times(1)
        .mount(server)
        .await;
}

async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| r.body_json().expect("request body is JSON"))
        .collect()
}

// ---------------------------------------------------------------------------------------------------
// The loop over HTTP

#[tokio::test]
async fn valid_first_time_sends_the_strict_schema_in_the_nested_form() {
    let server = MockServer::start().await;
    always(&server, ok(VALID)).await;
    let report = Person::generation("Extract: John, 25, admin")
        .report(&backend(&server))
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
    assert!(requests[0].headers.get("authorization").is_none());
    assert_eq!(requests[0].headers["content-type"], "application/json");
    let body: Value = requests[0].body_json().unwrap();
    let system = body["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.starts_with("Reply with one JSON value of type `Person`"),
        "{system}"
    );
    assert_eq!(
        body,
        json!({
            "model": "gpt-test",
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": "Extract: John, 25, admin"},
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": "Person",
                    "strict": true,
                    "schema": person_strict(),
                    "description": "A person mentioned in the text.",
                },
            },
        })
    );
}

#[tokio::test]
async fn the_key_goes_in_the_authorization_header_and_nowhere_else() {
    let server = MockServer::start().await;
    always(&server, ok(VALID)).await;
    let backend = backend(&server).api_key(KEY);
    assert!(!format!("{backend:?}").contains(KEY));
    let report = Person::generation("Extract")
        .model("gpt-4o-mini")
        .report(&backend)
        .await
        .unwrap();
    assert_eq!(report.value, john());
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests[0].headers["authorization"],
        format!("Bearer {KEY}").as_str()
    );
    let body = String::from_utf8_lossy(&requests[0].body);
    assert!(!body.contains(KEY));
    assert!(body.contains(r#""model":"gpt-4o-mini""#), "{body}");
}

#[tokio::test]
async fn an_exhausted_quota_is_not_retried() {
    let server = MockServer::start().await;
    always(
        &server,
        openai_error(
            429,
            "You exceeded your current quota, please check your plan and billing details.",
            "insufficient_quota",
            Some("insufficient_quota"),
        ),
    )
    .await;
    let err = Person::generation("Extract")
        .run(&backend(&server))
        .await
        .unwrap_err();
    assert_eq!(
        backend_error(err.cause()),
        &BackendError::Status {
            provider: "openai".into(),
            status: 429,
            code: Some("insufficient_quota".into()),
            message: "You exceeded your current quota, please check your plan and billing details."
                .into(),
        }
    );
    assert_eq!(err.attempts()[0].outcome, Outcome::BackendError);
    assert_eq!(bodies(&server).await.len(), 1);
}

#[tokio::test]
async fn a_reply_without_choices_is_malformed() {
    let server = MockServer::start().await;
    always(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-test", "choices": [],
        })),
    )
    .await;
    let err = Person::generation("Extract")
        .run(&backend(&server))
        .await
        .unwrap_err();
    let error = backend_error(err.cause());
    assert!(
        matches!(error, BackendError::Malformed { message, body, .. }
            if message == "the reply has no choices" && body.contains("chatcmpl-1")),
        "{error:?}"
    );
}

// ---------------------------------------------------------------------------------------------------
// Output modes

#[tokio::test]
async fn tool_mode_forces_a_strict_function_and_reads_its_arguments() {
    let server = MockServer::start().await;
    let mut reply = completion_body(Value::Null, "tool_calls", (80, 30));
    reply["choices"][0]["message"]["tool_calls"] = json!([{
        "id": "call_abc123",
        "type": "function",
        "function": {"name": "Person", "arguments": VALID},
    }]);
    always(&server, ResponseTemplate::new(200).set_body_json(reply)).await;
    let report = Person::generation("Extract")
        .mode(OutputMode::Tool)
        .report(&backend(&server))
        .await
        .unwrap();
    assert_eq!(report.value, john());
    assert_eq!(
        report.attempts[0].finish,
        Some(Finish::Other("tool_calls".into()))
    );
    let sent = &bodies(&server).await[0];
    assert!(sent.get("response_format").is_none());
    assert_eq!(
        sent["tools"],
        json!([{
            "type": "function",
            "function": {
                "name": "Person",
                "description": "A person mentioned in the text.",
                "parameters": person_strict(),
                "strict": true,
            },
        }])
    );
    assert_eq!(
        sent["tool_choice"],
        json!({"type": "function", "function": {"name": "Person"}})
    );
    assert_eq!(sent["parallel_tool_calls"], false);
}

#[tokio::test]
async fn json_object_mode_asks_for_json_syntax_only() {
    let server = MockServer::start().await;
    always(&server, ok(VALID)).await;
    let person = Person::generation("Extract")
        .mode(OutputMode::JsonObject)
        .run(&backend(&server))
        .await
        .unwrap();
    assert_eq!(person, john());
    let sent = &bodies(&server).await[0];
    assert_eq!(sent["response_format"], json!({"type": "json_object"}));
    assert!(
        sent["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("JSON")
    );
}

#[tokio::test]
async fn prompt_mode_sends_no_schema_parameter() {
    let server = MockServer::start().await;
    always(&server, ok(VALID)).await;
    let backend = backend(&server).mode(OutputMode::Prompt);
    let person = Person::generation("Extract")
        .temperature(0.0)
        .run(&backend)
        .await
        .unwrap();
    assert_eq!(person, john());
    let sent = &bodies(&server).await[0];
    for key in [
        "response_format",
        "tools",
        "tool_choice",
        "structured_outputs",
    ] {
        assert!(sent.get(key).is_none(), "{key} in {sent:#}");
    }
    assert_eq!(sent["temperature"], 0.0);
    // The prompt alone describes the value.
    assert!(
        sent["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("type Person = {")
    );
}

#[tokio::test]
async fn vllm_gets_structured_outputs_and_null_usage_counts_are_zeros() {
    let server = MockServer::start().await;
    let mut reply = completion_body(VALID.into(), "stop", (0, 0));
    reply["usage"] = json!({"prompt_tokens": 42, "completion_tokens": null, "total_tokens": null});
    reply["model"] = "Qwen/Qwen2.5-7B-Instruct".into();
    always(&server, ResponseTemplate::new(200).set_body_json(reply)).await;
    let backend = backend(&server).schema_parameter(SchemaParameter::StructuredOutputs);
    let report = Person::generation("Extract")
        .report(&backend)
        .await
        .unwrap();
    assert_eq!(report.value, john());
    assert_eq!(
        report.usage,
        Usage {
            input_tokens: 42,
            output_tokens: 0
        }
    );
    let sent = &bodies(&server).await[0];
    assert_eq!(
        sent["structured_outputs"],
        json!({"json": Person::json_schema()})
    );
    assert!(sent.get("response_format").is_none());
}

#[tokio::test]
async fn a_list_root_is_wrapped_and_the_reply_unwrapped() {
    let server = MockServer::start().await;
    let wrapped = format!(r#"{{"value": [{VALID}]}}"#);
    always(&server, ok(&wrapped)).await;
    let report = Vec::<Person>::generation("Extract everyone")
        .report(&backend(&server))
        .await
        .unwrap();
    assert_eq!(report.value, vec![john()]);
    // The loop saw the value itself, exactly as the model wrote it.
    assert_eq!(report.attempts[0].output, format!("[{VALID}]"));
    let sent = &bodies(&server).await[0];
    let format = &sent["response_format"]["json_schema"];
    assert_eq!(format["strict"], true);
    assert_eq!(
        format["schema"]["properties"]["value"],
        json!({"type": "array", "items": {"$ref": "#/$defs/Person"}})
    );
    assert_eq!(format["schema"]["required"], json!(["value"]));
    assert_eq!(
        format["schema"]["$defs"]["Person"]["additionalProperties"],
        false
    );
}

#[tokio::test]
async fn a_string_enum_root_is_wrapped_and_an_unwrapped_reply_still_validates() {
    let server = MockServer::start().await;
    once(&server, ok(r#"{"value": "boss"}"#)).await;
    always(&server, ok(r#"{"value": "admin"}"#)).await;
    let report = Role::generation("Which role?")
        .report(&backend(&server))
        .await
        .unwrap();
    assert_eq!(report.value, Role::Admin);
    assert_eq!(report.attempts[0].output, r#""boss""#);
    let sent = bodies(&server).await;
    assert_eq!(
        sent[0]["response_format"]["json_schema"]["schema"]["properties"]["value"],
        json!({"type": "string", "enum": ["user", "admin"], "description": "What the person may do."})
    );
    // The repair shows the model the value it gave, as the errors' paths describe it.
    assert_eq!(sent[1]["messages"][2]["content"], r#""boss""#);
}

#[derive(Debug, Structured)]
struct Inventory {
    counts: HashMap<String, u32>,
}

#[tokio::test]
async fn a_map_falls_back_to_the_plain_schema_without_strict() {
    let server = MockServer::start().await;
    always(&server, ok(r#"{"counts": {"apples": 3}}"#)).await;
    let inventory = Inventory::generation("Count")
        .run(&backend(&server))
        .await
        .unwrap();
    assert_eq!(inventory.counts["apples"], 3);
    let format = &bodies(&server).await[0]["response_format"]["json_schema"];
    assert_eq!(format["strict"], false);
    assert_eq!(format["schema"], Inventory::json_schema());
}

#[tokio::test]
async fn direct_calls_read_model_usage_and_other_servers_errors() {
    let server = MockServer::start().await;
    once(
        &server,
        ResponseTemplate::new(404)
            .set_body_json(json!({"error": "model \"llama9\" not found, try pulling it first"})),
    )
    .await;
    let mut reply = completion_body(r#"{"n": 1}"#.into(), "stop", (0, 0));
    reply.as_object_mut().unwrap().remove("usage");
    reply["model"] = "llama3.2:latest".into();
    always(&server, ResponseTemplate::new(200).set_body_json(reply)).await;

    let backend = backend(&server);
    let schema = SchemaSpec {
        name: "N".into(),
        json_schema:
            json!({"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]})
                .into(),
        description: None,
    };
    let mut request = Request::new("Reply with JSON.", vec![Message::user("one")], schema);
    request.model = Some("llama9".into());
    let error = backend.complete(&request).await.unwrap_err();
    assert_eq!(
        error,
        BackendError::Status {
            provider: "openai".into(),
            status: 404,
            code: None,
            message: "model \"llama9\" not found, try pulling it first".into(),
        }
    );
    request.model = None;
    let response = backend.complete(&request).await.unwrap();
    assert_eq!(response.text, r#"{"n": 1}"#);
    assert_eq!(response.model.as_deref(), Some("llama3.2:latest"));
    assert_eq!(response.usage, Usage::default());
    let sent = bodies(&server).await;
    assert_eq!(sent[0]["model"], "llama9");
    assert_eq!(sent[1]["model"], "gpt-test");
    assert!(
        sent[1]["response_format"]["json_schema"]
            .get("description")
            .is_none()
    );
}

// ---------------------------------------------------------------------------------------------------
// The strict transform against OpenAI's rules

/// An order.
#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Order {
    #[outline(format = "uuid")]
    id: String,
    /// Who ordered.
    customer: Person,
    #[outline(min = 1)]
    lines: Vec<Line>,
    #[outline(max = 5, unique)]
    tags: Vec<String>,
    #[outline(max = 200)]
    note: Option<String>,
    #[outline(format = "date-time")]
    placed: String,
    #[outline(format = "uri")]
    link: String,
    at: (f64, f64),
    status: Status,
    #[serde(default)]
    priority: u8,
    #[serde(flatten)]
    meta: Meta,
    #[outline(example = "gift")]
    label: Option<String>,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Line {
    #[outline(pattern = "^[A-Z]{3}-[0-9]+$")]
    sku: String,
    #[outline(min = 1)]
    qty: u32,
    #[outline(exclusive_min = 0, multiple_of = 0.01)]
    price: f64,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Meta {
    source: String,
}

/// Where the order is.
#[derive(Debug, Structured)]
#[allow(dead_code)]
enum Status {
    /// Not shipped yet.
    Pending,
    Shipped {
        carrier: String,
    },
    Cancelled(String),
}

#[derive(Debug, Structured)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum External {
    Unit,
    Newtype(#[outline(min = 0)] i32),
    Tuple(u8, #[outline(pattern = "^a")] String),
    Struct {
        #[outline(max = 3)]
        name: String,
    },
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Point {
    x: i32,
    y: i32,
}

#[derive(Debug, Structured)]
#[serde(tag = "type")]
#[allow(dead_code)]
enum Internal {
    Unit,
    Newtype(Point),
    Struct { radius: f64 },
}

#[derive(Debug, Structured)]
#[serde(tag = "t", content = "c")]
#[allow(dead_code)]
enum Adjacent {
    Unit,
    Newtype(String),
    Tuple(u8, u8),
    Struct { on: bool },
}

#[derive(Debug, Structured)]
#[serde(untagged)]
#[allow(dead_code)]
enum Untagged {
    Unit,
    Newtype(u64),
    Tuple(bool, bool),
    Struct { name: String },
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Tree {
    label: String,
    children: Vec<Tree>,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
enum Expr {
    Number(f64),
    Negate(Box<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Call { name: String, args: Vec<Expr> },
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Department {
    head: Option<Box<Employee>>,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Employee {
    /// Where they work.
    department: Department,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Coord(f64, f64);

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Pair<A, B>(A, B);

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Page<T> {
    #[outline(max = 100)]
    items: Vec<T>,
    next: Option<String>,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
enum Either<L, R> {
    Left(L),
    Right(R),
}

/// Transforms `T`'s schema, checks the result against OpenAI's rules, and checks that each sample —
/// every optional field written out, as strict mode makes the model do — is accepted by our
/// validator and by the strict schema (wrapped when the root was).
fn check_strict<T: Structured + Debug>(samples: &[Value]) -> Value {
    let original = T::json_schema();
    let name = std::any::type_name::<T>();
    let out = strict(&original).unwrap_or_else(|e| panic!("{name}: no strict form: {e}"));
    let violations = strict_violations(&out.schema);
    assert!(
        violations.is_empty(),
        "{name}: {violations:#?}\n{:#}",
        out.schema
    );
    assert!(
        !strict_violations(&original).is_empty(),
        "{name}: the raw schema passed the checker"
    );
    assert_eq!(out.wrapped, original["type"] != "object", "{name}");
    let validator = jsonschema::draft202012::options()
        .build(&out.schema)
        .unwrap_or_else(|e| {
            panic!(
                "{name}: jsonschema cannot compile it: {e}\n{:#}",
                out.schema
            )
        });
    for sample in samples {
        if let Err(d) = T::from_value(sample) {
            panic!("{name}: the validator rejects {sample}:\n{d}");
        }
        let sent = if out.wrapped {
            json!({ "value": sample })
        } else {
            sample.clone()
        };
        let errors: Vec<String> = validator
            .iter_errors(&sent)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{name}: the strict schema rejects {sent}: {errors:#?}\n{:#}",
            out.schema
        );
    }
    out.schema
}

fn person_json() -> Value {
    json!({"name": "Ada", "age": 36, "role": "admin", "nickname": null})
}

#[test]
fn the_strict_transform_follows_the_rules_for_nested_and_optional_fields() {
    let person = check_strict::<Person>(&[person_json()]);
    assert_eq!(person, person_strict());
    let order = check_strict::<Order>(&[json!({
        "id": "123e4567-e89b-12d3-a456-426614174000",
        "customer": person_json(),
        "lines": [{"sku": "ABC-1", "qty": 2, "price": 9.99}],
        "tags": ["gift", "fragile"],
        "note": null,
        "placed": "2024-01-31T09:30:00Z",
        "link": "https://example.com/orders/1",
        "at": [1.5, -2.0],
        "status": {"Shipped": {"carrier": "DHL"}},
        "priority": 1,
        "source": "web",
        "label": null,
    })]);
    let props = &order["properties"];
    assert_eq!(props["id"], json!({"type": "string", "format": "uuid"}));
    assert_eq!(
        props["link"],
        json!({"type": "string", "description": "(format: uri)"})
    );
    assert_eq!(props["tags"]["description"], "(unique items)");
    assert_eq!(props["note"]["description"], "(at most 200 characters)");
    assert_eq!(props["label"]["description"], "(e.g. \"gift\")");
    assert_eq!(props["at"]["description"], "(exactly 2 items)");
    // The described field is inlined: its description first, then the type's.
    assert_eq!(
        props["customer"]["description"],
        "Who ordered.\nA person mentioned in the text."
    );
    // The flattened struct's field is a property like any other; the defaulted one is required.
    assert!(props.get("source").is_some());
    assert_eq!(order["required"].as_array().unwrap().len(), 12);
    assert_eq!(
        order["$defs"]["Line"]["properties"]["price"],
        json!({"type": "number", "exclusiveMinimum": 0, "multipleOf": 0.01})
    );
    let status = &order["$defs"]["Status"]["anyOf"];
    assert_eq!(
        status[0],
        json!({"type": "string", "enum": ["Pending"], "description": "Not shipped yet."})
    );
}

#[test]
fn the_strict_transform_follows_the_rules_for_every_enum_representation() {
    check_strict::<Role>(&[json!("admin")]);
    check_strict::<External>(&[
        json!("unit"),
        json!({"newtype": 5}),
        json!({"tuple": [1, "abc"]}),
        json!({"struct": {"name": "abc"}}),
    ]);
    check_strict::<Internal>(&[
        json!({"type": "Unit"}),
        json!({"type": "Newtype", "x": 1, "y": 2}),
        json!({"type": "Struct", "radius": 1.5}),
    ]);
    let adjacent = check_strict::<Adjacent>(&[
        json!({"t": "Unit", "c": null}),
        json!({"t": "Newtype", "c": "x"}),
        json!({"t": "Tuple", "c": [1, 2]}),
        json!({"t": "Struct", "c": {"on": true}}),
    ]);
    assert_eq!(
        adjacent["properties"]["value"]["anyOf"][0]["properties"]["t"],
        json!({"type": "string", "enum": ["Unit"]})
    );
    check_strict::<Untagged>(&[
        json!(null),
        json!(7),
        json!([true, false]),
        json!({"name": "x"}),
    ]);
}

#[test]
fn the_strict_transform_follows_the_rules_for_recursive_types() {
    let tree = check_strict::<Tree>(&[json!({
        "label": "a",
        "children": [{"label": "b", "children": []}],
    })]);
    assert_eq!(
        tree["properties"]["children"]["items"],
        json!({"$ref": "#"})
    );
    let expr = check_strict::<Expr>(&[
        json!({"Add": [{"Number": 1}, {"Negate": {"Number": 2}}]}),
        json!({
            "Call": {"name": "f", "args": [{"Number": 1}]},
        }),
    ]);
    // The wrapped root moved into `$defs`, and recursion points at it.
    assert_eq!(expr["properties"]["value"], json!({"$ref": "#/$defs/Root"}));
    assert!(!expr.to_string().contains(r##""$ref":"#""##));
    check_strict::<Department>(&[
        json!({"head": {"department": {"head": null}}}),
        json!({"head": null}),
    ]);
    check_strict::<Employee>(&[json!({"department": {"head": {"department": {"head": null}}}})]);
}

#[test]
fn the_strict_transform_follows_the_rules_for_tuples_generics_and_roots() {
    let coord = check_strict::<Coord>(&[json!([1.0, 2.5])]);
    assert_eq!(
        coord["properties"]["value"]["items"],
        json!({"type": "number"})
    );
    let pair = check_strict::<Pair<u8, Point>>(&[json!([1, {"x": 1, "y": 2}])]);
    assert_eq!(
        pair["properties"]["value"]["items"]["anyOf"][1],
        json!({"$ref": "#/$defs/Point"})
    );
    check_strict::<Page<Person>>(&[json!({"items": [person_json()], "next": null})]);
    check_strict::<Either<u8, String>>(&[json!({"Left": 1}), json!({"Right": "x"})]);
    check_strict::<Vec<Person>>(&[json!([person_json()]), json!([])]);
    check_strict::<Option<Person>>(&[json!(null), person_json()]);
    check_strict::<String>(&[json!("free text")]);
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Tagged {
    name: String,
    #[serde(flatten)]
    extra: HashMap<String, String>,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Loose {
    data: Value,
}

#[test]
fn types_without_a_strict_form_say_why() {
    assert_eq!(
        strict(&Inventory::json_schema()),
        Err(NotStrict::OpenObject {
            path: "#/properties/counts".into()
        })
    );
    assert_eq!(
        strict(&Tagged::json_schema()),
        Err(NotStrict::OpenObject { path: "#".into() })
    );
    assert_eq!(
        strict(&Loose::json_schema()),
        Err(NotStrict::AnyValue {
            path: "#/properties/data".into()
        })
    );
}

#[test]
fn the_checker_is_not_vacuous_on_the_raw_schemas() {
    let raw = strict_violations(&Person::json_schema());
    for needle in [
        "#: `$schema` is not supported",
        "#: property \"nickname\" is not in `required`",
        "#: `additionalProperties` is not false",
        "#/properties/name: `minLength` is not supported",
    ] {
        assert!(
            raw.iter().any(|v| v == needle),
            "missing {needle:?} in {raw:#?}"
        );
    }
    let order = strict_violations(&Order::json_schema());
    assert!(
        order.iter().any(|v| v.contains("prefixItems")),
        "{order:#?}"
    );
    assert!(
        order.iter().any(|v| v.contains("format \"uri\"")),
        "{order:#?}"
    );
    assert!(
        order
            .iter()
            .any(|v| v.contains("`uniqueItems` is not supported")),
        "{order:#?}"
    );
}
