//! [`Regex`]: text that a regular expression matches as a whole. The pattern is parsed once into
//! `regex-syntax`'s tree (for examples) and a lazy DFA (for reading replies: [`automaton`]); the
//! characters a reply could have had are put in words by [`chars`].

mod automaton;
mod chars;
#[cfg(test)]
mod pattern_stops;
mod sample;

use std::fmt;
use std::sync::Arc;

use regex_syntax::hir::Hir;
use serde_json::Value;

use self::automaton::{Automaton, Next, Walk};
use super::words::{code_span, head, listing, tail};
use super::{Output, ReplyKind, SchemaInPrompt};
use crate::backend::{Constraint, Finish};
use crate::diagnostics::{ErrorKind, Path, Violation};

/// How many examples are made from the pattern (when it gives them).
const GENERATED_EXAMPLES: usize = 3;

/// How much of the pattern a prompt shows, in characters.
const SHOWN_PATTERN: usize = 1000;

/// How many characters of the reply a message quotes on each side of where it stops matching.
const EXCERPT: usize = 24;

/// Text that a regular expression matches as a whole: the value is the text.
///
/// # Syntax
///
/// The [`regex` crate's syntax](https://docs.rs/regex/latest/regex/#syntax), parsed by
/// `regex-syntax` — the same parser llguidance uses, so a pattern means the same on the local model
/// and in the check of every other backend's reply. Unicode is on: `\d`, `\w`, `\s` and `.` are
/// Unicode-aware (`(?-u:\d)` for ASCII), and `.` does not match `\n` (`(?s)` makes it). The whole
/// reply must match: the pattern is anchored at both ends, so `^`/`\A` and `$`/`\z` are implied.
///
/// How it differs from a JSON Schema `pattern` (ECMA-262, which `#[outline(pattern)]` and runtime
/// schemas follow): an ECMA pattern matches anywhere in the string unless anchored, here the whole
/// reply must match; ECMA has look-ahead, look-behind and backreferences, this syntax has none;
/// ECMA's `\d` and `\w` are ASCII, here they are Unicode; `\z`, `(?i)`-style inline flags and
/// `\p{Greek}` classes are this syntax's own. Word boundaries (`\b`) and line anchors (`(?m)^`) are
/// checked here but llguidance refuses them, and llama.cpp's GBNF cannot say them (such a pattern
/// goes to llama.cpp's server in the prompt alone).
///
/// # Limits
///
/// A pattern is at most [`Regex::MAX_PATTERN_LEN`] bytes, nests at most [`Regex::NEST_LIMIT`] groups or
/// repetitions deep, and compiles to at most 10 MiB of automaton (the `regex` crate's own limit):
/// `a{100000}{100000}` is an error at once, not a hang. Replies are read with a lazy DFA whose
/// cache is bounded, so even a pattern whose full DFA would be exponential reads a reply in time
/// linear in its length.
///
/// # Where it is enforced
///
/// vLLM receives the pattern as `structured_outputs: {"regex": ...}`, llama.cpp's server as a GBNF
/// grammar where GBNF says exactly the same, the local model as llguidance's token mask (see the
/// OpenAI-compatible backend's `SchemaParameter` for the HTTP side); every other backend gets it
/// in the system prompt alone, with up to three examples made from the pattern (each checked to
/// match): a small model copies an example's shape more reliably than it reads a pattern. Every
/// reply is checked here either way, and a wrong one repaired.
///
/// # Reading a reply
///
/// The reply as it came, or, if that does not match, the reply without surrounding ASCII whitespace
/// (an API model often ends with a newline). When neither matches, the one violation says where the
/// reply stops matching — the number of characters that do match, the last of them, the character
/// found there — and what the pattern allowed at that point, in words (`a digit`, `"-"`,
/// `one of [a-f0-9]`, `the end of the reply`); or that the reply ended too early, and what could
/// have come next.
///
/// A reply that stopped at the output token limit ([`Finish::Length`]) and matches is taken only
/// when nothing could follow it (`\d{3}` after `123`): if the pattern allows more (`\d+` after
/// `123`), the reply is taken as cut off, like a JSON number cut at the limit, and repaired. Raise
/// the token budget or bound the pattern when this matters.
///
/// # Example
///
/// ```
/// use outlines_core::GenerateOutput;
/// use outlines_core::backend::mock::Mock;
/// use outlines_core::output::Regex;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let phone = Regex::new(r"\(\d{3}\) \d{3}-\d{4}")?;
/// // The first reply has a letter where a digit belongs; the repair turn says so.
/// let backend = Mock::new().reply("(555) 12x-4567").reply("(555) 123-4567");
/// let number = phone.generate(&backend, "Alice's phone number, from: ...").await?;
/// assert_eq!(number, "(555) 123-4567");
/// let repair = &backend.requests()[1].messages[2].content;
/// assert!(repair.contains(r#"stops matching the pattern after 8 characters ("(555) 12")"#));
/// assert!(repair.contains(r#"(expected a digit, got "x-4567")"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct Regex {
    compiled: Arc<Compiled>,
    /// Examples given by the caller, each checked.
    examples: Vec<String>,
}

