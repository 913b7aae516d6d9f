//! Lenient reading: the JSON value in a reply the way models really write it, with every fix said.
//!
//! A reply is read strictly first; only when that fails does this run, so a clean reply (and every
//! reply of a backend that enforces the schema token by token) costs nothing more. Then:
//!
//! 1. **Where the value is** ([`candidates`]): a byte-order mark is dropped; Markdown code fences
//!    (```` ``` ````, `~~~`, any info string) are opened; prose, tags and other text around the value
//!    are passed over; a reply holding several values gives several candidates.
//! 2. **Syntax slips** ([`syntax`]): trailing commas, comments, single or typographic quotes,
//!    unquoted keys, `True`/`False`/`None`/`undefined`, raw control characters in strings, and a
//!    reply that stopped right after a whole value (closed, and marked truncated — never one the
//!    token limit cut, since what followed is unknown).
//! 3. **Where the schema asks for another type** ([`coerce`]): `"25"` → 25, `"true"` → true, 25 →
//!    `"25"`, 30.0 → 30, `"x"` → `["x"]`, `"Admin"` → `"admin"`, a JSON value written as a string →
//!    the value — each only when nothing is lost, and only where the schema wants that type.
//!
//! The candidate that validates is the value (two different ones that both do are an error); each
//! step it took is a [`Fix`] with its kind, where (a byte offset, or a path) and a short before and
//! after. Anything else — a wrong value, a missing field, an unknown enum value, a number that would
//! lose digits, a reply cut mid-number — stays an error for the repair loop: a wrong recovery is
//! worse than an error. The reader and the coercions each spend from a budget that grows with the
//! reply, so no reply and no schema makes the work more than linear.
//!
//! Written here rather than taken from a crate: the JSON-repair crates on crates.io report no fixes
//! or only a few, and most also overflow the stack on deep input or slow down faster than linearly
//! (the closing note of issue 15 has the survey).

pub(crate) mod coerce;
pub mod guard;
pub mod incremental;
mod syntax;
#[cfg(test)]
mod tree_tests;

use std::fmt;

use serde_json::Value;

use crate::diagnostics::{ErrorKind, Path, Violation};

/// What lenient reading fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FixKind {
    /// A byte-order mark before the value.
    Bom,
    /// The value was inside a Markdown code fence.
    CodeFence,
    /// Text around the value (prose, tags) was passed over.
    SurroundingText,
    /// The reply held several values; this one validated.
    CandidateChosen,
    /// A comma before a closing bracket.
    TrailingComma,
    /// A `//` or `/* */` comment.
    Comment,
    /// A string in single quotes.
    SingleQuotes,
    /// An object key without quotes.
    UnquotedKeys,
    /// `True`, `False`, `None` or `undefined`.
    PythonLiteral,
    /// Typographic quotes used as JSON quotes.
    SmartQuotes,
    /// A raw newline, tab or other control character inside a string.
    UnescapedControl,
    /// The reply stopped after a whole value; what was open is closed.
    Truncated,
    /// A JSON object or array written as a string, where the schema wants the value.
    JsonInString,
    /// `"25"` where the schema wants an integer.
    StringToInteger,
    /// `"2.5"` where the schema wants a number.
    StringToNumber,
    /// `"true"` or `"false"` where the schema wants a boolean.
    StringToBoolean,
    /// A number where the schema wants a string.
    NumberToString,
    /// `30.0` where the schema wants an integer.
    IntegralFloat,
    /// One value where the schema wants an array of them.
    WrapInArray,
    /// An enum value differing from a declared one only in case or surrounding whitespace.
    EnumCase,
}

