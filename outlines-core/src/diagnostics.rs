//! What went wrong, where: every problem found in a value, each with its path, what was expected, what
//! was found and a message — ready to show a user or to paste into a repair prompt.

use std::fmt::{self, Write as _};

use crate::backend::Usage;
pub use crate::generate::report::{Attempt, Cause};

/// Where in the value an error is: `address.city`, `items[2].name`; the root is displayed as `$`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Path {
    segments: Vec<Segment>,
}

/// One step of a [`Path`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Segment {
    /// An object key: a struct field, a map key or an enum variant's key.
    Key(String),
    /// An array position.
    Index(usize),
}

impl Path {
    /// The root.
    pub fn root() -> Self {
        Path::default()
    }

    /// A path from its segments, outermost first.
    pub fn from_segments(segments: Vec<Segment>) -> Self {
        Path { segments }
    }

    /// The segments, outermost first.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Whether this is the root.
    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() {
            return f.write_str("$");
        }
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Index(n) => write!(f, "[{n}]")?,
                Segment::Key(k) if is_plain_key(k) => {
                    if i > 0 {
                        f.write_char('.')?;
                    }
                    f.write_str(k)?;
                }
                Segment::Key(k) => {
                    f.write_char('[')?;
                    write_json_string(f, k)?;
                    f.write_char(']')?;
                }
            }
        }
        Ok(())
    }
}

fn is_plain_key(k: &str) -> bool {
    if k.len() > GOT_LIMIT {
        return false;
    }
    let mut chars = k.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Writes a key as a JSON string literal, shortened: keys come from the model's output.
fn write_json_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str(&shorten_str(s))
}

/// The kind of an [`Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text is not JSON (or has trailing characters), or is nested too deeply.
    Syntax,
    /// A value of the wrong JSON type.
    Type,
    /// A number outside the range its Rust type can hold (300 for a `u8`).
    Range,
    /// A required field is absent.
    Missing,
    /// A field the type does not have, under `#[serde(deny_unknown_fields)]`.
    Unknown,
    /// The same field twice in one object.
    Duplicate,
    /// No enum variant matches.
    Variant,
    /// A value breaks a declared constraint (`min`, `pattern`, `format`, ...).
    Constraint,
    /// A custom rule (`validate = ...`, `check = ...`) rejected the value.
    Custom,
    /// The reply ran out of tokens here: its value was cut short or written by the backend's
    /// budget steering, not by the model (see [`Forced`](crate::backend::Forced)).
    Budget,
}

impl ErrorKind {
    /// Whether the error is about the value's shape — what `serde` itself would reject — rather than
    /// a declared constraint or custom rule.
    pub fn is_structural(self) -> bool {
        !matches!(self, ErrorKind::Constraint | ErrorKind::Custom)
    }
}

/// One problem in a value.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    kind: ErrorKind,
    path: Path,
    expected: String,
    got: Option<String>,
    message: String,
    location: Option<(usize, usize)>,
}

impl Error {
    /// A new error.
    pub fn new(
        kind: ErrorKind,
        path: Path,
        expected: impl Into<String>,
        got: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        Error {
            kind,
            path,
            expected: expected.into(),
            got,
            message: message.into(),
            location: None,
        }
    }

    /// Attaches a line and column (1-based) in the JSON text.
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.location = Some((line, column));
        self
    }

    /// The kind of problem.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Where the problem is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the value should have been, e.g. "integer between 0 and 120".
    pub fn expected(&self) -> &str {
        &self.expected
    }

    /// The offending JSON value (shortened when large), or `None` when the value is absent.
    pub fn got(&self) -> Option<&str> {
        self.got.as_deref()
    }

    /// What is wrong, in a sentence fragment: "value out of range", "missing required field".
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Line and column (1-based) in the JSON text, for syntax errors.
    pub fn location(&self) -> Option<(usize, usize)> {
        self.location
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)?;
        if let Some((line, column)) = self.location {
            write!(f, " at line {line} column {column}")?;
        }
        match (&self.expected[..], &self.got) {
            ("", None) => Ok(()),
            ("", Some(got)) => write!(f, " (got {got})"),
            (expected, None) => write!(f, " (expected {expected})"),
            (expected, Some(got)) => write!(f, " (expected {expected}, got {got})"),
        }
    }
}

impl std::error::Error for Error {}

/// Every problem found in a value; the error type of validation and of generation.
///
/// From validation it holds the errors found. From generation (`T::generate`) it also tells the whole
/// story: why the loop ended ([`Diagnostics::cause`]), every attempt's raw output and errors
/// ([`Diagnostics::attempts`]), the best candidate value ([`Diagnostics::best`]) and the tokens used
/// ([`Diagnostics::usage`]); [`Diagnostics::errors`] are then the last attempt's errors.
///
/// `Display` writes the cause (if any) on its own line, then one error per line, ready to paste into a
/// repair prompt.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diagnostics {
    errors: Vec<Error>,
    /// Boxed: validation, the hot path, never fills it, and `Result<T, Diagnostics>` stays small.
    story: Option<Box<Story>>,
}

/// How a generation went, for [`Diagnostics`] that come from one.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Story {
    pub(crate) cause: Cause,
    pub(crate) attempts: Vec<Attempt>,
    pub(crate) best: Option<serde_json::Value>,
    pub(crate) usage: Usage,
}

impl Diagnostics {
    /// Diagnostics holding `errors`.
    pub fn new(errors: Vec<Error>) -> Self {
        Diagnostics {
            errors,
            story: None,
        }
    }

    /// The diagnostics of a generation that ended without a value.
    pub(crate) fn failed_generation(errors: Vec<Error>, story: Story) -> Self {
        Diagnostics {
            errors,
            story: Some(Box::new(story)),
        }
    }

