//! The native API: `POST /generate` takes any output type (text, a choice, a regex, a Lark
//! grammar, a JSON Schema, a type registered by name) and answers the value with its attempts,
//! usage and time, or the diagnostics; `POST /generate/batch`; `GET /models`; `GET /health`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use outlines::backend::Backend;
use outlines::generate::{Attempt, Generation, Template};
use outlines::guide::Grammar;
use outlines::lenient::Place;
use outlines::output::{Choice, Regex, Text};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::cache::canonical;
use crate::run::{Options, failure};
use crate::stream;
use crate::types::{AnyOutput, as_json};
use crate::{ApiError, Server};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GenerateRequest {
    /// The prompt, or the context of `template`.
    #[serde(default)]
    prompt: Option<String>,
    #[serde(default)]
    template: Option<TemplateRequest>,
    output: OutputRequest,
    #[serde(default)]
    system: Option<String>,
    #[serde(default)]
    max_tokens: Option<u32>,
    #[serde(default)]
    temperature: Option<f32>,
    #[serde(default)]
    attempts: Option<usize>,
    /// Stream the value as server-sent events (`/generate` only, not in a batch).
    #[serde(default)]
    stream: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateRequest {
    source: String,
    #[serde(default)]
    context: Value,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum OutputRequest {
    Text,
    Choice { choices: Vec<String> },
    Regex { pattern: String },
    Grammar { lark: String },
    JsonSchema { schema: Value },
    Registered { name: String },
}

/// The most attempts a request may ask for.
const MAX_ATTEMPTS: usize = 10;

pub(crate) async fn generate(
    State(server): State<Server>,
    body: Result<Json<GenerateRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body.map_err(|e| ApiError::rejected(&e))?;
    let backend = Arc::clone(server.backend()?);
    let place = server.place().await?;
    if request.stream {
        let (options, generation) = prepare(&server, &request)?;
        let model = backend.model().to_owned();
        let updates = options.stream(&server, backend, generation);
        return Ok(stream::native(
            updates,
            Instant::now(),
            model,
            attempt,
            place,
        ));
    }
    one(&server, &*backend, &request)
        .await
        .map(|body| Json(body).into_response())
}

/// The most requests in one batch.
const MAX_BATCH: usize = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BatchRequest {
    requests: Vec<GenerateRequest>,
    /// How many run at once; at most the server's own limit, which is the default.
    #[serde(default)]
    max_concurrent: Option<usize>,
}

/// `POST /generate/batch`: each request's result or error, in order, never mixed: one item's
/// failure is its own. The batch takes one place in the queue; its items take places among the
/// running generations like any request.
pub(crate) async fn generate_batch(
    State(server): State<Server>,
    body: Result<Json<BatchRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(batch) = body.map_err(|e| ApiError::rejected(&e))?;
    if batch.requests.len() > MAX_BATCH {
        return Err(ApiError::invalid(
            Some("requests"),
            format!("a batch holds at most {MAX_BATCH} requests"),
        ));
    }
    let backend = Arc::clone(server.backend()?);
    let _queued = server.queued()?;
    let began = Instant::now();
    let concurrent = batch
        .max_concurrent
        .unwrap_or(server.limits.concurrent)
        .clamp(1, server.limits.concurrent.max(1));
    let total = batch.requests.len();
    let items = batch.requests.into_iter().map(|request| {
        let server = server.clone();
        let backend = Arc::clone(&backend);
        async move {
            let result = match server.running().await {
                Ok(_) if request.stream => Err(ApiError::invalid(
                    Some("stream"),
                    "a batch item cannot stream: send it to /generate",
                )),
                Ok(_running) => one(&server, &*backend, &request).await,
                Err(error) => Err(error),
            };
            result.unwrap_or_else(|error| error.body())
        }
    });
    let results: Vec<Value> = futures_util::stream::iter(items)
        .buffered(concurrent)
        .collect()
        .await;
    let succeeded = results.iter().filter(|r| r.get("error").is_none()).count();
    Ok(Json(json!({
        "results": results,
        "succeeded": succeeded,
        "failed": total - succeeded,
        "time_ms": millis(began.elapsed()),
    })))
}

/// One request's answer, without taking a place (the caller holds one).
/// The options and generation a request asks for, or why it cannot be made.
fn prepare(
    server: &Server,
    request: &GenerateRequest,
) -> Result<(Options, Generation<Value>), ApiError> {
    let output = output(server, &request.output)?;
    let prompt = match (&request.prompt, &request.template) {
        (Some(prompt), None) => prompt.clone(),
        (None, Some(template)) => Template::new("template", &template.source)
            .and_then(|t| t.render_for(&*output, &template.context))
            .map_err(|e| ApiError::invalid(Some("template"), e.to_string()))?,
        _ => {
            return Err(ApiError::invalid(
                Some("prompt"),
                "send either `prompt` or `template` (with its `context`)",
            ));
        }
    };
    let attempts = request.attempts.unwrap_or(3);
    if !(1..=MAX_ATTEMPTS).contains(&attempts) {
        return Err(ApiError::invalid(
            Some("attempts"),
            format!("`attempts` is from 1 to {MAX_ATTEMPTS}"),
        ));
    }
    let options = Options {
        system: request.system.clone(),
        max_tokens: request.max_tokens,
        temperature: request.temperature,
        attempts: Some(attempts),
        ..Options::default()
    };
    Ok((options, Generation::from_shared(output, prompt)))
}

async fn one(
    server: &Server,
    backend: &dyn Backend,
    request: &GenerateRequest,
) -> Result<Value, ApiError> {
    let (options, generation) = prepare(server, request)?;
    let began = Instant::now();
    let result = options.run(server, backend, generation).await;
    match result {
        Ok(report) => Ok(json!({
            "value": report.value,
            "attempts": report.attempts.iter().map(attempt).collect::<Vec<_>>(),
            "usage": {
                "input_tokens": report.usage.input_tokens,
                "output_tokens": report.usage.output_tokens,
            },
            "time_ms": millis(began.elapsed()),
            "model": backend.model(),
        })),
        Err(error) => {
            let failed = failure(&error);
            Err(if failed.is_invalid_output() {
                failed.with_attempts(json!(
                    error.attempts().iter().map(attempt).collect::<Vec<_>>()
                ))
            } else {
                failed
            })
        }
    }
}

/// The output a request asks for, compiled, from the cache when it holds it. A source that does
/// not compile is a 400 naming the problem.
fn output(server: &Server, wanted: &OutputRequest) -> Result<AnyOutput, ApiError> {
    let invalid = |e: String| ApiError::invalid(Some("output"), e);
    let cache = &server.outputs;
    match wanted {
        OutputRequest::Text => Ok(as_json(Text::new())),
        OutputRequest::Choice { choices } => {
            let mut key = String::from("choice:");
            canonical(&json!(choices), &mut key);
            cache.output(key, || {
                Choice::new(choices.iter().cloned())
                    .map(as_json)
                    .map_err(|e| invalid(e.to_string()))
            })
        }
        OutputRequest::Regex { pattern } => cache.output(format!("regex:{pattern}"), || {
            Regex::new(pattern)
                .map(as_json)
                .map_err(|e| invalid(e.to_string()))
        }),
        OutputRequest::Grammar { lark } => cache.output(format!("lark:{lark}"), || {
            Grammar::lark(lark)
                .map(as_json)
                .map_err(|e| invalid(e.to_string()))
        }),
        OutputRequest::JsonSchema { schema } => cache
            .schema(schema)
            .map(as_json)
            .map_err(|e| invalid(e.to_string())),
        OutputRequest::Registered { name } => server.types.find(name).cloned().map_err(invalid),
    }
}

/// An attempt as the client reads it: its outcome, the reply and every error with its path.
fn attempt(attempt: &Attempt) -> Value {
    json!({
        "number": attempt.number,
        "outcome": format!("{:?}", attempt.outcome).to_lowercase(),
        "output": attempt.output,
        "errors": attempt.errors.iter().map(|e| json!({
            "path": e.path().to_string(),
            "kind": format!("{:?}", e.kind()).to_lowercase(),
            "message": e.message(),
            "expected": e.expected(),
            "got": e.got(),
        })).collect::<Vec<_>>(),
        "fixes": attempt.fixes.iter().map(|f| json!({
            "kind": f.kind().as_str(),
            "at": match f.place() {
                Place::Offset(offset) => json!(offset),
                Place::Path(path) => json!(path.to_string()),
                _ => Value::Null,
            },
            "before": f.before(),
            "after": f.after(),
            "more": f.more(),
        })).collect::<Vec<_>>(),
        "time_ms": millis(attempt.duration),
    })
}

fn millis(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1e6).round() / 1e3
}

/// `GET /health`: 200 once the model is loaded, 503 while it loads or if it failed to.
pub(crate) async fn health(State(server): State<Server>) -> (StatusCode, Json<Value>) {
    let (entries, hits, misses) = server.outputs.stats();
    let cache = json!({"entries": entries, "hits": hits, "misses": misses});
    match server.backend() {
        Ok(backend) => (
            StatusCode::OK,
            Json(json!({"status": "ok", "model": backend.model(), "cache": cache})),
        ),
        Err(error) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({
                "status": if server.backend.get().is_some() { "failed" } else { "loading" },
                "error": error.message(),
                "cache": cache,
            })),
        ),
    }
}

/// `GET /models`: the model, and the types registered by name.
pub(crate) async fn models(State(server): State<Server>) -> Result<Json<Value>, ApiError> {
    let backend = server.backend()?;
    Ok(Json(json!({
        "models": [{"id": backend.model(), "provider": backend.provider()}],
        "types": server.types.names().collect::<Vec<_>>(),
    })))
}
