//! [`Grammar`]: an output whose value is text of a Lark grammar, checked byte by byte, so a reply
//! from any backend is read without the model's tokenizer.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use llguidance::TokenParser;
use outlines_core::backend::{self, Finish};
use outlines_core::diagnostics::{ErrorKind, Path, Violation};
use outlines_core::output::{Output, ReplyKind, SchemaInPrompt};
use serde_json::Value;
use toktrie::SimpleVob;

use crate::lark::{SourceKind, cap};
use crate::{GrammarError, Guide, GuideError, Vocabulary};

/// The grammar is shown to the model up to this many characters (then cut at a line).
const DESCRIBED_GRAMMAR: usize = 2_000;
/// At most this many examples are shown, each up to [`DESCRIBED_EXAMPLE`] characters.
const DESCRIBED_EXAMPLES: usize = 5;
const DESCRIBED_EXAMPLE: usize = 200;
/// What a reply has where it stops matching is quoted up to this many characters.
const EXCERPT: usize = 24;
/// What is allowed where a reply stops matching is listed up to this many items.
const EXPECTED_ITEMS: usize = 12;
/// Checking one reply gives up after this long. Each byte's step is bounded by llguidance's limits,
/// but a very ambiguous grammar makes steps slow on long texts (`x: x x | "a"` took 39 s over
/// 1,000 bytes before reaching its limit): past this the reply is reported as uncheckable.
const READ_TIME_LIMIT: Duration = Duration::from_secs(5);

/// An output whose value is text of a context-free grammar, written in the Lark syntax llguidance
/// reads (see the crate documentation): the local model is constrained to it token by token, and
/// a reply from any other backend is checked against it, byte by byte, with the same engine.
///
/// ```
/// use outlines_core::backend::Finish;
/// use outlines_core::output::Output;
/// use outlines_guide::Grammar;
///
/// let arithmetic = Grammar::lark(
///     r#"
///     start: expr
///     expr: expr ("+" | "-") term | term
///     term: term ("*" | "/") factor | factor
///     factor: NUMBER | "(" expr ")"
///     NUMBER: /[0-9]+/
///     "#,
/// )?
/// .with_examples(["1+2", "(3+4)*5"])?;
/// assert_eq!(arithmetic.read("(1+2)*3", &Finish::Stop).unwrap(), "(1+2)*3");
/// // Where it stops matching, and what was expected there.
/// let errors = arithmetic.read("(1+2)*x", &Finish::Stop).unwrap_err();
/// assert_eq!(
///     errors[0].to_string(),
///     r#"$: the text stops matching the grammar at character 6 at line 1 column 7 (expected `(` or a digit, got "x")"#
/// );
/// # Ok::<(), outlines_guide::GrammarError>(())
/// ```
///
/// Its reply is taken as it is, or without the whitespace around it when only that does not
/// match. A reply cut at the token limit that the grammar would let go on is not taken as
/// complete.
#[derive(Clone)]
pub struct Grammar {
    source: Arc<str>,
    /// The grammar compiled over single bytes.
    guide: Guide,
    examples: Arc<[String]>,
}

impl fmt::Debug for Grammar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grammar")
            .field("source", &cap(&self.source, 80))
            .field("examples", &self.examples.len())
            .finish()
    }
}

impl Grammar {
    /// A grammar output from a Lark grammar's text, compiled once. An invalid grammar is an error
    /// naming the problem, with its line and column where the compiler gives them; so is one past
    /// the limits that bound its cost ([`MAX_SOURCE_BYTES`](crate::MAX_SOURCE_BYTES),
    /// [`MAX_DEFINITIONS`](crate::MAX_DEFINITIONS)). Special tokens (`<|…|>`) are no text and are
    /// refused here.
    pub fn lark(source: &str) -> Result<Grammar, GrammarError> {
        let guide = Guide::from_lark(source, bytes()?).map_err(|e| match e {
            GuideError::Invalid(e) => e,
            other => GrammarError::Invalid {
                kind: SourceKind::Grammar,
                message: other.to_string(),
                location: None,
            },
        })?;
        Ok(Grammar {
            source: source.into(),
            guide,
            examples: Arc::from([]),
        })
    }

