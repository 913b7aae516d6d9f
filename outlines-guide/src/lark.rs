//! Regexes, choices and Lark grammars made into llguidance grammars: the limits that keep a hostile
//! one's cost bounded, the compiler run where its recursion cannot overflow a stack, and its errors
//! made readable ([`GrammarError`]).

use std::fmt;

use llguidance::api::TopLevelGrammar;
use llguidance::{ParserFactory, TokenParser};

/// The most bytes a regex, a Lark grammar or a list of choices (all choices together) may have.
/// llguidance's compile time grows faster than linearly past this (a grammar of 100,000
/// alternatives took 13 s to be refused on the reference machine); real grammars are a few KiB.
pub const MAX_SOURCE_BYTES: usize = 256 * 1024;

/// The most `:` a Lark grammar may hold. Every rule or terminal definition has one, so this bounds
/// the definitions, and with them how deep llguidance's compiler recurses, following references
/// from one definition to the next (it runs on a thread with a 128 MiB stack; 20,000 levels were
/// measured to fit in 64 MiB).
pub const MAX_DEFINITIONS: usize = 16 * 1024;

/// The most choices a choice list may have.
pub const MAX_CHOICES: usize = 100_000;

/// The stack the compiler runs on. It recurses once per reference level: a chain of 1,000 rules
/// overflowed a 2 MiB stack (a Tokio worker's) and 5,000 the main thread's 8 MiB, while 20,000 fit
/// in 64 MiB; 128 MiB leaves twice that margin for [`MAX_DEFINITIONS`]. Only the pages used are
/// ever committed.
const COMPILER_STACK: usize = 128 * 1024 * 1024;

/// Messages quoted from llguidance are cut to this many characters (they may quote the source).
const MESSAGE_LIMIT: usize = 300;

/// What kind of source a [`GrammarError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SourceKind {
    /// A regular expression.
    Regex,
    /// A list of choices.
    Choices,
    /// A Lark grammar.
    Grammar,
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceKind::Regex => "regex",
            SourceKind::Choices => "choice list",
            SourceKind::Grammar => "grammar",
        })
    }
}

/// Why a regex, a list of choices or a Lark grammar cannot constrain a generation, or why an
/// example does not match its grammar.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GrammarError {
    /// The source is not valid, or uses what a token constraint cannot enforce.
    #[error("invalid {kind}{}: {message}", at(*.location))]
    Invalid {
        /// What the source is.
        kind: SourceKind,
        /// What is wrong.
        message: String,
        /// Line and column (1-based) in the source, when the compiler says.
        location: Option<(usize, usize)>,
    },
    /// The source is past one of the limits that keep its cost bounded.
    #[error("the {kind} is too large: {what}")]
    TooLarge {
        /// What the source is.
        kind: SourceKind,
        /// Which limit, and by how much.
        what: String,
    },
    /// An example given to a grammar output does not match the grammar.
    #[error("example {index} does not match the grammar: {problem}")]
    Example {
        /// Its position among the examples (from 0).
        index: usize,
        /// Where it stops matching, and what was expected there.
        problem: String,
    },
}

fn at(location: Option<(usize, usize)>) -> String {
    location.map_or_else(String::new, |(line, column)| {
        format!(" at line {line}, column {column}")
    })
}

impl GrammarError {
    fn invalid(kind: SourceKind, message: impl Into<String>) -> GrammarError {
        GrammarError::Invalid {
            kind,
            message: message.into(),
            location: None,
        }
    }
}

/// The llguidance grammar of text `pattern` matches as a whole (the `regex` crate's syntax).
pub(crate) fn regex(pattern: &str) -> Result<TopLevelGrammar, GrammarError> {
    let kind = SourceKind::Regex;
    within_size(kind, pattern.len())?;
    // Parsed here first for the position of a syntax error (llguidance parses it with the same
    // crate, but reports it against the Lark grammar it wraps the regex in).
    if let Err(error) = regex_syntax::Parser::new().parse(pattern) {
        let (message, span) = match &error {
            regex_syntax::Error::Parse(e) => (e.kind().to_string(), Some(*e.span())),
            regex_syntax::Error::Translate(e) => (e.kind().to_string(), Some(*e.span())),
            other => (other.to_string(), None),
        };
        let location = span.map(|span| (span.start.line, span.start.column));
        return Err(GrammarError::Invalid {
            kind,
            message,
            location,
        });
    }
    Ok(TopLevelGrammar::from_regex(pattern))
}

/// The llguidance grammar of exactly one of `choices`: a single terminal, which llguidance
/// compiles into one automaton (alternatives as grammar rules would cost a symbol each).
pub(crate) fn choices(choices: &[String]) -> Result<TopLevelGrammar, GrammarError> {
    let kind = SourceKind::Choices;
    if choices.is_empty() {
        return Err(GrammarError::invalid(kind, "there are no choices"));
    }
    if choices.len() > MAX_CHOICES {
        return Err(GrammarError::TooLarge {
            kind,
            what: format!("{} choices, at most {MAX_CHOICES}", choices.len()),
        });
    }
    within_size(kind, choices.iter().map(String::len).sum())?;
    let mut lark = String::from("start: CHOICE\nCHOICE: ");
    for (i, choice) in choices.iter().enumerate() {
        if i > 0 {
            lark.push_str(" | ");
        }
        push_lark_string(&mut lark, choice);
    }
    Ok(TopLevelGrammar::from_lark(lark))
}

