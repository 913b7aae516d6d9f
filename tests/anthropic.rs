//! The Anthropic backend against HTTP servers on 127.0.0.1 that speak the Messages API's wire format:
//! the conformance scenarios every HTTP backend passes (`support/conformance.rs`), then what is
//! Anthropic's own (what it sends, how it reads its replies and errors); and the
//! structured-output subset checked against Anthropic's documented rules for derived types.

#[path = "support/fixtures.rs"]
mod fixtures;
#[allow(unreachable_pub)] // the helpers are `pub` for every test binary that shares them
#[path = "support/raw_http.rs"]
mod raw_http;

#[macro_use]
#[path = "support/conformance.rs"]
mod conformance;

conformance_tests!(Provider::Anthropic);

use conformance::message_body;
use fixtures::fast;

use outlines::Generate;
use outlines::backend::anthropic::Anthropic;
use outlines::backend::anthropic::schema::{object_root, structured, subset_violations};
use outlines::backend::mock::Mock as Scripted;
use outlines::backend::{Backend, BackendError, Finish, Message, Request, SchemaSpec};
use outlines::generate::Cause;
use outlines::{OutputMode, Structured, Usage};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-ant-test-0123456789-secret";
const PROMPT: &str = "Extract: John, 25, admin, john@example.com";

/// A person mentioned in the text.
#[derive(Debug, PartialEq, Structured)]
struct Person {
    #[outline(min = 1, max = 80)]
    name: String,
    #[outline(min = 0, max = 120)]
    age: u8,
    #[outline(format = "email")]
    email: Option<String>,
    role: Role,
}

#[derive(Debug, PartialEq, Structured)]
#[serde(rename_all = "lowercase")]
enum Role {
    User,
    Admin,
}

#[derive(Debug, PartialEq, Structured)]
struct Tree {
    label: String,
    children: Vec<Tree>,
}

fn valid() -> Value {
    json!({"name": "John", "age": 25, "email": "john@example.com", "role": "admin"})
}

fn backend(url: &str) -> Anthropic {
    Anthropic::new("claude-test")
        .base_url(url)
        .api_key(KEY)
        .retry_policy(fast())
}

/// A forced tool call's reply.
fn tool_reply(tool: &str, input: Value, stop_reason: &str, usage: (u64, u64)) -> ResponseTemplate {
    let content = json!([{"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": tool, "input": input}]);
    ResponseTemplate::new(200).set_body_json(message_body(content, stop_reason, usage))
}

fn text_reply(text: &str, stop_reason: &str, usage: (u64, u64)) -> ResponseTemplate {
    let content = json!([{"type": "text", "text": text}]);
    ResponseTemplate::new(200).set_body_json(message_body(content, stop_reason, usage))
}

/// Serves `replies` in order, one request each; the last one answers every later request.
async fn serve(replies: Vec<ResponseTemplate>) -> MockServer {
    let server = MockServer::start().await;
    let count = replies.len();
    for (i, reply) in replies.into_iter().enumerate() {
        let mock = Mock::given(method("POST"))
            .and(path("/v1/messages"))
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

async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| r.body_json::<Value>().expect("the request body is JSON"))
        .collect()
}

/// The system prompt the loop builds for `T` with default options.
async fn system_prompt<T: Structured + Send + std::fmt::Debug>(reply: &str) -> String {
    let mock = Scripted::always(reply);
    T::generation(PROMPT)
        .run(&mock)
        .await
        .expect("the scripted reply is valid");
    mock.requests()[0].system.clone()
}

fn without_dialect(mut schema: Value) -> Value {
    if let Some(map) = schema.as_object_mut() {
        map.shift_remove("$schema");
    }
    schema
}

