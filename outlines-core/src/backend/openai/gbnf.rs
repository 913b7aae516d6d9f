//! llama.cpp's GBNF grammars for a choice and for a regular expression, where one says exactly the
//! same thing; otherwise nothing, and the request goes in the prompt alone.
//!
//! A regex is translated from `regex-syntax`'s tree: literals, classes, concatenation, alternation,
//! bounded and unbounded repetition, with `^`/`\A` at the start and `$`/`\z` at the end, in
//! multi-line mode too (the reply is matched whole anyway). There is no translation for other
//! look-around (`\b`, a `^` after the start), for a class that matches nothing, for a repetition
//! bound above [`MAX_COUNT`] (llama.cpp writes out one rule per optional repetition), or for an
//! unbounded repetition of something that can be empty (`(a?)*` would be left recursion, which
//! llama.cpp's grammars do not support). Classes become rules of their own, one per distinct
//! class, so `\w` is written once however often it is used.
//!
//! Escapes follow llama.cpp's grammar parser (`src/llama-grammar.cpp`, `parse_char`): inside a
//! literal `\"`, `\\`, `\n`, `\r`, `\t` and `\xHH`; inside a class every character that is not an
//! ASCII letter or digit is written `\xHH`, `\uHHHH` or `\UHHHHHHHH` (it knows no `\-` or `\^`).
//! The NUL character ends llama.cpp's strings, so it is left out of classes (a class of NUL alone,
//! or a literal with one, has no translation).

use std::collections::HashMap;
use std::fmt::Write as _;

use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// The largest repetition bound translated.
pub(crate) const MAX_COUNT: u32 = 1000;

/// The largest grammar sent, in bytes.
pub(crate) const MAX_GRAMMAR: usize = 256 * 1024;

/// How deeply a pattern may nest (the regex output's own limit).
const NEST_LIMIT: u32 = 100;

/// A grammar for exactly one of `choices`, or `None` when one holds a NUL or the grammar is too big.
pub(crate) fn choice(choices: &[String]) -> Option<String> {
    let mut out = String::from("root ::= ");
    for (i, choice) in choices.iter().enumerate() {
        if i > 0 {
            out.push_str(" | ");
        }
        literal(&mut out, choice)?;
        if out.len() > MAX_GRAMMAR {
            return None;
        }
    }
    out.push('\n');
    Some(out)
}

/// A grammar for the texts `pattern` matches as a whole, or `None` when it has no exact one.
pub(crate) fn regex(pattern: &str) -> Option<String> {
    let hir = regex_syntax::ParserBuilder::new()
        .nest_limit(NEST_LIMIT)
        .build()
        .parse(pattern)
        .ok()?;
    let mut grammar = Grammar::default();
    let (root, _) = grammar.expr(&hir, true, true)?;
    let mut out = format!("root ::= {root}\n");
    for (name, class) in &grammar.rules {
        let _ = writeln!(out, "{name} ::= {class}");
    }
    (out.len() <= MAX_GRAMMAR).then_some(out)
}

/// What a translated item is, for a repetition of it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Item {
    /// A literal or a rule name: a repetition applies to it whole.
    Atom,
    /// A parenthesized expression.
    Group,
    /// A repetition: parenthesized before it is repeated again.
    Repeated,
}

#[derive(Default)]
struct Grammar {
    /// The class rules, in order of first use.
    rules: Vec<(String, String)>,
    /// Each distinct class's rule name.
    names: HashMap<String, String>,
    /// Bytes written so far, to give up early on a huge pattern.
    size: usize,
}

