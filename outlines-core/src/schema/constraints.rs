//! The constraints of one `#[outline(...)]` attribute, as plain data.
//!
//! The derive emits each field's constraints as a `static Constraints`; the schema IR holds a reference
//! to it and the validator checks values against the very same static, so the JSON Schema, the prompt
//! description and the validator read one source of truth.

use std::fmt;
use std::sync::OnceLock;

use regex::Regex;
use regex_automata::Input;
use regex_automata::dfa::{
    Automaton,
    dense::{self, DFA},
};
use regex_automata::nfa::thompson;

use super::{Format, Text};

/// A numeric bound as written in the attribute: integers stay exact, fractions are `f64`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    /// An integer literal (covers every `i64` and `u64` exactly).
    Int(i128),
    /// A literal with a fractional part or exponent.
    Float(f64),
}

impl Bound {
    /// The bound as `f64` (exact for the integers JSON can carry interoperably).
    #[inline]
    pub fn as_f64(self) -> f64 {
        match self {
            // `i128 as f64` is a slow library call; bounds almost always fit in an `i64`.
            Bound::Int(i) => match i64::try_from(i) {
                Ok(small) => small as f64,
                Err(_) => i as f64,
            },
            Bound::Float(f) => f,
        }
    }

    /// The bound as a count (for lengths and item counts), if it is a non-negative integer.
    pub fn as_count(self) -> Option<usize> {
        match self {
            Bound::Int(i) => usize::try_from(i).ok(),
            Bound::Float(f) if f >= 0.0 && f.fract() == 0.0 && f <= usize::MAX as f64 => {
                Some(f as usize)
            }
            Bound::Float(_) => None,
        }
    }

    /// The bound as a JSON number.
    pub fn to_json(self) -> serde_json::Value {
        match self {
            Bound::Int(i) => match (i64::try_from(i), u64::try_from(i)) {
                (Ok(v), _) => v.into(),
                (_, Ok(v)) => v.into(),
                _ => (i as f64).into(),
            },
            Bound::Float(f) => serde_json::Number::from_f64(f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
        }
    }

    pub(crate) fn cmp_i128(self, v: i128) -> std::cmp::Ordering {
        match self {
            Bound::Int(b) => b.cmp(&v),
            Bound::Float(b) => b
                .partial_cmp(&(v as f64))
                .unwrap_or(std::cmp::Ordering::Equal),
        }
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::Int(i) => write!(f, "{i}"),
            Bound::Float(x) => write_float(f, *x),
        }
    }
}

/// A float as a person (or a model) reads it: `0.5`, `1e39` rather than forty digits.
fn write_float(f: &mut fmt::Formatter<'_>, x: f64) -> fmt::Result {
    let magnitude = x.abs();
    if magnitude != 0.0 && !(1e-4..1e16).contains(&magnitude) {
        write!(f, "{x:e}")
    } else {
        write!(f, "{x}")
    }
}

/// A literal allowed by `one_of = [...]` or given by `example = ...`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Literal {
    /// A string literal.
    Str(&'static str),
    /// An integer literal.
    Int(i128),
    /// A float literal.
    Float(f64),
    /// A boolean literal.
    Bool(bool),
}

