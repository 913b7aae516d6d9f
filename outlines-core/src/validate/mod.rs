//! The typed validator: builds `T` straight from JSON and collects every error on the way.
//!
//! Validation rides on serde's `Deserializer` so the same code reads JSON text (`serde_json`'s fast
//! parser, with line and column for syntax errors) and an existing `serde_json::Value`. Unlike a serde
//! `Deserialize` impl, the visitors here never stop at the first problem: a wrong value is recorded in the
//! context with its path, skipped, and the walk goes on. On valid input nothing is allocated beyond `T`
//! itself: paths are a linked list on the stack and are only rendered when an error is recorded.

pub(crate) mod buffer;
pub(crate) mod count;
pub(crate) mod enums;
pub(crate) mod expect;
pub(crate) mod leaf;
pub(crate) mod object;
pub(crate) mod seq;

use serde_json::Value;

use crate::diagnostics::{Diagnostics, ErrorKind, Path, Segment, Violation};
use crate::schema::{Constraints, Schema, expected::expected};
use crate::structured::Structured;

/// How many arrays and objects may nest inside each other: `serde_json`'s own limit for text, applied
/// to `from_value` too, so both paths accept the same documents and no input can exhaust the stack.
pub const MAX_DEPTH: u32 = 127;

/// The validation context: where we are, and the errors found so far.
pub struct Cx<'a> {
    errors: &'a mut Vec<Violation>,
    path: Option<&'a PathNode<'a>>,
    depth: u32,
}

/// One step of the current path, living on the stack of the visitor that took it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PathNode<'a> {
    parent: Option<&'a PathNode<'a>>,
    seg: Seg<'a>,
}

/// A borrowed path segment.
#[derive(Clone, Copy, Debug)]
pub enum Seg<'a> {
    /// An object key.
    Key(&'a str),
    /// An array index.
    Index(usize),
}

impl<'a> Cx<'a> {
    /// A context at the root that records into `errors`.
    pub fn root(errors: &'a mut Vec<Violation>) -> Self {
        Cx {
            errors,
            path: None,
            depth: 0,
        }
    }

    /// Runs `f` one step deeper in the path.
    #[inline(always)]
    pub fn at<R>(&mut self, seg: Seg<'_>, f: impl FnOnce(&mut Cx<'_>) -> R) -> R {
        let node = PathNode {
            parent: self.path,
            seg,
        };
        let mut child = Cx {
            errors: &mut *self.errors,
            path: Some(&node),
            depth: self.depth,
        };
        f(&mut child)
    }

    /// Enters a container; `false` (with an error recorded) when nested too deeply.
    pub(crate) fn enter(&mut self) -> bool {
        if self.depth >= MAX_DEPTH {
            self.too_deep();
            return false;
        }
        self.depth += 1;
        true
    }

    /// How many more containers may nest below the current value.
    pub(crate) fn remaining_depth(&self) -> u32 {
        MAX_DEPTH.saturating_sub(self.depth)
    }

    /// Records that a value nests deeper than [`MAX_DEPTH`], at the current path.
    #[cold]
    pub(crate) fn too_deep(&mut self) {
        self.too_deep_below(Vec::new());
    }

    /// Records that a value nests deeper than [`MAX_DEPTH`] at `below`, a path inside the current value.
    #[cold]
    pub(crate) fn too_deep_below(&mut self, below: Vec<Segment>) {
        let mut path = self.path().segments().to_vec();
        path.extend(below);
        let message = format!("nested more than {MAX_DEPTH} levels deep");
        let error = Violation::new(
            ErrorKind::Syntax,
            Path::from_segments(path),
            "",
            None,
            message,
        );
        self.errors.push(error);
    }

    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// The current path, rendered.
    pub fn path(&self) -> Path {
        let mut segments = Vec::new();
        let mut node = self.path;
        while let Some(n) = node {
            segments.push(match n.seg {
                Seg::Key(k) => Segment::Key(k.to_owned()),
                Seg::Index(i) => Segment::Index(i),
            });
            node = n.parent;
        }
        segments.reverse();
        Path::from_segments(segments)
    }

    /// Records an error at the current path.
    #[cold]
    pub fn error(
        &mut self,
        kind: ErrorKind,
        expected: impl Into<String>,
        got: Option<String>,
        message: impl Into<String>,
    ) {
        let error = Violation::new(kind, self.path(), expected, got, message);
        self.errors.push(error);
    }

    /// Records a custom rule's failure (`validate = ...` or `check = ...`).
    #[cold]
    pub fn custom(&mut self, rule: &str, message: String) {
        // The rule's own words are the message; kept to one line, so a message cannot forge more
        // errors in the one-per-line display.
        let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
        let message = if message.is_empty() {
            format!("rejected by `{rule}`")
        } else {
            message
        };
        self.error(ErrorKind::Custom, "", None, message);
    }

    /// Records that the value is of the wrong type.
    #[cold]
    pub(crate) fn mismatch(&mut self, schema: &Schema, got: String) {
        let message = format!("expected {}", kind_word(schema));
        self.error(ErrorKind::Type, expected(schema), Some(got), message);
    }

    /// How many errors were recorded so far (to tell whether a sub-walk added any).
    pub fn error_count(&self) -> usize {
        self.errors.len()
    }

    /// Appends errors recorded elsewhere (a discarded attempt, such as an untagged variant).
    pub(crate) fn extend(&mut self, errors: Vec<Violation>) {
        self.errors.extend(errors);
    }

    /// A fresh context at the same path and depth recording into `errors` (for trial walks).
    pub(crate) fn scratch<'b>(&'b self, errors: &'b mut Vec<Violation>) -> Cx<'b> {
        Cx {
            errors,
            path: self.path,
            depth: self.depth,
        }
    }
}