impl Grammar {
    /// `hir` as one GBNF item; `at_start`/`at_end`: whether nothing can come before/after it.
    fn expr(&mut self, hir: &Hir, at_start: bool, at_end: bool) -> Option<(String, Item)> {
        let out = match hir.kind() {
            HirKind::Empty => ("\"\"".to_owned(), Item::Atom),
            // Anchors where they hold anyway: the reply is matched whole.
            HirKind::Look(Look::Start | Look::StartLF | Look::StartCRLF) if at_start => {
                ("\"\"".to_owned(), Item::Atom)
            }
            HirKind::Look(Look::End | Look::EndLF | Look::EndCRLF) if at_end => {
                ("\"\"".to_owned(), Item::Atom)
            }
            HirKind::Look(_) => return None,
            HirKind::Literal(bytes) => {
                let mut out = String::new();
                literal(&mut out, std::str::from_utf8(&bytes.0).ok()?)?;
                (out, Item::Atom)
            }
            HirKind::Class(class) => (self.class(class)?, Item::Atom),
            HirKind::Capture(capture) => self.expr(&capture.sub, at_start, at_end)?,
            HirKind::Repetition(repetition) => {
                let (min, max) = (repetition.min, repetition.max);
                if min > MAX_COUNT || max.is_some_and(|max| max > MAX_COUNT) {
                    return None;
                }
                let (item, kind) = self.expr(&repetition.sub, false, false)?;
                // Repeating what only matches the empty text matches the empty text (and
                // llama.cpp has no item to repeat in `""?`).
                if repetition.sub.properties().maximum_len() == Some(0) {
                    return Some(("\"\"".to_owned(), Item::Atom));
                }
                // An unbounded repetition becomes a rule that reaches itself before reading a
                // character when its item can be empty: left recursion, which llama.cpp's
                // grammars do not support.
                let nullable = repetition.sub.properties().minimum_len() == Some(0);
                if max.is_none() && nullable {
                    return None;
                }
                let operator = match (min, max) {
                    (0, Some(1)) => "?".to_owned(),
                    (0, None) => "*".to_owned(),
                    (1, None) => "+".to_owned(),
                    (min, None) => format!("{{{min},}}"),
                    (min, Some(max)) if min == max => format!("{{{min}}}"),
                    (min, Some(max)) => format!("{{{min},{max}}}"),
                };
                match kind {
                    Item::Atom | Item::Group => (format!("{item}{operator}"), Item::Repeated),
                    Item::Repeated => (format!("({item}){operator}"), Item::Repeated),
                }
            }
            HirKind::Concat(subs) => {
                let start = |sub: &Hir| {
                    matches!(
                        sub.kind(),
                        HirKind::Look(Look::Start | Look::StartLF | Look::StartCRLF)
                    )
                };
                let end = |sub: &Hir| {
                    matches!(
                        sub.kind(),
                        HirKind::Look(Look::End | Look::EndLF | Look::EndCRLF)
                    )
                };
                let mut items = Vec::with_capacity(subs.len());
                for (i, sub) in subs.iter().enumerate() {
                    let first = at_start && subs[..i].iter().all(start);
                    let last = at_end && subs[i + 1..].iter().all(end);
                    items.push(self.expr(sub, first, last)?.0);
                }
                (format!("({})", items.join(" ")), Item::Group)
            }
            HirKind::Alternation(subs) => {
                let items = subs
                    .iter()
                    .map(|sub| Some(self.expr(sub, at_start, at_end)?.0))
                    .collect::<Option<Vec<_>>>()?;
                (format!("({})", items.join(" | ")), Item::Group)
            }
        };
        self.size += out.0.len();
        (self.size <= MAX_GRAMMAR).then_some(out)
    }

    /// The name of the rule for `class` (made on first use), or `None` for a class that matches
    /// nothing llama.cpp can write.
    fn class(&mut self, class: &Class) -> Option<String> {
        let mut ranges: Vec<(u32, u32)> = match class {
            Class::Unicode(class) => class
                .iter()
                .map(|r| (u32::from(r.start()), u32::from(r.end())))
                .collect(),
            Class::Bytes(class) => class
                .iter()
                .map(|r| (u32::from(r.start()), u32::from(r.end())))
                .collect(),
        };
        if matches!(class, Class::Bytes(_)) && ranges.iter().any(|&(_, hi)| hi > 0x7F) {
            // A byte class beyond ASCII matches parts of characters: no code point class says it.
            return None;
        }
        // No NUL (see the module's documentation).
        if let Some(first) = ranges.first_mut().filter(|r| r.0 == 0) {
            first.0 = 1;
        }
        ranges.retain(|(lo, hi)| lo <= hi);
        if ranges.is_empty() {
            return None;
        }
        let missing = complement(&ranges);
        let text = if missing.is_empty() {
            "[^\\x00]".to_owned()
        } else if missing.len() < ranges.len() {
            bracket("[^", &missing)
        } else {
            bracket("[", &ranges)
        };
        if let Some(name) = self.names.get(&text) {
            return Some(name.clone());
        }
        let name = format!("c{}", self.rules.len());
        self.size += text.len() + name.len();
        self.names.insert(text.clone(), name.clone());
        self.rules.push((name.clone(), text));
        Some(name)
    }
}