    /// The same output with examples of matching text, shown to the model (small models follow
    /// examples far better than grammars). Each is checked: one the grammar does not match is an
    /// error saying where it stops matching.
    pub fn with_examples<I, S>(mut self, examples: I) -> Result<Grammar, GrammarError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let examples: Vec<String> = examples.into_iter().map(Into::into).collect();
        for (index, example) in examples.iter().enumerate() {
            if let Err(problems) = self.check(example, &Finish::Stop) {
                let problem = problems.iter().map(ToString::to_string).collect();
                return Err(GrammarError::Example { index, problem });
            }
        }
        self.examples = examples.into();
        Ok(self)
    }

    /// The grammar's text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// `text` as it is if the grammar matches it, or else without the whitespace around it.
    fn check(&self, text: &str, finish: &Finish) -> Result<String, Vec<Violation>> {
        let Some(problem) = self.diagnose(text, 0, text, finish) else {
            return Ok(text.to_owned());
        };
        let trimmed = text.trim();
        if trimmed.len() == text.len() {
            return Err(vec![problem]);
        }
        // The trimmed text's problem, placed in the text as given.
        let lead = text.len() - text.trim_start().len();
        match self.diagnose(text, lead, trimmed, finish) {
            None => Ok(trimmed.to_owned()),
            Some(problem) => Err(vec![problem]),
        }
    }

    /// Why `part` (which starts `offset` bytes into `whole`) does not match, positions given in
    /// `whole`; `None` when it matches.
    fn diagnose(
        &self,
        whole: &str,
        offset: usize,
        part: &str,
        finish: &Finish,
    ) -> Option<Violation> {
        let bytes = part.as_bytes();
        let mut parser = self.fresh();
        let started = Instant::now();
        let mut refused = None;
        for (i, &byte) in bytes.iter().enumerate() {
            if i % 64 == 63 && started.elapsed() > READ_TIME_LIMIT {
                return Some(uncheckable(whole, offset + i, "it took too long"));
            }
            if parser.consume_token(u32::from(byte)).is_err() {
                refused = Some(i);
                break;
            }
        }
        let Some(i) = refused else {
            return self.at_end(&mut parser, whole, finish);
        };
        // The character the refused byte is in: what was allowed at its start.
        let start = floor_char_boundary(part, i);
        let mut parser = self.fresh();
        for &byte in &bytes[..start] {
            if parser.consume_token(u32::from(byte)).is_err() {
                return Some(uncheckable(whole, offset + start, "the parser's limits"));
            }
        }
        let mask = match parser.compute_mask() {
            Ok(mask) => mask,
            Err(e) => return Some(uncheckable(whole, offset + start, &e.to_string())),
        };
        if start == i && allowed(&mask, u32::from(bytes[i])) {
            // The byte is allowed: the step failed on a limit, not on the text.
            return Some(uncheckable(whole, offset + i, "the parser's limits"));
        }
        let at = offset + start;
        let (line, column) = line_column(whole, at);
        Some(
            Violation::new(
                ErrorKind::Syntax,
                Path::root(),
                expected(&mask),
                Some(excerpt(&whole[at..])),
                format!(
                    "the text stops matching the grammar at character {}",
                    whole[..at].chars().count()
                ),
            )
            .at(line, column),
        )
    }

    /// After the whole text: complete, cut off by the token limit, or incomplete.
    fn at_end(&self, parser: &mut TokenParser, whole: &str, finish: &Finish) -> Option<Violation> {
        let mask = match parser.compute_mask() {
            Ok(mask) => mask,
            Err(e) => return Some(uncheckable(whole, whole.len(), &e.to_string())),
        };
        let complete = parser.is_accepting();
        let goes_on = (0..=255u32).any(|b| allowed(&mask, b));
        let cut = *finish == Finish::Length && goes_on;
        if complete && !cut {
            return None;
        }
        let (line, column) = line_column(whole, whole.len());
        let (kind, message) = if *finish == Finish::Length {
            (
                ErrorKind::Budget,
                "the reply was cut off at the output token limit (the grammar lets it go on)",
            )
        } else {
            (ErrorKind::Syntax, "the text ends before the grammar does")
        };
        Some(
            Violation::new(
                kind,
                Path::root(),
                expected(&mask),
                None,
                format!("{message}, at character {}", whole.chars().count()),
            )
            .at(line, column),
        )
    }

    fn fresh(&self) -> TokenParser {
        let mut parser = self.guide.parser().clone();
        if parser.is_fresh() {
            parser.start_without_prompt();
        }
        parser
    }
}

impl Output for Grammar {
    type Value = String;

    fn name(&self) -> String {
        "grammar".into()
    }

    fn constraint(&self) -> backend::Constraint {
        backend::Constraint::Grammar(self.source.to_string())
    }