/// "a string", "an integer": the noun for a type mismatch message.
fn kind_word(schema: &Schema) -> &'static str {
    use crate::schema::{Body, Kind};
    match &schema.kind {
        Kind::Any => "any value",
        Kind::Null => "null",
        Kind::Bool => "a boolean",
        Kind::Integer(_) => "an integer",
        Kind::Number { .. } => "a number",
        Kind::String { char: false } => "a string",
        Kind::String { char: true } => "a single-character string",
        Kind::Array(..) | Kind::Tuple(_) => "an array",
        Kind::Map(_) => "an object",
        Kind::Option(inner) => kind_word(inner),
        Kind::Ref(r) => match &r.definition().body {
            Body::Object(_) => "an object",
            Body::Tuple(_) => "an array",
            Body::Enum(e) if e.is_unit_only() => "a string",
            Body::Enum(_) => "one of the variants",
            // Its field's word; the field's own reference to the type is not followed again.
            Body::Newtype(value) => {
                let mut value = value.as_ref();
                while let Kind::Option(inner) = &value.kind {
                    value = inner;
                }
                match value.kind {
                    Kind::Ref(_) => "a value",
                    _ => kind_word(value),
                }
            }
        },
    }
}

/// Validates JSON text into `T`.
pub(crate) fn from_str<T: Structured>(json: &str) -> Result<T, Diagnostics> {
    from_json_reader(serde_json::Deserializer::from_str(json))
}

/// Validates JSON bytes into `T`; invalid UTF-8 is a syntax error with its position.
pub(crate) fn from_slice<T: Structured>(json: &[u8]) -> Result<T, Diagnostics> {
    from_json_reader(serde_json::Deserializer::from_slice(json))
}

fn from_json_reader<'de, R, T>(mut de: serde_json::Deserializer<R>) -> Result<T, Diagnostics>
where
    R: serde_json::de::Read<'de>,
    T: Structured,
{
    let mut errors = Vec::new();
    let mut cx = Cx::root(&mut errors);
    let built = T::__deserialize(&mut de, &mut cx, Constraints::none())
        .and_then(|value| de.end().map(|()| value));
    finish(built, errors)
}

/// Validates an existing JSON value into `T`.
pub(crate) fn from_value<T: Structured>(value: &Value) -> Result<T, Diagnostics> {
    from_deserializer(value)
}

fn from_deserializer<'de, T, D>(de: D) -> Result<T, Diagnostics>
where
    T: Structured,
    D: serde::Deserializer<'de, Error = serde_json::Error>,
{
    let mut errors = Vec::new();
    let mut cx = Cx::root(&mut errors);
    let built = T::__deserialize(de, &mut cx, Constraints::none());
    finish(built, errors)
}

/// Validates a whole value of a streamed reply's tree into `T`, as [`from_value`] would.
pub(crate) fn from_tree<T: Structured>(
    value: crate::partial::NodeRef<'_>,
) -> Result<T, Diagnostics> {
    let mut errors = Vec::new();
    let mut cx = Cx::root(&mut errors);
    let built = T::__deserialize(value, &mut cx, Constraints::none());
    finish(built, errors)
}

fn finish<T>(
    built: Result<Option<T>, serde_json::Error>,
    mut errors: Vec<Violation>,
) -> Result<T, Diagnostics> {
    match built {
        Ok(Some(value)) if errors.is_empty() => Ok(value),
        Ok(_) if errors.is_empty() => {
            // Every path that gives up records why; should one ever not, still say something.
            let error = Violation::new(
                ErrorKind::Type,
                Path::root(),
                "",
                None,
                "the value could not be read",
            );
            Err(Diagnostics::new(vec![error]))
        }
        Ok(_) => Err(Diagnostics::new(errors)),
        Err(e) => {
            errors.push(syntax_error(&e));
            Err(Diagnostics::new(errors))
        }
    }
}

/// A `serde_json` error (our visitors never raise one themselves) as a diagnostic with its position.
pub(crate) fn syntax_error(e: &serde_json::Error) -> Violation {
    let text = e.to_string();
    // serde_json appends " at line L column C"; the position is kept separately.
    let message = match text.rfind(" at line ") {
        Some(i) if e.line() > 0 => &text[..i],
        _ => &text[..],
    };
    // serde_json stops at 128 levels without saying so; name the limit (a value within it but past
    // MAX_DEPTH gets the validator's own message, which names it too).
    let message = if message == "recursion limit exceeded" {
        "invalid JSON: nested more than 128 levels deep (the JSON parser's recursion limit)"
            .to_owned()
    } else {
        format!("invalid JSON: {message}")
    };
    let error = Violation::new(ErrorKind::Syntax, Path::root(), "", None, message);
    if e.line() > 0 {
        error.at(e.line(), e.column())
    } else {
        error
    }
}
