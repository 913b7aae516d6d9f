//! The `outlines` binary end to end, against an OpenAI-compatible server on 127.0.0.1 (this
//! crate's own, in front of a scripted backend): `extract` over a JSONL file, then resumed;
//! `serve` in front of that server, logging without secrets and draining on SIGTERM.

mod support;

use std::process::Output;
use std::sync::Arc;

use outlines::backend::mock::Mock;
use outlines::backend::{Backend, Response};
use outlines_server::Server;
use serde_json::{Value, json};

/// A server whose backend answers by prompt: a sentiment, or `maybe` (never a valid choice).
async fn serve() -> String {
    let backend: Arc<dyn Backend> = Arc::new(Mock::from_fn(|request| {
        let prompt = &request.messages[0].content;
        let reply = if request.system.contains("JSON value") {
            r#"{"mood": "positive"}"#
        } else if prompt.contains("love") {
            "positive"
        } else if prompt.contains("hate") {
            "negative"
        } else {
            "maybe"
        };
        Ok(Response::text(reply))
    }));
    format!("{}/v1", support::start(Server::new(backend)).await)
}

async fn extract(base: &str, input: &str, output: &str) -> Output {
    extract_as(base, input, output, &["--choices", "positive,negative"]).await
}

/// `outlines extract` with `wanted`, the flags that say what each row becomes.
async fn extract_as(base: &str, input: &str, output: &str, wanted: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_outlines"))
        .args(["extract", "--input", input, "--output", output])
        .args(wanted)
        .args(["--attempts", "2", "--concurrency", "2"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("OPENAI_BASE_URL", base)
        .env("OUTLINES_MODEL", "scripted")
        .output()
        .await
        .unwrap()
}

fn lines(path: &str) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_are_extracted_failures_kept_apart_and_a_rerun_resumes() {
    let base = serve().await;
    let dir = format!(
        "{}/extract-{}",
        env!("CARGO_TARGET_TMPDIR"),
        std::process::id()
    );
    std::fs::create_dir_all(&dir).unwrap();
    let input = format!("{dir}/in.jsonl");
    let output = format!("{dir}/out.jsonl");
    let _ = std::fs::remove_file(&output);
    std::fs::write(
        &input,
        [
            json!({"id": "a", "text": "I love it"}).to_string(),
            json!({"id": "b", "text": "I hate it"}).to_string(),
            json!("I love this string row").to_string(),
            json!({"id": "d", "text": "no opinion"}).to_string(),
            json!({"id": "e"}).to_string(),
            "not json".into(),
        ]
        .join("\n"),
    )
    .unwrap();
    let run = extract(&base, &input, &output).await;
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("3 done, 3 failed"), "{stderr}");
    let mut rows = lines(&output);
    rows.sort_by_key(|r| r["id"].to_string());
    let by_id = |id: Value| rows.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(by_id(json!("a"))["value"], "positive");
    assert_eq!(by_id(json!("b"))["value"], "negative");
    assert_eq!(by_id(json!(3))["value"], "positive");
    assert!(by_id(json!("d"))["error"]["message"].is_string());
    assert!(
        by_id(json!("e"))["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no string field \"text\"")
    );
    assert!(
        by_id(json!(6))["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not JSON")
    );

    // Run again: every row is in the output already.
    let again = extract(&base, &input, &output).await;
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("0 done, 0 failed, 6 skipped"), "{stderr}");

    // An interrupted run: one row written whole, the next cut mid-line. The cut row runs again
    // and its line starts on a line of its own.
    let whole = json!({"id": "a", "value": "positive"}).to_string();
    std::fs::write(&output, format!("{whole}\n{{\"id\": \"b\", \"val")).unwrap();
    let resumed = extract(&base, &input, &output).await;
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert!(
        stderr.contains("2 done, 3 failed (2 prompt, 1 invalid), 1 skipped"),
        "{stderr}"
    );
    let rows = lines(&output);
    assert_eq!(rows.len(), 6, "{rows:?}");
    assert!(
        rows.iter()
            .any(|r| r["id"] == "b" && r["value"] == "negative")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grammar_or_a_type_by_name_says_what_each_row_becomes() {
    let base = serve().await;
    let dir = format!(
        "{}/extract-types-{}",
        env!("CARGO_TARGET_TMPDIR"),
        std::process::id()
    );
    let types = format!("{dir}/types");
    std::fs::create_dir_all(&types).unwrap();
    std::fs::write(
        format!("{types}/Mood.lark"),
        "start: \"positive\" | \"negative\"\n",
    )
    .unwrap();
    std::fs::write(
        format!("{types}/Rating.json"),
        r#"{"type": "object", "properties": {"mood": {"enum": ["positive", "negative"]}}, "required": ["mood"]}"#,
    )
    .unwrap();
    let input = format!("{dir}/in.jsonl");
    std::fs::write(&input, "\"I love it\"\n\"I hate it\"\n").unwrap();
    let grammar = format!("{types}/Mood.lark");
    let cases: [(&[&str], [Value; 2]); 3] = [
        (
            &["--grammar", &grammar],
            [json!("positive"), json!("negative")],
        ),
        (
            &["--types", &types, "--type", "Mood"],
            [json!("positive"), json!("negative")],
        ),
        (
            &["--types", &types, "--type", "Rating"],
            [json!({"mood": "positive"}), json!({"mood": "positive"})],
        ),
    ];
    for (i, (wanted, values)) in cases.iter().enumerate() {
        let output = format!("{dir}/out-{i}.jsonl");
        let _ = std::fs::remove_file(&output);
        let run = extract_as(&base, &input, &output, wanted).await;
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(0), "{wanted:?}: {stderr}");
        let mut rows = lines(&output);
        rows.sort_by_key(|r| r["id"].as_u64());
        let got: Vec<Value> = rows.iter().map(|r| r["value"].clone()).collect();
        assert_eq!(got, values, "{wanted:?}");
    }
    // A name the folder does not have exits 2, listing the names it has.
    let run = extract_as(
        &base,
        &input,
        &format!("{dir}/none.jsonl"),
        &["--types", &types, "--type", "Nope"],
    )
    .await;
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("Mood, Rating"), "{stderr}");
}