    fn reply_kind(&self) -> ReplyKind {
        ReplyKind::Text
    }

    /// The grammar (its first 2,000 characters, cut at a line) and up to five examples of 200
    /// characters.
    fn describe(&self) -> String {
        let mut out = String::from(
            "Text matching this grammar (Lark syntax: `start` is the whole text, \"quoted\" parts \
             are written as they are, /…/ are regular expressions, `|` separates alternatives, \
             `*` `+` `?` repeat):\n\n",
        );
        let source = self.source.trim();
        if source.chars().count() <= DESCRIBED_GRAMMAR {
            out.push_str(source);
        } else {
            let cut = cap(source, DESCRIBED_GRAMMAR);
            let shown = cut.rsplit_once('\n').map_or(cut.as_str(), |(kept, _)| kept);
            let more = source.lines().count() - shown.lines().count();
            out.push_str(shown);
            out.push_str(&format!("\n… ({more} more lines)"));
        }
        if !self.examples.is_empty() {
            out.push_str("\n\nExamples:");
            for example in self.examples.iter().take(DESCRIBED_EXAMPLES) {
                out.push('\n');
                out.push_str(&cap(example, DESCRIBED_EXAMPLE));
            }
        }
        out
    }

    fn examples(&self) -> Vec<Value> {
        self.examples.iter().cloned().map(Value::String).collect()
    }

    fn instructions(&self, _form: SchemaInPrompt) -> String {
        format!(
            "Reply with text that this grammar matches, and nothing else: no quotes around it, no \
             code fences, no explanation.\n\n{}",
            self.describe()
        )
    }

    fn read(&self, text: &str, finish: &Finish) -> Result<String, Vec<Violation>> {
        self.check(text, finish)
    }
}

/// The vocabulary of single bytes (and an end-of-sequence token) a [`Grammar`] is compiled over.
fn bytes() -> Result<&'static Vocabulary, GrammarError> {
    static BYTES: OnceLock<Result<Vocabulary, GuideError>> = OnceLock::new();
    BYTES
        .get_or_init(|| {
            let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
            tokens.push(b"<end>".to_vec());
            Vocabulary::from_token_bytes("bytes", tokens, &[], &[256])
        })
        .as_ref()
        .map_err(|e| GrammarError::Invalid {
            kind: SourceKind::Grammar,
            message: e.to_string(),
            location: None,
        })
}

fn allowed(mask: &SimpleVob, token: u32) -> bool {
    (token as usize) < mask.len() && mask.is_allowed(token)
}

/// A reply the grammar's parser could not get through (a limit, or the time limit).
fn uncheckable(whole: &str, at: usize, why: &str) -> Violation {
    let at = floor_char_boundary(whole, at);
    let (line, column) = line_column(whole, at);
    Violation::new(
        ErrorKind::Syntax,
        Path::root(),
        "",
        Some(excerpt(&whole[at..])),
        format!(
            "the text could not be checked against the grammar past character {} ({}): the \
             grammar is too ambiguous or too deeply recursive for a text this long",
            whole[..at].chars().count(),
            cap(why, 200)
        ),
    )
    .at(line, column)
}

/// The largest character boundary at or before `at`.
fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Line and column (1-based, in characters) of byte `at`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit_once('\n')
        .map_or(before, |(_, last)| last)
        .chars()
        .count()
        + 1;
    (line, column)
}

/// The start of `rest`, as a JSON string, shortened.
fn excerpt(rest: &str) -> String {
    let piece: String = rest.chars().take(EXCERPT).collect();
    let mut out = serde_json::to_string(&piece).unwrap_or_default();
    if piece.len() < rest.len() {
        out.push('…');
    }
    out
}

