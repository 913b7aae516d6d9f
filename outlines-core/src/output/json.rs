//! A JSON Schema known only at run time as an [`Output`]: compiled once, it gives the request its
//! normalized JSON Schema, the prompt its description and the reply its validator.

use std::fmt;
use std::marker::PhantomData;
use std::path::Path as FsPath;
use std::sync::{Arc, OnceLock};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Output, Reading, cut_off_number, read_json_leniently};
use crate::backend::{Constraint, Finish, SchemaSpec};
use crate::diagnostics::{Diagnostics, ErrorKind, Path, Violation};
use crate::lenient::guard::Plan;
use crate::rules::runtime;
use crate::schema::names::provider_name;
use crate::schema::runtime::{Compiled, SchemaErrorKind as Kind};
pub use crate::schema::runtime::{SchemaError, SchemaErrorKind};

/// A schema file larger than this is refused before it is read.
pub const MAX_SCHEMA_FILE: u64 = 64 * 1024 * 1024;

/// A JSON Schema received as data — a `serde_json::Value`, a string, a file — compiled once and
/// used as an [`Output`]: generating with it returns a `serde_json::Value` the schema accepts, through
/// the same loop, batches and telemetry as a derived type.
///
/// What it supports, what it refuses and its limits are in [`runtime`](crate::schema::runtime):
/// JSON Schema 2020-12, local `$ref`s (recursive ones included), `format` enforced, and every
/// keyword it does not support an error at compile time, never ignored.
///
/// ```
/// use outlines_core::output::{JsonSchema, Output};
/// use serde_json::json;
///
/// let schema = JsonSchema::compile(&json!({
///     "title": "Person",
///     "type": "object",
///     "properties": {
///         "name": {"type": "string", "minLength": 1},
///         "age": {"type": "integer", "minimum": 0, "maximum": 120}
///     },
///     "required": ["name", "age"]
/// }))
/// .unwrap();
/// assert_eq!(schema.name(), "Person");
/// assert!(schema.validate(&json!({"name": "Ada", "age": 36})).is_ok());
///
/// let errors = schema.validate(&json!({"name": "", "age": 150})).unwrap_err();
/// assert_eq!(
///     errors.to_string(),
///     "- name: too short (0 characters) (expected string of at least 1 character, got \"\")\n\
///      - age: above the maximum (expected integer between 0 and 120, got 150)"
/// );
/// assert_eq!(
///     schema.describe(),
///     "type Person = {\n  name: string; // at least 1 char\n  age: int; // 0-120\n};\n"
/// );
/// ```
///
/// Cloning is cheap (the compiled schema is shared), and every request made with one schema
/// carries the same `Arc` of its JSON Schema, so a backend's per-schema caches hit.
#[derive(Clone)]
pub struct JsonSchema {
    compiled: Arc<Compiled>,
    /// The name `named` gave.
    name: Option<Arc<str>>,
    /// The description, rendered on first use (it names the root).
    description: Arc<OnceLock<String>>,
    /// What streamed replies are watched with, compiled on first use.
    plan: Arc<OnceLock<Arc<Plan>>>,
}

impl JsonSchema {
    /// Compiles a JSON Schema.
    pub fn compile(schema: &Value) -> Result<JsonSchema, SchemaError> {
        Ok(JsonSchema::from_compiled(Compiled::compile(schema)?))
    }

    /// Parses JSON text and compiles it; text that is not JSON is a [`SchemaErrorKind::Syntax`]
    /// error with its line and column.
    #[allow(clippy::should_implement_trait)] // it is implemented too; this needs no import
    pub fn from_str(text: &str) -> Result<JsonSchema, SchemaError> {
        let schema: Value = serde_json::from_str(text).map_err(|e| {
            SchemaError::new(Kind::Syntax, "", "", format!("the schema is not JSON: {e}"))
        })?;
        JsonSchema::compile(&schema)
    }

    /// Reads a file and compiles it (at most [`MAX_SCHEMA_FILE`] bytes).
    pub fn from_file(path: impl AsRef<FsPath>) -> Result<JsonSchema, SchemaError> {
        let path = path.as_ref();
        let io = |e: std::io::Error| {
            SchemaError::new(
                Kind::Io,
                "",
                "",
                format!("cannot read {}: {e}", path.display()),
            )
        };
        let size = std::fs::metadata(path).map_err(io)?.len();
        if size > MAX_SCHEMA_FILE {
            return Err(SchemaError::new(
                Kind::Limit,
                "",
                "",
                format!(
                    "{} is {size} bytes; schema files are read up to {MAX_SCHEMA_FILE}",
                    path.display()
                ),
            ));
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        JsonSchema::from_str(&text).map_err(|e| e.in_file(path))
    }

    fn from_compiled(compiled: Compiled) -> JsonSchema {
        JsonSchema {
            compiled: Arc::new(compiled),
            name: None,
            description: Arc::new(OnceLock::new()),
            plan: Arc::new(OnceLock::new()),
        }
    }

    /// The same schema under another name: what [`JsonSchema::name`] says (before the schema's
    /// own `title`).
    pub fn named(mut self, name: impl Into<String>) -> JsonSchema {
        self.name = Some(name.into().into());
        self.description = Arc::new(OnceLock::new());
        self
    }

    /// The name providers are sent and the description calls the value, `[A-Za-z0-9_-]{1,64}`: the
    /// one [`JsonSchema::named`] gave, else the root's `title`, else `Value`.
    pub fn name(&self) -> String {
        let given = self.name.as_deref().or(self.compiled.title());
        match given.map(provider_name) {
            Some(name) if name != "value" => name,
            _ => "Value".into(),
        }
    }

    /// The normalized JSON Schema (2020-12) requests carry, rendered once from the compiled tree.
    pub fn json_schema(&self) -> &Arc<Value> {
        self.compiled.json_schema()
    }

    /// The compact, TypeScript-like description of the value for prompts.
    pub fn describe(&self) -> String {
        self.description
            .get_or_init(|| self.compiled.describe(&self.name()))
            .clone()
    }

    /// The compiled schema.
    pub fn compiled(&self) -> &Compiled {
        &self.compiled
    }

    /// Checks a value, collecting every violation with its path.
    pub fn validate(&self, value: &Value) -> Result<(), Diagnostics> {
        let errors = runtime::validate(&self.compiled, value);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Diagnostics::new(errors))
        }
    }

    /// Parses and checks JSON text; a syntax error carries its line and column.
    pub fn read(&self, text: &str) -> Result<Value, Diagnostics> {
        runtime::read(&self.compiled, text).map_err(Diagnostics::new)
    }

    /// What a request for this schema carries.
    pub fn spec(&self) -> SchemaSpec {
        SchemaSpec {
            name: self.name(),
            json_schema: self.compiled.json_schema().clone(),
            description: self.compiled.description().map(str::to_owned),
        }
    }

    /// An output giving a `T` (any `serde` type): the reply is checked against this schema, then
    /// deserialized; a reply `T` cannot be read from is a violation like any other, and repaired.
    pub fn typed<T: DeserializeOwned>(&self) -> TypedSchema<T> {
        TypedSchema {
            schema: self.clone(),
            _t: PhantomData,
        }
    }
}

