//! The generation loop against the scripted Mock backend: what it sends, how it repairs, and the story
//! its diagnostics tell.

use std::time::Duration;

#[path = "support/fixtures.rs"]
mod fixtures;

use fixtures::Person;
use outlines::Generate;
use outlines::backend::mock::Mock;
use outlines::backend::{
    BackendError, Finish, Forced, ForcedEdit, ForcedKind, Message, Response, Role,
};
use outlines::diagnostics::{Path, Segment};
use outlines::generate::{Cause, Outcome, SchemaInPrompt};
use outlines::{ErrorKind, Structured, Usage};

const VALID: &str = r#"{"name": "John", "age": 25, "role": "admin"}"#;
const INVALID: &str = r#"{"name": "", "age": 150, "role": "boss"}"#;

#[tokio::test]
async fn valid_first_time() {
    let mock = Mock::new().respond(Response::text(VALID).with_usage(100, 20));
    let report = Person::generation("Extract: John, 25, admin")
        .report(&mock)
        .await
        .unwrap();
    assert_eq!(report.value.name, "John");
    assert_eq!(report.attempt_count(), 1);
    assert_eq!(
        report.usage,
        Usage {
            input_tokens: 100,
            output_tokens: 20
        }
    );
    let sent = mock.requests();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].system.contains("type Person = {"),
        "{}",
        sent[0].system
    );
    assert_eq!(sent[0].output.json().unwrap().name, "Person");
    assert_eq!(
        *sent[0].output.json().unwrap().json_schema,
        Person::json_schema()
    );
    assert_eq!(sent[0].messages.len(), 1);
    assert_eq!(sent[0].messages[0].content, "Extract: John, 25, admin");
}

#[tokio::test]
async fn generate_is_the_short_form() {
    let mock = Mock::always(VALID);
    let person = Person::generate(&mock, "Extract: John").await.unwrap();
    assert_eq!(person.age, 25);
}

