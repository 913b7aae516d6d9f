//! Telemetry: one span per generation carrying the OpenTelemetry GenAI attributes, one event per
//! attempt with its outcome, prompt and completion text only on request; a batch span over its
//! tasks' generation spans.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use outlines::backend::mock::Mock;
use outlines::backend::{Finish, Forced, ForcedEdit, ForcedKind, Response};
use outlines::{Generate, Structured};
use outlines::{Path, Segment};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Answer {
    #[outline(min = 0, max = 10)]
    score: u8,
}

/// Everything recorded: spans by name with their fields, and events with theirs.
#[derive(Clone, Default)]
struct Recorded {
    spans: Arc<Mutex<Vec<(String, FieldMap)>>>,
    events: Arc<Mutex<Vec<FieldMap>>>,
}

/// The fields of one span or event, rendered as strings.
type FieldMap = BTreeMap<String, String>;

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorded {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        if let Some(parent) = ctx.span(id).and_then(|s| s.parent()) {
            fields.insert("parent".into(), parent.name().to_owned());
        }
        let name = ctx
            .span(id)
            .map(|s| s.name().to_owned())
            .unwrap_or_default();
        let mut spans = self.spans.lock().unwrap();
        spans.push((name, fields));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(spans.len() - 1);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(index) = ctx
            .span(id)
            .and_then(|s| s.extensions().get::<usize>().copied())
        else {
            return;
        };
        let mut spans = self.spans.lock().unwrap();
        values.record(&mut Fields(&mut spans[index].1));
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.events.lock().unwrap().push(fields);
    }
}

