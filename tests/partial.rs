//! Typed partial values and early abort: the incremental reader over every split of a reply, the
//! derive's partial structs, the guard's stops, and the loop streaming on a backend that sends the
//! reply in pieces.

use futures_util::StreamExt;
use outlines::backend::mock::Mock;
use outlines::backend::{Finish, Response};
use outlines::generate::{Generation, Outcome, Update};
use outlines::lenient::guard::{Guard, Plan};
use outlines::lenient::incremental::{Blind, Incremental, Progress};
use outlines::prelude::*;
use outlines::{ErrorKind, Output, Part, Partial};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Structured)]
enum Role {
    #[serde(rename = "admin")]
    Admin,
    #[serde(rename = "user")]
    User,
}

#[allow(dead_code)] // Read as partials and checked by the guard.
#[derive(Debug, Structured)]
struct Address {
    city: String,
    #[outline(max = 99999)]
    zip: u32,
}

#[allow(dead_code)]
#[derive(Debug, Structured)]
#[serde(deny_unknown_fields)]
struct Person {
    #[outline(min = 2, max = 20)]
    name: String,
    #[outline(max = 120)]
    age: u8,
    email: Option<String>,
    role: Role,
    address: Address,
    #[outline(max = 3)]
    tags: Vec<String>,
}

const PERSON: &str = r#"{"name": "Zoë \"Z\" \u00e9\ud83d\ude00", "age": 41, "email": null, "role": "admin",
 "address": {"city": "Ghent", "zip": 9000}, "tags": ["a", "bé", "c"]}"#;

/// The tree after reading `text` in the given pieces.
fn read_in(pieces: &[&str]) -> (Value, Progress) {
    let mut reader = Incremental::new();
    for piece in pieces {
        reader.feed(piece, &mut Blind);
    }
    reader.finish(&mut Blind);
    let value = reader
        .tree()
        .root()
        .map(|r| r.to_value())
        .unwrap_or(Value::Null);
    (value, reader.progress().clone())
}

/// Cuts `text` at the given byte positions (moved to character boundaries).
fn cut<'t>(text: &'t str, at: &[usize]) -> Vec<&'t str> {
    let mut cuts: Vec<usize> = at
        .iter()
        .map(|&i| {
            let mut i = i % (text.len() + 1);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        })
        .collect();
    cuts.sort();
    let mut pieces = Vec::new();
    let mut from = 0;
    for c in cuts.into_iter().chain([text.len()]) {
        pieces.push(&text[from..c]);
        from = c;
    }
    pieces
}

#[test]
fn every_split_reads_the_same_value() {
    let whole: Value = serde_json::from_str(PERSON).unwrap();
    // Every cut in two, and one byte at a time.
    for i in 0..=PERSON.len() {
        if !PERSON.is_char_boundary(i) {
            continue;
        }
        let (value, progress) = read_in(&[&PERSON[..i], &PERSON[i..]]);
        assert_eq!(value, whole, "cut at {i}");
        assert_eq!(progress, Progress::Complete);
    }
    let bytes: Vec<String> = PERSON.chars().map(String::from).collect();
    let pieces: Vec<&str> = bytes.iter().map(String::as_str).collect();
    assert_eq!(read_in(&pieces).0, whole);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Any split gives the same value, and the value only grows: each partial's JSON is a prefix
    /// of the next one's in document order (strings extend, containers gain members).
    #[test]
    fn any_split_same_value_growing(at in proptest::collection::vec(0usize..400, 0..12)) {
        let whole: Value = serde_json::from_str(PERSON).unwrap();
        let mut reader = Incremental::new();
        let mut last = String::new();
        for piece in cut(PERSON, &at) {
            reader.feed(piece, &mut Blind);
            if let Some(root) = reader.tree().root() {
                let now = root.to_value().to_string();
                let open = |s: &str| s.trim_end_matches(['}', ']', '"']).to_owned();
                prop_assert!(open(&now).starts_with(&open(&last)), "{last} then {now}");
                last = now;
            }
        }
        prop_assert_eq!(reader.tree().root().unwrap().to_value(), whole);
    }
}

#[test]
fn text_around_the_value_is_passed_over() {
    let reply = "Sure! Here it is:\n```json\n{\"a\": [1, 2,], \"b\": \"x\"}\n```\nAnything else?";
    let (value, progress) = read_in(&cut(reply, &[3, 20, 30]));
    assert_eq!(value, json!({"a": [1, 2], "b": "x"}));
    assert_eq!(progress, Progress::Complete);
    // A slip this reader does not read past stalls it; what came before stays.
    let (value, progress) = read_in(&["{\"a\": 1, b: 2}"]);
    assert_eq!(value, json!({"a": 1}));
    assert_eq!(progress, Progress::Stalled);
    // A bare number at the very end is whole only when the reply ends.
    let mut reader = Incremental::new();
    reader.feed("12", &mut Blind);
    assert!(reader.tree().root().is_none());
    reader.finish(&mut Blind);
    assert_eq!(reader.tree().root().unwrap().to_value(), json!(12));
}

#[test]
fn hostile_input_stays_linear_and_bounded() {
    let deep = "[".repeat(100_000);
    let (_, progress) = read_in(&[&deep]);
    assert_eq!(progress, Progress::Stalled);
    let long = format!("{{\"a\": \"{}", "x".repeat(1_000_000));
    let pieces: Vec<&str> = cut(&long, &(0..1000).map(|i| i * 1000).collect::<Vec<_>>());
    let mut reader = Incremental::new();
    for piece in pieces {
        reader.feed(piece, &mut Blind);
    }
    let root = reader.tree().root().unwrap();
    assert_eq!(root.get("a").unwrap().as_str().unwrap().len(), 1_000_000);
    assert!(!root.complete());
}

fn partial_of(text: &str) -> Partial<Person> {
    let mut reader = Incremental::new();
    reader.feed(text, &mut Blind);
    Person::partial(reader.tree().root().unwrap()).unwrap()
}