/// The llguidance grammar of a Lark grammar's text.
pub(crate) fn lark(source: &str) -> Result<TopLevelGrammar, GrammarError> {
    let kind = SourceKind::Grammar;
    within_size(kind, source.len())?;
    let colons = source.bytes().filter(|&b| b == b':').count();
    if colons > MAX_DEFINITIONS {
        return Err(GrammarError::TooLarge {
            kind,
            what: format!(
                "{colons} `:`, at most {MAX_DEFINITIONS} (each definition has one; the count \
                 bounds how deep the compiler recurses)"
            ),
        });
    }
    if source.trim().is_empty() {
        return Err(GrammarError::invalid(kind, "the grammar is empty"));
    }
    Ok(TopLevelGrammar::from_lark(source.to_owned()))
}

fn within_size(kind: SourceKind, bytes: usize) -> Result<(), GrammarError> {
    if bytes > MAX_SOURCE_BYTES {
        return Err(GrammarError::TooLarge {
            kind,
            what: format!("{bytes} bytes, at most {MAX_SOURCE_BYTES}"),
        });
    }
    Ok(())
}

/// Writes `text` as a Lark string literal: JSON's syntax, where llguidance also refuses a raw DEL.
fn push_lark_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Compiles `grammar` on a thread with a stack deep enough for the limits above (see
/// [`COMPILER_STACK`]); the caller's may be a 2 MiB one.
pub(crate) fn compile(
    factory: &ParserFactory,
    grammar: TopLevelGrammar,
    kind: SourceKind,
) -> Result<TokenParser, GrammarError> {
    let compiled = std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("outlines-guide-compile".into())
            .stack_size(COMPILER_STACK)
            .spawn_scoped(scope, || factory.create_parser(grammar));
        match thread {
            Ok(thread) => thread
                .join()
                .map_err(|_| "the compiler panicked".to_owned()),
            Err(e) => Err(format!("could not start the compiler's thread: {e}")),
        }
    });
    match compiled {
        Ok(Ok(parser)) => Ok(parser),
        Ok(Err(error)) => Err(readable(kind, &error.to_string())),
        Err(message) => Err(GrammarError::invalid(kind, message)),
    }
}

/// An llguidance compile error as a [`GrammarError`]: its first line, with the reason a regex
/// error gives on a later line, the location it starts with taken apart (`3(9): …`,
/// `at 3(9): …`; for a regex that location is in the Lark grammar wrapping it, so it is dropped).
fn readable(kind: SourceKind, error: &str) -> GrammarError {
    let first = error.lines().next().unwrap_or_default().trim();
    let (location, mut message) = match split_location(first) {
        Some((line, column, rest)) => (Some((line, column)), rest.to_owned()),
        None => (None, first.to_owned()),
    };
    if let Some(reason) = error
        .lines()
        .skip(1)
        .find_map(|line| line.trim().strip_prefix("error: "))
    {
        message = format!("{message} {reason}");
    }
    if message.contains("lookarounds not supported") {
        message = "look-around assertions (`\\b`, `\\B`, and `^` or `$` anywhere but at the very \
                   start or end) cannot be enforced token by token"
            .into();
    }
    if let Some(panic) = message.strip_prefix("panic: ") {
        message = format!("llguidance gave up on it ({panic})");
    }
    let location = if kind == SourceKind::Regex {
        message = message
            .split_once("(in regex): ")
            .map_or(message.clone(), |(_, rest)| rest.to_owned());
        None
    } else {
        location
    };
    GrammarError::Invalid {
        kind,
        message: cap(&message, MESSAGE_LIMIT),
        location,
    }
}

/// `3(9): rest` or `at 3(9): rest` as `(3, 9, rest)`.
fn split_location(text: &str) -> Option<(usize, usize, &str)> {
    let text = text.strip_prefix("at ").unwrap_or(text);
    let (line, rest) = text.split_once('(')?;
    let (column, rest) = rest.split_once("):")?;
    Some((line.parse().ok()?, column.parse().ok()?, rest.trim_start()))
}

/// `text` cut to `limit` characters, with `…` when cut.
pub(crate) fn cap(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_read_off_the_compiler_messages() {
        assert_eq!(
            split_location("3(9): Expected token '_'"),
            Some((3, 9, "Expected token '_'"))
        );
        assert_eq!(
            split_location("at 2(7): unknown name: \"foo\""),
            Some((2, 7, "unknown name: \"foo\""))
        );
        assert_eq!(split_location("no start rule found"), None);
        let error = readable(
            SourceKind::Regex,
            "at 1(8): invalid regex \"[a-\" (in regex): regex parse error:\n    [a-\n    ^\nerror: unclosed character class",
        );
        assert_eq!(
            error.to_string(),
            "invalid regex: regex parse error: unclosed character class"
        );
    }

    #[test]
    fn choices_become_lark_strings() {
        let mut out = String::new();
        push_lark_string(&mut out, "a\"b\\c\nd\u{7f}é😀");
        assert_eq!(out, r#""a\"b\\c\u000ad\u007fé😀""#);
    }

    #[test]
    fn cap_cuts_at_a_character() {
        assert_eq!(cap("héllo", 2), "hé…");
        assert_eq!(cap("hé", 2), "hé");
    }
}