#[tokio::test]
async fn invalid_then_valid_sends_every_error_back() {
    let mock = Mock::new().reply(INVALID).reply(VALID);
    let report = Person::generation("Extract").report(&mock).await.unwrap();
    assert_eq!(report.attempt_count(), 2);
    assert_eq!(report.attempts[0].outcome, Outcome::Invalid);
    assert_eq!(report.attempts[0].errors.len(), 3);
    let repair = &mock.requests()[1];
    // The conversation carries the prompt, the last reply and its errors: nothing more.
    let roles: Vec<Role> = repair.messages.iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::User, Role::Assistant, Role::User]);
    assert_eq!(repair.messages[1].content, INVALID);
    let text = &repair.messages[2].content;
    for needle in [
        "- name: too short (0 characters) (expected string of 1 to 80 characters, got \"\")",
        "- age: above the maximum (expected integer between 0 and 120, got 150)",
        "- role: unknown variant \"boss\" (expected one of: user, admin, got \"boss\")",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[tokio::test]
async fn conversation_does_not_grow() {
    // Five different wrong replies: each repair turn carries the one before it, and only that one.
    let replies: Vec<String> = (0..5)
        .map(|i| format!(r#"{{"name": "", "age": {}, "role": "admin"}}"#, 121 + i))
        .collect();
    let mock = replies
        .iter()
        .fold(Mock::new(), |mock, reply| mock.reply(reply.clone()));
    let err = Person::generation("Extract")
        .max_attempts(5)
        .run(&mock)
        .await
        .unwrap_err();
    assert_eq!(err.attempts().len(), 5);
    let sent = mock.requests();
    for (n, request) in sent.iter().enumerate().skip(1) {
        assert_eq!(request.messages.len(), 3);
        assert_eq!(request.messages[0].content, "Extract");
        assert_eq!(request.messages[1].content, replies[n - 1]);
        let repair = &request.messages[2].content;
        assert!(repair.contains(&format!("got {}", 121 + n - 1)), "{repair}");
        assert!(
            !repair.contains(&format!("got {}", 121 + n - 2)),
            "{repair}"
        );
    }
}

#[tokio::test]
async fn history_comes_before_the_prompt_on_every_attempt() {
    // A worked example, then the prompt: the repair turn follows the prompt, the history stays.
    let example = [
        Message::user("Extract: Ann, 40, user"),
        Message::assistant(r#"{"name": "Ann", "age": 40, "role": "user"}"#),
    ];
    let mock = Mock::new().reply(INVALID).reply(VALID);
    let person = Person::generation("Extract: John, 25, admin")
        .history(example.clone())
        .run(&mock)
        .await
        .unwrap();
    assert_eq!(person.name, "John");
    let sent = mock.requests();
    assert_eq!(sent[0].messages[..2], example);
    assert_eq!(
        sent[0].messages[2],
        Message::user("Extract: John, 25, admin")
    );
    assert_eq!(sent[0].messages.len(), 3);
    let roles: Vec<Role> = sent[1].messages.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [
            Role::User,
            Role::Assistant,
            Role::User,
            Role::Assistant,
            Role::User
        ]
    );
    assert_eq!(sent[1].messages[..3], sent[0].messages[..]);
    assert_eq!(sent[1].messages[3].content, INVALID);
}

#[tokio::test]
async fn a_repair_turn_lists_twenty_errors_and_counts_the_rest() {
    #[derive(Debug, Structured)]
    struct Bytes {
        #[allow(dead_code)]
        items: Vec<u8>,
    }
    let reply = format!(r#"{{"items": [{}]}}"#, vec!["300"; 5000].join(", "));
    let mock = Mock::new().reply(reply.clone()).reply(r#"{"items": [1]}"#);
    let report = Bytes::generation("Numbers").report(&mock).await.unwrap();
    assert_eq!(report.attempts[0].errors.len(), 5000);
    let repair = &mock.requests()[1].messages[2].content;
    assert_eq!(
        repair.matches("out of range for u8").count(),
        20,
        "{repair}"
    );
    assert!(repair.contains("- items[19]: "), "{repair}");
    assert!(!repair.contains("- items[20]: "), "{repair}");
    assert!(
        repair.contains("... and 4980 more errors like these"),
        "{repair}"
    );
    // The repair turn is small next to the reply it answers.
    assert!(repair.len() < reply.len() / 4, "{}", repair.len());
}

#[tokio::test]
async fn a_number_cut_off_at_the_token_limit_is_not_taken() {
    let mock = Mock::new()
        .respond(Response::text("12").with_finish(Finish::Length))
        .reply("1234");
    let report = u64::generation("A number").report(&mock).await.unwrap();
    assert_eq!(report.value, 1234);
    assert_eq!(report.attempts[0].outcome, Outcome::Invalid);
    assert_eq!(
        report.attempts[0].errors[0].message(),
        "the reply was cut off at the output token limit"
    );
    let repair = &mock.requests()[1].messages[2].content;
    assert!(repair.starts_with("Your reply was cut off"), "{repair}");
    // A complete object that stopped at the limit (a server padding to it) is fine.
    let mock = Mock::new().respond(Response::text(VALID).with_finish(Finish::Length));
    assert_eq!(Person::generate(&mock, "x").await.unwrap().age, 25);
}

#[tokio::test]
async fn the_best_candidate_is_the_latest_of_the_fewest_errors() {
    let first = r#"{"name": "", "age": 25, "role": "admin"}"#;
    let later = r#"{"name": "John", "age": 130, "role": "admin"}"#;
    let mock = Mock::new().reply(first).reply(INVALID).reply(later);
    let err = Person::generate(&mock, "x").await.unwrap_err();
    assert_eq!(
        err.best(),
        Some(&serde_json::from_str::<serde_json::Value>(later).unwrap())
    );
}

#[tokio::test]
async fn always_invalid_tells_the_whole_story() {
    let mock = Mock::new()
        .respond(Response::text("not json").with_usage(10, 5))
        .respond(Response::text(r#"{"name": "", "age": 25, "role": "admin"}"#).with_usage(20, 6))
        .respond(Response::text(INVALID).with_usage(30, 7));
    let err = Person::generation("Extract").run(&mock).await.unwrap_err();
    assert_eq!(err.cause(), &Cause::Invalid { attempts: 3 });
    assert_eq!(
        err.usage(),
        Usage {
            input_tokens: 60,
            output_tokens: 18
        }
    );
    assert_eq!(err.attempts().len(), 3);
    assert_eq!(err.attempts()[0].output, "not json");
    assert_eq!(
        err.attempts()[0].errors[0].kind(),
        outlines::ErrorKind::Syntax
    );
    // The best candidate is the JSON reply with the fewest errors: the second.
    assert_eq!(
        err.best(),
        Some(&serde_json::json!({"name": "", "age": 25, "role": "admin"}))
    );
    // The final errors are the last attempt's.
    assert_eq!(err.errors().len(), 3);
    let text = err.to_string();
    assert!(
        text.starts_with("no valid value after 3 attempts:\n- name: too short"),
        "{text}"
    );
}

#[tokio::test]
async fn truncation_is_stated_in_the_repair() {
    let mock = Mock::new()
        .respond(Response::text(r#"{"name": "Jo"#).with_finish(Finish::Length))
        .reply(VALID);
    Person::generation("Extract").run(&mock).await.unwrap();
    let repair = &mock.requests()[1].messages[2].content;
    assert!(repair.starts_with("Your reply was cut off"), "{repair}");
}

#[tokio::test]
async fn refusal_ends_the_loop_at_once() {
    let mock = Mock::new()
        .respond(Response::refusal("I can't help with that."))
        .reply(VALID);
    let err = Person::generation("Extract").run(&mock).await.unwrap_err();
    assert_eq!(
        err.cause(),
        &Cause::Refused {
            message: "I can't help with that.".into()
        }
    );
    assert_eq!(mock.requests().len(), 1);
    assert_eq!(
        err.to_string(),
        "the model refused: I can't help with that."
    );
}

#[tokio::test]
async fn backend_errors_end_the_loop() {
    let error = BackendError::Status {
        provider: "openai".into(),
        status: 401,
        code: Some("invalid_api_key".into()),
        message: "Incorrect API key provided".into(),
    };
    let mock = Mock::always_fail(error.clone());
    let err = Person::generation("Extract").run(&mock).await.unwrap_err();
    assert_eq!(err.cause(), &Cause::Backend(error));
    assert_eq!(mock.requests().len(), 1);
    assert_eq!(
        err.to_string(),
        "the backend failed: openai answered HTTP 401: Incorrect API key provided"
    );
}

#[tokio::test(start_paused = true)]
async fn attempt_timeout_moves_on_to_the_next_attempt() {
    let mock = Mock::new()
        .reply_after(Duration::from_secs(60), VALID)
        .reply(VALID);
    let report = Person::generation("Extract")
        .attempt_timeout(Duration::from_secs(5))
        .report(&mock)
        .await
        .unwrap();
    assert_eq!(report.attempts[0].outcome, Outcome::TimedOut);
    assert_eq!(report.attempt_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn timeouts_on_every_attempt_end_with_a_timeout() {
    let mock = Mock::new()
        .reply_after(Duration::from_secs(60), VALID)
        .reply_after(Duration::from_secs(60), VALID);
    let err = Person::generation("Extract")
        .max_attempts(2)
        .attempt_timeout(Duration::from_secs(5))
        .run(&mock)
        .await
        .unwrap_err();
    assert_eq!(
        err.cause(),
        &Cause::Timeout {
            attempt: 2,
            after: Duration::from_secs(5)
        }
    );
}

#[tokio::test(start_paused = true)]
async fn the_deadline_bounds_the_whole_generation() {
    let mock = Mock::new()
        .reply_after(Duration::from_secs(8), INVALID)
        .reply_after(Duration::from_secs(8), VALID);
    let err = Person::generation("Extract")
        .deadline(Duration::from_secs(10))
        .run(&mock)
        .await
        .unwrap_err();
    assert_eq!(
        err.cause(),
        &Cause::Deadline {
            after: Duration::from_secs(10)
        }
    );
    assert_eq!(err.attempts().len(), 2);
}

#[tokio::test]
async fn options_reach_the_request() {
    let mock = Mock::always(VALID);
    Person::generation("Extract")
        .system("You extract people from text.")
        .model("gpt-test")
        .temperature(0.2)
        .max_tokens(300)
        .mode(outlines::OutputMode::Tool)
        .schema_in_prompt(SchemaInPrompt::JsonSchema)
        .run(&mock)
        .await
        .unwrap();
    let sent = &mock.requests()[0];
    assert!(sent.system.starts_with("You extract people from text.\n\n"));
    assert!(sent.system.contains("\"$schema\""), "{}", sent.system);
    assert_eq!(sent.model.as_deref(), Some("gpt-test"));
    assert_eq!(sent.temperature, Some(0.2));
    assert_eq!(sent.max_tokens, Some(300));
    assert_eq!(sent.mode, outlines::OutputMode::Tool);
}

fn forced(edits: &[(ForcedKind, &str)]) -> Forced {
    Forced::from_edits(
        edits
            .iter()
            .map(|(kind, key)| {
                ForcedEdit::new(
                    *kind,
                    Path::from_segments(vec![Segment::Key((*key).into())]),
                )
            })
            .collect(),
    )
}

#[tokio::test]
async fn a_value_the_budget_wrote_is_not_a_success() {
    // A backend that steered its value closed (a local model) and had to write `age` itself: the
    // text is valid, but the value is not the model's answer. The repair turn asks again.
    let steered = Response::text(VALID)
        .with_finish(Finish::Length)
        .with_forced(forced(&[(ForcedKind::Invented, "age")]));
    let mock = Mock::new().respond(steered).reply(VALID);
    let report = Person::generation("Extract: John, 25, admin")
        .report(&mock)
        .await
        .unwrap();
    assert_eq!(report.attempt_count(), 2);
    let first = &report.attempts[0];
    assert_eq!(first.outcome, Outcome::Invalid);
    assert_eq!(first.errors.len(), 1);
    assert_eq!(first.errors[0].kind(), ErrorKind::Budget);
    assert_eq!(first.errors[0].path().to_string(), "age");
    assert!(
        first.errors[0]
            .to_string()
            .contains("written by the backend's budget steering"),
        "{}",
        first.errors[0]
    );
    assert!(first.forced.is_some());
    // The repair turn says the reply was cut off.
    let repair = &mock.requests()[1].messages[2].content;
    assert!(repair.starts_with("Your reply was cut off"), "{repair}");
    assert!(report.forced().is_none());
}

#[tokio::test]
async fn items_dropped_by_the_budget_are_reported_with_the_value() {
    let steered = Response::text(VALID)
        .with_finish(Finish::Length)
        .with_forced(Forced::from_edits(vec![
            forced(&[(ForcedKind::Dropped, "tags")]).edits[0].clone(),
            ForcedEdit::new(ForcedKind::Closed, Path::root()),
        ]));
    let mock = Mock::new().respond(steered);
    let report = Person::generation("Extract: John, 25, admin")
        .report(&mock)
        .await
        .unwrap();
    assert_eq!(report.attempt_count(), 1);
    let forced = report.forced().expect("the record");
    assert_eq!(forced.edits[0].kind, ForcedKind::Dropped);
    assert_eq!(
        forced.to_string(),
        "closed by the token budget: tags dropped, $ closed"
    );
    assert_eq!(report.attempts[0].finish, Some(Finish::Length));
}