struct Compiled {
    pattern: String,
    automaton: Automaton,
    /// Examples made from the pattern, each checked.
    samples: Vec<String>,
}

/// Why a pattern, or an example given for it, was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegexError {
    /// The pattern is longer than [`Regex::MAX_PATTERN_LEN`].
    #[error("the pattern is {len} bytes long; at most {limit} are accepted")]
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// [`Regex::MAX_PATTERN_LEN`].
        limit: usize,
    },
    /// The pattern is not a regular expression in the `regex` crate's syntax.
    #[error("invalid regular expression: {message}")]
    Syntax {
        /// What is wrong and where (a character offset and an excerpt).
        message: String,
        /// The character offset in the pattern where the problem starts.
        offset: usize,
    },
    /// The pattern matches no text at all (`[^\s\S]`): no reply could be valid.
    #[error("the regular expression matches no text at all")]
    MatchesNothing,
    /// The pattern compiles to more than the size limit.
    #[error("the regular expression is too large to compile: {0}")]
    TooLarge(String),
    /// An example given with [`Regex::with_examples`] does not match.
    #[error("example {index} does not match the pattern: {reason}")]
    Example {
        /// Its position among the examples given (from 0).
        index: usize,
        /// Where it stops matching.
        reason: String,
    },
}

impl Regex {
    /// The longest pattern accepted, in bytes.
    pub const MAX_PATTERN_LEN: usize = 64 * 1024;

    /// How deeply groups and repetitions may nest in a pattern.
    pub const NEST_LIMIT: u32 = 100;

    /// Compiles `pattern` (the `regex` crate's syntax; the whole reply must match).
    ///
    /// ```
    /// use outlines_core::output::{Regex, RegexError};
    ///
    /// assert!(Regex::new(r"[A-Z]{2}-\d{4}").is_ok());
    /// let error = Regex::new(r"(\d+").unwrap_err();
    /// assert!(matches!(error, RegexError::Syntax { offset: 0, .. }), "{error}");
    /// assert!(matches!(Regex::new("a{100000}{100000}"), Err(RegexError::TooLarge(_))));
    /// ```
    pub fn new(pattern: &str) -> Result<Regex, RegexError> {
        if pattern.len() > Regex::MAX_PATTERN_LEN {
            return Err(RegexError::TooLong {
                len: pattern.len(),
                limit: Regex::MAX_PATTERN_LEN,
            });
        }
        let hir = parse(pattern)?;
        if hir.properties().minimum_len().is_none() {
            return Err(RegexError::MatchesNothing);
        }
        let automaton = Automaton::new(&hir).map_err(RegexError::TooLarge)?;
        let mut cache = automaton.cache();
        let samples = sample::candidates(&hir, 4 * GENERATED_EXAMPLES)
            .into_iter()
            .filter(|s| automaton.is_match(&mut cache, s))
            .take(GENERATED_EXAMPLES)
            .collect();
        Ok(Regex {
            compiled: Arc::new(Compiled {
                pattern: pattern.to_owned(),
                automaton,
                samples,
            }),
            examples: Vec::new(),
        })
    }

