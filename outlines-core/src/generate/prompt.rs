//! The words the loop sends: the system prompt that states the value wanted, and the repair turn that
//! says what was wrong with the last reply.

use std::fmt::Write as _;

use crate::diagnostics::Violation;
use crate::output::ReplyKind;

/// The system prompt: the caller's own instructions, then what to reply with (the output's
/// [`instructions`](crate::output::Output::instructions)).
pub(crate) fn system(instructions: Option<&str>, reply_with: &str) -> String {
    let mut out = String::new();
    if let Some(text) = instructions.map(str::trim).filter(|t| !t.is_empty()) {
        out.push_str(text);
        out.push_str("\n\n");
    }
    out.push_str(reply_with);
    out
}

/// The most errors a repair turn lists; the rest are counted. A reply with thousands of errors
/// (a long array of wrong items) would otherwise make a repair turn far larger than the reply.
pub(crate) const MAX_LISTED_ERRORS: usize = 20;

/// The repair turn: every error of the last reply (path, what was expected, what was there, what is
/// wrong), and whether it was cut off.
pub(crate) fn repair(errors: &[Violation], truncated: bool, kind: ReplyKind) -> String {
    let noun = kind.noun();
    let mut out = String::new();
    if truncated {
        out.push_str(&format!(
            "Your reply was cut off: it reached the output token limit before the {noun} was \
                 complete. Reply with a complete {noun}, shorter if need be.\n"
        ));
    }
    if !errors.is_empty() {
        let _ = writeln!(out, "Your reply is not a valid {noun}:");
        for error in errors.iter().take(MAX_LISTED_ERRORS) {
            let _ = writeln!(out, "- {error}");
        }
        if let Some(more) = errors
            .len()
            .checked_sub(MAX_LISTED_ERRORS)
            .filter(|n| *n > 0)
        {
            let _ = writeln!(
                out,
                "- ... and {more} more error{} like these",
                if more == 1 { "" } else { "s" }
            );
        }
    }
    let _ = write!(out, "Reply with the corrected {noun} only.");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Constraint;
    use crate::diagnostics::{ErrorKind, Path, Segment};
    use crate::output::{SchemaInPrompt, json_instructions};

    #[test]
    fn system_prompt_states_the_type_and_keeps_instructions_first() {
        let spec = crate::backend::SchemaSpec {
            name: "Person".into(),
            json_schema: serde_json::json!({"type": "object"}).into(),
            description: None,
        };
        let constraint = Constraint::Json(spec);
        let reply_with = json_instructions(
            "Person",
            "type Person = {};",
            &constraint,
            SchemaInPrompt::Describe,
        );
        let text = system(Some("Extract people."), &reply_with);
        assert!(text.starts_with("Extract people.\n\nReply with one JSON value of type `Person`"));
        assert!(text.contains("type Person = {};"));
        assert!(text.ends_with("no code fences."));
        let reply_with = json_instructions("Person", "", &constraint, SchemaInPrompt::JsonSchema);
        let bare = system(None, &reply_with);
        assert!(
            bare.starts_with("Reply with one JSON value that validates against this JSON Schema")
        );
    }

    #[test]
    fn repair_lists_every_error() {
        let error = Violation::new(
            ErrorKind::Constraint,
            Path::from_segments(vec![Segment::Key("age".into())]),
            "integer between 0 and 120",
            Some("150".into()),
            "above the maximum",
        );
        let text = repair(&[error], true, ReplyKind::Json);
        assert!(text.starts_with("Your reply was cut off"));
        assert!(
            text.contains("- age: above the maximum (expected integer between 0 and 120, got 150)")
        );
        assert!(text.ends_with("Reply with the corrected JSON value only."));
    }
}
