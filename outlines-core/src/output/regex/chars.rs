//! Sets of characters in words: what a reply could have had where it stops matching, said the way a
//! person (or a model) reads it — `a digit`, `"-"`, `one of [a-f0-9]`, `any character except "\n"`.

use std::fmt::Write as _;
use std::sync::OnceLock;

use regex_syntax::hir::{Class, HirKind};

use super::automaton::Next;

/// The most ranges written out in a bracket class before the rest are counted.
const LISTED_RANGES: usize = 12;

/// The most single characters listed as alternatives (`"+", "-" or " "`).
const LISTED_CHARS: usize = 6;

/// All of Unicode's scalar values.
const ALL: [(u32, u32); 2] = [(0, 0xD7FF), (0xE000, 0x10_FFFF)];

/// Sets with a name, as patterns (so that Unicode's `\\d` is `a digit` as `[0-9]` is), most
/// specific first.
const NAMED: &[(&str, &str)] = &[
    ("[0-9]", "a digit"),
    (r"\d", "a digit"),
    ("[1-9]", "a digit from 1 to 9"),
    ("[a-z]", "a lowercase letter"),
    ("[A-Z]", "an uppercase letter"),
    ("[a-zA-Z]", "a letter"),
    (r"\p{Ll}", "a lowercase letter"),
    (r"\p{Lu}", "an uppercase letter"),
    (r"\p{L}", "a letter"),
    ("[a-zA-Z0-9]", "a letter or digit"),
    ("[a-zA-Z0-9_]", r#"a word character (letter, digit or "_")"#),
    (r"\w", r#"a word character (letter, digit or "_")"#),
    ("[0-9a-fA-F]", "a hexadecimal digit"),
    ("[0-9a-f]", "a lowercase hexadecimal digit"),
    ("[0-9A-F]", "an uppercase hexadecimal digit"),
    (r"(?-u:\s)", "whitespace"),
    (r"\s", "whitespace"),
];

/// Code point ranges, sorted and disjoint.
type Ranges = Vec<(u32, u32)>;

/// [`NAMED`], as ranges.
fn named() -> &'static [(Ranges, &'static str)] {
    static NAMED_RANGES: OnceLock<Vec<(Ranges, &'static str)>> = OnceLock::new();
    NAMED_RANGES.get_or_init(|| {
        NAMED
            .iter()
            .filter_map(|&(pattern, name)| {
                let hir = regex_syntax::parse(pattern).ok()?;
                let ranges = match hir.kind() {
                    HirKind::Class(Class::Unicode(class)) => class
                        .iter()
                        .map(|r| (u32::from(r.start()), u32::from(r.end())))
                        .collect(),
                    HirKind::Class(Class::Bytes(class)) => class
                        .iter()
                        .map(|r| (u32::from(r.start()), u32::from(r.end())))
                        .collect(),
                    _ => return None,
                };
                Some((ranges, name))
            })
            .collect()
    })
}

fn name_of(ranges: &[(u32, u32)]) -> Option<&'static str> {
    named()
        .iter()
        .find(|(named, _)| named == ranges)
        .map(|(_, name)| *name)
}

/// What could come next, in words: the characters, then `the end of the reply` when it could end
/// there. `None` when nothing could (the pattern matches nothing).
pub(super) fn expected(next: &Next) -> Option<String> {
    let mut parts = Vec::new();
    if !next.chars.is_empty() {
        let mut chars = set(&next.chars);
        if next.partial {
            chars.push_str(" (non-ASCII characters not checked)");
        }
        parts.push(chars);
    }
    if next.end {
        parts.push("the end of the reply".to_owned());
    }
    match parts.len() {
        0 => None,
        _ => Some(parts.join(" or ")),
    }
}

/// A non-empty set of characters in words.
pub(super) fn set(ranges: &[(u32, u32)]) -> String {
    if ranges == ALL {
        return "any character".to_owned();
    }
    if count(ranges) == 1 {
        return quoted(ranges[0].0);
    }
    if let Some(name) = name_of(ranges) {
        return name.to_owned();
    }
    // Most of Unicode: say what is left out, when that is short.
    let missing = minus(&ALL, ranges);
    if count(&missing) <= LISTED_CHARS as u64 {
        return format!("any character except {}", alternatives(None, &missing));
    }
    if let Some(name) = name_of(&missing) {
        return format!("any character except {name}");
    }
    // A named set and a few more characters: `a digit, "." or "-"`.
    let with_extras = named()
        .iter()
        .filter(|(named, _)| minus(named, ranges).is_empty())
        .map(|(named, name)| (minus(ranges, named), *name))
        .filter(|(extra, _)| count(extra) <= LISTED_CHARS as u64)
        .min_by_key(|(extra, _)| count(extra));
    if let Some((extra, name)) = with_extras {
        return alternatives(Some(name), &extra);
    }
    if count(ranges) <= LISTED_CHARS as u64 {
        return alternatives(None, ranges);
    }
    let mut out = "one of ".to_owned();
    bracket(&mut out, ranges);
    out
}