#[tokio::test]
async fn valid_first_time_by_forced_tool_use() {
    let mut reply = message_body(
        json!([{"type": "tool_use", "id": "toolu_01", "name": "Person", "input": valid()}]),
        "tool_use",
        (120, 30),
    );
    reply["usage"]["cache_read_input_tokens"] = json!(400);
    reply["usage"]["cache_creation_input_tokens"] = json!(80);
    let server = serve(vec![ResponseTemplate::new(200).set_body_json(reply)]).await;

    let report = Person::generation(PROMPT)
        .report(&backend(&server.uri()))
        .await
        .unwrap();
    assert_eq!(report.value.name, "John");
    assert_eq!(report.value.email.as_deref(), Some("john@example.com"));
    assert_eq!(report.attempt_count(), 1);
    // Cache reads and writes are prompt tokens too.
    assert_eq!(
        report.usage,
        Usage {
            input_tokens: 600,
            output_tokens: 30
        }
    );

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let headers = &requests[0].headers;
    assert_eq!(headers["x-api-key"], KEY);
    assert_eq!(headers["anthropic-version"], "2023-06-01");
    assert_eq!(headers["content-type"], "application/json");
    let body: Value = requests[0].body_json().unwrap();
    let expected = json!({
        "model": "claude-test",
        "max_tokens": 4096,
        "system": system_prompt::<Person>(&valid().to_string()).await,
        "messages": [{"role": "user", "content": PROMPT}],
        "tools": [{
            "name": "Person",
            "description": "Return the Person value. A person mentioned in the text.",
            "input_schema": without_dialect(Person::json_schema())
        }],
        "tool_choice": {"type": "tool", "name": "Person", "disable_parallel_tool_use": true}
    });
    assert_eq!(body, expected);
    assert!(body["system"].as_str().unwrap().contains("type Person = {"));
}