impl Literal {
    /// The literal as a JSON value.
    pub fn to_json(self) -> serde_json::Value {
        match self {
            Literal::Str(s) => s.into(),
            Literal::Int(i) => Bound::Int(i).to_json(),
            Literal::Float(f) => Bound::Float(f).to_json(),
            Literal::Bool(b) => b.into(),
        }
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Str(s) => write!(f, "{s:?}"),
            Literal::Int(i) => write!(f, "{i}"),
            Literal::Float(x) => write_float(f, *x),
            Literal::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// A regular expression from `pattern = "..."` (or a runtime schema's `pattern`), compiled once and
/// shared by every call.
///
/// It has JSON Schema's meaning, ECMA-262's: `\d` matches only `0-9`, `\w` only `[A-Za-z0-9_]`, and `.`
/// no line terminator.
///
/// Patterns are compiled to a fully determinized DFA when it stays small: matching then needs no
/// per-call cache, no lock and no allocation, only a table lookup per byte. Patterns a DFA cannot
/// express compactly (or at all, like Unicode word boundaries) fall back to `regex::Regex`. Both
/// engines run in time linear in the input, whatever the pattern.
///
/// A derived type's pattern ([`Pattern::new`], in a `static`) was compiled at macro time already
/// and compiles here on first use; if it ever failed (say, a different `regex` version), values are
/// reported as not matching instead of panicking. A pattern known only at run time
/// ([`Pattern::compile`]) is compiled at once, and a pattern that does not compile is an error then.
pub struct Pattern {
    source: Text,
    compiled: OnceLock<Matcher>,
}

enum Matcher {
    /// The DFA, and the regex for the (unexpected) case where the DFA gives up.
    Dfa(Box<DFA<Vec<u32>>>, Regex),
    Regex(Regex),
    Invalid,
}

/// DFAs larger than this use the lazy engine instead.
const DFA_SIZE_LIMIT: usize = 256 * 1024;

/// The most bytes a pattern's NFA may take while its DFA is built: as much as a runtime pattern
/// may take in the `regex` engine, so that a pattern whose DFA would be far too large is refused
/// early (a DFA is at most [`DFA_SIZE_LIMIT`]).
const NFA_SIZE_LIMIT: usize = RUNTIME_PATTERN_SIZE_LIMIT;

/// The compiled size a pattern known only at run time may take in the `regex` engine (whose own
/// default is 10 MiB): ample for any pattern a schema means, and a bound on one that is not
/// (`(a{1000}){1000}`).
pub(crate) const RUNTIME_PATTERN_SIZE_LIMIT: usize = 1024 * 1024;

impl Matcher {
    fn compile(source: &str, size_limit: Option<usize>) -> Result<Matcher, String> {
        // JSON Schema patterns are ECMA-262 regexes: `\d` is ASCII digits, `\w` ASCII word characters,
        // `.` stops at every line terminator. Translate them to that meaning before compiling, so the
        // validator checks what the schema says (and what providers enforce).
        let source = jsonschema_regex::to_rust_regex(source)
            .map_err(|()| {
            "not a regular expression the validator can run: invalid, or look-around or a backreference (the linear-time engines have neither)".to_owned()
        })?;
        let source = source.as_ref();
        let mut regex = regex::RegexBuilder::new(source);
        if let Some(limit) = size_limit {
            regex.size_limit(limit);
        }
        let regex = regex.build().map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => {
                format!("the pattern compiles to more than {limit} bytes")
            }
            other => other.to_string(),
        })?;
        Ok(match dense_dfa(source) {
            Some(dfa) => Matcher::Dfa(Box::new(dfa), regex),
            None => Matcher::Regex(regex),
        })
    }

    fn is_match(&self, s: &str) -> bool {
        match self {
            Matcher::Dfa(dfa, regex) => match dfa.try_search_fwd(&Input::new(s).earliest(true)) {
                Ok(found) => found.is_some(),
                // A DFA gives up only on "quit" bytes, which this configuration never sets.
                Err(_) => regex.is_match(s),
            },
            Matcher::Regex(regex) => regex.is_match(s),
            Matcher::Invalid => false,
        }
    }
}

/// The fully determinized DFA of `translated` (a pattern already given its ECMA-262 meaning), if
/// it stays within [`DFA_SIZE_LIMIT`]: unanchored, leftmost-first, as the validator searches.
fn dense_dfa(translated: &str) -> Option<DFA<Vec<u32>>> {
    dense::Builder::new()
        .configure(
            dense::Config::new()
                .dfa_size_limit(Some(DFA_SIZE_LIMIT))
                .determinize_size_limit(Some(DFA_SIZE_LIMIT)),
        )
        // A hostile pattern in a schema the guard reads (which the validator may not have
        // compiled yet) is refused before its DFA is built.
        .thompson(thompson::Config::new().nfa_size_limit(Some(NFA_SIZE_LIMIT)))
        .build(translated)
        .ok()
}

/// The DFA the validator would search JSON Schema's `pattern` `source` with, for early abort to
/// step a string as it is written: the same translation and engine, so a dead state means no
/// continuation of the string can match. `None` where it does not compile or is too large (the
/// guard then leaves the pattern alone).
pub(crate) fn prefix_dfa(source: &str) -> Option<DFA<Vec<u32>>> {
    let translated = jsonschema_regex::to_rust_regex(source).ok()?;
    dense_dfa(&translated)
}