/// `[a-z0-9_]`; past [`LISTED_RANGES`] ranges, the rest counted.
fn bracket(out: &mut String, ranges: &[(u32, u32)]) {
    out.push('[');
    for &(lo, hi) in ranges.iter().take(LISTED_RANGES) {
        class_char(out, lo);
        if hi > lo {
            if hi > lo + 1 {
                out.push('-');
            }
            class_char(out, hi);
        }
    }
    out.push(']');
    if ranges.len() > LISTED_RANGES {
        let rest: u64 = count(&ranges[LISTED_RANGES..]);
        let _ = write!(out, " or one of {} other characters", group_thousands(rest));
    }
}

/// A character inside a bracket class: printable ones as they are (`]`, `\`, `-` and `^`
/// escaped), others as `\u{…}`.
fn class_char(out: &mut String, c: u32) {
    match char::from_u32(c) {
        Some(c @ (']' | '\\' | '-' | '^' | '[')) => {
            out.push('\\');
            out.push(c);
        }
        Some(c) if !c.is_control() && !c.is_whitespace() => out.push(c),
        Some(' ') => out.push(' '),
        _ => {
            let _ = write!(out, "\\u{{{c:x}}}");
        }
    }
}

/// `"a", "b" or "c"`, after a set's name if there is one: `a digit, "." or "-"`.
fn alternatives(name: Option<&str>, ranges: &[(u32, u32)]) -> String {
    let items: Vec<String> = name
        .map(str::to_owned)
        .into_iter()
        .chain(ranges.iter().flat_map(|&(lo, hi)| lo..=hi).map(quoted))
        .collect();
    match items.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// A character as a JSON string literal: `"-"`, `" "`, `"\n"`.
pub(super) fn quoted(c: u32) -> String {
    match char::from_u32(c) {
        Some(c) => serde_json::to_string(&c.to_string()).unwrap_or_default(),
        None => format!("U+{c:04X}"),
    }
}

fn count(ranges: &[(u32, u32)]) -> u64 {
    ranges.iter().map(|&(lo, hi)| u64::from(hi - lo) + 1).sum()
}

/// The values of `a` not in `b` (both sorted and disjoint).
fn minus(a: &[(u32, u32)], b: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for &(lo, hi) in a {
        let mut at = lo;
        for &(x, y) in b {
            if y < at || x > hi {
                continue;
            }
            if x > at {
                out.push((at, x - 1));
            }
            at = y.saturating_add(1);
            if at > hi {
                break;
            }
        }
        if at <= hi {
            out.push((at, hi));
        }
    }
    out
}

/// `138,000`.
fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(chars: &str) -> Vec<(u32, u32)> {
        let mut codes: Vec<u32> = chars.chars().map(u32::from).collect();
        codes.sort_unstable();
        let mut out: Vec<(u32, u32)> = Vec::new();
        for c in codes {
            match out.last_mut() {
                Some(last) if last.1 + 1 == c => last.1 = c,
                _ => out.push((c, c)),
            }
        }
        out
    }

    #[test]
    fn sets_read_as_words() {
        assert_eq!(set(&ranges("0123456789")), "a digit");
        let unicode_digits = named().iter().find(|(_, n)| *n == "a digit").unwrap();
        assert_eq!(set(&named()[1].0), "a digit", "{unicode_digits:?}");
        assert_eq!(set(&ranges("-")), r#""-""#);
        assert_eq!(set(&ranges("+- ")), r#"" ", "+" or "-""#);
        assert_eq!(
            set(&ranges("abcdef0123456789")),
            "a lowercase hexadecimal digit"
        );
        assert_eq!(set(&ranges("0123456789.-")), r#"a digit, "-" or ".""#);
        assert_eq!(set(&ranges("abcxyz_ABC")), "one of [A-C_a-cx-z]");
        assert_eq!(set(&ALL), "any character");
        assert_eq!(
            set(&[(0, 9), (11, 0xD7FF), (0xE000, 0x10FFFF)]),
            r#"any character except "\n""#
        );
        let not_digit = minus(&ALL, &named()[1].0);
        assert_eq!(set(&not_digit), "any character except a digit");
        assert_eq!(set(&[(0x41, 0x5A), (0xC0, 0xD6)]), "one of [A-ZÀ-Ö]");
        assert_eq!(set(&[(0x5B, 0x5E), (0x7B, 0x7E)]), r"one of [\[-\^{-~]");
        assert_eq!(set(&[(0, 31)]), r"one of [\u{0}-\u{1f}]");
    }

    #[test]
    fn what_comes_next_names_the_end() {
        let next = Next {
            chars: vec![(0x30, 0x39)],
            end: true,
            partial: false,
        };
        assert_eq!(expected(&next).unwrap(), "a digit or the end of the reply");
        let end = Next {
            chars: vec![],
            end: true,
            partial: false,
        };
        assert_eq!(expected(&end).unwrap(), "the end of the reply");
        assert_eq!(expected(&Next::default()), None);
    }

    #[test]
    fn long_sets_are_cut() {
        let many: Vec<(u32, u32)> = (0..30).map(|i| (0x21 + 3 * i, 0x22 + 3 * i)).collect();
        let text = set(&many);
        assert!(text.ends_with("] or one of 36 other characters"), "{text}");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }
}