#[test]
fn partials_are_typed_and_mark_whole_fields() {
    let p = partial_of(r#"{"name": "Jo"#);
    let name = p.name.unwrap();
    assert_eq!(name.value, "Jo");
    assert!(!name.complete);
    assert!(p.age.is_none() && p.role.is_none());

    let p = partial_of(r#"{"name": "Jo", "age": 4"#);
    assert!(p.name.as_ref().unwrap().complete);
    // A number appears when whole: "4" may become "41".
    assert!(p.age.is_none());

    let p = partial_of(r#"{"name": "Jo", "age": 41, "email": null, "role": "adm"#);
    assert_eq!(p.age.unwrap().value, 41);
    // An explicit null is a part, not an absent field.
    let email = p.email.unwrap();
    assert_eq!(email.value, None);
    assert!(email.complete);
    // An enum appears when whole.
    assert!(p.role.is_none());

    let p = partial_of(r#"{"role": "admin", "address": {"city": "Ghe"#);
    assert_eq!(p.role.unwrap().value, Role::Admin);
    let address = p.address.unwrap();
    assert!(!address.complete);
    assert_eq!(address.value.city.unwrap().value, "Ghe");
    assert!(address.value.zip.is_none());

    let p = partial_of(r#"{"tags": ["a", "b"#);
    let tags = p.tags.unwrap();
    assert_eq!(tags.value.len(), 2);
    assert!(tags.value[0].complete && !tags.value[1].complete);
    assert_eq!(tags.value[1].value, "b");
    // Debug shows the partial.
    assert!(
        format!("{:?}", partial_of(r#"{"name": "A"#))
            .starts_with("PersonPartial { name: Some(Part")
    );
}

/// A self-referencing type's partial is as deep as the reply, no deeper.
#[allow(dead_code)]
#[derive(Debug, Structured)]
struct Tree {
    label: String,
    children: Vec<Tree>,
}

#[test]
fn recursive_types_have_finite_partials() {
    let mut reader = Incremental::new();
    reader.feed(
        r#"{"label": "a", "children": [{"label": "b", "children": [{"lab"#,
        &mut Blind,
    );
    let p = Tree::partial(reader.tree().root().unwrap()).unwrap();
    let child = &p.children.as_ref().unwrap().value[0].value;
    assert_eq!(child.label.as_ref().unwrap().value, "b");
    let grandchild = &child.children.as_ref().unwrap().value[0].value;
    assert!(grandchild.label.is_none());
    assert!(format!("{p:?}").contains("TreePartial"));
}

/// Where the guard stops `text` against `Person`'s schema: the error's kind and path.
fn stop(text: &str) -> Option<(ErrorKind, String)> {
    let plan = Plan::new(&Person::json_schema());
    let mut guard = Guard::new(&plan);
    let mut reader = Incremental::new();
    for piece in cut(text, &(0..text.len()).collect::<Vec<_>>()) {
        if let Progress::Stopped(error) = reader.feed(piece, &mut guard) {
            return Some((error.kind(), error.path().to_string()));
        }
    }
    None
}

#[test]
fn the_guard_stops_what_cannot_become_valid() {
    // An enum value no variant begins with; case and spaces are what lenient reading fixes.
    assert_eq!(
        stop(r#"{"role": "adx"#),
        Some((ErrorKind::Variant, "role".into()))
    );
    assert_eq!(stop(r#"{"role": " ADMIN "#), None);
    // A number past its maximum, once the number ends.
    assert_eq!(stop(r#"{"age": 200"#), None);
    assert_eq!(
        stop(r#"{"age": 200,"#),
        Some((ErrorKind::Range, "age".into()))
    );
    assert_eq!(
        stop(r#"{"address": {"zip": 100000}"#),
        Some((ErrorKind::Range, "address.zip".into()))
    );
    // An unknown field under deny_unknown_fields.
    assert_eq!(
        stop(r#"{"name": "Al", "nickname": "#),
        Some((ErrorKind::Unknown, "nickname".into()))
    );
    // A string past its maximum length; a short one only once it closes.
    assert_eq!(
        stop(&format!(r#"{{"name": "{}"#, "x".repeat(21))),
        Some((ErrorKind::Constraint, "name".into()))
    );
    assert_eq!(stop(r#"{"name": "A"#), None);
    assert_eq!(
        stop(r#"{"name": "A""#),
        Some((ErrorKind::Constraint, "name".into()))
    );
    // An array past its maximum items.
    assert_eq!(stop(r#"{"tags": ["a", "b", "c", ]"#), None);
    assert_eq!(
        stop(r#"{"tags": ["a", "b", "c", "d"#),
        Some((ErrorKind::Constraint, "tags[3]".into()))
    );
    // An object closed without a required field.
    assert_eq!(
        stop(r#"{"address": {"city": "x"}"#),
        Some((ErrorKind::Missing, "address".into()))
    );
    // A value of another type is not a reason: lenient reading may convert it.
    assert_eq!(stop(r#"{"age": "200", "name": 12345, "#), None);
    // A whole valid reply passes.
    assert_eq!(stop(PERSON), None);
}

const VALID: &str = r#"{"name": "Jo", "age": 41, "email": null, "role": "admin", "address": {"city": "Ghent", "zip": 9000}, "tags": ["a"]}"#;

#[tokio::test]
async fn the_loop_streams_partials_then_the_value() {
    let backend = Mock::new().reply(VALID).streaming(3);
    let updates: Vec<_> = Person::generation("Extract.")
        .stream(&backend)
        .collect()
        .await;
    let mut names = Vec::new();
    let mut last = None;
    for update in updates {
        match update.unwrap() {
            Update::Partial { attempt, value } => {
                assert_eq!(attempt, 1);
                if let Some(name) = value.name {
                    names.push(name.value);
                }
            }
            Update::Done(report) => last = Some(report),
            Update::Retry(attempt) => panic!("no retry expected: {attempt:?}"),
            _ => {}
        }
    }
    // The name grew in place: "", "J"..., "Jo".
    assert!(names.len() >= 2, "{names:?}");
    assert!(names.windows(2).all(|w| w[1].starts_with(&w[0])));
    let report = last.unwrap();
    assert_eq!(report.value.name, "Jo");
    assert_eq!(report.attempts.len(), 1);
}

#[tokio::test]
async fn a_reply_that_cannot_be_valid_is_stopped_and_repaired() {
    let bad = format!(
        r#"{{"name": "Jo", "age": 41, "email": null, "role": "superuser", "address": {{"city": "{}"}}}}"#,
        "x".repeat(2000)
    );
    let backend = Mock::new().reply(bad.clone()).reply(VALID).streaming(4);
    let mut updates = Person::generation("Extract.").stream(&backend);
    let mut retries = Vec::new();
    let mut done = None;
    while let Some(update) = updates.next().await {
        match update.unwrap() {
            Update::Retry(attempt) => retries.push(attempt),
            Update::Done(report) => done = Some(report),
            _ => {}
        }
    }
    let report = done.unwrap();
    assert_eq!(retries.len(), 1);
    let aborted = &report.attempts[0];
    assert_eq!(aborted.outcome, Outcome::Aborted);
    assert_eq!(aborted.errors[0].path().to_string(), "role");
    // Stopped within a piece of the wrong value: the long rest was never read.
    assert!(aborted.output.len() < 80, "{}", aborted.output);
    assert!(backend.streamed_bytes() < bad.len() / 4);
    // The repair turn names the error.
    let repair = &backend.requests()[1];
    let last = repair.messages.last().unwrap();
    assert!(last.content.contains("role"), "{}", last.content);
    assert_eq!(report.value.role, Role::Admin);
}

#[allow(dead_code)] // Checked by the guard.
#[derive(Debug, Structured)]
struct Order {
    #[outline(pattern = r"^ORD-[0-9]{6}$")]
    id: String,
    note: String,
}

#[tokio::test]
async fn a_string_that_cannot_match_its_pattern_is_stopped_and_repaired() {
    let bad = format!(r#"{{"id": "ORD-12-{}", "note": "x"}}"#, "9".repeat(2000));
    let valid = r#"{"id": "ORD-123456", "note": "x"}"#;
    let backend = Mock::new().reply(bad.clone()).reply(valid).streaming(4);
    let mut updates = Order::generation("Extract.").stream(&backend);
    let mut done = None;
    while let Some(update) = updates.next().await {
        if let Update::Done(report) = update.unwrap() {
            done = Some(report);
        }
    }
    let report = done.unwrap();
    let aborted = &report.attempts[0];
    assert_eq!(aborted.outcome, Outcome::Aborted);
    let error = &aborted.errors[0];
    assert_eq!(error.kind(), ErrorKind::Constraint);
    assert_eq!(error.path().to_string(), "id");
    assert_eq!(error.expected(), "string matching /^ORD-[0-9]{6}$/");
    assert_eq!(error.got(), Some(r#""ORD-12-"…"#));
    // Stopped within a piece of the dash: the long rest was never read.
    assert!(aborted.output.len() < 24, "{}", aborted.output);
    assert!(backend.streamed_bytes() < bad.len() / 4);
    assert_eq!(report.value.id, "ORD-123456");
    // Not read whole, the same reply is the validator's pattern error.
    let backend = Mock::new().reply(bad).reply(valid);
    let report = Order::generation("Extract.")
        .report(&backend)
        .await
        .unwrap();
    let invalid = &report.attempts[0];
    assert_eq!(invalid.outcome, Outcome::Invalid);
    assert_eq!(invalid.errors[0].kind(), ErrorKind::Constraint);
    assert_eq!(
        invalid.errors[0].expected(),
        "string matching /^ORD-[0-9]{6}$/"
    );
    // A pattern the string may still match further on, and a value after prose, are not stopped.
    let schema = Order::json_schema();
    assert_eq!(stop_in(&schema, r#"{"id": "ORD-12-"#), Some("id".into()));
    assert_eq!(
        stop_in(&schema, r#"An example: {"id": "x"} and {"id": "ORD-12-"}"#),
        None
    );
    let unanchored = json!({"properties": {"id": {"type": "string", "pattern": "ORD-[0-9]{6}"}}});
    assert_eq!(stop_in(&unanchored, r#"{"id": "xyz ORD-12-"}"#), None);
}

#[tokio::test]
async fn a_backend_that_cannot_stream_gives_the_value_at_the_end() {
    let backend = Mock::new().reply(VALID);
    let updates: Vec<_> = Person::generation("Extract.")
        .stream(&backend)
        .collect()
        .await;
    assert!(matches!(updates.last(), Some(Ok(Update::Done(_)))));
    // Runtime schemas stream too, as JSON so far.
    let schema = outlines::output::JsonSchema::compile(&Person::json_schema()).unwrap();
    let backend = Mock::new().reply(VALID).streaming(5);
    let updates: Vec<_> = outlines::Generation::with_output(schema, "Extract.")
        .stream(&backend)
        .collect()
        .await;
    let partials = updates
        .iter()
        .filter(|u| matches!(u, Ok(Update::Partial { .. })))
        .count();
    assert!(partials > 2);
    assert!(matches!(updates.last(), Some(Ok(Update::Done(r))) if r.value["name"] == "Jo"));
}

#[tokio::test]
async fn a_failed_generation_ends_the_stream_with_its_error() {
    let backend = Mock::new().reply("{\"age\": 500}").streaming(2);
    let updates: Vec<_> = Person::generation("Extract.")
        .max_attempts(1)
        .stream(&backend)
        .collect()
        .await;
    let error = updates.last().unwrap().as_ref().expect_err("an error last");
    assert_eq!(error.attempts()[0].outcome, Outcome::Aborted);
    // The stop is the reason given, as an invalid reply's errors are.
    assert_eq!(error.last_invalid(), Some(&error.attempts()[0]));
    assert_eq!(error.errors().len(), 1);
    assert_eq!(error.errors()[0].path().to_string(), "age");
    let shown = error.to_string();
    assert!(
        shown.starts_with("no valid value after 1 attempt"),
        "{shown}"
    );
    assert!(shown.contains("age:"), "{shown}");
}

#[tokio::test]
async fn a_batch_streams_each_task_to_its_observer() {
    use std::sync::{Arc, Mutex};
    let backend = Mock::from_fn(|request| {
        // Each task's prompt names its reply's name.
        let name = request.messages[0].content.clone();
        Ok(outlines::backend::Response::text(
            VALID.replace("\"Jo\"", &format!("{name:?}")),
        ))
    })
    .streaming(6);
    let seen: Arc<Mutex<Vec<(usize, String)>>> = Arc::default();
    let record = Arc::clone(&seen);
    let results = outlines::Batch::<Person>::new(["Ann", "Bob", "Cy"])
        .max_concurrency(2)
        .on_update(move |index, update| {
            if let Update::Partial { value, .. } = update {
                if let Some(name) = &value.name {
                    record.lock().unwrap().push((index, name.value.clone()));
                }
            }
        })
        .run(&backend)
        .await;
    let names: Vec<String> = results.into_iter().map(|r| r.unwrap().name).collect();
    assert_eq!(names, ["Ann", "Bob", "Cy"]);
    let seen = seen.lock().unwrap();
    for (index, name) in [(0, "Ann"), (1, "Bob"), (2, "Cy")] {
        let grown: Vec<&str> = seen
            .iter()
            .filter(|(i, _)| *i == index)
            .map(|(_, n)| n.as_str())
            .collect();
        assert!(
            !grown.is_empty(),
            "task {index} had no partial name: {seen:?}"
        );
        assert!(
            grown.iter().all(|n| name.starts_with(n)),
            "{index}: {grown:?}"
        );
    }
}

/// Where the guard stops `text` against `schema`, cut after every byte.
fn stop_in(schema: &Value, text: &str) -> Option<String> {
    let plan = Plan::new(schema);
    let mut guard = Guard::new(&plan);
    let mut reader = Incremental::new();
    for piece in cut(text, &(0..text.len()).collect::<Vec<_>>()) {
        if let Progress::Stopped(error) = reader.feed(piece, &mut guard) {
            return Some(error.path().to_string());
        }
    }
    None
}

#[test]
fn the_guard_never_stops_what_could_still_be_read_as_valid() {
    // An enum value with a space inside, cut right after the space.
    let city =
        json!({"type": "object", "properties": {"city": {"enum": ["New York", "Los Angeles"]}}});
    assert_eq!(stop_in(&city, r#"{"city": "New York"}"#), None);
    assert_eq!(stop_in(&city, r#"{"city": "new york "}"#), None);
    assert_eq!(
        stop_in(&city, r#"{"city": "New Jersey"}"#),
        Some("city".into())
    );
    // A value after prose may be an example or a draft: not watched. After a fence line it is.
    let person = Person::json_schema();
    assert_eq!(
        stop_in(&person, r#"Format: {} then {"name": "Al", "nickname": 1}"#),
        None
    );
    assert_eq!(
        stop_in(&person, "```json\n{\"name\": \"Al\", \"nickname\": 1}"),
        Some("nickname".into())
    );
    // A comment where an item could begin is a slip, not an item past the maximum.
    let two = json!({"type": "array", "maxItems": 2});
    assert_eq!(stop_in(&two, "[1, 2, // done\n]"), None);
    assert_eq!(stop_in(&two, "[1, 2, 3]"), Some("[2]".into()));
    // Beside an `allOf`, a schema's own keywords are followed (its branches are not), and where
    // they stop a reply, the validator refuses it too.
    let closed = json!({
        "properties": {"a": {}}, "additionalProperties": false,
        "allOf": [{"properties": {"b": {}}}, {"required": ["c"]}],
    });
    assert_eq!(stop_in(&closed, r#"{"a": 1, "b": 2}"#), Some("b".into()));
    let validator = outlines::output::JsonSchema::compile(&closed).unwrap();
    assert!(validator.validate(&json!({"a": 1, "b": 2})).is_err());
    assert!(validator.validate(&json!({"a": 1})).is_err());
    assert_eq!(stop_in(&closed, r#"{"a": 1}"#), None);
    // `-0` is read as serde_json reads it.
    let (value, _) = read_in(&["[-0, 0]"]);
    assert_eq!(value, serde_json::from_str::<Value>("[-0, 0]").unwrap());
}

#[allow(dead_code)]
#[derive(Debug, Structured)]
#[serde(deny_unknown_fields)]
struct Aliased {
    #[serde(alias = "full_name")]
    name: String,
    color: Color,
}

#[derive(Debug, PartialEq, Structured)]
#[serde(rename_all = "lowercase")]
enum Color {
    #[serde(alias = "crimson")]
    Red,
    Blue,
}

#[tokio::test]
async fn aliases_are_not_stopped() {
    let backend = Mock::new()
        .reply(r#"{"full_name": "Ann", "color": "crimson"}"#)
        .streaming(3);
    let updates: Vec<_> = Aliased::generation("Ann likes crimson.")
        .stream(&backend)
        .collect()
        .await;
    let Some(Ok(Update::Done(report))) = updates.last() else {
        panic!("no value: {updates:?}")
    };
    assert_eq!(report.attempts.len(), 1);
    assert_eq!(report.value.color, Color::Red);
}

#[test]
fn exact_says_whether_the_reply_was_strict_json_and_nothing_else() {
    let cases = [
        (r#"{"a": [1, 2.5, "x\n\u00e9"], "b": {"c": null}}"#, true),
        (" \n{\"a\": 1}\n ", true),
        ("[1, true, \"ë\"]", true),
        ("\u{feff}{\"a\": 1}", false),
        ("Here it is: {\"a\": 1}", false),
        ("```json\n{\"a\": 1}\n```", false),
        ("{\"a\": [1, 2,]}", false),
        ("{\"a\": 1,}", false),
        ("{\"a\":\u{a0}1}", false),
        ("[1,\u{b}2,\u{c}3]", false),
        ("{\"a\": \"x\ty\"}", false),
        ("{\"a\": 1} and more", false),
        ("{\"a\": 1", false),
        ("{'a': 1}", false),
    ];
    for (text, exact) in cases {
        // The whole reply as strict JSON agrees.
        let strict = serde_json::from_str::<Value>(text.trim()).is_ok();
        assert_eq!(strict, exact, "{text:?}");
        for at in [vec![], vec![1], (0..text.len()).collect::<Vec<_>>()] {
            let mut reader = Incremental::new();
            for piece in cut(text, &at) {
                reader.feed(piece, &mut Blind);
            }
            assert_eq!(reader.exact(text), exact, "{text:?} cut at {at:?}");
            // Asked about another text than it was fed, it is never exact.
            assert!(!reader.exact(&text[..text.len() - 1]));
        }
    }
    // Space JSON does not allow is still read past.
    let (value, progress) = read_in(&["[1,\u{b}2,\u{c}3]"]);
    assert_eq!((value, progress), (json!([1, 2, 3]), Progress::Complete));
}

#[allow(dead_code)]
#[derive(Debug, Structured)]
struct Code {
    #[outline(pattern = r"^[A-Z]{3}$")]
    code: String,
    count: u8,
}

#[test]
fn an_exact_reply_is_read_from_the_tree_as_from_its_text() {
    let output = outlines::output::Typed::<Code>::new();
    for (text, valid) in [
        (r#"{"code": "ABC", "count": 7}"#, true),
        (r#"{"count": 255, "code": "XYZ"}"#, true),
        (r#"{"code": "abcd", "count": 7}"#, false),
        (r#"{"code": "ABC", "count": 256}"#, false),
        (r#"{"code": "ABC"}"#, false),
    ] {
        let mut reader = Incremental::new();
        reader.feed(text, &mut Blind);
        assert!(reader.exact(text));
        let from_tree = output.read_streamed(reader.tree().root().unwrap());
        let from_text = output.read(text, &outlines::backend::Finish::Stop);
        assert_eq!(from_tree.is_some(), valid, "{text}");
        assert_eq!(from_text.is_ok(), valid, "{text}");
        if let (Some(a), Ok(b)) = (from_tree, from_text) {
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
        }
    }
}

/// A generation's value and fixes, or its error, as text: on `response` whole, or streamed in
/// `piece`-byte pieces.
async fn run<T>(generation: Generation<T>, response: Response, streamed: Option<usize>) -> String
where
    T: Structured + Send + std::fmt::Debug,
    Partial<T>: Send,
{
    if let Some(piece) = streamed {
        let backend = Mock::new().respond(response).streaming(piece);
        let mut updates = generation.stream(&backend);
        let mut last = None;
        while let Some(update) = updates.next().await {
            match update {
                Ok(Update::Done(report)) => {
                    last = Some(format!("{:?} {:?}", report.value, report.fixes()))
                }
                Err(error) => last = Some(error.to_string()),
                Ok(_) => {}
            }
        }
        last.unwrap()
    } else {
        let backend = Mock::new().respond(response);
        match generation.report(&backend).await {
            Ok(report) => format!("{:?} {:?}", report.value, report.fixes()),
            Err(error) => error.to_string(),
        }
    }
}

/// [`run`] for a `Code` in one attempt, streamed in 3-byte pieces or not.
async fn outcome(reply: &str, finish: &Finish, streamed: bool) -> String {
    let generation = Code::generation("Extract.").max_attempts(1);
    let response = Response::text(reply).with_finish(finish.clone());
    run(generation, response, streamed.then_some(3)).await
}

#[tokio::test]
async fn a_streamed_reply_reads_as_the_same_reply_read_whole() {
    // Exact JSON (taken from the stream's tree); JSON with slips (read again, fixes reported); a
    // value the guard lets through but a rule rejects (read again, the same errors: "AB" may
    // still become a match while it streams, "abcd" could not and is stopped).
    let replies = [
        r#"{"code": "ABC", "count": 7}"#,
        "{\"code\": \"ABC\", \"count\": 7,}",
        "```json\n{\"code\": \"ABC\", \"count\": 7}\n```",
        "Sure: {\"code\": \"ABC\", \"count\": \"7\"}",
        r#"{"code": "AB", "count": 7}"#,
        r#"{"code": "ABC", "count": 7, "code": "XYZ"}"#,
        r#"{"code": "ABC", "count": 7.0}"#,
    ];
    for reply in replies {
        for finish in [Finish::Stop, Finish::Length] {
            let whole = outcome(reply, &finish, false).await;
            assert_eq!(outcome(reply, &finish, true).await, whole, "{reply}");
        }
    }
    // A bare number cut by the token limit may be the start of a longer one, streamed or not.
    let cut = |streamed| {
        let response = Response::text("1234\n").with_finish(Finish::Length);
        run(
            u32::generation("A number.").max_attempts(1),
            response,
            streamed,
        )
    };
    let whole = cut(None).await;
    assert!(whole.contains("cut off"), "{whole:?}");
    assert_eq!(cut(Some(2)).await, whole);
}

#[tokio::test]
async fn a_piece_that_changes_no_value_gives_no_partial() {
    // One byte at a time: commas and spaces change nothing a partial shows.
    let backend = Mock::new().reply(r#"[ "ab" ,  "c", "" ]"#).streaming(1);
    let mut updates = Vec::<String>::generation("Words.").stream(&backend);
    let mut shown = Vec::new();
    while let Some(update) = updates.next().await {
        if let Update::Partial { value, .. } = update.unwrap() {
            shown.push(format!("{value:?}"));
        }
    }
    // [], [""], ["a"], ... as the consumer takes them; never the same twice.
    assert!(shown.len() >= 5, "{shown:#?}");
    for pair in shown.windows(2) {
        assert_ne!(pair[0], pair[1]);
    }
}

/// The scripted backend with every piece there at once after the first: a burst, as a reply
/// replayed from a cache or read off a fast local server arrives.
struct Burst(Mock);

impl outlines::backend::Backend for Burst {
    fn provider(&self) -> &str {
        self.0.provider()
    }
    fn model(&self) -> &str {
        self.0.model()
    }
    fn complete<'a>(
        &'a self,
        request: &'a outlines::backend::Request,
    ) -> outlines::backend::BackendFuture<'a> {
        self.0.complete(request)
    }
    fn stream<'a>(
        &'a self,
        request: &'a outlines::backend::Request,
    ) -> outlines::backend::BackendStream<'a> {
        let all = self.0.stream(request).collect::<Vec<_>>();
        Box::pin(futures_util::stream::once(all).flat_map(futures_util::stream::iter))
    }
}

/// How much of the words a partial list shows: their characters, and one for each begun.
fn shown(words: &Partial<Vec<String>>) -> usize {
    // (A partial list is its items so far, each with whether it is whole.)
    words.iter().map(|w| w.value.len() + 1).sum()
}

/// The partials a consumer that always waits gets, as `shown` says.
async fn partials_taken(backend: &dyn outlines::backend::Backend) -> Vec<usize> {
    let mut updates = Vec::<String>::generation("Words.").stream(backend);
    let mut seen = Vec::new();
    while let Some(update) = updates.next().await {
        if let Update::Partial { value, .. } = update.unwrap() {
            seen.push(shown(&value));
        }
    }
    seen
}

#[tokio::test]
async fn partials_keep_coming_at_a_networks_pace_and_are_paced_in_a_burst() {
    let words: Vec<String> = (0..40).map(|i| format!("word-{i:02}")).collect();
    let reply = serde_json::to_string(&words).unwrap();
    let whole: usize = words.iter().map(|w| w.len() + 1).sum();

    // A piece after each wait: a partial whenever the consumer has taken the last one, to the
    // end (no stall while the reply grows long). The scripted backend waits one executor turn per
    // piece, in which the consumer takes every other partial.
    let paced = partials_taken(&Mock::new().reply(reply.clone()).streaming(4)).await;
    assert!(paced.len() >= 45, "{} partials: {paced:?}", paced.len());
    assert!(
        paced.windows(2).all(|w| w[0] < w[1] && w[1] - w[0] <= 8),
        "{paced:?}"
    );
    assert!(whole - paced.last().unwrap() <= 8, "{whole}: {paced:?}");

    // All pieces at once: after each while the reply is short, then each quarter it grows.
    let burst = partials_taken(&Burst(Mock::new().reply(reply).streaming(4))).await;
    assert!(burst.len() <= 30, "{} partials: {burst:?}", burst.len());
    assert!(burst.windows(2).all(|w| w[0] < w[1]), "{burst:?}");
}

// Generic, newtype and tuple structs grow as a reply writes them, as a plain struct does.

#[derive(Debug, Clone, PartialEq, Structured)]
struct Item {
    name: String,
    #[outline(max = 1000)]
    qty: u32,
}

#[derive(Debug, Clone, PartialEq, Structured)]
struct Page<T> {
    #[outline(max = 3)]
    items: Vec<T>,
    next: Option<String>,
}

/// A generic with an `Option<T>` and a `Vec<T>`, an alias and a flattened field.
#[derive(Debug, Clone, PartialEq, Structured)]
struct Picks<T> {
    best: Option<T>,
    rest: Vec<T>,
    #[serde(alias = "label")]
    title: String,
    #[serde(flatten)]
    source: Source,
}

#[derive(Debug, Clone, PartialEq, Structured)]
struct Source {
    url: String,
}

#[derive(Debug, Clone, PartialEq, Structured)]
struct Wrapper(Item);

#[derive(Debug, Clone, PartialEq, Structured)]
#[serde(transparent)]
struct Label {
    text: String,
}

#[derive(Debug, Clone, PartialEq, Structured)]
struct Pair(String, Item);

#[derive(Debug, Clone, PartialEq, Structured)]
struct Node<T> {
    value: T,
    children: Vec<Node<T>>,
}

#[derive(Debug, Clone, PartialEq, Structured)]
struct Grid<const N: usize> {
    cells: [u8; N],
    name: String,
}

/// The partial of a `T` after `text`, the start of a reply.
fn partial_at<T: Structured>(text: &str) -> Partial<T> {
    let mut reader = Incremental::new();
    reader.feed(text, &mut Blind);
    T::partial(reader.tree().root().unwrap()).unwrap()
}

#[test]
fn generic_structs_grow_field_by_field() {
    let p = partial_at::<Page<Item>>(r#"{"items":[{"name":"Jo"#);
    assert!(p.next.is_none());
    let items = p.items.unwrap();
    assert!(!items.complete);
    let item = &items.value[0];
    assert!(!item.complete);
    let name = item.value.name.as_ref().unwrap();
    assert_eq!((name.value.as_str(), name.complete), ("Jo", false));
    assert!(item.value.qty.is_none());

    let p = partial_at::<Page<Item>>(r#"{"items":[{"name":"Jo","qty":3},{"na"#);
    let items = p.items.unwrap().value;
    assert_eq!(items.len(), 2);
    assert!(items[0].complete && !items[1].complete);
    assert_eq!(items[0].value.qty.as_ref().unwrap().value, 3);
    assert!(items[1].value.name.is_none());

    let p = partial_at::<Page<Item>>(r#"{"items":[],"next":"pa"#);
    assert!(p.items.unwrap().complete);
    let next = p.next.unwrap();
    assert_eq!((next.value.as_deref(), next.complete), (Some("pa"), false));
    assert!(
        format!("{:?}", partial_at::<Page<Item>>(r#"{"items":[{"name":"A"#))
            .starts_with("PagePartial { items: Some(Part { value: [Part { value: ItemPartial")
    );

    // Nested generics.
    let p = partial_at::<Page<Page<Item>>>(r#"{"items":[{"items":[{"name":"A"#);
    let inner = &p.items.unwrap().value[0].value;
    let name = &inner.items.as_ref().unwrap().value[0].value.name;
    assert_eq!(name.as_ref().unwrap().value, "A");

    // An `Option<T>`, a `Vec<T>`, an alias and a flattened field.
    let p = partial_at::<Picks<Item>>(r#"{"best":{"name":"X"#);
    let best = p.best.unwrap();
    assert_eq!(best.value.unwrap().name.unwrap().value, "X");
    assert!(p.rest.is_none() && p.title.is_none());
    let p = partial_at::<Picks<Item>>(r#"{"best":null,"rest":[{"qty":2}],"label":"Top","url":"ht"#);
    let best = p.best.unwrap();
    assert_eq!((best.value.is_none(), best.complete), (true, true));
    assert_eq!(
        p.rest.unwrap().value[0].value.qty.as_ref().unwrap().value,
        2
    );
    assert_eq!(p.title.unwrap().value, "Top");
    assert_eq!(p.source.unwrap().value.url.unwrap().value, "ht");

    // A recursive generic, and a const generic.
    let p = partial_at::<Node<u32>>(r#"{"value":1,"children":[{"value":2,"children":[{"val"#);
    let child = &p.children.as_ref().unwrap().value[0].value;
    assert_eq!(child.value.as_ref().unwrap().value, 2);
    assert!(
        child.children.as_ref().unwrap().value[0]
            .value
            .value
            .is_none()
    );
    assert!(format!("{p:?}").starts_with("NodePartial { value: Some(Part { value: 1"));
    let p = partial_at::<Grid<2>>(r#"{"cells":[1,2],"name":"g"#);
    assert_eq!(p.cells.unwrap().value.len(), 2);
    assert_eq!(p.name.unwrap().value, "g");
}

#[test]
fn newtype_and_tuple_structs_grow() {
    // A newtype is its field: its partial is the field's.
    let p: Partial<Item> = partial_at::<Wrapper>(r#"{"name":"Jo"#);
    assert_eq!(p.name.unwrap().value, "Jo");
    assert!(p.qty.is_none());
    let p: String = partial_at::<Label>(r#""Hel"#);
    assert_eq!(p, "Hel");
    // A tuple struct reads the array's items in order.
    let p = partial_at::<Pair>(r#"["An"#);
    assert_eq!(p.0.as_ref().unwrap().value, "An");
    assert!(p.1.is_none());
    let p = partial_at::<Pair>(r#"["Ann", {"name":"B"#);
    assert!(p.0.as_ref().unwrap().complete);
    assert_eq!(
        p.1.as_ref().unwrap().value.name.as_ref().unwrap().value,
        "B"
    );
    assert!(format!("{p:?}").starts_with(r#"PairPartial(Some(Part { value: "Ann""#));
    // Not an array: nothing of a tuple struct yet.
    let mut reader = Incremental::new();
    reader.feed(r#"{"0": "An"#, &mut Blind);
    assert!(Pair::partial(reader.tree().root().unwrap()).is_none());
}

#[test]
fn the_new_shapes_validate_as_before() {
    let page = Page::<Item>::from_json(r#"{"items":[{"name":"Jo","qty":3}],"next":null}"#);
    assert_eq!(
        page.unwrap(),
        Page {
            items: vec![Item {
                name: "Jo".into(),
                qty: 3
            }],
            next: None
        }
    );
    let err = Page::<Item>::from_json(r#"{"items":[{"name":"a","qty":1001},{"name":"b","qty":1},{"name":"c","qty":1},{"name":"d","qty":1}],"next":null}"#).unwrap_err();
    assert_eq!(err.errors().len(), 2, "{err}");
    assert!(Wrapper::from_json(r#"{"name":"Jo","qty":1001}"#).is_err());
    assert_eq!(
        Pair::from_json(r#"["Ann", {"name":"B","qty":1}]"#).unwrap(),
        Pair(
            "Ann".into(),
            Item {
                name: "B".into(),
                qty: 1
            }
        )
    );
    assert!(Pair::from_json(r#"{"0": "Ann"}"#).is_err());
}

/// Whether a partial is a prefix of the whole value: everything it shows is there, and what it
/// marks whole is all of it.
trait Grows: Structured {
    fn within(partial: &Partial<Self>, whole: &Self, complete: bool) -> bool;
}

fn part_within<T: Grows>(part: &Option<Part<Partial<T>>>, whole: &T) -> bool {
    part.as_ref()
        .is_none_or(|p| T::within(&p.value, whole, p.complete))
}

impl Grows for String {
    fn within(partial: &String, whole: &String, complete: bool) -> bool {
        whole.starts_with(partial.as_str()) && (!complete || partial == whole)
    }
}

impl Grows for u32 {
    fn within(partial: &u32, whole: &u32, _: bool) -> bool {
        partial == whole
    }
}

impl Grows for u8 {
    fn within(partial: &u8, whole: &u8, _: bool) -> bool {
        partial == whole
    }
}

fn items_within<T: Grows>(partial: &[Part<Partial<T>>], whole: &[T], complete: bool) -> bool {
    partial.len() <= whole.len()
        && (!complete || partial.len() == whole.len())
        && partial.iter().zip(whole).enumerate().all(|(i, (p, w))| {
            T::within(&p.value, w, p.complete) && (p.complete || i + 1 == partial.len())
        })
}

impl<T: Grows> Grows for Vec<T> {
    fn within(partial: &Partial<Self>, whole: &Self, complete: bool) -> bool {
        items_within(partial, whole, complete)
    }
}

impl<const N: usize> Grows for [u8; N] {
    fn within(partial: &Partial<Self>, whole: &Self, complete: bool) -> bool {
        items_within(partial, whole, complete)
    }
}

impl<T: Grows> Grows for Option<T> {
    fn within(partial: &Partial<Self>, whole: &Self, complete: bool) -> bool {
        match (partial, whole) {
            (None, None) => true,
            (Some(p), Some(w)) => T::within(p, w, complete),
            _ => false,
        }
    }
}

impl Grows for Item {
    fn within(p: &Partial<Self>, w: &Self, _: bool) -> bool {
        part_within(&p.name, &w.name) && part_within(&p.qty, &w.qty)
    }
}

impl Grows for Source {
    fn within(p: &Partial<Self>, w: &Self, _: bool) -> bool {
        part_within(&p.url, &w.url)
    }
}

impl<T: Grows> Grows for Page<T> {
    fn within(p: &Partial<Self>, w: &Self, _: bool) -> bool {
        part_within(&p.items, &w.items) && part_within(&p.next, &w.next)
    }
}

impl<T: Grows> Grows for Picks<T> {
    fn within(p: &Partial<Self>, w: &Self, _: bool) -> bool {
        part_within(&p.best, &w.best)
            && part_within(&p.rest, &w.rest)
            && part_within(&p.title, &w.title)
            && part_within(&p.source, &w.source)
    }
}

impl Grows for Wrapper {
    fn within(p: &Partial<Self>, w: &Self, complete: bool) -> bool {
        Item::within(p, &w.0, complete)
    }
}

impl Grows for Label {
    fn within(p: &Partial<Self>, w: &Self, complete: bool) -> bool {
        String::within(p, &w.text, complete)
    }
}

impl Grows for Pair {
    fn within(p: &Partial<Self>, w: &Self, _: bool) -> bool {
        part_within(&p.0, &w.0) && part_within(&p.1, &w.1)
    }
}

impl<T: Grows> Grows for Node<T> {
    fn within(p: &Partial<Self>, w: &Self, _: bool) -> bool {
        part_within(&p.value, &w.value) && part_within(&p.children, &w.children)
    }
}

impl<const N: usize> Grows for Grid<N> {
    fn within(p: &Partial<Self>, w: &Self, _: bool) -> bool {
        part_within(&p.cells, &w.cells) && part_within(&p.name, &w.name)
    }
}

/// Reads `reply` in the pieces `at` cuts it into: every partial is within the value, and the last,
/// once the reply ends, is all of it.
fn grows_within<T>(reply: &str, at: &[usize]) -> Result<(), TestCaseError>
where
    T: Grows + std::fmt::Debug,
    Partial<T>: std::fmt::Debug,
{
    let whole = T::from_json(reply).unwrap();
    let mut reader = Incremental::new();
    let mut seen = 0;
    for piece in cut(reply, at) {
        reader.feed(piece, &mut Blind);
        if let Some(root) = reader.tree().root()
            && let Some(p) = T::partial(root)
        {
            prop_assert!(
                T::within(&p, &whole, root.complete()),
                "{p:?} is not within {whole:?}"
            );
            seen += 1;
        }
    }
    reader.finish(&mut Blind);
    let root = reader.tree().root().unwrap();
    let p = T::partial(root).unwrap();
    prop_assert!(root.complete() && T::within(&p, &whole, true), "{p:?}");
    prop_assert!(seen > 0);
    Ok(())
}

const PAGE: &str =
    r#"{"items": [{"name": "Jo", "qty": 3}, {"qty": 12, "name": "Ann"}], "next": "p2"}"#;
const PAGES: &str = r#"{"items": [{"items": [{"name": "A", "qty": 1}], "next": null}, {"items": [], "next": "x"}], "next": null}"#;
const PICKS: &str = r#"{"best": {"name": "X", "qty": 9}, "rest": [{"name": "Y", "qty": 8}], "label": "Top", "url": "https://x"}"#;
const SHAPES: &str = r#"{"items": [{"Circle": {"radius": 5, "name": "disc"}}, {"Line": [{"name": "a", "qty": 1}, {"name": "b", "qty": 2}]}, "none"], "next": null}"#;
const NODE: &str = r#"{"value": 1, "children": [{"value": 22, "children": []}, {"value": 3, "children": [{"value": 4, "children": []}]}]}"#;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Every partial of the new shapes is a prefix of the final value, for any split.
    #[test]
    fn partials_of_every_shape_are_prefixes(at in proptest::collection::vec(0usize..200, 0..12)) {
        grows_within::<Page<Item>>(PAGE, &at)?;
        grows_within::<Page<Page<Item>>>(PAGES, &at)?;
        grows_within::<Picks<Item>>(PICKS, &at)?;
        grows_within::<Wrapper>(r#"{"name": "Jo", "qty": 3}"#, &at)?;
        grows_within::<Label>(r#""Hello there""#, &at)?;
        grows_within::<Pair>(r#"["Ann", {"name": "B", "qty": 1}]"#, &at)?;
        grows_within::<Node<u32>>(NODE, &at)?;
        grows_within::<Grid<3>>(r#"{"cells": [1, 2, 3], "name": "g"}"#, &at)?;
        grows_within::<Page<Shape>>(SHAPES, &at)?;
        grows_within::<Shape>(r#"{"Txt": "hello"}"#, &at)?;
        grows_within::<Either<u8, Item>>(r#"{"Right": {"value": {"name": "Z", "qty": 4}}}"#, &at)?;
        for action in ACTIONS {
            grows_within::<Vec<Action>>(action, &at)?;
        }
        grows_within::<Vec<Step>>(STEPS, &at)?;
        grows_within::<Layered>(LAYERED, &at)?;
    }
}

#[test]
fn partials_of_every_shape_grow_a_character_at_a_time() {
    let every = |text: &str| (0..text.len()).collect::<Vec<_>>();
    grows_within::<Page<Item>>(PAGE, &every(PAGE)).unwrap();
    grows_within::<Page<Page<Item>>>(PAGES, &every(PAGES)).unwrap();
    grows_within::<Picks<Item>>(PICKS, &every(PICKS)).unwrap();
    grows_within::<Node<u32>>(NODE, &every(NODE)).unwrap();
    grows_within::<Page<Shape>>(SHAPES, &every(SHAPES)).unwrap();
    for action in ACTIONS {
        grows_within::<Vec<Action>>(action, &every(action)).unwrap();
    }
    grows_within::<Vec<Step>>(STEPS, &every(STEPS)).unwrap();
    grows_within::<Layered>(LAYERED, &every(LAYERED)).unwrap();
}

#[test]
fn a_flattened_map_shows_only_the_members_it_is_given() {
    let layered = partial_at::<Layered>(LAYERED);
    let rest: Vec<_> = layered
        .rest
        .unwrap()
        .value
        .into_iter()
        .map(|(k, v)| (k, v.value))
        .collect();
    assert_eq!(rest, [("x".into(), "y".into()), ("z".into(), "w".into())]);
    let item = layered.item.unwrap().value;
    assert_eq!(
        (item.name.unwrap().value, item.qty.unwrap().value),
        ("a".into(), 2)
    );
    let whole = Layered::from_json(LAYERED).unwrap();
    assert_eq!(whole.rest.keys().collect::<Vec<_>>(), ["x", "z"]);
    // Inside an internally tagged variant: neither the tag nor the named field.
    let Some(Partial::<Action>::Extended(extra)) =
        action_at(r#"{"type": "extended", "name": "n", "k": "v""#)
    else {
        panic!()
    };
    let more: Vec<_> = extra
        .value
        .more
        .unwrap()
        .value
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(more, ["k"]);
}

// Externally tagged enums with data: the variant once its key is written, its content partial.

#[derive(Debug, Clone, PartialEq, Structured)]
enum Shape {
    Circle {
        #[outline(max = 100)]
        radius: u32,
        #[serde(alias = "name")]
        label: String,
    },
    #[serde(alias = "Txt")]
    Text(String),
    Line(Item, Item),
    #[serde(rename = "none")]
    Empty,
}

#[derive(Debug, Clone, PartialEq, Structured)]
enum Either<L, R> {
    Left(L),
    Right { value: R },
}

#[test]
fn externally_tagged_enums_grow_once_their_variant_is_written() {
    type P = Partial<Shape>;
    let at = |text: &str| {
        let mut reader = Incremental::new();
        reader.feed(text, &mut Blind);
        reader.tree().root().and_then(Shape::partial)
    };
    // Until the key is whole, no variant.
    assert!(at(r#"{"Cir"#).is_none());
    assert!(at(r#"{"Circle""#).is_none());
    let Some(P::Circle { radius, label }) = at(r#"{"Circle": {"name": "ab"#) else {
        panic!("{:?}", at(r#"{"Circle": {"name": "ab"#))
    };
    assert!(radius.is_none());
    let label = label.unwrap();
    assert_eq!((label.value.as_str(), label.complete), ("ab", false));
    let Some(P::Circle { radius, .. }) = at(r#"{"Circle": {"radius": 5, "#) else {
        panic!()
    };
    assert_eq!(radius.unwrap().value, 5);
    // A newtype variant (by alias), once its content begins.
    let Some(P::Text(text)) = at(r#"{"Txt": "he"#) else {
        panic!()
    };
    assert_eq!((text.value.as_str(), text.complete), ("he", false));
    // A tuple variant's items in order.
    let Some(P::Line(a, b)) = at(r#"{"Line": [{"name": "a"#) else {
        panic!()
    };
    assert_eq!(a.unwrap().value.name.unwrap().value, "a");
    assert!(b.is_none());
    // A unit variant is a string, there once whole; a prefix of its name is no variant.
    assert!(at(r#""no"#).is_none());
    assert!(matches!(at(r#""none""#), Some(P::Empty)));
    // An unknown variant is none.
    assert!(at(r#"{"Square": {"side": 1"#).is_none());
    assert_eq!(
        format!("{:?}", at(r#"{"Circle": {"name": "ab"#).unwrap()),
        r#"Circle { radius: None, label: Some(Part { value: "ab", complete: false }) }"#
    );

    // Generic, and inside a generic struct.
    type E = Partial<Either<u8, Item>>;
    let E::Right { value } = partial_at::<Either<u8, Item>>(r#"{"Right": {"value": {"name": "Z"#)
    else {
        panic!()
    };
    assert_eq!(value.unwrap().value.name.unwrap().value, "Z");
    let p = partial_at::<Either<u8, Item>>(r#"{"Left": 7}"#);
    assert!(matches!(
        p,
        E::Left(Part {
            value: 7,
            complete: true
        })
    ));
    assert!(format!("{p:?}").starts_with("Left(Part"));
    let p = partial_at::<Page<Shape>>(r#"{"items": ["none", {"Text": "hi"#);
    let items = p.items.unwrap().value;
    assert!(matches!(items[0].value, P::Empty) && items[0].complete);
    assert!(matches!(&items[1].value, P::Text(t) if t.value == "hi") && !items[1].complete);
}

impl Grows for Shape {
    fn within(p: &Partial<Self>, w: &Self, complete: bool) -> bool {
        type P = Partial<Shape>;
        match (p, w) {
            (
                P::Circle { radius, label },
                Shape::Circle {
                    radius: r,
                    label: l,
                },
            ) => part_within(radius, r) && part_within(label, l),
            (P::Text(t), Shape::Text(w)) => String::within(&t.value, w, t.complete),
            (P::Line(a, b), Shape::Line(x, y)) => part_within(a, x) && part_within(b, y),
            (P::Empty, Shape::Empty) => complete,
            _ => false,
        }
    }
}

impl Grows for Either<u8, Item> {
    fn within(p: &Partial<Self>, w: &Self, _: bool) -> bool {
        type P = Partial<Either<u8, Item>>;
        match (p, w) {
            (P::Left(a), Either::Left(b)) => u8::within(&a.value, b, a.complete),
            (P::Right { value }, Either::Right { value: w }) => part_within(value, w),
            _ => false,
        }
    }
}

// Internally and adjacently tagged enums: the variant once its tag is whole, its content partial.

/// As tool calls are written: the tag beside the variant's fields.
#[derive(Debug, Clone, PartialEq, Structured)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Action {
    Search {
        query: String,
        #[outline(max = 10)]
        limit: u8,
    },
    /// A newtype of a struct: its fields beside the tag.
    #[serde(alias = "say")]
    Reply(Item),
    /// A newtype of a map: the tag is not one of its entries.
    Notes(BTreeMap<String, String>),
    /// A struct with a flattened map: neither the tag nor its named field is an entry.
    Extended(Extra),
    Stop,
}

#[derive(Debug, Clone, PartialEq, Structured)]
struct Extra {
    name: String,
    #[serde(flatten)]
    more: BTreeMap<String, String>,
}

/// Flattened fields take the members the validator gives them: a map, those no field before it
/// claims.
#[derive(Debug, Clone, PartialEq, Structured)]
struct Layered {
    id: u32,
    #[serde(flatten)]
    item: Item,
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Structured)]
#[serde(tag = "t", content = "c")]
enum Step {
    Move { x: u32, y: u32 },
    Say(String),
    Pair(u8, String),
    Halt,
}

/// Replies of actions, the tag first, last, in the middle, by alias.
const ACTIONS: [&str; 4] = [
    r#"[{"type": "search", "query": "rust \"streams\"", "limit": 5}, {"type": "stop"}, {"type": "reply", "name": "Ann", "qty": 2}]"#,
    r#"[{"query": "late tag", "limit": 1, "type": "search"}, {"name": "Bo", "type": "say", "qty": 3}]"#,
    r#"[{"type": "notes", "a": "one", "b": "twö"}, {"x": "y", "type": "notes"}]"#,
    r#"[{"type": "extended", "name": "n", "k": "v"}, {"k": "w", "name": "m", "type": "extended"}]"#,
];
const LAYERED: &str = r#"{"id": 1, "name": "a", "x": "y", "qty": 2, "z": "w"}"#;
const STEPS: &str = r#"[{"t": "Move", "c": {"x": 1, "y": 22}}, {"t": "Say", "c": "hi there"}, {"c": [7, "seven"], "t": "Pair"}, {"t": "Halt"}]"#;

fn map_within(partial: &[(String, Part<String>)], whole: &BTreeMap<String, String>) -> bool {
    partial.iter().all(|(k, v)| {
        whole
            .get(k)
            .is_some_and(|w| String::within(&v.value, w, v.complete))
    })
}

impl Grows for Action {
    fn within(p: &Partial<Self>, w: &Self, _: bool) -> bool {
        type P = Partial<Action>;
        match (p, w) {
            (P::Search { query, limit }, Action::Search { query: q, limit: l }) => {
                part_within(query, q) && part_within(limit, l)
            }
            (P::Reply(item), Action::Reply(whole)) => {
                Item::within(&item.value, whole, item.complete)
            }
            (P::Notes(notes), Action::Notes(whole)) => {
                map_within(&notes.value, whole)
                    && (!notes.complete || notes.value.len() == whole.len())
            }
            (P::Extended(extra), Action::Extended(whole)) => {
                Extra::within(&extra.value, whole, extra.complete)
            }
            (P::Stop, Action::Stop) => true,
            _ => false,
        }
    }
}

impl Grows for Extra {
    fn within(p: &Partial<Self>, w: &Self, _: bool) -> bool {
        part_within(&p.name, &w.name)
            && p.more.as_ref().is_none_or(|more| {
                map_within(&more.value, &w.more)
                    && (!more.complete || more.value.len() == w.more.len())
            })
    }
}

impl Grows for Layered {
    fn within(p: &Partial<Self>, w: &Self, _: bool) -> bool {
        part_within(&p.id, &w.id)
            && part_within(&p.item, &w.item)
            && p.rest.as_ref().is_none_or(|rest| {
                map_within(&rest.value, &w.rest)
                    && (!rest.complete || rest.value.len() == w.rest.len())
            })
    }
}

impl Grows for Step {
    fn within(p: &Partial<Self>, w: &Self, _: bool) -> bool {
        type P = Partial<Step>;
        match (p, w) {
            (P::Move { x, y }, Step::Move { x: a, y: b }) => part_within(x, a) && part_within(y, b),
            (P::Say(text), Step::Say(whole)) => String::within(&text.value, whole, text.complete),
            (P::Pair(n, text), Step::Pair(a, b)) => part_within(n, a) && part_within(text, b),
            (P::Halt, Step::Halt) => true,
            _ => false,
        }
    }
}

fn action_at(text: &str) -> Option<Partial<Action>> {
    let mut reader = Incremental::new();
    reader.feed(text, &mut Blind);
    reader.tree().root().and_then(Action::partial)
}

#[test]
fn internally_tagged_enums_grow_once_their_tag_is_written() {
    type P = Partial<Action>;
    // Until the tag's string is whole, no variant.
    assert!(action_at(r#"{"type": "sea"#).is_none());
    assert!(action_at(r#"{"query": "abc", "limit": 2"#).is_none());
    let Some(P::Search { query, limit }) = action_at(r#"{"type": "search", "query": "ab"#) else {
        panic!("{:?}", action_at(r#"{"type": "search", "query": "ab"#))
    };
    assert!(limit.is_none());
    let query = query.unwrap();
    assert_eq!((query.value.as_str(), query.complete), ("ab", false));
    // A tag written after the fields shows them all at once.
    let Some(P::Search { query, limit }) =
        action_at(r#"{"query": "abc", "limit": 2, "type": "search""#)
    else {
        panic!()
    };
    assert_eq!(
        (query.unwrap().value.as_str(), limit.unwrap().value),
        ("abc", 2)
    );
    // A newtype of a struct, by alias: its fields beside the tag.
    let Some(P::Reply(item)) = action_at(r#"{"type": "say", "name": "Jo"#) else {
        panic!()
    };
    assert!(!item.complete);
    assert_eq!(item.value.name.unwrap().value, "Jo");
    // A newtype of a map: the tag is not an entry.
    let Some(P::Notes(notes)) = action_at(r#"{"a": "x", "type": "notes", "b": "y"#) else {
        panic!()
    };
    let keys: Vec<_> = notes.value.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["a", "b"]);
    // A unit variant, once its tag is whole; an unknown tag is no variant.
    assert!(matches!(action_at(r#"{"type": "stop""#), Some(P::Stop)));
    assert!(action_at(r#"{"type": "jump", "query": "x"#).is_none());
    assert_eq!(
        format!(
            "{:?}",
            action_at(r#"{"type": "search", "query": "ab"#).unwrap()
        ),
        r#"Search { query: Some(Part { value: "ab", complete: false }), limit: None }"#
    );
    // Whole, it is read as before.
    assert_eq!(
        Action::from_json(r#"{"limit": 3, "type": "search", "query": "q"}"#).unwrap(),
        Action::Search {
            query: "q".into(),
            limit: 3
        }
    );
}

#[test]
fn adjacently_tagged_enums_grow_once_their_content_begins() {
    type P = Partial<Step>;
    let at = |text: &str| partial_at::<Vec<Step>>(text);
    assert!(at(r#"[{"t": "Mo"#).is_empty());
    // The tag alone: a variant with data waits for its content; a unit variant is there.
    assert!(at(r#"[{"t": "Move""#).is_empty());
    assert!(matches!(at(r#"[{"t": "Halt""#)[0].value, P::Halt));
    let steps = at(r#"[{"t": "Move", "c": {"x": 4, "#);
    let P::Move { x, y } = &steps[0].value else {
        panic!("{steps:?}")
    };
    assert_eq!((x.as_ref().unwrap().value, y.is_none()), (4, true));
    // The content before the tag is shown once the tag is whole.
    assert!(at(r#"[{"c": "hel"#).is_empty());
    let steps = at(r#"[{"c": "hello", "t": "Say""#);
    let P::Say(text) = &steps[0].value else {
        panic!("{steps:?}")
    };
    assert_eq!((text.value.as_str(), text.complete), ("hello", true));
    let steps = at(r#"[{"t": "Pair", "c": [7, "se"#);
    let P::Pair(n, text) = &steps[0].value else {
        panic!("{steps:?}")
    };
    assert_eq!(n.as_ref().unwrap().value, 7);
    assert_eq!(text.as_ref().unwrap().value, "se");
}