/// What the mask allows, in words: the characters (classes and runs where whole), non-ASCII
/// characters, the end of the text; at most [`EXPECTED_ITEMS`] items.
fn expected(mask: &SimpleVob) -> String {
    let ascii: Vec<u8> = (0..0x80u8)
        .filter(|&b| allowed(mask, u32::from(b)))
        .collect();
    let non_ascii = (0xC2..=0xF4u32).any(|b| allowed(mask, b));
    let end = allowed(mask, 256);
    let mut items: Vec<String> = Vec::new();
    let missing: Vec<u8> = (0x20..0x7Fu8)
        .chain(*b"\t\n\r")
        .filter(|b| !ascii.contains(b))
        .collect();
    let nearly_all = missing.len() <= 8;
    if nearly_all {
        // Nearly everything: say what is not allowed (control characters but line breaks and tabs
        // left unsaid).
        items.push(if missing.is_empty() {
            "any character".into()
        } else {
            let except: Vec<String> = missing.iter().map(|&b| char_name(b)).collect();
            format!("any character but {}", join(&except, "and"))
        });
    } else {
        let mut rest = ascii;
        for (from, to, name) in [
            (b'0', b'9', "a digit"),
            (b'a', b'z', "a lowercase letter"),
            (b'A', b'Z', "an uppercase letter"),
        ] {
            if (from..=to).all(|b| rest.contains(&b)) {
                rest.retain(|b| !(from..=to).contains(b));
                items.push(name.into());
            }
        }
        // Single characters first: they are what a grammar's literals need.
        let mut listed = runs(&rest);
        listed.append(&mut items);
        items = listed;
    }
    if non_ascii && !nearly_all {
        items.push("a non-ASCII character".into());
    }
    if end {
        items.push("the end of the text".into());
    }
    if items.is_empty() {
        return "nothing (the grammar allows no text here)".into();
    }
    if items.len() > EXPECTED_ITEMS {
        let more = items.len() - EXPECTED_ITEMS;
        items.truncate(EXPECTED_ITEMS);
        items.push(format!("{more} more"));
    }
    if nearly_all {
        // "any character but a and b, or the end of the text"
        return items.join(", or ");
    }
    join(&items, "or")
}

/// Bytes in order as items: runs of three or more as `` `a`–`f` ``, others one by one.
fn runs(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let mut j = i;
        while j + 1 < bytes.len()
            && bytes[j + 1] == bytes[j] + 1
            && bytes[j + 1].is_ascii_alphanumeric()
        {
            j += 1;
        }
        if j - i >= 2 && bytes[i].is_ascii_alphanumeric() {
            out.push(format!("{}–{}", char_name(bytes[i]), char_name(bytes[j])));
            i = j + 1;
        } else {
            out.push(char_name(bytes[i]));
            i += 1;
        }
    }
    out
}

/// An ASCII character as a reader sees it: `` `+` ``, a space, a line break.
fn char_name(b: u8) -> String {
    match b {
        b' ' => "a space".into(),
        b'\n' => "a line break".into(),
        b'\t' => "a tab".into(),
        b'\r' => "a carriage return".into(),
        b'`' => "a backtick".into(),
        b if (0x20..0x7F).contains(&b) => format!("`{}`", b as char),
        b => format!("U+{b:04X}"),
    }
}

/// `a`, `a or b`, `a, b or c`.
fn join(items: &[String], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {word} {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask_of(bytes: &[u8], end: bool) -> SimpleVob {
        let mut mask = SimpleVob::alloc(257);
        for &b in bytes {
            mask.allow_token(u32::from(b));
        }
        if end {
            mask.allow_token(256);
        }
        mask
    }

    #[test]
    fn expectations_read_as_classes_runs_and_characters() {
        assert_eq!(expected(&mask_of(b"0123456789", false)), "a digit");
        assert_eq!(
            expected(&mask_of(b"+-0123456789", true)),
            "`+`, `-`, a digit or the end of the text"
        );
        assert_eq!(expected(&mask_of(b"abcdef ", false)), "a space or `a`–`f`");
        let all: Vec<u8> = (0x20..0x7F)
            .chain(*b"\t\n\r")
            .filter(|&b| b != b'"')
            .collect();
        assert_eq!(expected(&mask_of(&all, false)), "any character but `\"`");
        let line: Vec<u8> = (0x20..0x7F).chain(*b"\t").collect();
        assert_eq!(
            expected(&mask_of(&line, true)),
            "any character but a line break and a carriage return, or the end of the text"
        );
        assert_eq!(
            expected(&mask_of(&[], false)),
            "nothing (the grammar allows no text here)"
        );
        let many: Vec<u8> = b"!#%&*,.:;<>?@^~".to_vec();
        assert!(expected(&mask_of(&many, false)).ends_with("or 3 more"));
    }

    #[test]
    fn positions_count_characters() {
        assert_eq!(line_column("ab\ncé\nd", 7), (3, 1));
        assert_eq!(line_column("ab\ncéd", 6), (2, 3));
        assert_eq!(floor_char_boundary("é", 1), 0);
        assert_eq!(excerpt("abc"), "\"abc\"");
        assert_eq!(excerpt(&"x".repeat(30)), format!("\"{}\"…", "x".repeat(24)));
    }
}
