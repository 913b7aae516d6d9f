//! [`Choice`]: exactly one of several strings.
//!
//! A reply is the choice it equals, as it came or without surrounding ASCII whitespace (the
//! local model and vLLM write a choice exactly; an API model may add a newline). Anything else —
//! another letter case, quotes, a sentence around the choice — is wrong, and the violation lists
//! the choices and names the closest one, so the repair turn can say what was meant.
//!
//! A reply that stopped at the output token limit ([`Finish::Length`]) is taken only when no
//! longer choice starts with it: `pos` cut at the limit may have been on its way to `positive`.

use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::Value;

use super::words::{head, listing, quote};
use super::{Output, ReplyKind, SchemaInPrompt};
use crate::backend::{Constraint, Finish};
use crate::diagnostics::{ErrorKind, Path, Violation};

/// How many choices a message or a description lists before counting the rest.
const LISTED: usize = 20;

/// How many choices the system prompt lists, and about how many characters, before counting the
/// rest (a backend that enforces the choice natively needs none of them).
const PROMPT_LISTED: usize = 200;
const PROMPT_CHARS: usize = 8000;

/// How many characters of each string the closest-choice search compares.
const COMPARED: usize = 64;

/// How many choices, and how many bytes of the reply, the closest-choice search looks at.
const HINTED: usize = 10_000;
const HINT_REPLY: usize = 4096;

/// Exactly one of several strings: the value is the choice.
///
/// ```
/// use outlines_core::GenerateOutput;
/// use outlines_core::backend::mock::Mock;
/// use outlines_core::output::Choice;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let sentiment = Choice::new(["positive", "negative", "neutral"])?;
/// let backend = Mock::new().reply("Positive.").reply("positive\n");
/// let label = sentiment.generate(&backend, "Review: I loved it.").await?;
/// assert_eq!(label, "positive");
/// let repair = &backend.requests()[1].messages[2].content;
/// assert!(repair.contains(r#"the closest is "positive""#), "{repair}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct Choice {
    choices: Arc<[String]>,
}

/// Why a list of choices was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChoiceError {
    /// No choices.
    #[error("a choice needs at least one string to choose from")]
    Empty,
    /// The same string twice.
    #[error("the choice {0} is listed twice")]
    Duplicate(String),
}

impl Choice {
    /// The choices, in order; none may be listed twice, and there must be at least one.
    ///
    /// ```
    /// use outlines_core::output::{Choice, ChoiceError};
    ///
    /// assert!(Choice::new(["yes", "no"]).is_ok());
    /// assert_eq!(Choice::new(Vec::<String>::new()).unwrap_err(), ChoiceError::Empty);
    /// assert!(matches!(Choice::new(["a", "b", "a"]), Err(ChoiceError::Duplicate(_))));
    /// ```
    pub fn new<I, S>(choices: I) -> Result<Choice, ChoiceError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let choices: Vec<String> = choices.into_iter().map(Into::into).collect();
        if choices.is_empty() {
            return Err(ChoiceError::Empty);
        }
        let mut sorted: Vec<&String> = choices.iter().collect();
        sorted.sort_unstable();
        if let Some(pair) = sorted.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(ChoiceError::Duplicate(head(pair[0], 60)));
        }
        Ok(Choice {
            choices: choices.into(),
        })
    }

    /// The choices, in order.
    pub fn choices(&self) -> &[String] {
        &self.choices
    }

    /// The choice `text` is, as it came or trimmed.
    fn find(&self, text: &str) -> Option<&String> {
        let trimmed = text.trim_matches(|c: char| c.is_ascii_whitespace());
        self.choices
            .iter()
            .find(|c| *c == text)
            .or_else(|| self.choices.iter().find(|c| *c == trimmed))
    }

    /// A longer choice that starts with `text`, if any.
    fn longer(&self, text: &str) -> Option<&String> {
        self.choices
            .iter()
            .find(|c| c.len() > text.len() && c.starts_with(text))
    }

    /// `one of "a", "b" or "c"`, the first [`LISTED`] and a count of the rest.
    fn one_of(&self) -> String {
        let quoted: Vec<String> = self
            .choices
            .iter()
            .take(LISTED)
            .map(|c| head(c, 60))
            .collect();
        let mut out = match quoted.split_last() {
            Some((only, [])) => only.clone(),
            Some((last, rest)) if self.choices.len() <= LISTED => {
                format!("one of {} or {last}", rest.join(", "))
            }
            _ => format!("one of {}", quoted.join(", ")),
        };
        if self.choices.len() > LISTED {
            let _ = write!(out, " and {} more", self.choices.len() - LISTED);
        }
        out
    }

    /// What the reply most likely meant: a choice it equals but for letter case, the longest
    /// choice it contains, a choice it starts, or the choice fewest edits away (when that is less
    /// than half of it).
    fn closest(&self, text: &str) -> Option<String> {
        // Bounded work for a huge reply or list: its first few thousand bytes, the first choices.
        let trimmed = cut(text.trim(), HINT_REPLY);
        let lower = trimmed.to_lowercase();
        let choices = || self.choices.iter().take(HINTED);
        if let Some(c) = choices().find(|c| c.to_lowercase() == lower) {
            return Some(format!("it differs from {} only in letter case", quote(c)));
        }
        if let Some(c) = choices()
            .filter(|c| !c.trim().is_empty() && trimmed.contains(c.as_str()))
            .max_by_key(|c| c.len())
        {
            return Some(format!(
                "it contains {}, which must be the whole reply",
                head(c, 60)
            ));
        }
        if let Some(c) = self.longer(trimmed).filter(|_| !trimmed.is_empty()) {
            return Some(format!("it is only the start of {}", head(c, 60)));
        }
        let reply: Vec<char> = lower.chars().take(COMPARED).collect();
        let (distance, best) = choices()
            .map(|c| {
                let choice: Vec<char> = c.to_lowercase().chars().take(COMPARED).collect();
                (edits(&reply, &choice), c)
            })
            .min_by_key(|(distance, _)| *distance)?;
        let longer = reply.len().max(best.chars().count().min(COMPARED));
        (2 * distance < longer).then(|| format!("the closest is {}", head(best, 60)))
    }
}