impl std::str::FromStr for JsonSchema {
    type Err = SchemaError;

    fn from_str(text: &str) -> Result<JsonSchema, SchemaError> {
        JsonSchema::from_str(text)
    }
}

impl fmt::Debug for JsonSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonSchema")
            .field("name", &self.name())
            .field("nodes", &self.compiled.nodes.len())
            .finish()
    }
}

impl Output for JsonSchema {
    type Value = Value;

    fn name(&self) -> String {
        JsonSchema::name(self)
    }

    fn constraint(&self) -> Constraint {
        Constraint::Json(self.spec())
    }

    fn describe(&self) -> String {
        JsonSchema::describe(self)
    }

    fn examples(&self) -> Vec<Value> {
        self.compiled.examples().to_vec()
    }

    fn plan(&self) -> Option<Arc<Plan>> {
        let plan = self
            .plan
            .get_or_init(|| Arc::new(Plan::new(self.compiled.json_schema())));
        Some(plan.clone())
    }

    fn read(&self, text: &str, finish: &Finish) -> Result<Value, Vec<Violation>> {
        let text = text.trim();
        cut_off_number(text, finish)?;
        runtime::read(&self.compiled, text)
    }

    fn read_lenient(&self, text: &str, finish: &Finish) -> Reading<Value> {
        match Output::read(self, text, finish) {
            Ok(value) => Reading::strict(Ok(value)),
            Err(strict) => read_json_leniently(text, finish, self.json_schema(), strict, |value| {
                let errors = runtime::validate(&self.compiled, value);
                if errors.is_empty() {
                    Ok(value.clone())
                } else {
                    Err(errors)
                }
            }),
        }
    }
}

/// A [`JsonSchema`] whose value is deserialized into `T`: see [`JsonSchema::typed`].
pub struct TypedSchema<T> {
    schema: JsonSchema,
    _t: PhantomData<fn() -> T>,
}

impl<T> TypedSchema<T> {
    /// The schema.
    pub fn schema(&self) -> &JsonSchema {
        &self.schema
    }
}

impl<T> Clone for TypedSchema<T> {
    fn clone(&self) -> Self {
        TypedSchema {
            schema: self.schema.clone(),
            _t: PhantomData,
        }
    }
}

impl<T> fmt::Debug for TypedSchema<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypedSchema")
            .field("schema", &self.schema)
            .field("as", &std::any::type_name::<T>())
            .finish()
    }
}

impl<T: DeserializeOwned + Send + 'static> Output for TypedSchema<T> {
    type Value = T;

    fn name(&self) -> String {
        self.schema.name()
    }

    fn constraint(&self) -> Constraint {
        self.schema.constraint()
    }

    fn describe(&self) -> String {
        self.schema.describe()
    }

    fn examples(&self) -> Vec<Value> {
        self.schema.examples()
    }

    fn plan(&self) -> Option<Arc<Plan>> {
        self.schema.plan()
    }

    fn read(&self, text: &str, finish: &Finish) -> Result<T, Vec<Violation>> {
        let value = self.schema.read_reply(text, finish)?;
        typed(value)
    }

    fn read_lenient(&self, text: &str, finish: &Finish) -> Reading<T> {
        self.schema.read_lenient(text, finish).map(typed)
    }
}

/// A valid value deserialized into `T`.
fn typed<T: DeserializeOwned>(value: Value) -> Result<T, Vec<Violation>> {
    serde_json::from_value(value).map_err(|e| {
        let name = std::any::type_name::<T>();
        vec![Violation::new(
            ErrorKind::Type,
            Path::root(),
            format!("a value `{name}` can be read from"),
            None,
            format!("the value cannot be read as `{name}`: {e}"),
        )]
    })
}

impl JsonSchema {
    fn read_reply(&self, text: &str, finish: &Finish) -> Result<Value, Vec<Violation>> {
        Output::read(self, text, finish)
    }
}
