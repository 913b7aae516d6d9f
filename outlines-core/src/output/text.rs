//! [`Text`]: free text, any reply at all.

use super::{Output, ReplyKind, SchemaInPrompt};
use crate::backend::{Constraint, Finish};
use crate::diagnostics::Violation;

/// Free text: every reply is valid, and the value is the reply as it came (untrimmed; an empty
/// reply is an empty text).
///
/// Its length is the generation's token budget, [`Generation::max_tokens`](crate::Generation::max_tokens):
/// a reply cut at that limit ([`Finish::Length`]) is still the value, since the budget is the
/// point — the [`Report`](crate::Report) keeps the finish reason for callers who care. No backend
/// constrains it; the system prompt adds only "Reply in plain text." to your instructions.
///
/// ```
/// use outlines_core::GenerateOutput;
/// use outlines_core::backend::mock::Mock;
/// use outlines_core::output::Text;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let backend = Mock::new().reply("Rust is a systems programming language.");
/// let summary = Text::new()
///     .generation("Summarize Rust in one sentence.")
///     .max_tokens(60)
///     .run(&backend)
///     .await?;
/// assert_eq!(summary, "Rust is a systems programming language.");
/// # Ok::<(), outlines_core::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Text {
    _private: (),
}

impl Text {
    /// Free text.
    pub fn new() -> Text {
        Text::default()
    }
}

impl Output for Text {
    type Value = String;

    fn name(&self) -> String {
        "text".to_owned()
    }

    fn constraint(&self) -> Constraint {
        Constraint::Text
    }

    fn reply_kind(&self) -> ReplyKind {
        ReplyKind::Text
    }

    fn describe(&self) -> String {
        "free text".to_owned()
    }

    fn instructions(&self, _form: SchemaInPrompt) -> String {
        "Reply in plain text.".to_owned()
    }

    fn read(&self, text: &str, _finish: &Finish) -> Result<String, Vec<Violation>> {
        Ok(text.to_owned())
    }
}