    /// The same pattern with these examples too, shown first in the prompt; each must match.
    ///
    /// ```
    /// use outlines_core::Output;
    /// use outlines_core::output::Regex;
    ///
    /// let sku = Regex::new(r"[A-Z]{2}-\d{4}")?.with_examples(["AB-1234"])?;
    /// assert_eq!(sku.examples()[0], "AB-1234");
    /// assert!(Regex::new(r"\d+")?.with_examples(["12a"]).is_err());
    /// # Ok::<(), outlines_core::output::RegexError>(())
    /// ```
    pub fn with_examples<I, S>(mut self, examples: I) -> Result<Regex, RegexError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut cache = self.compiled.automaton.cache();
        for (index, example) in examples.into_iter().enumerate() {
            let example = example.into();
            if !self.compiled.automaton.is_match(&mut cache, &example) {
                let reason = self.mismatch(&example, &Finish::Stop).to_string();
                return Err(RegexError::Example { index, reason });
            }
            self.examples.push(example);
        }
        Ok(self)
    }

    /// The pattern, as given.
    pub fn pattern(&self) -> &str {
        &self.compiled.pattern
    }

    /// Whether the pattern matches the whole of `text`.
    pub fn is_match(&self, text: &str) -> bool {
        let automaton = &self.compiled.automaton;
        automaton.is_match(&mut automaton.cache(), text)
    }

    /// The examples shown in prompts: the caller's, then those made from the pattern.
    fn shown_examples(&self) -> impl Iterator<Item = &String> {
        self.examples
            .iter()
            .chain(&self.compiled.samples)
            .take(GENERATED_EXAMPLES.max(self.examples.len().min(5)))
    }

    /// Why `text` (no match) does not match: where it stops, or that it ends too early.
    fn mismatch(&self, text: &str, finish: &Finish) -> Violation {
        let automaton = &self.compiled.automaton;
        let mut cache = automaton.cache();
        let trimmed = text.trim_matches(|c: char| c.is_ascii_whitespace());
        // Leading whitespace is ASCII: its bytes are its characters.
        let skipped = text.len()
            - text
                .trim_start_matches(|c: char| c.is_ascii_whitespace())
                .len();
        let cut = *finish == Finish::Length;
        let at = |prefix: &str| skipped + prefix.chars().count();
        let after = |prefix: &str| {
            if prefix.is_empty() {
                String::new()
            } else {
                format!(" ({})", tail(prefix, EXCERPT))
            }
        };
        let expected = |cache: &mut regex_automata::hybrid::dfa::Cache, prefix: &str| {
            automaton
                .next(cache, prefix)
                .and_then(|next: Next| chars::expected(&next))
                .unwrap_or_else(|| "text the pattern allows".to_owned())
        };
        let (message, expected, got, prefix) = match automaton.walk(&mut cache, trimmed) {
            Walk::Early if trimmed.is_empty() && !cut => (
                "the reply is empty".to_owned(),
                expected(&mut cache, ""),
                None,
                None,
            ),
            Walk::Early => {
                let how = if cut {
                    "the reply was cut off at the output token limit"
                } else {
                    "the reply ends too early"
                };
                (
                    format!("{how}, after {}{}", characters(at(trimmed)), after(trimmed)),
                    expected(&mut cache, trimmed),
                    None,
                    Some(trimmed),
                )
            }
            Walk::Stops(stop) => {
                let prefix = &trimmed[..stop];
                let message = if stop == 0 {
                    "the reply does not match the pattern from its first character".to_owned()
                } else {
                    format!(
                        "the reply stops matching the pattern after {}{}",
                        characters(at(prefix)),
                        after(prefix)
                    )
                };
                let got = head(&trimmed[stop..], EXCERPT);
                (
                    message,
                    expected(&mut cache, prefix),
                    Some(got),
                    Some(prefix),
                )
            }
            Walk::Match | Walk::Unknown(_) => (
                "the reply does not match the pattern".to_owned(),
                format!("text matching {}", code_span(self.pattern(), 200)),
                Some(head(trimmed, EXCERPT * 2)),
                None,
            ),
        };
        let violation = Violation::new(ErrorKind::Constraint, Path::root(), expected, got, message);
        // Where a reply runs over several lines, say the line and column too.
        let consumed = prefix.map_or("", |prefix| &text[..skipped + prefix.len()]);
        match consumed.rfind('\n') {
            Some(newline) => violation.at(
                consumed.matches('\n').count() + 1,
                consumed[newline + 1..].chars().count() + 1,
            ),
            None => violation,
        }
    }

    /// A reply that matches but stopped at the token limit while the pattern allows more.
    fn cut_off(&self, text: &str) -> Violation {
        let automaton = &self.compiled.automaton;
        let mut cache = automaton.cache();
        let expected = automaton
            .next(&mut cache, text)
            .and_then(|next| chars::expected(&next))
            .unwrap_or_else(|| "more text the pattern allows".to_owned());
        Violation::new(
            ErrorKind::Constraint,
            Path::root(),
            expected,
            None,
            format!(
                "the reply was cut off at the output token limit after {} ({}): it matches so \
                 far, but the pattern allows more",
                characters(text.chars().count()),
                tail(text, EXCERPT)
            ),
        )
    }
}

impl fmt::Debug for Regex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Regex")
            .field("pattern", &self.compiled.pattern)
            .field("examples", &self.examples)
            .finish_non_exhaustive()
    }
}

impl Output for Regex {
    type Value = String;

    fn name(&self) -> String {
        "regex".to_owned()
    }

    fn constraint(&self) -> Constraint {
        Constraint::Regex(self.compiled.pattern.clone())
    }