impl Pattern {
    /// A pattern from its source; usable in a `static`.
    pub const fn new(source: &'static str) -> Self {
        Pattern {
            source: Text::Borrowed(source),
            compiled: OnceLock::new(),
        }
    }

    /// A pattern known only at run time, compiled now: the reason it cannot be compiled (not
    /// ECMA-262 the engine can run, such as look-around or backreferences; or larger than
    /// 1 MiB compiled) is the error.
    pub fn compile(source: impl Into<Text>) -> Result<Self, String> {
        let source = source.into();
        let matcher = Matcher::compile(&source, Some(RUNTIME_PATTERN_SIZE_LIMIT))?;
        Ok(Pattern {
            source,
            compiled: OnceLock::from(matcher),
        })
    }

    /// The regex as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the pattern compiles (compiling it now if it has not been yet).
    pub fn compiles(&self) -> bool {
        !matches!(self.matcher(), Matcher::Invalid)
    }

    /// Whether `s` contains a match (JSON Schema's `pattern` is an unanchored search).
    #[inline]
    pub fn is_match(&self, s: &str) -> bool {
        self.matcher().is_match(s)
    }

    #[inline]
    fn matcher(&self) -> &Matcher {
        self.compiled
            .get_or_init(|| Matcher::compile(&self.source, None).unwrap_or(Matcher::Invalid))
    }

    /// Roughly how many bytes the compiled pattern holds: the DFA's tables, or the size limit of
    /// the lazy engine it fell back to (which grows its own cache up to about that much). A
    /// runtime schema bounds the sum over its patterns.
    pub fn compiled_size(&self) -> usize {
        match self.matcher() {
            Matcher::Dfa(dfa, _) => dfa.memory_usage(),
            Matcher::Regex(_) => RUNTIME_PATTERN_SIZE_LIMIT,
            Matcher::Invalid => 0,
        }
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&self.source).finish()
    }
}

/// Everything one `#[outline(...)]` (or one `inner(...)` level) says about a value.
///
/// Which keys apply depends on the value's kind: `min`/`max` bound a number's value, a string's length in
/// characters, and a collection's or map's item count. The derive rejects keys that do not apply to the
/// field's type at compile time.
#[derive(Clone, Copy, Debug)]
pub struct Constraints {
    /// `min`: inclusive lower bound.
    pub min: Option<Bound>,
    /// `max`: inclusive upper bound.
    pub max: Option<Bound>,
    /// `exclusive_min`: exclusive lower bound (numbers).
    pub exclusive_min: Option<Bound>,
    /// `exclusive_max`: exclusive upper bound (numbers).
    pub exclusive_max: Option<Bound>,
    /// `multiple_of` (numbers).
    pub multiple_of: Option<Bound>,
    /// `pattern` (strings).
    pub pattern: Option<&'static Pattern>,
    /// `format` (strings).
    pub format: Option<Format>,
    /// `unique` (collections).
    pub unique: bool,
    /// `one_of`: the allowed values; empty means unrestricted.
    pub one_of: &'static [Literal],
    /// `inner(...)`: constraints for each item of a collection (or the value of an `Option`).
    pub inner: Option<&'static Constraints>,
}

impl Constraints {
    /// No constraints at all.
    pub const NONE: Constraints = Constraints {
        min: None,
        max: None,
        exclusive_min: None,
        exclusive_max: None,
        multiple_of: None,
        pattern: None,
        format: None,
        unique: false,
        one_of: &[],
        inner: None,
    };

    /// A reference to [`Constraints::NONE`] with a `'static` lifetime.
    pub const fn none() -> &'static Constraints {
        &NONE
    }

    /// Whether this level constrains anything (ignoring `inner`).
    pub fn is_empty(&self) -> bool {
        self.min.is_none()
            && self.max.is_none()
            && self.exclusive_min.is_none()
            && self.exclusive_max.is_none()
            && self.multiple_of.is_none()
            && self.pattern.is_none()
            && self.format.is_none()
            && !self.unique
            && self.one_of.is_empty()
    }

    /// Whether this constrains nothing at any level.
    #[inline]
    pub fn is_none(&self) -> bool {
        // Unconstrained fields point at the shared `NONE`: a pointer compare on the hot path.
        std::ptr::eq(self, &NONE) || (self.is_empty() && self.inner.is_none_or(|i| i.is_none()))
    }
}

