//! Lenient reading beyond the corpus: each syntax slip on its own, what must stay an error, hostile
//! replies (deep, long, many fences), arbitrary and mutated replies (never a panic, and a value
//! only when it validates), and the generation loop: one attempt instead of a repair, the fixes in
//! the attempt, none with `.strict(true)`.

use outlines::backend::mock::Mock;
use outlines::backend::{Backend, Finish, StrictReading};
use outlines::lenient::{FixKind, Place};
use outlines::output::{JsonSchema, Reading, Typed};
use outlines::{Generate, Output, Structured};
use proptest::prelude::*;
use serde_json::{Value, json};

#[derive(Debug, PartialEq, Structured)]
struct Person {
    #[outline(min = 1)]
    name: String,
    #[outline(max = 120)]
    age: u8,
    tags: Option<Vec<String>>,
}

/// Any JSON value: the schema that takes everything, so that only the syntax is tested.
fn any(reply: &str) -> Reading<Value> {
    JsonSchema::compile(&json!({}))
        .unwrap()
        .read_lenient(reply, &Finish::Stop)
}

fn kinds<V>(reading: &Reading<V>) -> Vec<FixKind> {
    reading.fixes.iter().map(|f| f.kind()).collect()
}

#[test]
fn each_slip_is_read_past_and_said() {
    let cases = [
        ("{'a': 'it''s'}", None, vec![]),
        (
            r#"{'a': 'don\'t'}"#,
            Some(json!({"a": "don't"})),
            vec![FixKind::SingleQuotes; 2],
        ),
        (
            "{a_b$: 1, c2: [1,],}",
            Some(json!({"a_b$": 1, "c2": [1]})),
            vec![
                FixKind::UnquotedKeys,
                FixKind::UnquotedKeys,
                FixKind::TrailingComma,
                FixKind::TrailingComma,
            ],
        ),
        (
            "[undefined, None, True, False]",
            Some(json!([null, null, true, false])),
            vec![FixKind::PythonLiteral; 4],
        ),
        (
            "{\"a\": \"x\ty\"}",
            Some(json!({"a": "x\ty"})),
            vec![FixKind::UnescapedControl],
        ),
        (
            r#"{"a": "\ud83d\ude00 \u00e9"}"#,
            Some(json!({"a": "😀 é"})),
            vec![],
        ),
        (
            "{\"a\": 1 /* one */, // two\n\"b\": 2}",
            Some(json!({"a": 1, "b": 2})),
            vec![FixKind::Comment, FixKind::Comment],
        ),
        ("‘a’", Some(json!("a")), vec![FixKind::SmartQuotes]),
        (
            "[1, {\"b\": [true",
            Some(json!([1, {"b": [true]}])),
            vec![FixKind::Truncated],
        ),
    ];
    for (reply, want, fixes) in cases {
        let reading = any(reply);
        match want {
            Some(want) => {
                assert_eq!(reading.value.as_ref().ok(), Some(&want), "{reply}");
                assert_eq!(kinds(&reading), fixes, "{reply}");
            }
            None => assert!(reading.value.is_err(), "{reply}: {:?}", reading.value),
        }
    }
    // The truncation fix says what was added, at the end of the reply.
    let reading = any("[1, {\"b\": [true");
    let fix = &reading.fixes[0];
    assert_eq!((fix.place(), fix.after()), (&Place::Offset(15), "]}]"));
}