    fn reply_kind(&self) -> ReplyKind {
        ReplyKind::Text
    }

    /// `text matching the regular expression `…` as a whole, e.g. "…" or "…"`: the pattern
    /// (its first 1,000 characters), then up to three examples.
    fn describe(&self) -> String {
        let mut out = format!(
            "text matching the regular expression {} as a whole",
            code_span(self.pattern(), SHOWN_PATTERN)
        );
        let examples: Vec<String> = self.shown_examples().map(|e| head(e, 100)).collect();
        if let Some((last, rest)) = examples.split_last() {
            out.push_str(", e.g. ");
            if !rest.is_empty() {
                out.push_str(&rest.join(", "));
                out.push_str(" or ");
            }
            out.push_str(last);
        }
        out
    }

    fn examples(&self) -> Vec<Value> {
        self.examples
            .iter()
            .chain(&self.compiled.samples)
            .map(|e| Value::String(e.clone()))
            .collect()
    }

    /// The pattern and its examples, with the reminder to reply with the text alone.
    fn instructions(&self, _form: SchemaInPrompt) -> String {
        let mut out = format!(
            "Reply with text that the regular expression below matches as a whole (Rust `regex` \
             syntax): that text alone, with no quotes around it, no code fences and no \
             explanation.\n\nRegular expression: {}\n",
            code_span(self.pattern(), SHOWN_PATTERN)
        );
        let examples: Vec<String> = self.shown_examples().cloned().collect();
        if !examples.is_empty() {
            let (list, bare) = listing(&examples, examples.len(), 2000);
            if bare {
                out.push_str("\nExamples of replies that match, one per line:\n");
            } else {
                out.push_str(
                    "\nExamples of replies that match, as JSON strings (reply with the text \
                     inside the quotes, not the quotes):\n",
                );
            }
            out.push_str(&list);
        }
        out
    }

    fn read(&self, text: &str, finish: &Finish) -> Result<String, Vec<Violation>> {
        let automaton = &self.compiled.automaton;
        let mut cache = automaton.cache();
        let trimmed = text.trim_matches(|c: char| c.is_ascii_whitespace());
        let candidates = if trimmed.len() == text.len() {
            &[text][..]
        } else {
            &[text, trimmed][..]
        };
        for &candidate in candidates {
            if automaton.is_match(&mut cache, candidate) {
                if *finish == Finish::Length && automaton.can_continue(&mut cache, candidate) {
                    return Err(vec![self.cut_off(candidate)]);
                }
                return Ok(candidate.to_owned());
            }
        }
        Err(vec![self.mismatch(text, finish)])
    }
}

/// Parses `pattern` with the crate's limits, or says what is wrong and where.
fn parse(pattern: &str) -> Result<Hir, RegexError> {
    let error = match regex_syntax::ParserBuilder::new()
        .nest_limit(Regex::NEST_LIMIT)
        .build()
        .parse(pattern)
    {
        Ok(hir) => return Ok(hir),
        Err(error) => error,
    };
    let (kind, start) = match &error {
        regex_syntax::Error::Parse(e) => (e.kind().to_string(), e.span().start.offset),
        regex_syntax::Error::Translate(e) => (e.kind().to_string(), e.span().start.offset),
        other => (other.to_string(), 0),
    };
    let start = start.min(pattern.len());
    let offset = pattern
        .char_indices()
        .take_while(|(at, _)| *at < start)
        .count();
    let at = pattern
        .char_indices()
        .nth(offset)
        .map_or(pattern.len(), |(at, _)| at);
    Err(RegexError::Syntax {
        message: format!(
            "{kind}, at character {offset} ({})",
            quote_excerpt(&pattern[at..])
        ),
        offset,
    })
}

/// `1 character`, `2 characters`.
fn characters(n: usize) -> String {
    if n == 1 {
        "1 character".to_owned()
    } else {
        format!("{n} characters")
    }
}

fn quote_excerpt(s: &str) -> String {
    if s.is_empty() {
        "the end of the pattern".to_owned()
    } else {
        head(s, EXCERPT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_say_where() {
        let error = Regex::new(r"ab[c").unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"invalid regular expression: unclosed character class, at character 2 ("[c")"#
        );
        let error = Regex::new(r"é\p{Nope}").unwrap_err();
        assert!(
            matches!(&error, RegexError::Syntax { offset: 1, .. }),
            "{error}"
        );
        let deep = format!("{}a{}", "(".repeat(200), ")".repeat(200));
        assert!(matches!(Regex::new(&deep), Err(RegexError::Syntax { .. })));
        assert!(Regex::new("x").unwrap().describe().contains("`x`"));
    }
}
