//! What a client learns about the service: the types it knows by name, its model, its readiness
//! while the model loads, and its OpenAPI document, which must list every route and whose
//! examples must be served as written.

mod support;

use std::sync::Arc;
use std::sync::mpsc;

use outlines::Structured;
use outlines::backend::Backend;
use outlines::backend::mock::Mock;
use outlines_server::{Limits, Server, Types};
use serde::Serialize;
use serde_json::{Value, json};
use support::{get, post};

/// A type the server registers: its own validator (the range, the pattern) checks each reply.
#[derive(Debug, Structured, Serialize)]
struct Person {
    #[outline(min = 1, max = 80)]
    name: String,
    #[outline(min = 0, max = 120)]
    age: u8,
}

/// `/health` once the server has stopped loading (or after two seconds): its status and body.
async fn settled_health(base: &str) -> (u16, Value) {
    let mut health = (0, Value::Null);
    for _ in 0..100 {
        health = get(format!("{base}/health")).await;
        if health.1["status"] != "loading" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    health
}

#[tokio::test]
async fn a_registered_type_is_generated_by_name_with_its_own_rules() {
    let dir = tempdir("types");
    std::fs::write(
        dir.join("Sku.json"),
        r#"{"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"}"#,
    )
    .unwrap();
    std::fs::write(dir.join("Sum.lark"), "start: N (\"+\" N)*\nN: /[0-9]+/\n").unwrap();
    std::fs::write(dir.join("notes.txt"), "not a type").unwrap();
    let types = Types::new().register::<Person>().load_dir(&dir).unwrap();
    assert_eq!(types.names().collect::<Vec<_>>(), ["Person", "Sku", "Sum"]);

    // The derived validator rejects age 130 (max 120); the repair gives a valid Person.
    let mock = Arc::new(
        Mock::new()
            .reply(r#"{"name": "Ann", "age": 130}"#)
            .reply(r#"{"name": "Ann", "age": 30}"#)
            .reply(r#""ABC-1234""#)
            .reply("1+2"),
    );
    let backend: Arc<dyn Backend> = mock.clone();
    let base = support::start(Server::new(backend).types(types)).await;
    let ask = |name: &str| json!({"prompt": "Go.", "output": {"type": "registered", "name": name}});
    let (status, body) = post(format!("{base}/generate"), ask("Person")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"], json!({"name": "Ann", "age": 30}));
    assert_eq!(body["attempts"][0]["errors"][0]["path"], "age");
    // The prompt described the type as the derive does.
    let system = mock.requests()[0].system.clone();
    assert!(system.contains("Person"), "{system}");

    let (status, body) = post(format!("{base}/generate"), ask("Sku")).await;
    assert_eq!((status, body["value"].clone()), (200, json!("ABC-1234")));
    let (status, body) = post(format!("{base}/generate"), ask("Sum")).await;
    assert_eq!((status, body["value"].clone()), (200, json!("1+2")));

    // An unknown name is a 400 that lists the names there are.
    let (status, body) = post(format!("{base}/generate"), ask("Nobody")).await;
    assert_eq!(status, 400, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("Person, Sku, Sum"), "{message}");
    assert_eq!(body["error"]["param"], "output");

    // `GET /models` names the model and the types.
    let (status, body) = get(format!("{base}/models")).await;
    assert_eq!(status, 200);
    assert_eq!(body["types"], json!(["Person", "Sku", "Sum"]));
    assert_eq!(body["models"][0]["provider"], "mock");

    // A type file that does not compile is an error naming the file.
    std::fs::write(dir.join("Broken.json"), r#"{"type": "nope"}"#).unwrap();
    let error = Types::new().load_dir(&dir).unwrap_err();
    assert!(error.contains("Broken.json"), "{error}");
    std::fs::remove_file(dir.join("Broken.json")).unwrap();
    // One name, one type: `Sum.json` beside `Sum.lark` is refused, naming the second file.
    std::fs::write(dir.join("Sum.json"), r#"{"type": "string"}"#).unwrap();
    let error = Types::new().load_dir(&dir).unwrap_err();
    assert!(
        error.contains("Sum.lark") && error.contains("registered already"),
        "{error}"
    );
}

#[tokio::test]
async fn regexes_choices_and_grammars_are_compiled_once() {
    let base = support::start(Server::new(Arc::new(Mock::always("7")))).await;
    let outputs = [
        json!({"type": "regex", "pattern": "[0-9]"}),
        json!({"type": "choice", "choices": ["7", "8"]}),
        json!({"type": "grammar", "lark": "start: /[0-9]/"}),
    ];
    for output in &outputs {
        for _ in 0..2 {
            let (status, body) = post(
                format!("{base}/generate"),
                json!({"prompt": "x", "output": output}),
            )
            .await;
            assert_eq!(status, 200, "{body}");
        }
    }
    let (_, health) = get(format!("{base}/health")).await;
    assert_eq!(
        health["cache"],
        json!({"entries": 3, "hits": 3, "misses": 3})
    );
}

#[tokio::test]
async fn until_the_model_is_loaded_the_server_says_so() {
    let (loaded, load) = mpsc::channel::<()>();
    let server = Server::loading(Limits::default(), move || {
        load.recv().map_err(|e| e.to_string())?;
        Ok::<_, String>(Arc::new(Mock::always("yes")) as Arc<dyn Backend>)
    });
    let base = support::start(server).await;

    let (status, health) = get(format!("{base}/health")).await;
    assert_eq!((status, health["status"].clone()), (503, json!("loading")));
    let request = json!({"prompt": "x", "output": {"type": "text"}});
    let response = reqwest::Client::new()
        .post(format!("{base}/generate"))
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    let chat = json!({"messages": [{"role": "user", "content": "x"}]});
    let (status, body) = post(format!("{base}/v1/chat/completions"), chat).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["type"], "unavailable");
    // What needs no model answers already.
    assert_eq!(get(format!("{base}/openapi.json")).await.0, 200);

    loaded.send(()).unwrap();
    let (_, health) = settled_health(&base).await;
    assert_eq!(health["status"], "ok", "{health}");
    let (status, body) = post(format!("{base}/generate"), request).await;
    assert_eq!((status, body["value"].clone()), (200, json!("yes")));
}

#[tokio::test]
async fn a_model_that_fails_to_load_is_reported() {
    let server = Server::loading(Limits::default(), || {
        Err::<Arc<dyn Backend>, _>("no such file: model.gguf")
    });
    let base = support::start(server).await;
    let health = settled_health(&base).await;
    assert_eq!(health.0, 503);
    assert_eq!(health.1["status"], "failed");
    let error = health.1["error"].as_str().unwrap();
    assert!(error.contains("no such file: model.gguf"), "{error}");
    let (status, body) = get(format!("{base}/v1/models")).await;
    assert_eq!(status, 503, "{body}");
}

#[tokio::test]
async fn a_loader_that_panics_is_a_failed_load() {
    let server = Server::loading(Limits::default(), || -> Result<Arc<dyn Backend>, String> {
        panic!("out of memory while mapping the weights")
    });
    let base = support::start(server).await;
    let health = settled_health(&base).await;
    assert_eq!(
        (health.0, health.1["status"].clone()),
        (503, json!("failed"))
    );
    assert!(health.1["error"].as_str().unwrap().contains("panicked"));
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_and_its_examples_are_served() {
    let mock = Mock::from_fn(|request| {
        // Whatever each example asks for, a reply that satisfies it.
        let reply = if request.system.contains("Person") {
            r#"{"name": "John", "age": 25}"#
        } else if request.system.contains("positive") {
            "positive"
        } else {
            "7"
        };
        Ok(outlines::backend::Response::text(reply))
    });
    let base = support::start(Server::new(Arc::new(mock)).admin_token("admin")).await;
    let (status, spec) = get(format!("{base}/openapi.json")).await;
    assert_eq!(status, 200);
    assert_eq!(spec["openapi"], "3.1.0");
    assert_eq!(spec["info"]["version"], env!("CARGO_PKG_VERSION"));
    let paths = spec["paths"].as_object().unwrap();
    let mut listed: Vec<&str> = paths.keys().map(String::as_str).collect();
    listed.sort_unstable();
    let mut routes = [
        "/v1/chat/completions",
        "/v1/models",
        "/generate",
        "/generate/batch",
        "/models",
        "/health",
        "/metrics",
        "/cache/clear",
        "/openapi.json",
    ];
    routes.sort_unstable();
    assert_eq!(listed, routes);

    let client = reqwest::Client::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let url = format!("{base}{path}");
            let request = match method.as_str() {
                "get" => client.get(url),
                "post" => client.post(url).bearer_auth("admin"),
                other => panic!("{path}: unexpected method {other}"),
            };
            let example = operation.pointer("/requestBody/content/application~1json/example");
            let request = match example {
                Some(example) => request.json(example),
                None => request,
            };
            let response = request.send().await.unwrap();
            let status = response.status().as_u16().to_string();
            assert!(
                operation["responses"].get(&status).is_some(),
                "{method} {path} answered {status}, which the document does not list: {}",
                response.text().await.unwrap()
            );
            assert_eq!(status, "200", "{method} {path}");
        }
    }
    // Every reference resolves.
    let text = spec.to_string();
    for (i, _) in text.match_indices("\"$ref\":\"#/") {
        let start = i + "\"$ref\":\"#".len();
        let end = start + text[start..].find('"').unwrap();
        let pointer = &text[start..end];
        assert!(
            spec.pointer(pointer).is_some(),
            "{pointer} does not resolve"
        );
    }
}

/// A fresh folder for one test.
fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("service-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