    /// Diagnostics for a generation that ended before any attempt could finish (a batch's deadline
    /// passed, or the task panicked).
    pub(crate) fn without_attempts(cause: Cause) -> Self {
        Diagnostics::failed_generation(
            Vec::new(),
            Story {
                cause,
                attempts: Vec::new(),
                best: None,
                usage: Usage::default(),
            },
        )
    }

    /// Replaces the cause of a generation's diagnostics.
    pub(crate) fn set_cause(&mut self, cause: Cause) {
        if let Some(story) = self.story.as_mut() {
            story.cause = cause;
        }
    }

    /// Why a generation ended without a value; `None` for plain validation.
    pub fn cause(&self) -> Option<&Cause> {
        self.story.as_ref().map(|s| &s.cause)
    }

    /// Every attempt of a generation, in order (empty for plain validation).
    pub fn attempts(&self) -> &[Attempt] {
        self.story.as_ref().map_or(&[], |s| &s.attempts)
    }

    /// The best candidate a generation produced: the reply that was valid JSON with the fewest errors.
    pub fn best(&self) -> Option<&serde_json::Value> {
        self.story.as_ref().and_then(|s| s.best.as_ref())
    }

    /// Tokens used by all attempts of a generation.
    pub fn usage(&self) -> Usage {
        self.story.as_ref().map(|s| s.usage).unwrap_or_default()
    }

    /// Each error, in the order found (document order).
    pub fn errors(&self) -> &[Error] {
        &self.errors
    }

    /// Number of errors.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Whether there are no errors.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Adds an error.
    pub fn push(&mut self, error: Error) {
        self.errors.push(error);
    }

    /// The errors, by value.
    pub fn into_errors(self) -> Vec<Error> {
        self.errors
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        if let Some(cause) = self.cause() {
            write!(f, "{cause}")?;
            first = false;
        }
        for error in &self.errors {
            if !first {
                f.write_char('\n')?;
            }
            first = false;
            write!(f, "- {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Error;
    type IntoIter = std::slice::Iter<'a, Error>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl IntoIterator for Diagnostics {
    type Item = Error;
    type IntoIter = std::vec::IntoIter<Error>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl From<Error> for Diagnostics {
    fn from(error: Error) -> Self {
        Diagnostics::new(vec![error])
    }
}

/// At most this many characters of an offending value are kept in [`Error::got`].
pub const GOT_LIMIT: usize = 120;

/// Renders a string as a JSON string literal, shortened like [`shorten_json`].
pub(crate) fn shorten_str(s: &str) -> String {
    let mut out = Capped::default();
    out.push_json_str(s);
    out.finish()
}

/// Text that stops growing at [`GOT_LIMIT`] characters; writing past it is a no-op, so rendering a
/// huge value costs no more than rendering its beginning.
#[derive(Debug, Default)]
pub(crate) struct Capped {
    text: String,
    chars: usize,
    cut: bool,
}

impl Capped {
    pub(crate) fn push_str(&mut self, s: &str) {
        for c in s.chars() {
            self.push(c);
        }
    }

    fn push(&mut self, c: char) {
        if self.chars == GOT_LIMIT {
            self.cut = true;
            return;
        }
        self.text.push(c);
        self.chars += 1;
    }

    /// Writes `s` as a JSON string literal (quoted and escaped).
    pub(crate) fn push_json_str(&mut self, s: &str) {
        self.push('"');
        for c in s.chars() {
            if self.cut {
                return;
            }
            match c {
                '"' => self.push_str("\\\""),
                '\\' => self.push_str("\\\\"),
                '\n' => self.push_str("\\n"),
                '\r' => self.push_str("\\r"),
                '\t' => self.push_str("\\t"),
                c if (c as u32) < 0x20 => self.push_str(&format!("\\u{:04x}", c as u32)),
                c => self.push(c),
            }
        }
        self.push('"');
    }

    pub(crate) fn finish(mut self) -> String {
        if self.cut {
            self.text.push('…');
        }
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_display_like_accessors() {
        let p = Path::from_segments(vec![
            Segment::Key("items".into()),
            Segment::Index(2),
            Segment::Key("name".into()),
        ]);
        assert_eq!(p.to_string(), "items[2].name");
        assert_eq!(Path::root().to_string(), "$");
        let odd = Path::from_segments(vec![
            Segment::Key("scores".into()),
            Segment::Key("a b".into()),
        ]);
        assert_eq!(odd.to_string(), "scores[\"a b\"]");
    }

    #[test]
    fn display_is_one_line_per_error() {
        let d = Diagnostics::new(vec![
            Error::new(
                ErrorKind::Constraint,
                Path::from_segments(vec![Segment::Key("age".into())]),
                "integer between 0 and 120",
                Some("150".into()),
                "value out of range",
            ),
            Error::new(
                ErrorKind::Missing,
                Path::from_segments(vec![Segment::Key("name".into())]),
                "string",
                None,
                "missing required field",
            ),
        ]);
        assert_eq!(
            d.to_string(),
            "- age: value out of range (expected integer between 0 and 120, got 150)\n\
             - name: missing required field (expected string)"
        );
    }

    #[test]
    fn got_is_shortened() {
        let long = json!("x".repeat(10_000));
        let got = crate::validate::buffer::got(&long).unwrap();
        assert!(got.chars().count() <= GOT_LIMIT + 1, "{got}");
        assert!(got.ends_with('…'));
        assert_eq!(
            crate::validate::buffer::got(&json!({"a": 1})).unwrap(),
            r#"{"a":1}"#
        );
        let multibyte = shorten_str(&"é".repeat(1000));
        assert_eq!(multibyte.chars().count(), GOT_LIMIT + 1);
    }
}