/// `"…"`, or `None` when `s` holds a NUL.
fn literal(out: &mut String, s: &str) -> Option<()> {
    out.push('"');
    for c in s.chars() {
        match c {
            '\0' => return None,
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "{}", escape(u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    Some(())
}

/// A class of `ranges` opened with `open` (`[` or `[^`).
fn bracket(open: &str, ranges: &[(u32, u32)]) -> String {
    let mut out = open.to_owned();
    for &(lo, hi) in ranges {
        out.push_str(&class_char(lo));
        if hi > lo {
            out.push('-');
            out.push_str(&class_char(hi));
        }
    }
    out.push(']');
    out
}

fn class_char(c: u32) -> String {
    match char::from_u32(c) {
        Some(c) if c.is_ascii_alphanumeric() => c.to_string(),
        _ => escape(c),
    }
}

/// `\xHH`, `\uHHHH` or `\UHHHHHHHH`: llama.cpp reads each as the code point it spells.
fn escape(c: u32) -> String {
    if c <= 0xFF {
        format!("\\x{c:02X}")
    } else if c <= 0xFFFF {
        format!("\\u{c:04X}")
    } else {
        format!("\\U{c:08X}")
    }
}

/// The characters (NUL and surrogates aside) not in `ranges`.
fn complement(ranges: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for (lo, hi) in [(1, 0xD7FF), (0xE000, 0x10_FFFF)] {
        let mut at = lo;
        for &(a, b) in ranges {
            if b < at || a > hi {
                continue;
            }
            if a > at {
                out.push((at, a - 1));
            }
            at = b.saturating_add(1);
        }
        if at <= hi {
            out.push((at, hi));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_are_escaped() {
        let choices = ["yes", "say \"no\"", "a\\b\nc", "é"].map(String::from);
        assert_eq!(
            choice(&choices).unwrap(),
            "root ::= \"yes\" | \"say \\\"no\\\"\" | \"a\\\\b\\nc\" | \"é\"\n"
        );
        assert_eq!(choice(&["a\0".to_owned()]), None);
    }

    #[test]
    fn regexes_translate_exactly_or_not_at_all() {
        assert_eq!(
            regex(r"^[0-9]{3}-[a-z]+$").unwrap(),
            "root ::= (\"\" c0{3} \"-\" c1+ \"\")\nc0 ::= [0-9]\nc1 ::= [a-z]\n"
        );
        assert_eq!(regex(r"(?s).").unwrap(), "root ::= c0\nc0 ::= [^\\x00]\n");
        assert_eq!(regex(r"[^\n]").unwrap(), "root ::= c0\nc0 ::= [^\\x0A]\n");
        assert_eq!(
            regex(r"[-^\]]").unwrap(),
            "root ::= c0\nc0 ::= [\\x2D\\x5D-\\x5E]\n"
        );
        assert_eq!(regex(r"\bword\b"), None);
        assert!(regex(r"(?m)^a$").is_some());
        assert_eq!(regex(r"a(?m:^)b"), None);
        assert_eq!(regex(r"a^b"), None);
        assert_eq!(regex(r"a{1001}"), None);
        assert_eq!(regex(r"(a?)*"), None);
        // What matches only the empty text, repeated, is the empty text (llama.cpp refuses `""?`).
        assert_eq!(regex(r"(?:)?a").unwrap(), "root ::= (\"\" \"a\")\n");
        assert_eq!(regex(r"(a?){0,5}").unwrap(), "root ::= (\"a\"?){0,5}\n");
        assert_eq!(regex(r"(ab|c)*").unwrap(), "root ::= (\"ab\" | \"c\")*\n");
        assert_eq!(regex(r"[^\s\S]"), None);
        assert_eq!(regex(r"(unclosed"), None);
        // \w is written once however often it is used.
        let words = regex(r"\w+@\w+\.\w+").unwrap();
        assert_eq!(words.matches(" ::= ").count(), 2, "{words}");
    }
}