/// Runs `f` on a current-thread runtime with `recorded` as the subscriber.
fn traced<F: std::future::Future>(recorded: &Recorded, f: F) -> F::Output {
    let subscriber = tracing_subscriber::registry().with(recorded.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn one_span_per_generation_with_gen_ai_attributes() {
    let recorded = Recorded::default();
    let mock = Mock::new()
        .with_model("gpt-test")
        .respond(Response::text(r#"{"score": 11}"#).with_usage(50, 5))
        .respond(
            Response::text(r#"{"score": 7}"#)
                .with_usage(60, 4)
                .with_model("gpt-test-2026-01-01"),
        );
    traced(&recorded, async {
        Answer::generation("Rate it")
            .temperature(0.2)
            .run(&mock)
            .await
            .unwrap();
    });
    let spans = recorded.spans.lock().unwrap();
    let (name, fields) = spans
        .iter()
        .find(|(n, _)| n == "chat")
        .expect("a chat span");
    assert_eq!(name, "chat");
    for (key, value) in [
        ("otel.name", "chat gpt-test"),
        ("gen_ai.operation.name", "chat"),
        ("gen_ai.provider.name", "mock"),
        ("gen_ai.request.model", "gpt-test"),
        // As written, not widened from f32 (0.20000000298023224).
        ("gen_ai.request.temperature", "0.2"),
        ("gen_ai.response.model", "gpt-test-2026-01-01"),
        ("gen_ai.usage.input_tokens", "110"),
        ("gen_ai.usage.output_tokens", "9"),
        ("gen_ai.response.finish_reasons", "[\"stop\", \"stop\"]"),
        ("outlines.attempts", "2"),
        ("outlines.status", "ok"),
        ("outlines.type", "Answer"),
    ] {
        assert_eq!(
            fields.get(key).map(String::as_str),
            Some(value),
            "{key} in {fields:#?}"
        );
    }
    assert!(fields.contains_key("outlines.duration_ms"));
    assert!(!fields.contains_key("error.type"));
    assert!(!fields.contains_key("otel.status_code"));
    let events = recorded.events.lock().unwrap();
    let attempts: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e.get("message").map(String::as_str) == Some("attempt"))
        .map(|e| (e["attempt"].as_str(), e["outcome"].as_str()))
        .collect();
    assert_eq!(attempts, [("1", "invalid"), ("2", "valid")]);
}

#[test]
fn runtime_schemas_are_traced_like_derived_types() {
    use outlines::GenerateOutput;
    let recorded = Recorded::default();
    let schema = outlines::output::JsonSchema::from_str(
        r#"{"title": "Score", "type": "integer", "minimum": 0, "maximum": 10}"#,
    )
    .unwrap();
    let mock = Mock::new().reply("11").reply("7");
    traced(&recorded, async {
        assert_eq!(schema.generate(&mock, "Rate it").await.unwrap(), 7);
    });
    let spans = recorded.spans.lock().unwrap();
    let (_, fields) = spans
        .iter()
        .find(|(n, _)| n == "chat")
        .expect("a chat span");
    assert_eq!(
        fields.get("outlines.type").map(String::as_str),
        Some("Score")
    );
    assert_eq!(
        fields.get("outlines.attempts").map(String::as_str),
        Some("2")
    );
    assert_eq!(
        fields.get("outlines.status").map(String::as_str),
        Some("ok")
    );
}

#[test]
fn lenient_fixes_are_in_the_attempt_event() {
    use outlines::GenerateOutput;
    let recorded = Recorded::default();
    let schema = outlines::output::JsonSchema::from_str(r#"{"type": "integer"}"#).unwrap();
    let mock = Mock::new().reply("```\n\"7\"\n```");
    traced(&recorded, async {
        assert_eq!(schema.generate(&mock, "A number").await.unwrap(), 7);
    });
    let events = recorded.events.lock().unwrap();
    let attempt = events
        .iter()
        .find(|e| e.get("message").map(String::as_str) == Some("attempt"))
        .expect("an attempt event");
    assert_eq!(
        attempt.get("fixes").map(String::as_str),
        Some("code_fence,coerce_string_to_integer")
    );
}

#[test]
fn content_is_recorded_only_on_request() {
    let secret_prompt = "Rate the text of patient 4711";
    for capture in [false, true] {
        let recorded = Recorded::default();
        let mock = Mock::always(r#"{"score": 3}"#);
        traced(&recorded, async {
            Answer::generation(secret_prompt)
                .capture_content(capture)
                .run(&mock)
                .await
                .unwrap();
        });
        let everything = format!(
            "{:?}{:?}",
            recorded.spans.lock().unwrap(),
            recorded.events.lock().unwrap()
        );
        assert_eq!(
            everything.contains(secret_prompt),
            capture,
            "capture = {capture}"
        );
        assert_eq!(
            everything.contains(r#"{\"score\": 3}"#),
            capture,
            "capture = {capture}"
        );
    }
}

#[test]
fn what_the_budget_forced_is_in_the_attempt_event() {
    let recorded = Recorded::default();
    let steered = Response::text(r#"{"score": 3}"#)
        .with_finish(Finish::Length)
        .with_forced(Forced::from_edits(vec![ForcedEdit::new(
            ForcedKind::Invented,
            Path::from_segments(vec![Segment::Key("score".into())]),
        )]));
    let mock = Mock::new().respond(steered).reply(r#"{"score": 4}"#);
    traced(&recorded, async {
        Answer::generation("Rate it").run(&mock).await.unwrap();
    });
    let events = recorded.events.lock().unwrap();
    let attempts: Vec<(&str, &str, Option<&str>, Option<&str>)> = events
        .iter()
        .filter(|e| e.get("message").map(String::as_str) == Some("attempt"))
        .map(|e| {
            (
                e["attempt"].as_str(),
                e["outcome"].as_str(),
                e.get("finish_reason").map(String::as_str),
                e.get("forced").map(String::as_str),
            )
        })
        .collect();
    assert_eq!(
        attempts,
        [
            (
                "1",
                "invalid",
                Some("length"),
                Some("closed by the token budget: score invented")
            ),
            ("2", "valid", Some("stop"), None),
        ]
    );
}

#[test]
fn failures_set_the_status() {
    let recorded = Recorded::default();
    let mock = Mock::always(r#"{"score": 99}"#);
    traced(&recorded, async {
        Answer::generation("Rate it")
            .max_attempts(2)
            .run(&mock)
            .await
            .unwrap_err();
    });
    let spans = recorded.spans.lock().unwrap();
    let (_, fields) = spans
        .iter()
        .find(|(n, _)| n == "chat")
        .expect("a chat span");
    assert_eq!(fields["outlines.status"], "invalid");
    assert_eq!(fields["outlines.attempts"], "2");
    assert_eq!(fields["error.type"], "invalid");
    assert_eq!(fields["otel.status_code"], "ERROR");
}

#[test]
fn a_batch_span_holds_its_tasks_generation_spans() {
    let recorded = Recorded::default();
    let mock = Mock::new()
        .reply(r#"{"score": 1}"#)
        .reply(r#"{"score": 2}"#)
        .reply(r#"{"score": 99}"#)
        .reply(r#"{"score": 3}"#);
    traced(&recorded, async {
        let results = outlines::Batch::<Answer>::new(["a", "b", "c"])
            .max_concurrency(1)
            .run(&mock)
            .await;
        assert!(results.iter().all(Result::is_ok));
    });
    let spans = recorded.spans.lock().unwrap();
    let batches: Vec<&FieldMap> = spans
        .iter()
        .filter(|(n, _)| n == "batch")
        .map(|(_, f)| f)
        .collect();
    assert_eq!(batches.len(), 1);
    for (key, value) in [
        ("outlines.batch.size", "3"),
        ("outlines.batch.max_concurrency", "1"),
        ("outlines.batch.succeeded", "3"),
        ("outlines.batch.failed", "0"),
        ("outlines.batch.attempts", "4"),
    ] {
        assert_eq!(
            batches[0].get(key).map(String::as_str),
            Some(value),
            "{key}"
        );
    }
    let chats: Vec<&FieldMap> = spans
        .iter()
        .filter(|(n, _)| n == "chat")
        .map(|(_, f)| f)
        .collect();
    assert_eq!(chats.len(), 3);
    assert!(
        chats
            .iter()
            .all(|f| f.get("parent").map(String::as_str) == Some("batch"))
    );
}