#[tokio::test]
async fn malformed_bodies_are_reported_with_an_excerpt() {
    let server = serve(vec![
        ResponseTemplate::new(200).set_body_raw("<html>upstream gateway</html>", "text/html"),
        ResponseTemplate::new(200)
            .set_body_json(json!({"id": "msg_01", "type": "message", "stop_reason": "end_turn"})),
    ])
    .await;
    let backend = backend(&server.uri());
    let request = person_request(OutputMode::Tool);
    match backend.complete(&request).await {
        Err(BackendError::Malformed {
            provider,
            message,
            body,
        }) => {
            assert_eq!(provider, "anthropic");
            assert!(message.starts_with("not a Messages API reply"), "{message}");
            assert!(body.contains("upstream gateway"), "{body}");
        }
        other => panic!("expected a malformed reply, got {other:?}"),
    }
    // Through the loop: a malformed reply ends the generation as a backend error, without a retry.
    let err = Person::generate(&backend, PROMPT).await.unwrap_err();
    match err.cause() {
        Cause::Backend(BackendError::Malformed { message, .. }) => {
            assert_eq!(message, "the reply has no `content`")
        }
        other => panic!("unexpected cause {other:?}"),
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_refusal_with_nothing_said_gets_a_fixed_phrase() {
    let server = serve(vec![
        ResponseTemplate::new(200).set_body_json(message_body(json!([]), "refusal", (4, 0))),
    ])
    .await;
    let response = backend(&server.uri())
        .complete(&person_request(OutputMode::Tool))
        .await
        .unwrap();
    assert_eq!(response.finish, Finish::Refusal);
    assert_eq!(
        response.refusal.as_deref(),
        Some("the model declined to answer (stop_reason: refusal)")
    );
}

#[tokio::test]
async fn unknown_stop_reasons_are_kept() {
    let server = serve(vec![tool_reply("Person", valid(), "pause_turn", (1, 1))]).await;
    let response = backend(&server.uri())
        .complete(&person_request(OutputMode::Tool))
        .await
        .unwrap();
    assert_eq!(response.finish, Finish::Other("pause_turn".into()));
    assert_eq!(response.model.as_deref(), Some("claude-test-20250929"));
}

#[tokio::test]
async fn output_config_carries_the_subset_schema() {
    let server = serve(vec![text_reply(&valid().to_string(), "end_turn", (30, 10))]).await;
    let backend = backend(&server.uri()).mode(OutputMode::JsonSchema);
    let person = Person::generate(&backend, PROMPT).await.unwrap();
    assert_eq!(person.role, Role::Admin);

    let body = &bodies(&server).await[0];
    assert!(
        body.get("tools").is_none() && body.get("tool_choice").is_none(),
        "{body:#}"
    );
    let schema = &body["output_config"]["format"]["schema"];
    assert_eq!(body["output_config"]["format"]["type"], "json_schema");
    assert_eq!(schema, &structured(&Person::json_schema()).unwrap());
    assert_eq!(subset_violations(schema), Vec::<String>::new());
    assert_eq!(
        schema["properties"]["age"],
        json!({"type": "integer", "description": "(between 0 and 120)"})
    );
    assert_eq!(
        schema["properties"]["email"],
        json!({"anyOf": [{"type": "string", "format": "email"}, {"type": "null"}]})
    );
}

#[tokio::test]
async fn output_config_falls_back_to_tool_use_for_a_recursive_type() {
    let tree = json!({"label": "root", "children": [{"label": "leaf", "children": []}]});
    let server = serve(vec![tool_reply("Tree", tree, "tool_use", (30, 10))]).await;
    let value = Tree::generation("Parse the tree")
        .mode(OutputMode::JsonSchema)
        .run(&backend(&server.uri()))
        .await
        .unwrap();
    assert_eq!(value.children[0].label, "leaf");
    let body = &bodies(&server).await[0];
    assert!(body.get("output_config").is_none(), "{body:#}");
    assert_eq!(body["tool_choice"]["name"], "Tree");
    assert_eq!(
        body["tools"][0]["input_schema"],
        without_dialect(Tree::json_schema())
    );
}

#[tokio::test]
async fn non_object_roots_are_wrapped_and_unwrapped() {
    let people = json!([valid(), {"name": "Ann", "age": 31, "role": "user"}]);

    // Forced tool use: the input schema is an object holding the value.
    let server = serve(vec![tool_reply(
        "value",
        json!({"value": people}),
        "tool_use",
        (9, 9),
    )])
    .await;
    let found = Vec::<Person>::generate(&backend(&server.uri()), PROMPT)
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found[1].name, "Ann");
    let body = &bodies(&server).await[0];
    let input_schema = &body["tools"][0]["input_schema"];
    assert_eq!(input_schema["type"], "object");
    assert_eq!(input_schema["required"], json!(["value"]));
    assert_eq!(input_schema["properties"]["value"]["type"], "array");
    assert_eq!(
        input_schema["properties"]["value"]["items"],
        json!({"$ref": "#/$defs/Person"})
    );
    assert!(input_schema["$defs"]["Person"].is_object());
    assert_eq!(input_schema, &object_root(&Vec::<Person>::json_schema()).0);

    // Structured outputs: the same wrapper, in the subset; the reply's text is unwrapped.
    let text = json!({"value": people}).to_string();
    let server = serve(vec![text_reply(&text, "end_turn", (9, 9))]).await;
    let report = Vec::<Person>::generation(PROMPT)
        .mode(OutputMode::JsonSchema)
        .report(&backend(&server.uri()))
        .await
        .unwrap();
    assert_eq!(report.value.len(), 2);
    assert_eq!(report.attempts[0].output, people.to_string());
    let schema = &bodies(&server).await[0]["output_config"]["format"]["schema"];
    assert_eq!(schema["properties"]["value"]["type"], "array");
    assert_eq!(subset_violations(schema), Vec::<String>::new());
}

#[tokio::test]
async fn options_reach_the_body() {
    let server = serve(vec![text_reply(&valid().to_string(), "end_turn", (1, 1))]).await;
    let backend = backend(&server.uri())
        .version("2099-01-01")
        .default_max_tokens(1000)
        .mode(OutputMode::Prompt);
    Person::generation(PROMPT)
        .system("You extract people.")
        .model("claude-other")
        .temperature(0.2)
        .run(&backend)
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].headers["anthropic-version"], "2099-01-01");
    let body: Value = requests[0].body_json().unwrap();
    assert_eq!(body["model"], "claude-other");
    assert_eq!(body["max_tokens"], 1000);
    assert_eq!(body["temperature"], json!(0.2));
    assert!(
        body["system"]
            .as_str()
            .unwrap()
            .starts_with("You extract people.\n\n")
    );
    // Prompt mode: nothing structured in the request.
    for absent in ["tools", "tool_choice", "output_config"] {
        assert!(body.get(absent).is_none(), "{absent} in {body:#}");
    }
}

fn person_request(mode: OutputMode) -> Request {
    let schema = SchemaSpec {
        name: "Person".into(),
        json_schema: Person::json_schema().into(),
        description: None,
    };
    let mut request = Request::new("Reply with JSON.", vec![Message::user(PROMPT)], schema);
    request.mode = mode;
    request
}

