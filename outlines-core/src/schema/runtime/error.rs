//! Why a schema does not compile: the keyword, where it is, what is wrong.

use std::fmt;

/// What kind of problem a [`SchemaError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SchemaErrorKind {
    /// The schema text is not JSON.
    Syntax,
    /// The schema file cannot be read.
    Io,
    /// A keyword the compiler does not support or does not know.
    Unsupported,
    /// A keyword whose value the specification does not allow, or a schema that is neither an
    /// object nor a boolean.
    Invalid,
    /// A `$ref` that is remote, or points at nothing.
    Reference,
    /// `$ref`s and in-place keywords that loop back without moving into the value.
    Cycle,
    /// A limit: nesting, chain length, patterns' size, file size.
    Limit,
}

/// A JSON Schema that cannot be compiled: the keyword, the JSON Pointer of the schema holding it,
/// and what is wrong.
///
/// ```
/// use outlines_core::schema::runtime::{Compiled, SchemaErrorKind};
///
/// let schema = serde_json::json!({"properties": {"a": {"unevaluatedProperties": false}}});
/// let error = Compiled::compile(&schema).unwrap_err();
/// assert_eq!(error.kind(), SchemaErrorKind::Unsupported);
/// assert_eq!(error.keyword(), "unevaluatedProperties");
/// assert_eq!(error.pointer(), "/properties/a");
/// assert!(error.to_string().starts_with("`unevaluatedProperties` at #/properties/a: "));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaError {
    kind: SchemaErrorKind,
    keyword: String,
    pointer: String,
    message: String,
    /// The file the schema was read from, if any.
    file: Option<std::path::PathBuf>,
}

impl SchemaError {
    pub(crate) fn new(
        kind: SchemaErrorKind,
        keyword: impl Into<String>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        SchemaError {
            kind,
            keyword: keyword.into(),
            pointer: pointer.into(),
            message: message.into(),
            file: None,
        }
    }

    /// The same error, naming the file the schema came from.
    pub(crate) fn in_file(mut self, path: &std::path::Path) -> Self {
        self.file = Some(path.to_owned());
        self
    }

    /// The file the schema was read from ([`JsonSchema::from_file`](crate::output::JsonSchema::from_file)).
    pub fn file(&self) -> Option<&std::path::Path> {
        self.file.as_deref()
    }

    /// What kind of problem it is.
    pub fn kind(&self) -> SchemaErrorKind {
        self.kind
    }

    /// The keyword at fault (`unevaluatedProperties`, `$ref`, ...); empty when the fault is not one
    /// keyword's (the text is not JSON, the file cannot be read).
    pub fn keyword(&self) -> &str {
        &self.keyword
    }

    /// The JSON Pointer (RFC 6901) of the schema holding the keyword: `""` for the root,
    /// `/properties/a`, `/$defs/Item/items`.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        if self.keyword.is_empty() {
            return f.write_str(&self.message);
        }
        write!(
            f,
            "`{}` at #{}: {}",
            self.keyword, self.pointer, self.message
        )
    }
}

impl std::error::Error for SchemaError {}