impl FixKind {
    /// The fix's name: `code_fence`, `trailing_comma`, `coerce_string_to_integer`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            FixKind::Bom => "bom",
            FixKind::CodeFence => "code_fence",
            FixKind::SurroundingText => "surrounding_text",
            FixKind::CandidateChosen => "candidate_chosen",
            FixKind::TrailingComma => "trailing_comma",
            FixKind::Comment => "comment",
            FixKind::SingleQuotes => "single_quotes",
            FixKind::UnquotedKeys => "unquoted_keys",
            FixKind::PythonLiteral => "python_literal",
            FixKind::SmartQuotes => "smart_quotes",
            FixKind::UnescapedControl => "unescaped_control",
            FixKind::Truncated => "truncated",
            FixKind::JsonInString => "json_in_string",
            FixKind::StringToInteger => "coerce_string_to_integer",
            FixKind::StringToNumber => "coerce_string_to_number",
            FixKind::StringToBoolean => "coerce_string_to_boolean",
            FixKind::NumberToString => "coerce_number_to_string",
            FixKind::IntegralFloat => "integral_float",
            FixKind::WrapInArray => "wrap_in_array",
            FixKind::EnumCase => "enum_case",
        }
    }
}

impl fmt::Display for FixKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a fix was made.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Place {
    /// A byte offset in the reply (syntax, and where the value was).
    Offset(usize),
    /// A path in the value (coercions).
    Path(Path),
}

/// One thing lenient reading changed, with where and a short before and after.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fix {
    kind: FixKind,
    place: Place,
    before: String,
    after: String,
    more: usize,
}

/// How long a fix's before and after may be.
const SHOWN: usize = 40;
/// How many fixes of one kind are kept one by one; the rest are counted on the last.
const PER_KIND: usize = 8;

impl Fix {
    pub(crate) fn at_offset(kind: FixKind, offset: usize, before: &str, after: &str) -> Fix {
        Fix::new(kind, Place::Offset(offset), before, after)
    }

    pub(crate) fn at_path(kind: FixKind, path: Path, before: &str, after: &str) -> Fix {
        Fix::new(kind, Place::Path(path), before, after)
    }

    fn new(kind: FixKind, place: Place, before: &str, after: &str) -> Fix {
        Fix {
            kind,
            place,
            before: short(before),
            after: short(after),
            more: 0,
        }
    }

    /// What was fixed.
    pub fn kind(&self) -> FixKind {
        self.kind
    }

    /// Where.
    pub fn place(&self) -> &Place {
        &self.place
    }

    /// What was there (shortened).
    pub fn before(&self) -> &str {
        &self.before
    }

    /// What it became (shortened).
    pub fn after(&self) -> &str {
        &self.after
    }

    /// How many more fixes of the same kind followed this one and are not listed on their own.
    pub fn more(&self) -> usize {
        self.more
    }
}

impl fmt::Display for Fix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        match &self.place {
            Place::Offset(offset) => write!(f, " at byte {offset}")?,
            Place::Path(path) => write!(f, " at {path}")?,
        }
        match (self.before.is_empty(), self.after.is_empty()) {
            (false, false) => write!(f, ": {} → {}", self.before, self.after)?,
            (false, true) => write!(f, ": removed {}", self.before)?,
            (true, false) => write!(f, ": added {}", self.after)?,
            (true, true) => {}
        }
        if self.more > 0 {
            write!(f, " (and {} more)", self.more)?;
        }
        Ok(())
    }
}

