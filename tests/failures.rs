//! How a failed generation reads, and what it keeps: its own error type (the backend's error as its
//! source), messages that say which attempt they come from, and bounds on what hostile replies cost.

use std::error::Error as _;

use outlines::backend::BackendError;
use outlines::backend::mock::Mock;
use outlines::generate::{Cause, Generation, REPLY_LIMIT};
use outlines::{Diagnostics, Generate, Structured};

#[derive(Debug, PartialEq, Structured)]
#[serde(deny_unknown_fields)]
struct Book {
    title: String,
    #[outline(min = 1)]
    pages: u32,
}

fn rate_limited() -> BackendError {
    BackendError::Status {
        provider: "openai".into(),
        status: 429,
        code: None,
        message: "Rate limit reached".into(),
    }
}

async fn extract(backend: &Mock) -> Result<Book, Box<dyn std::error::Error>> {
    Ok(Book::generate(backend, "Extract the book.").await?)
}

#[tokio::test]
async fn a_backend_failure_is_the_source_through_question_mark() {
    let mock = Mock::always_fail(rate_limited());
    let boxed = extract(&mock).await.unwrap_err();
    let source = boxed.source().expect("the backend's error is the source");
    let backend = source
        .downcast_ref::<BackendError>()
        .expect("a BackendError");
    assert_eq!(backend.status(), Some(429));

    let err = boxed.downcast_ref::<outlines::Error>().unwrap();
    assert_eq!(err.backend_error(), Some(&rate_limited()));
    assert!(matches!(err.cause(), Cause::Backend(_)));
}

#[tokio::test]
async fn an_invalid_generation_has_no_source_and_keeps_its_violations() {
    let mock = Mock::always(r#"{"pages": 0}"#);
    let err = Book::generation("Extract.")
        .max_attempts(2)
        .run(&mock)
        .await
        .unwrap_err();
    assert!(err.source().is_none());
    assert_eq!(err.errors().len(), 2);
    assert_eq!(err.last_invalid().unwrap().number, 2);
    assert_eq!(
        err.to_string(),
        "no valid value after 2 attempts:\n\
         - pages: below the minimum (expected integer between 1 and 4294967295, got 0)\n\
         - title: missing required field (expected string)"
    );
}

#[tokio::test]
async fn violations_from_an_earlier_attempt_say_which_attempt() {
    let mock = Mock::new().reply(r#"{"pages": 10}"#).fail(rate_limited());
    let err = Book::generate(&mock, "Extract.").await.unwrap_err();
    let text = err.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("the backend failed: "), "{text}");
    assert_eq!(lines[1], "attempt 1's reply was invalid:");
    assert_eq!(
        lines[2],
        "- title: missing required field (expected string)"
    );
    assert_eq!(err.errors().len(), 1);
}

#[test]
fn ten_thousand_unknown_fields_make_a_short_message() {
    let fields: Vec<String> = (0..10_000).map(|i| format!(r#""extra{i}": 1"#)).collect();
    let reply = format!(r#"{{"title": "T", "pages": 3, {}}}"#, fields.join(", "));
    let err = Book::from_json(&reply).unwrap_err();
    assert_eq!(err.len(), 10_000, "every violation is kept");
    let text = err.to_string();
    assert_eq!(text.lines().count(), Diagnostics::DISPLAY_LIMIT + 1);
    assert!(
        text.ends_with("- … and 9950 more violations"),
        "{}",
        &text[text.len() - 80..]
    );
    assert!(text.len() < 20_000, "{} bytes", text.len());
}

#[tokio::test]
async fn a_huge_reply_is_cut_where_it_is_echoed_and_kept() {
    // A 5 MB reply: valid JSON, with one field far too long to keep whole.
    let huge = format!(
        r#"{{"title": "{}", "pages": 0}}"#,
        "x".repeat(5 * 1024 * 1024)
    );
    let mock = Mock::always(huge.clone());
    let err = Book::generate(&mock, "Extract.").await.unwrap_err();

    // The repair turns echo the reply cut, and say so.
    let requests = mock.requests();
    assert_eq!(requests.len(), 3);
    for request in &requests[1..] {
        let echoed = &request.messages[1].content;
        assert!(echoed.len() < REPLY_LIMIT + 100, "{} bytes", echoed.len());
        assert!(
            echoed.ends_with(&format!(
                "[… {} more bytes of this reply cut]",
                huge.len() - REPLY_LIMIT
            )),
            "{}",
            &echoed[echoed.len() - 60..]
        );
    }

    // What the error keeps is bounded too, and says what was cut.
    for attempt in err.attempts() {
        assert_eq!(attempt.output.len(), REPLY_LIMIT);
        assert_eq!(attempt.output_cut, huge.len() - REPLY_LIMIT);
    }
    assert!(err.best().is_none(), "a reply past the limit is not kept");
    let debug = format!("{err:?}");
    assert!(debug.len() < 4 * REPLY_LIMIT, "{} bytes", debug.len());
}

#[test]
fn nesting_past_the_parser_limit_names_the_limit() {
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let err = <Vec<serde_json::Value>>::from_json(&deep).unwrap_err();
    let message = err.errors()[0].message();
    assert!(message.contains("128 levels"), "{message}");
}

#[test]
fn the_builder_needs_neither_clone_nor_debug_of_its_type() {
    #[derive(Structured)]
    struct Opaque {
        #[allow(dead_code)]
        n: u8,
    }
    let builder = Opaque::generation("prompt").max_attempts(2);
    let copy: Generation<Opaque> = builder.clone();
    let shown = format!("{copy:?}");
    assert!(
        shown.contains("Opaque") && shown.contains("max_attempts: 2"),
        "{shown}"
    );
}
