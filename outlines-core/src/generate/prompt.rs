//! The words the loop sends: the system prompt that states the value wanted, and the repair turn that
//! says what was wrong with the last reply.

use std::fmt::Write as _;

use crate::diagnostics::Violation;

/// How the value is described in the system prompt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SchemaInPrompt {
    /// `T::describe()`: compact, TypeScript-like, constraints as comments (the default).
    #[default]
    Describe,
    /// `T::json_schema()` as JSON.
    JsonSchema,
}

/// The system prompt: the caller's own instructions, then what to reply with.
pub(crate) fn system(
    instructions: Option<&str>,
    type_name: &str,
    schema_text: &str,
    form: SchemaInPrompt,
) -> String {
    let mut out = String::new();
    if let Some(text) = instructions.map(str::trim).filter(|t| !t.is_empty()) {
        out.push_str(text);
        out.push_str("\n\n");
    }
    match form {
        SchemaInPrompt::Describe => {
            let _ = write!(
                out,
                "Reply with one JSON value of type `{type_name}`, described below in TypeScript notation; \
                 comments state the rules each field must follow.\n\n{schema_text}"
            );
        }
        SchemaInPrompt::JsonSchema => {
            let _ = write!(
                out,
                "Reply with one JSON value that validates against this JSON Schema:\n\n{schema_text}"
            );
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("\nReply with the JSON value only: no prose, no code fences.");
    out
}

/// The most errors a repair turn lists; the rest are counted. A reply with thousands of errors
/// (a long array of wrong items) would otherwise make a repair turn far larger than the reply.
pub(crate) const MAX_LISTED_ERRORS: usize = 20;

/// The repair turn: every error of the last reply (path, what was expected, what was there, what is
/// wrong), and whether it was cut off.
pub(crate) fn repair(errors: &[Violation], truncated: bool) -> String {
    let mut out = String::new();
    if truncated {
        out.push_str(
            "Your reply was cut off: it reached the output token limit before the JSON value was complete. \
             Reply with a complete value, shorter if need be.\n",
        );
    }
    if !errors.is_empty() {
        out.push_str("Your reply is not a valid value:\n");
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
    out.push_str("Reply with the corrected JSON value only.");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{ErrorKind, Path, Segment};

    #[test]
    fn system_prompt_states_the_type_and_keeps_instructions_first() {
        let text = system(
            Some("Extract people."),
            "Person",
            "type Person = {};",
            SchemaInPrompt::Describe,
        );
        assert!(text.starts_with("Extract people.\n\nReply with one JSON value of type `Person`"));
        assert!(text.contains("type Person = {};"));
        assert!(text.ends_with("no code fences."));
        let bare = system(None, "Person", "{}", SchemaInPrompt::JsonSchema);
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
        let text = repair(&[error], true);
        assert!(text.starts_with("Your reply was cut off"));
        assert!(
            text.contains("- age: above the maximum (expected integer between 0 and 120, got 150)")
        );
        assert!(text.ends_with("Reply with the corrected JSON value only."));
    }
}
