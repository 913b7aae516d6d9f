//! Real Python clients against the server on 127.0.0.1, pip-installed by the test itself into the
//! target directory (or taken from `OUTLINES_TEST_PYTHON`): on a backend that answers badly first,
//! so that repair shows through HTTP, and on the embedded model.

mod support;

use std::process::Command;
use std::sync::{Arc, LazyLock, OnceLock};

use outlines::backend::Backend;
use outlines::backend::mock::Mock;
use outlines::local::Local;
use outlines_server::Server;
use serde_json::Value;

/// The embedded model (fetched into the cache on first use), one for this binary's tests.
static LOCAL: LazyLock<Arc<dyn Backend>> = LazyLock::new(|| {
    let local = Local::builder()
        .seed(7)
        .build()
        .unwrap_or_else(|e| panic!("the default model could not be made ready: {e}"));
    Arc::new(local)
});

async fn serve(backend: Arc<dyn Backend>) -> String {
    support::start(Server::new(backend)).await
}

/// A Python with the clients importable: `OUTLINES_TEST_PYTHON` as it is, or else `python3` with
/// the clients pip-installed once (from tests/python/requirements.txt, PyPI) into a directory of
/// the target directory, put on `PYTHONPATH`. pip alone is needed, not venv.
fn interpreter() -> &'static (String, Option<String>) {
    static PYTHON: OnceLock<(String, Option<String>)> = OnceLock::new();
    PYTHON.get_or_init(|| {
        if let Ok(python) = std::env::var("OUTLINES_TEST_PYTHON") {
            return (python, None);
        }
        let dir = format!("{}/py-clients", env!("CARGO_TARGET_TMPDIR"));
        let requirements = format!(
            "{}/tests/python/requirements.txt",
            env!("CARGO_MANIFEST_DIR")
        );
        let stamp = format!("{dir}/requirements.txt");
        let wanted = std::fs::read_to_string(&requirements).expect("requirements.txt");
        if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
            run(Command::new("python3").args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--upgrade",
                "--target",
                &dir,
                "-r",
                &requirements,
            ]));
            std::fs::write(&stamp, wanted).expect("the clients' stamp");
        }
        ("python3".to_owned(), Some(dir))
    })
}

fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs `script` (in tests/python) with the base URL; its stdout.
async fn python(script: &str, base: &str) -> String {
    let (interpreter, path_dir) = tokio::task::spawn_blocking(interpreter).await.unwrap();
    let script_path = format!("{}/tests/python/{script}", env!("CARGO_MANIFEST_DIR"));
    let mut command = tokio::process::Command::new(interpreter);
    command.arg(script_path).arg(base);
    if let Some(dir) = path_dir {
        command.env("PYTHONPATH", dir);
    }
    let output = command.output().await.unwrap();
    assert!(
        output.status.success(),
        "{script} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_parse_gets_a_valid_value_after_a_repair() {
    // The backend first answers with an age the pydantic model's `le=120` refuses.
    let mock = Arc::new(
        Mock::new()
            .reply(r#"{"name": "John", "age": 250}"#)
            .reply(r#"{"name": "John", "age": 25}"#),
    );
    let base = serve(mock.clone()).await;
    let parsed = python("openai_parse.py", &base).await;
    assert_eq!(parsed.trim(), r#"{"name":"John","age":25}"#);
    let sent = mock.requests();
    assert_eq!(sent.len(), 2);
    // The schema the SDK made from the pydantic model is what the backend was asked for.
    let schema = &sent[0].output.json().unwrap().json_schema;
    assert_eq!(schema["properties"]["age"]["maximum"], 120);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn langchain_structured_output_works_with_both_methods() {
    // Each method's first reply breaks the model's `le=120`: the server repairs it.
    let mock = Arc::new(
        Mock::new()
            .reply(r#"{"name": "John", "age": 250}"#)
            .reply(r#"{"name": "John", "age": 25}"#)
            .reply(r#"{"name": "John", "age": -1}"#)
            .reply(r#"{"name": "John", "age": 25}"#),
    );
    let base = serve(mock.clone()).await;
    let out = python("langchain_structured.py", &base).await;
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            r#"json_schema {"name":"John","age":25}"#,
            r#"function_calling {"name":"John","age":25}"#,
        ]
    );
    let sent = mock.requests();
    assert_eq!(sent.len(), 4);
    // function_calling: the tool's parameters were the schema asked for.
    let schema = &sent[2].output.json().unwrap().json_schema;
    assert_eq!(schema["properties"]["age"]["minimum"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn llamaindex_openai_like_gets_a_valid_value_after_a_repair() {
    let mock = Arc::new(
        Mock::new()
            .reply(r#"{"name": "", "age": 25}"#)
            .reply(r#"{"name": "John", "age": 25}"#),
    );
    let base = serve(mock.clone()).await;
    let out = python("llamaindex_structured.py", &base).await;
    assert_eq!(out.trim(), r#"{"name":"John","age":25}"#);
    assert_eq!(mock.requests().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crewai_llm_gets_a_valid_value_after_a_repair() {
    let mock = Arc::new(
        Mock::new()
            .reply(r#"{"name": "John", "age": 250}"#)
            .reply(r#"{"name": "John", "age": 25}"#),
    );
    let base = serve(mock.clone()).await;
    let out = python("crewai_llm.py", &base).await;
    assert_eq!(out.trim(), r#"{"name":"John","age":25}"#);
    assert_eq!(mock.requests().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_streaming_gets_the_validated_value_and_usage() {
    let mock = Arc::new(
        Mock::new()
            .reply(r#"{"name": "John", "age": 250}"#)
            .respond(
                outlines::backend::Response::text(r#"{"name": "John", "age": 25}"#)
                    .with_usage(30, 10),
            ),
    );
    let base = serve(mock).await;
    let out = python("openai_stream.py", &base).await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], r#"{"name":"John","age":25}"#);
    assert_eq!(lines[1], "stop 40");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_and_langchain_stream_the_value_as_it_is_written() {
    // A backend that streams in 3-byte pieces: each client sees the value grow.
    let valid = r#"{"name": "John", "age": 25}"#;
    let base = serve(Arc::new(Mock::always(valid).streaming(3))).await;
    let out = python("openai_stream.py", &base).await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], r#"{"name":"John","age":25}"#);
    let pieces: usize = lines[2].parse().unwrap();
    assert!(pieces > 3, "{out}");

    let out = python("openai_stream_parse.py", &base).await;
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.len() > 2, "{out}");
    assert_eq!(lines.last().unwrap(), &r#"final {"name":"John","age":25}"#);

    let out = python("langchain_stream.py", &base).await;
    for (line, method) in out.lines().zip(["json_schema", "function_calling"]) {
        let mut parts = line.split('\t');
        assert_eq!(parts.next(), Some(method), "{out}");
        let chunks: Vec<Value> = parts.map(|c| serde_json::from_str(c).unwrap()).collect();
        assert!(chunks.len() > 1, "{method}: {line}");
        // Each chunk holds what the one before held, or more.
        let names: Vec<&str> = chunks.iter().filter_map(|c| c["name"].as_str()).collect();
        assert!(
            names.windows(2).all(|w| w[1].starts_with(w[0])),
            "{method}: {line}"
        );
        let last = chunks.last().unwrap();
        assert_eq!(
            last,
            &serde_json::json!({"name": "John", "age": 25}),
            "{method}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_gets_a_valid_value_from_the_embedded_model() {
    let local = tokio::task::spawn_blocking(|| Arc::clone(&LOCAL))
        .await
        .unwrap();
    let base = serve(local).await;
    let mut values = Vec::new();
    for script in [
        "openai_parse.py",
        "langchain_structured.py",
        "llamaindex_structured.py",
        "crewai_llm.py",
    ] {
        let out = python(script, &base).await;
        for line in out.lines() {
            // LangChain's lines start with the method's name.
            let json = match line.find('{') {
                Some(start) => &line[start..],
                None => line,
            };
            let person: Value = serde_json::from_str(json)
                .unwrap_or_else(|e| panic!("{script}: {line:?} is not JSON: {e}"));
            let name = person["name"].as_str().unwrap_or_default();
            let age = person["age"].as_i64().unwrap_or(-1);
            assert!(
                !name.is_empty() && (0..=120).contains(&age),
                "{script}: {line}"
            );
            values.push(format!("{script}: {line}"));
        }
    }
    // What the model said, for the record (`--nocapture` shows it).
    println!("{}", values.join("\n"));
    assert_eq!(values.len(), 5, "{values:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_valid_openapi_3_1() {
    let base = serve(Arc::new(Mock::always("x"))).await;
    let out = python("openapi_check.py", &base).await;
    assert_eq!(out.trim(), "3.1.0 9");
}
