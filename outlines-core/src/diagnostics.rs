//! What went wrong, where: every problem found in a value, each with its path, what was expected, what
//! was found and a message — ready to show a user or to paste into a repair prompt.

use std::fmt::{self, Write as _};

pub use crate::text::GOT_LIMIT;
use crate::text::shorten_str;

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

/// The kind of a [`Violation`].
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

/// One problem in a value: where, what was expected, what was found.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    kind: ErrorKind,
    path: Path,
    expected: String,
    got: Option<String>,
    message: String,
    location: Option<(usize, usize)>,
}

impl Violation {
    /// A new error.
    pub fn new(
        kind: ErrorKind,
        path: Path,
        expected: impl Into<String>,
        got: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        Violation {
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

impl fmt::Display for Violation {
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

impl std::error::Error for Violation {}

/// Every problem found in a value: the error of validation (`T::from_json`, `T::from_value`), and what
/// a generation sends back to the model in its repair turn.
///
/// `Display` writes one violation per line, ready to paste into a repair prompt; past
/// [`Diagnostics::DISPLAY_LIMIT`] violations it ends with a count of the rest (every one stays in
/// [`Diagnostics::errors`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diagnostics {
    errors: Vec<Violation>,
}

impl Diagnostics {
    /// At most this many violations are written by `Display`; a line then counts the rest.
    pub const DISPLAY_LIMIT: usize = 50;

    /// Diagnostics holding `errors`.
    pub fn new(errors: Vec<Violation>) -> Self {
        Diagnostics { errors }
    }

    /// Each error, in the order found (document order).
    pub fn errors(&self) -> &[Violation] {
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
    pub fn push(&mut self, error: Violation) {
        self.errors.push(error);
    }

    /// The errors, by value.
    pub fn into_errors(self) -> Vec<Violation> {
        self.errors
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_violations(f, &self.errors)
    }
}

/// One violation per line, `- ` first, at most [`Diagnostics::DISPLAY_LIMIT`] of them, then a count
/// of the rest.
pub(crate) fn write_violations(f: &mut fmt::Formatter<'_>, errors: &[Violation]) -> fmt::Result {
    for (i, error) in errors.iter().take(Diagnostics::DISPLAY_LIMIT).enumerate() {
        if i > 0 {
            f.write_char('\n')?;
        }
        write!(f, "- {error}")?;
    }
    if let Some(more) = errors
        .len()
        .checked_sub(Diagnostics::DISPLAY_LIMIT)
        .filter(|&n| n > 0)
    {
        let s = if more == 1 { "" } else { "s" };
        write!(f, "\n- … and {more} more violation{s}")?;
    }
    Ok(())
}

impl std::error::Error for Diagnostics {}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Violation;
    type IntoIter = std::slice::Iter<'a, Violation>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl IntoIterator for Diagnostics {
    type Item = Violation;
    type IntoIter = std::vec::IntoIter<Violation>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl From<Violation> for Diagnostics {
    fn from(error: Violation) -> Self {
        Diagnostics::new(vec![error])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            Violation::new(
                ErrorKind::Constraint,
                Path::from_segments(vec![Segment::Key("age".into())]),
                "integer between 0 and 120",
                Some("150".into()),
                "value out of range",
            ),
            Violation::new(
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
}