// ---------------------------------------------------------------------------------------------------
// The subset, checked against Anthropic's documented rules for derived types

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Order {
    #[outline(pattern = r"^ORD-[0-9]{6}$")]
    id: String,
    #[outline(pattern = r"\bVIP\b")]
    label: String,
    #[outline(min = 1, max = 50)]
    items: Vec<Item>,
    shipping: Address,
    billing: Option<Address>,
    #[outline(exclusive_min = 0, multiple_of = 0.01)]
    total: f64,
    #[outline(min = 1, max = 10, unique)]
    tags: Vec<String>,
    #[outline(one_of = ["USD", "EUR"])]
    currency: String,
    #[outline(format = "date")]
    placed_on: Option<String>,
    position: (f64, f64),
    pair: (String, u8),
    counts: [u32; 3],
    letter: char,
    status: Status,
    shape: Shape,
    content: Content,
    either: Either,
    page: Page<Item>,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Item {
    #[outline(min = 1, max = 120)]
    name: String,
    #[outline(min = 1, max = 100)]
    quantity: u16,
    point: Point,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Address {
    street: String,
    #[outline(pattern = "^[0-9]{5}$")]
    zip: String,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Point(f64, f64);

#[derive(Debug, Structured)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum Status {
    Pending,
    /// Paid in full.
    Paid,
    Shipped {
        carrier: String,
    },
    Refunded(#[outline(min = 0)] f64),
    Split(u8, String),
}

#[derive(Debug, Structured)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(dead_code)]
enum Shape {
    Circle {
        #[outline(exclusive_min = 0)]
        radius: f64,
    },
    Square(Side),
    Clear,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Side {
    length: f64,
}

#[derive(Debug, Structured)]
#[serde(tag = "t", content = "c")]
#[allow(dead_code)]
enum Content {
    Empty,
    Text(String),
    Pair(u8, u8),
}

#[derive(Debug, Structured)]
#[serde(untagged)]
#[allow(dead_code)]
enum Either {
    Nothing,
    Number(i64),
    Named { name: String },
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Page<T> {
    items: Vec<T>,
    #[outline(min = 1)]
    page: u32,
    next: Option<String>,
}

/// The subset of `T`'s schema, after checking it against the rules and checking that `samples`
/// (valid for `T`) are valid for it too: the subset only relaxes, the validator keeps the rest.
fn subset_of<T: Structured + std::fmt::Debug>(samples: &[Value]) -> Value {
    let original = T::json_schema();
    let subset = structured(&original).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        subset_violations(&subset),
        Vec::<String>::new(),
        "{subset:#}"
    );
    let relaxed = jsonschema::draft202012::new(&subset).expect("the subset compiles");
    for sample in samples {
        assert!(
            T::from_value(sample).is_ok(),
            "{sample} is not valid for the type"
        );
        assert!(
            relaxed.is_valid(sample),
            "{sample} is rejected by\n{subset:#}"
        );
    }
    subset
}

#[test]
fn the_subset_of_a_rich_type_follows_the_rules() {
    let sample = json!({
        "id": "ORD-123456", "label": "a VIP order",
        "items": [{"name": "pen", "quantity": 2, "point": [1.0, 2.0]}],
        "shipping": {"street": "Main St", "zip": "12345"}, "billing": null,
        "total": 12.5, "tags": ["a", "b"], "currency": "EUR", "placed_on": "2024-01-31",
        "position": [1.5, -2.0], "pair": ["x", 7], "counts": [1, 2, 3], "letter": "z",
        "status": {"split": [1, "two"]},
        "shape": {"kind": "square", "length": 2.0},
        "content": {"t": "Pair", "c": [1, 2]},
        "either": {"name": "n"},
        "page": {"items": [], "page": 1}
    });
    let subset = subset_of::<Order>(&[sample]);
    let props = &subset["properties"];
    let defs = &subset["$defs"];

    // Patterns: simple ones stay, a word boundary moves into the description.
    assert_eq!(
        props["id"],
        json!({"type": "string", "pattern": "^ORD-[0-9]{6}$"})
    );
    assert_eq!(
        props["label"],
        json!({"type": "string", "description": "(matching /\\bVIP\\b/)"})
    );
    // Array sizes: minItems 1 stays, the rest is words.
    assert_eq!(props["items"]["minItems"], 1);
    assert_eq!(props["items"]["description"], "(1-50 items)");
    assert_eq!(props["tags"]["description"], "(1-10 items; unique items)");
    // Numbers.
    assert_eq!(
        props["total"],
        json!({"type": "number", "description": "(greater than 0; a multiple of 0.01)"})
    );
    assert_eq!(
        defs["Item"]["properties"]["quantity"]["description"],
        "(between 1 and 100)"
    );
    assert_eq!(
        defs["Item"]["properties"]["name"]["description"],
        "(1-120 characters)"
    );
    // Optional values: `anyOf` with a null branch.
    assert_eq!(
        props["billing"],
        json!({"anyOf": [{"$ref": "#/$defs/Address"}, {"type": "null"}]})
    );
    assert_eq!(
        props["placed_on"],
        json!({"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]})
    );
    assert_eq!(
        props["currency"],
        json!({"type": "string", "enum": ["USD", "EUR"]})
    );
    // Tuples: items of the positions' schemas, the order in words.
    assert_eq!(
        props["pair"],
        json!({
            "type": "array",
            "items": {"anyOf": [{"type": "string"}, {"type": "integer", "description": "(between 0 and 255)"}]},
            "minItems": 1,
            "description": "(exactly 2 items; in order: string, integer)"
        })
    );
    assert_eq!(props["position"]["items"], json!({"type": "number"}));
    assert_eq!(props["counts"]["description"], "(exactly 3 items)");
    assert_eq!(
        props["counts"]["items"],
        json!({"type": "integer", "description": "(at least 0)"})
    );
    assert_eq!(
        props["letter"],
        json!({"type": "string", "description": "(exactly 1 character)"})
    );
    assert_eq!(defs["Point"]["description"], "(exactly 2 items)");
    assert_eq!(props["position"]["description"], "(exactly 2 items)");
    // Every object is closed, the root and every definition included.
    assert_eq!(subset["additionalProperties"], false);
    for name in ["Item", "Address", "Page_Item"] {
        assert_eq!(defs[name]["additionalProperties"], false, "{name}");
    }
    // Generics: the instantiation is its own definition.
    assert_eq!(
        defs["Page_Item"]["properties"]["items"]["items"],
        json!({"$ref": "#/$defs/Item"})
    );
    assert_eq!(
        defs["Page_Item"]["properties"]["page"]["description"],
        "(at least 1)"
    );
}

#[test]
fn every_enum_representation_fits_the_subset() {
    let statuses = [
        json!("pending"),
        json!("paid"),
        json!({"shipped": {"carrier": "UPS"}}),
        json!({"refunded": 3.5}),
        json!({"split": [1, "x"]}),
    ];
    let subset = subset_of::<Status>(&statuses);
    let branches = subset["anyOf"].as_array().unwrap();
    assert_eq!(branches[0], json!({"type": "string", "const": "pending"}));
    assert_eq!(branches[1]["description"], "Paid in full.");
    assert_eq!(branches[2]["additionalProperties"], false);
    assert_eq!(
        branches[3]["properties"]["refunded"]["description"],
        "(at least 0)"
    );

    subset_of::<Shape>(&[
        json!({"kind": "circle", "radius": 1.0}),
        json!({"kind": "square", "length": 2.0}),
        json!({"kind": "clear"}),
    ]);
    subset_of::<Content>(&[
        json!({"t": "Empty"}),
        json!({"t": "Text", "c": "hi"}),
        json!({"t": "Pair", "c": [1, 2]}),
    ]);
    subset_of::<Either>(&[json!(null), json!(-4), json!({"name": "n"})]);
    let page = subset_of::<Page<Person>>(&[json!({"items": [valid()], "page": 2, "next": "abc"})]);
    assert_eq!(
        page["properties"]["next"],
        json!({"anyOf": [{"type": "string"}, {"type": "null"}]})
    );
}

#[test]
fn recursive_types_and_maps_are_beyond_the_subset() {
    let err = structured(&Tree::json_schema()).unwrap_err();
    assert_eq!(err.path, "#/properties/children/items");
    assert!(err.reason.starts_with("a recursive type"), "{err}");

    #[derive(Debug, Structured)]
    #[allow(dead_code)]
    struct Scores {
        by_name: std::collections::BTreeMap<String, u8>,
    }
    let err = structured(&Scores::json_schema()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a map (an object with arbitrary keys) at #/properties/by_name"
    );

    #[derive(Debug, Structured)]
    #[allow(dead_code)]
    struct Loose {
        extra: serde_json::Value,
    }
    assert_eq!(
        structured(&Loose::json_schema()).unwrap_err().reason,
        "a value of any type"
    );

    // The checker sees the same problems in the original schema, and more.
    let problems = subset_violations(&Person::json_schema());
    for needle in [
        "#: objects must set `additionalProperties: false`",
        "#/properties/age/minimum: keyword `minimum` is not in the subset",
        "#/properties/email/type: type lists are not in the subset (use `anyOf`)",
    ] {
        assert!(
            problems.iter().any(|p| p == needle),
            "missing {needle:?} in {problems:#?}"
        );
    }
}