#[tokio::test]
async fn usage_errors_exit_2() {
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_outlines"))
        .args(["extract", "--input", "/nonexistent.jsonl", "--regex", "("])
        .output()
        .await
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("error"));
}

/// `outlines serve` in front of `upstream` with `flags`, and the address it printed; its stderr
/// keeps being read into the returned buffer.
async fn serve_binary(
    upstream: &str,
    flags: &[&str],
) -> (tokio::process::Child, String, Arc<std::sync::Mutex<String>>) {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_outlines"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log", "trace"])
        .args(flags)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("OPENAI_BASE_URL", upstream)
        .env("OPENAI_API_KEY", "sk-test-KEY-NEVER-LOGGED")
        .env("OUTLINES_MODEL", "scripted")
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let log = Arc::new(std::sync::Mutex::new(String::new()));
    let address = loop {
        let line = lines.next_line().await.unwrap().expect("serve exited");
        log.lock().unwrap().push_str(&format!("{line}\n"));
        if let Some((_, address)) = line.split_once(" on http://") {
            break format!("http://{}", address.split_whitespace().next().unwrap());
        }
    };
    let sink = Arc::clone(&log);
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            let mut log = sink.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
    (child, address, log)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_logs_no_secret_and_finishes_requests_in_flight_on_sigterm() {
    let upstream: Arc<dyn Backend> = Arc::new(
        Mock::always(r#"{"mood": "positive"}"#).with_latency(std::time::Duration::from_millis(400)),
    );
    let upstream = format!("{}/v1", support::start(Server::new(upstream)).await);
    let request = json!({
        "model": "scripted",
        "messages": [{"role": "user", "content": "PROMPT-MARKER: I love it"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "Mood", "schema": {
            "type": "object", "properties": {"mood": {"enum": ["positive", "negative"]}},
            "required": ["mood"]}}},
    });
    for log_content in [false, true] {
        let mut flags = vec!["--token", "TOKEN-NEVER-LOGGED"];
        if log_content {
            flags.push("--log-content");
        }
        let (child, base, log) = serve_binary(&upstream, &flags).await;
        let call = tokio::spawn({
            let request = request.clone();
            async move {
                reqwest::Client::new()
                    .post(format!("{base}/v1/chat/completions"))
                    .bearer_auth("TOKEN-NEVER-LOGGED")
                    .json(&request)
                    .send()
                    .await
                    .unwrap()
            }
        });
        // SIGTERM while the request waits on the upstream: it is answered, then serve exits.
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        let pid = child.id().unwrap().to_string();
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status();
        assert!(killed.unwrap().success());
        let response = call.await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["choices"][0]["message"]["content"],
            r#"{"mood":"positive"}"#
        );
        let exit = child.wait_with_output().await.unwrap();
        assert!(exit.status.success(), "{:?}", exit.status);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let log = log.lock().unwrap().clone();
        assert!(
            log.contains("outlines_server::access")
                && log.contains("route=\"/v1/chat/completions\" status=200"),
            "no access line in:\n{log}"
        );
        for secret in ["KEY-NEVER-LOGGED", "TOKEN-NEVER-LOGGED"] {
            assert!(!log.contains(secret), "{secret} logged:\n{log}");
        }
        assert_eq!(
            log.contains("PROMPT-MARKER"),
            log_content,
            "the prompt is logged only with --log-content:\n{log}"
        );
    }
}