static NONE: Constraints = Constraints::NONE;

impl Default for Constraints {
    fn default() -> Self {
        Constraints::NONE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_compare_exactly_for_integers() {
        assert_eq!(
            Bound::Int(u64::MAX as i128).cmp_i128(u64::MAX as i128),
            std::cmp::Ordering::Equal
        );
        assert_eq!(Bound::Float(0.5).cmp_i128(1), std::cmp::Ordering::Less);
        assert_eq!(Bound::Int(3).as_count(), Some(3));
        assert_eq!(Bound::Int(-1).as_count(), None);
    }

    #[test]
    fn pattern_is_unanchored_search() {
        static P: Pattern = Pattern::new("[0-9]+");
        assert!(P.is_match("abc 123"));
        assert!(!P.is_match("abc"));
        static BAD: Pattern = Pattern::new("(");
        assert!(!BAD.is_match("("));
        assert!(!BAD.compiles());
        assert!(Pattern::compile("(").is_err());
        assert!(
            Pattern::compile("(?=a)b").is_err(),
            "look-ahead is not supported"
        );
        let owned = Pattern::compile(String::from("^[0-9]+$")).unwrap();
        assert!(owned.compiles() && owned.is_match("42") && !owned.is_match("4a"));
    }

    #[test]
    fn patterns_mean_what_ecma_262_says() {
        static DIGITS: Pattern = Pattern::new(r"^\d+$");
        static WORD: Pattern = Pattern::new(r"^\w+$");
        static ANY: Pattern = Pattern::new(r"^.$");
        assert!(DIGITS.is_match("42") && !DIGITS.is_match("٤٢"));
        assert!(WORD.is_match("a_1") && !WORD.is_match("é"));
        assert!(ANY.is_match("x") && !ANY.is_match("\r") && !ANY.is_match("\u{2028}"));
    }

    #[test]
    fn runtime_patterns_have_a_size_limit() {
        let huge = Pattern::compile("(a{1000}){1000}").unwrap_err();
        assert!(huge.contains("more than"), "{huge}");
        // Within the limit, a pattern too large for a DFA still compiles (to the lazy engine).
        let wide = Pattern::compile(r"^\w{1,300}x\w{1,300}$").unwrap();
        assert!(wide.is_match("abcxdef"));
    }

    #[test]
    fn dfa_and_regex_agree() {
        static PATTERNS: [Pattern; 6] = [
            Pattern::new(r"^[^@\s]+@[^@\s]+\.[a-z]+$"),
            Pattern::new(r"^SKU-[A-Z0-9]{4,8}$"),
            Pattern::new(r"[0-9]{3}"),
            Pattern::new(r"\bword\b"),
            Pattern::new(r"^\p{Lu}\w*$"),
            Pattern::new(r"(?i)^hello"),
        ];
        let inputs = [
            "",
            "a@b.io",
            "é@ü.de",
            "a b@c.de",
            "SKU-AB12",
            "SKU-ab12",
            "xx123yy",
            "12",
            "a word here",
            "swordfish",
            "Émile_2",
            "émile",
            "HeLLo there",
            "say hello",
        ];
        for p in &PATTERNS {
            let regex = Regex::new(&jsonschema_regex::to_rust_regex(p.as_str()).unwrap()).unwrap();
            for input in inputs {
                assert_eq!(
                    p.is_match(input),
                    regex.is_match(input),
                    "{} on {input:?}",
                    p.as_str()
                );
            }
        }
        // Unicode word boundaries cannot be a DFA: that pattern uses the regex engine.
        assert!(matches!(
            PATTERNS[3].compiled.get(),
            Some(Matcher::Regex(_))
        ));
        assert!(matches!(PATTERNS[1].compiled.get(), Some(Matcher::Dfa(..))));
    }

    #[test]
    fn bound_json() {
        assert_eq!(Bound::Int(-5).to_json(), serde_json::json!(-5));
        assert_eq!(
            Bound::Int(u64::MAX as i128).to_json(),
            serde_json::json!(u64::MAX)
        );
        assert_eq!(Bound::Float(0.5).to_json(), serde_json::json!(0.5));
    }
}