impl Output for Choice {
    type Value = String;

    fn name(&self) -> String {
        "choice".to_owned()
    }

    fn constraint(&self) -> Constraint {
        Constraint::Choice(self.choices.to_vec())
    }

    fn reply_kind(&self) -> ReplyKind {
        ReplyKind::Text
    }

    /// `one of "a", "b" or "c"`: the first 20 choices, and a count of the rest.
    fn describe(&self) -> String {
        self.one_of()
    }

    /// The first ten choices.
    fn examples(&self) -> Vec<Value> {
        self.choices
            .iter()
            .take(10)
            .map(|c| Value::String(c.clone()))
            .collect()
    }

    /// The choices one per line (as JSON strings when one has a line break or surrounding
    /// whitespace), with the reminder to reply with one of them alone.
    fn instructions(&self, _form: SchemaInPrompt) -> String {
        let (list, bare) = listing(&self.choices, PROMPT_LISTED, PROMPT_CHARS);
        let how = if bare {
            "exactly as written below"
        } else {
            "written below as a JSON string; reply with the text inside the quotes, not the quotes"
        };
        format!(
            "Reply with exactly one of these choices, {how}: that choice alone, with no quotes \
             around it, no punctuation and no explanation.\n\n{list}"
        )
    }

    fn read(&self, text: &str, finish: &Finish) -> Result<String, Vec<Violation>> {
        let cut = *finish == Finish::Length;
        if let Some(choice) = self.find(text) {
            return match self.longer(choice).filter(|_| cut) {
                Some(longer) => Err(vec![Violation::new(
                    ErrorKind::Variant,
                    Path::root(),
                    self.one_of(),
                    Some(quote(choice)),
                    format!(
                        "the reply was cut off at the output token limit: it may be the start \
                         of {}",
                        head(longer, 60)
                    ),
                )]),
                None => Ok(choice.clone()),
            };
        }
        let trimmed = text.trim_matches(|c: char| c.is_ascii_whitespace());
        let message = match self.longer(trimmed).filter(|_| cut && !trimmed.is_empty()) {
            Some(longer) => format!(
                "the reply was cut off at the output token limit: it may be the start of {}",
                head(longer, 60)
            ),
            None => {
                let count = self.choices.len();
                let mut message = if count == 1 {
                    "the reply is not the one choice".to_owned()
                } else {
                    format!("the reply is not one of the {count} choices")
                };
                if let Some(hint) = self.closest(text) {
                    message.push_str("; ");
                    message.push_str(&hint);
                }
                message
            }
        };
        Err(vec![Violation::new(
            ErrorKind::Variant,
            Path::root(),
            self.one_of(),
            Some(head(text, 120)),
            message,
        )])
    }
}

/// The first `limit` bytes of `s`, cut back to a character boundary.
fn cut(s: &str, limit: usize) -> &str {
    if s.len() <= limit {
        return s;
    }
    let mut end = limit;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The Levenshtein distance between `a` and `b`.
fn edits(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(edits(&chars("kitten"), &chars("sitting")), 3);
        assert_eq!(edits(&chars(""), &chars("abc")), 3);
        assert_eq!(edits(&chars("négatif"), &chars("negative")), 3);
    }
}