#[test]
fn what_cannot_be_recovered_safely_stays_an_error() {
    for reply in [
        "{\"a\": 1 \"b\": 2}", // a missing comma: which was meant?
        "{\"a\": yes}",        // a bare word
        "[1, 2",               // a number the end may have cut
        "{\"a\": \"Ali",       // a string the end cut
        "{\"a\":",             // a key without its value
        "[1, 2,",              // more was coming
        "{\"a\": 01}",         // a padded number
        "{\"a\": NaN}",
        "{\"a\": \"\\x41\"}",   // not a JSON escape
        "{\"a\": \"\\ud83d\"}", // half a surrogate pair
    ] {
        let reading = any(reply);
        assert!(reading.value.is_err(), "{reply}: {:?}", reading.value);
        assert!(reading.fixes.is_empty(), "{reply}: {:?}", reading.fixes);
    }
    // Coercions only where the schema asks for the other type, and only when nothing is lost.
    let schema = JsonSchema::compile(&json!({
        "type": "object",
        "properties": {
            "n": {"type": "integer"},
            "s": {"type": "string"},
            "x": {"type": ["string", "integer"]},
            "big": {"type": "integer"},
            "e": {"enum": ["Aa", "aA"]},
        },
    }))
    .unwrap();
    let read = |reply: &str| schema.read_lenient(reply, &Finish::Stop);
    assert!(read(r#"{"n": "1e3"}"#).value.is_err());
    assert!(read(r#"{"n": "+5"}"#).value.is_err());
    assert!(read(r#"{"n": "05"}"#).value.is_err());
    assert!(read(r#"{"n": "2.5"}"#).value.is_err());
    assert!(
        read(r#"{"e": "aa"}"#).value.is_err(),
        "two declared values match"
    );
    assert_eq!(read(r#"{"s": true}"#).value.ok(), None);
    // A value of a type the schema allows is left alone.
    let reading = read(r#"{"x": "7"}"#);
    assert_eq!(reading.value.unwrap(), json!({"x": "7"}));
    assert!(reading.fixes.is_empty());
    let reading = read(r#"{"s": 25, "n": "-3"}"#);
    assert_eq!(reading.value.unwrap(), json!({"s": "25", "n": -3}));
    let shown: Vec<String> = reading.fixes.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "coerce_number_to_string at s: 25 → \"25\"",
            "coerce_string_to_integer at n: \"-3\" → -3",
        ]
    );
}

#[test]
fn a_strict_read_and_a_valid_reply_make_no_fixes() {
    let output = Typed::<Person>::new();
    let reading = output.read_lenient(r#"{"name": "Ann", "age": 30}"#, &Finish::Stop);
    assert!(reading.value.is_ok() && reading.fixes.is_empty());
    // Cut by the token limit in a number: never recovered, whatever surrounds it.
    let reading = output.read_lenient("```json\n{\"name\": \"Ann\", \"age\": 3", &Finish::Length);
    assert!(reading.value.is_err());
}

#[test]
fn hostile_replies_end_in_an_error_or_a_value_never_a_panic() {
    let output = Typed::<Person>::new();
    let person = r#"{"name": "Ann", "age": 30}"#;
    let read = |reply: &str| output.read_lenient(reply, &Finish::Stop);
    assert!(read(&"[".repeat(100_000)).value.is_err());
    assert!(read(&"{\"a\": ".repeat(100_000)).value.is_err());
    assert!(read(&"```\n".repeat(10_000)).value.is_err());
    assert!(read(&"{".repeat(100_000)).value.is_err());
    // A megabyte of prose before the value.
    let reading = read(&format!("{}{person}", "Sure, here it is. ".repeat(60_000)));
    assert_eq!(reading.value.as_ref().unwrap().age, 30);
    assert_eq!(kinds(&reading), [FixKind::SurroundingText]);
    // Ten thousand fences, the value in the last.
    let reading = read(&format!(
        "{}```json\n{person}\n```",
        "```\n```\n".repeat(5_000)
    ));
    assert!(reading.value.is_ok(), "{:?}", reading.value);
    // A ten-megabyte string with a trailing comma after it.
    let long = "x".repeat(10 << 20);
    let reading = read(&format!("{{\"name\": \"{long}\", \"age\": 30,}}"));
    assert_eq!(reading.value.as_ref().unwrap().name.len(), 10 << 20);
    assert_eq!(kinds(&reading), [FixKind::TrailingComma]);
    // Ten thousand trailing commas: each counted, eight listed.
    let reading = any(&format!("[{}]", "[],".repeat(10_000)));
    assert!(reading.value.is_ok());
    assert_eq!(reading.fixes.len(), 1);
    assert_eq!(reading.fixes[0].more(), 0);
    let reading = any(&format!(
        "{{{}}}",
        (0..10_000)
            .map(|i| format!("k{i}: 1"))
            .collect::<Vec<_>>()
            .join(",")
    ));
    assert_eq!(reading.fixes.len(), 8);
    assert_eq!(reading.fixes[7].more(), 10_000 - 8);
}

/// Found in review: each of these once crashed, hung, slowed down or recovered the wrong thing.
#[test]
fn schemas_that_refer_to_themselves_or_nest_branches_stay_bounded() {
    // Items that refer back to the array: wrapping once, never again (this overflowed the stack).
    let schema = JsonSchema::compile(&json!({"type": "array", "items": {"$ref": "#"}})).unwrap();
    assert!(schema.read_lenient("1", &Finish::Stop).value.is_err());
    let schema = JsonSchema::compile(&json!({
        "$defs": {"N": {"anyOf": [{"type": "array", "items": {"$ref": "#/$defs/N"}}, {"type": "integer"}]}},
        "$ref": "#/$defs/N",
    }))
    .unwrap();
    assert!(schema.read_lenient("\"x\"", &Finish::Stop).value.is_err());
    // allOf at every level walked each subtree once per branch: 2^depth.
    let schema = JsonSchema::compile(&json!({
        "$defs": {
            "Base": {"type": "object", "properties": {"kids": {"type": "array"}}},
            "Node": {"allOf": [
                {"$ref": "#/$defs/Base"},
                {"properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}},
            ]},
        },
        "$ref": "#/$defs/Node",
    }))
    .unwrap();
    let mut reply = String::from("{'kids': []}");
    for _ in 0..60 {
        reply = format!("{{'kids': [{reply}]}}");
    }
    assert!(schema.read_lenient(&reply, &Finish::Stop).value.is_ok());
}

#[test]
fn failed_reads_pay_for_what_they_looked_at() {
    // Each `[` once scanned an unclosed comment, string or number run to the end without paying
    // for it: 240 KB of these took seconds. Now each is one linear pass.
    for unit in ["[/*", "[//", "[1111111111"] {
        let reading = any(&unit.repeat(80_000));
        assert!(reading.value.is_err(), "{unit}");
    }
    // Here the last two units are a value cut after a whole string, which the end closes.
    let reading = any(&"[\"".repeat(80_000));
    assert_eq!(reading.value.as_ref().unwrap(), &json!(["["]));
    assert_eq!(
        kinds(&reading),
        [FixKind::SurroundingText, FixKind::Truncated]
    );
}

#[test]
fn what_the_token_limit_cut_is_not_closed_and_no_guess_is_made() {
    let open = "{\"tags\": [\"a\", \"b\"";
    assert!(any(open).value.is_ok());
    let schema = JsonSchema::compile(&json!({})).unwrap();
    assert!(schema.read_lenient(open, &Finish::Length).value.is_err());
    // Numbers a float would not hold as written stay errors.
    let schema = JsonSchema::compile(&json!({
        "type": "object",
        "properties": {"s": {"type": "string"}, "x": {"type": "number"}},
    }))
    .unwrap();
    let read = |reply: &str| schema.read_lenient(reply, &Finish::Stop).value;
    assert!(read(r#"{"s": 12345678901234567890123}"#).is_err());
    assert!(read(r#"{"s": 2.50}"#).is_err());
    assert!(read(r#"{"x": "0.1000000000000000000001"}"#).is_err());
    assert_eq!(read(r#"{"x": "0.10"}"#).unwrap(), json!({"x": 0.1}));
    // Two different values that each validate: which was meant is a guess.
    let output = Typed::<Person>::new();
    let reading = output.read_lenient(
        r#"For example {"name": "Bob", "age": 1}. The answer: {"name": "Ann", "age": 30}"#,
        &Finish::Stop,
    );
    let errors = reading.value.unwrap_err();
    assert!(
        errors[0].message().contains("2 different values"),
        "{errors:?}"
    );
    // The same value twice is one value.
    let twice = r#"{"name": "Ann", "age": 30} or, again: {"name": "Ann", "age": 30}"#;
    assert_eq!(
        output.read_lenient(twice, &Finish::Stop).value.unwrap().age,
        30
    );
}

#[test]
fn a_fence_marker_outside_or_inside_a_value_does_not_hide_it() {
    let reading = any("{\"a\": \"x\"}\n```");
    assert_eq!(reading.value.unwrap(), json!({"a": "x"}));
    let reading = any("{\"code\": \"```js\nfoo()\n```\"}");
    assert_eq!(reading.value.unwrap(), json!({"code": "```js\nfoo()\n```"}));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn arbitrary_text_never_panics(reply in "\\PC{0,200}") {
        let reading = Typed::<Person>::new().read_lenient(&reply, &Finish::Stop);
        if let Ok(person) = reading.value {
            // A value comes out only when it validates.
            prop_assert!(!person.name.is_empty() && person.age <= 120);
        }
        let _ = any(&reply);
    }

    #[test]
    fn mutated_replies_never_panic_and_a_value_validates(
        cuts in proptest::collection::vec((0usize..200, 0usize..4, "[\\[\\]{}\"',:a-z0-9 \\n`]"), 1..6)
    ) {
        let mut reply = String::from(
            "```json\n{'name': \"Ann\", age: \"30\", \"tags\": \"x\",} // done\n```",
        );
        for (at, how, text) in cuts {
            let at = at.min(reply.len());
            if !reply.is_char_boundary(at) {
                continue;
            }
            match how {
                0 => reply.insert_str(at, &text),
                1 => { reply.truncate(at); }
                _ => { let end = (at + 1).min(reply.len()); if reply.is_char_boundary(end) { reply.replace_range(at..end, &text); } }
            }
        }
        let reading = Typed::<Person>::new().read_lenient(&reply, &Finish::Stop);
        if let Ok(person) = &reading.value {
            let json = format!(
                "{{\"name\": {}, \"age\": {}, \"tags\": {}}}",
                serde_json::to_string(&person.name).unwrap(),
                person.age,
                serde_json::to_string(&person.tags).unwrap()
            );
            prop_assert!(Person::from_json(&json).is_ok(), "{json}");
        }
    }
}

#[tokio::test]
async fn the_loop_reads_a_fenced_reply_in_one_attempt_and_strict_mode_repairs_it() {
    let fenced = "Here you go:\n```json\n{\"name\": \"Ann\", \"age\": \"30\",}\n```";
    let clean = r#"{"name": "Ann", "age": 30}"#;
    let mock = Mock::new().reply(fenced).reply(clean);
    let report = Person::generation("Ann is 30.")
        .report(&mock)
        .await
        .unwrap();
    assert_eq!(report.value.age, 30);
    assert_eq!(report.attempts.len(), 1);
    let mut fixes: Vec<&str> = report.attempts[0]
        .fixes
        .iter()
        .map(|f| f.kind().as_str())
        .collect();
    fixes.sort_unstable();
    assert_eq!(
        fixes,
        [
            "code_fence",
            "coerce_string_to_integer",
            "surrounding_text",
            "trailing_comma"
        ]
    );

    let mock = Mock::new().reply(fenced).reply(clean);
    let report = Person::generation("Ann is 30.")
        .strict(true)
        .report(&mock)
        .await
        .unwrap();
    assert_eq!(report.attempts.len(), 2);
    assert!(report.attempts.iter().all(|a| a.fixes.is_empty()));
    // The same for every generation on a backend.
    let strict = StrictReading(Mock::new().reply(fenced).reply(clean));
    let report = Person::generation("Ann is 30.")
        .report(&strict)
        .await
        .unwrap();
    assert_eq!(report.attempts.len(), 2);
    let boxed: Box<dyn Backend> = Box::new(strict);
    assert!(boxed.strict_reading());
    // And in a batch, whose pacing wraps the backend.
    let strict = StrictReading(Mock::new().reply(fenced).reply(clean));
    let report = outlines::Batch::<Person>::new(["Ann is 30."])
        .requests_per_minute(6000)
        .report(&strict)
        .await;
    assert_eq!(report.summary.attempts.get(&2), Some(&1));

    // A reply still invalid after its fixes: the attempt keeps both, and the repair turn goes out.
    let mock = Mock::new()
        .reply("```json\n{\"name\": \"Ann\", \"age\": \"300\"}\n```")
        .reply(clean);
    let report = Person::generation("Ann is 30.")
        .report(&mock)
        .await
        .unwrap();
    assert_eq!(report.attempts.len(), 2);
    let first = &report.attempts[0];
    assert_eq!(first.errors[0].path().to_string(), "age");
    let kinds: Vec<&str> = first.fixes.iter().map(|f| f.kind().as_str()).collect();
    assert_eq!(kinds, ["code_fence", "coerce_string_to_integer"]);

    // When no attempt gives a value, the error lists the fixes beside the errors they led to.
    let mock = Mock::always("```json\n{\"name\": \"Ann\", \"age\": \"300\"}\n```");
    let error = Person::generation("Ann is 30.")
        .max_attempts(1)
        .report(&mock)
        .await
        .unwrap_err();
    let shown = error.to_string();
    assert!(shown.contains("- age: out of range for u8"), "{shown}");
    assert!(
        shown
            .contains("after these fixes to the reply:\n  - code_fence at byte 0: removed ```json"),
        "{shown}"
    );
    assert!(
        shown.contains("- coerce_string_to_integer at age: \"300\" → 300"),
        "{shown}"
    );
}