/// `text`'s first [`SHOWN`] characters, and `…` when there were more.
fn short(text: &str) -> String {
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Adds `fix`, keeping at most [`PER_KIND`] of a kind and counting the rest on the last one kept.
pub(crate) fn record(fixes: &mut Vec<Fix>, fix: Fix) {
    let mut same = fixes.iter_mut().filter(|f| f.kind == fix.kind);
    if let Some(last) = same.nth(PER_KIND - 1) {
        last.more += 1 + fix.more;
        return;
    }
    fixes.push(fix);
}

/// A value read leniently, or why not.
pub(crate) struct Lenient<V> {
    /// The first candidate's value that validated, or the errors of the first candidate that
    /// could be read at all (`None`: none could; the strict errors stand).
    pub(crate) value: Option<Result<V, Vec<Violation>>>,
    pub(crate) fixes: Vec<Fix>,
}

/// How many candidates a reply may hold.
const CANDIDATES: usize = 16;

/// Reads the JSON value `schema` describes from `reply`, each candidate coerced toward `schema`
/// and checked by `validate`. `cut` says the token limit ended the reply: then nothing left open is
/// closed, since what followed is unknown.
///
/// One candidate that validates is the value. Several that validate and differ are an error: which
/// one the model meant (an example before the answer? a correction after it?) is a guess.
pub(crate) fn read<V>(
    reply: &str,
    schema: &Value,
    cut: bool,
    mut validate: impl FnMut(&Value) -> Result<V, Vec<Violation>>,
) -> Lenient<V> {
    let mut first_failure: Option<(Vec<Violation>, Vec<Fix>)> = None;
    let mut chosen: Option<(V, Value, Vec<Fix>, usize, usize)> = None;
    let mut others = 0;
    let found: Vec<Candidate> = candidates(reply)
        .into_iter()
        .filter(|c| !cut || c.fixes.iter().all(|f| f.kind != FixKind::Truncated))
        .collect();
    let several = found.len() > 1;
    // Coercions share one budget too: a schema whose branches nest cannot make them slow.
    let mut steps = coerce::budget(reply.len());
    for (index, mut candidate) in found.into_iter().enumerate() {
        coerce::coerce(
            &mut candidate.value,
            schema,
            &mut candidate.fixes,
            &mut steps,
        );
        match validate(&candidate.value) {
            Ok(value) => match &chosen {
                Some((_, first, ..)) if *first == candidate.value => {}
                Some(_) => others += 1,
                None => {
                    chosen = Some((
                        value,
                        candidate.value,
                        candidate.fixes,
                        index,
                        candidate.start,
                    ));
                }
            },
            Err(errors) => {
                if first_failure.is_none() {
                    first_failure = Some((errors, candidate.fixes));
                }
            }
        }
    }
    if let Some((value, json, mut fixes, index, start)) = chosen {
        if others > 0 {
            let error = Violation::new(
                ErrorKind::Syntax,
                Path::root(),
                "one JSON value",
                Some(crate::text::shorten_str(&json.to_string())),
                format!(
                    "the reply holds {} different values that are each valid; which one is meant is a guess",
                    others + 1
                ),
            );
            return Lenient {
                value: Some(Err(vec![error])),
                fixes,
            };
        }
        if several {
            record(
                &mut fixes,
                Fix::at_offset(
                    FixKind::CandidateChosen,
                    start,
                    "",
                    &format!("value {} of the reply", index + 1),
                ),
            );
        }
        return Lenient {
            value: Some(Ok(value)),
            fixes,
        };
    }
    match first_failure {
        Some((errors, fixes)) => Lenient {
            value: Some(Err(errors)),
            fixes,
        },
        None => Lenient {
            value: None,
            fixes: Vec::new(),
        },
    }
}

/// A value found in a reply, with the fixes it took and where it began.
pub(crate) struct Candidate {
    pub(crate) value: Value,
    pub(crate) start: usize,
    pub(crate) fixes: Vec<Fix>,
}

/// The values in `reply`, in order: those inside code fences if there are any and they hold one,
/// else each value that starts where a value can (`{`, `[`, or the reply's first non-blank
/// character).
pub(crate) fn candidates(reply: &str) -> Vec<Candidate> {
    let mut base = Vec::new();
    let mut text = reply;
    let mut offset = 0;
    if let Some(rest) = reply.strip_prefix('\u{FEFF}') {
        record(&mut base, Fix::at_offset(FixKind::Bom, 0, "U+FEFF", ""));
        text = rest;
        offset = '\u{FEFF}'.len_utf8();
    }
    // Every candidate's reading shares one budget of steps: linear in the reply, whatever it holds.
    let mut budget = 4 * text.len() + 64;
    let fences = fences(text);
    let mut found = Vec::new();
    if !fences.is_empty() {
        for (outer, inner) in &fences {
            let mut fixes = base.clone();
            let fence = first_line(&text[outer.clone()]).trim();
            record(
                &mut fixes,
                Fix::at_offset(FixKind::CodeFence, offset + outer.start, fence, ""),
            );
            let before = text[..outer.start].trim();
            let after = text[outer.end..].trim();
            if !before.is_empty() || !after.is_empty() {
                record(&mut fixes, surrounding(offset, outer.start, before, after));
            }
            scan(text, inner.clone(), offset, &fixes, &mut budget, &mut found);
        }
    }
    // No fence held a value (or a fence marker sat inside one, in a string): the whole reply.
    if found.is_empty() {
        scan(text, 0..text.len(), offset, &base, &mut budget, &mut found);
    }
    found.truncate(CANDIDATES);
    found
}

/// The fix for text around a value.
fn surrounding(offset: usize, start: usize, before: &str, after: &str) -> Fix {
    let shown = if before.is_empty() { after } else { before };
    Fix::at_offset(FixKind::SurroundingText, offset + start, shown, "")
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Reads values from `range` of `text`: from its first non-blank character, then from each `{` or
/// `[` after the last value read (or after the last failed start).
fn scan(
    text: &str,
    range: std::ops::Range<usize>,
    offset: usize,
    base: &[Fix],
    budget: &mut usize,
    found: &mut Vec<Candidate>,
) {
    let slice = &text[..range.end];
    let bytes = slice.as_bytes();
    let first = range.start + (text[range.clone()].len() - text[range.clone()].trim_start().len());
    let mut at = first;
    while at < range.end && found.len() < CANDIDATES && *budget > 0 {
        match syntax::parse(slice, at, budget) {
            Ok(parsed) => {
                let mut fixes = base.to_vec();
                let before = text[range.start..at].trim();
                let after = text[parsed.end..range.end].trim();
                if !before.is_empty() || !after.is_empty() {
                    record(&mut fixes, surrounding(offset, at, before, after));
                }
                for fix in parsed.fixes {
                    record(&mut fixes, shift(fix, offset));
                }
                found.push(Candidate {
                    value: parsed.value,
                    start: offset + at,
                    fixes,
                });
                at = parsed.end;
            }
            Err(_) => at += 1,
        }
        // The next value starts at a bracket.
        match bytes[at.min(bytes.len())..]
            .iter()
            .position(|&b| b == b'{' || b == b'[')
        {
            Some(n) => at += n,
            None => break,
        }
    }
}

/// `fix` with its offset moved by `offset` (the bytes dropped before the text read).
fn shift(mut fix: Fix, offset: usize) -> Fix {
    if let Place::Offset(at) = &mut fix.place {
        *at += offset;
    }
    fix
}

/// Whether `line` is a closing fence: the marker's character alone, three or more times.
fn is_bare_fence(line: &str, marker: &str) -> bool {
    let c = marker.as_bytes()[0] as char;
    line.trim_end().trim_start_matches(c).is_empty()
}

/// The Markdown code fences of `text`: each one's whole extent and its content's.
fn fences(text: &str) -> Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, usize, &str)> = None;
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (open, marker) {
            (None, Some(marker)) => open = Some((line_start, line_start + line.len(), marker)),
            (Some((start, content, opened)), Some(marker))
                if marker == opened && is_bare_fence(trimmed, marker) =>
            {
                // An empty fence holds no candidate.
                if !text[content..line_start].trim().is_empty() {
                    out.push((start..line_start + line.len(), content..line_start));
                }
                open = None;
            }
            _ => {}
        }
        line_start += line.len();
    }
    // A fence the reply never closed runs to its end.
    if let Some((start, content, _)) = open {
        let content = content.min(text.len());
        if !text[content..].trim().is_empty() {
            out.push((start..text.len(), content..text.len()));
        }
    }
    out
}
