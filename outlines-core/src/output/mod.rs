//! What a generation asks for and how a reply becomes its value: an [`Output`].
//!
//! A `#[derive(Structured)]` type is one ([`Typed`]); so are the outputs chosen at run time — a JSON
//! Schema received as data, a regular expression, a list of choices, a grammar, free text. Each says
//! what the request carries (a [`Constraint`] the backend enforces where it can), how the system
//! prompt states it, and how a reply is read: the value, or every reason it is not one. The
//! generation loop, batches and telemetry are the same for all of them.

mod choice;
mod examples;
mod json;
mod regex;
mod text;
mod words;

use std::fmt::Write as _;
use std::marker::PhantomData;
use std::sync::Arc;

use serde_json::Value;

use crate::backend::{Constraint, Finish, SchemaSpec};
use crate::diagnostics::{Diagnostics, ErrorKind, Path, Violation};
use crate::lenient::guard::Plan;
use crate::lenient::{self, Fix};
use crate::partial::NodeRef;
use crate::schema::names::schema_name;
use crate::schema::registry::TypeCache;
use crate::structured::Structured;
use crate::text::shorten_str;

pub use self::choice::{Choice, ChoiceError};
pub use self::regex::{Regex, RegexError};
pub use self::text::Text;
pub use json::{JsonSchema, MAX_SCHEMA_FILE, SchemaError, SchemaErrorKind, TypedSchema};

/// How the value is described in the system prompt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SchemaInPrompt {
    /// The output's own description ([`Output::describe`]): for a JSON value, compact and
    /// TypeScript-like, with constraints as comments (the default).
    #[default]
    Describe,
    /// The JSON Schema as JSON (outputs that are not JSON values describe themselves as usual).
    JsonSchema,
}

/// What a reply is: a JSON value or text. It decides the words of the prompt and the repair turn,
/// and how a failed reply is kept as the best candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReplyKind {
    /// One JSON value.
    Json,
    /// Text, taken as it is.
    Text,
}

impl ReplyKind {
    /// How the prompt and the repair turn name a reply: `JSON value` or `text`.
    pub fn noun(self) -> &'static str {
        match self {
            ReplyKind::Json => "JSON value",
            ReplyKind::Text => "text",
        }
    }
}

/// An output a generation can ask for: what the request carries, what the prompt says, how a reply
/// is read.
///
/// Object safe: a [`Generation`](crate::generate::Generation) holds its output as
/// `Arc<dyn Output<Value = T>>`, so an output chosen at run time needs no type of its own.
pub trait Output: Send + Sync + 'static {
    /// The value a valid reply gives.
    type Value: Send + 'static;

    /// A name for the output: the type's name for a JSON value (the schema name providers ask
    /// for), `regex`, `choice`, ... It is telemetry's `outlines.type`.
    fn name(&self) -> String;

    /// What the request asks the backend to enforce.
    fn constraint(&self) -> Constraint;

    /// What a reply is.
    fn reply_kind(&self) -> ReplyKind {
        ReplyKind::Json
    }

    /// A description of the value for prompts, bounded in length: for a JSON value the compact
    /// TypeScript-like rendering; for a regex or a grammar a readable statement with examples.
    fn describe(&self) -> String;

    /// Example values, as JSON (strings for text outputs): for templates and few-shot prompts.
    fn examples(&self) -> Vec<Value> {
        Vec::new()
    }

    /// The part of the system prompt that says what to reply with (the caller's own instructions
    /// come before it).
    fn instructions(&self, form: SchemaInPrompt) -> String {
        json_instructions(&self.name(), &self.describe(), &self.constraint(), form)
    }

    /// Reads a reply that stopped for `finish`: the value, or every reason it is not one, each with
    /// its path (for text, the position where the reply stops matching).
    fn read(&self, text: &str, finish: &Finish) -> Result<Self::Value, Vec<Violation>>;

    /// Reads a reply like [`Output::read`]; where that fails, a JSON output also reads what models
    /// really write — a value in prose or a code fence, trailing commas, single quotes, `"25"` for
    /// an integer field, ... ([`crate::lenient`]) — and returns each fix beside the result. Outputs
    /// that are not JSON values read strictly (the default).
    fn read_lenient(&self, text: &str, finish: &Finish) -> Reading<Self::Value> {
        Reading::strict(self.read(text, finish))
    }

    /// Whether a reply may name a field or an enum value by a name its JSON Schema does not list
    /// (`#[serde(alias)]`): a streamed reply is then not stopped for an unknown key or enum value.
    /// False unless the output says so (a derived type with aliases does).
    fn has_aliases(&self) -> bool {
        false
    }

    /// The value of a streamed reply that was exactly one strict JSON value, from the tree the
    /// stream already built ([`Incremental::exact`](crate::lenient::incremental::Incremental::exact)),
    /// so the reply is not read again: what [`Output::read`] gives on its text when the reply was not
    /// cut by the token limit (the loop does not ask then), or `None` to have the text read (the
    /// default; also whenever this finds the value invalid, so that errors read the same either
    /// way).
    fn read_streamed(&self, value: NodeRef<'_>) -> Option<Self::Value> {
        let _ = value;
        None
    }

    /// What a streamed reply is watched with for early abort: the output's JSON Schema compiled
    /// once ([`Plan`]); none for outputs that are not JSON values. The default compiles it at each
    /// call; an output that can keep it does.
    fn plan(&self) -> Option<Arc<Plan>> {
        let constraint = self.constraint();
        let schema = &constraint.json()?.json_schema;
        Some(Arc::new(Plan::new(schema).aliases(self.has_aliases())))
    }

    /// The reply kept as the best candidate when no attempt gives a value: for a JSON value, the
    /// reply if it is JSON at all; for text, the text.
    fn candidate(&self, text: &str) -> Option<Value> {
        match self.reply_kind() {
            ReplyKind::Json => serde_json::from_str(text.trim()).ok(),
            ReplyKind::Text => Some(Value::String(text.to_owned())),
        }
    }
}

/// A reply read: the value or every error, and what lenient reading fixed on the way (nothing for
/// a strict read, or for a reply that was valid as it came).
#[derive(Debug)]
pub struct Reading<V> {
    /// The value, or every reason there is none.
    pub value: Result<V, Vec<Violation>>,
    /// Each fix made, in the order made.
    pub fixes: Vec<Fix>,
}

impl<V> Reading<V> {
    /// A strict read: no fixes.
    pub fn strict(value: Result<V, Vec<Violation>>) -> Reading<V> {
        Reading {
            value,
            fixes: Vec::new(),
        }
    }

    /// The same reading with its value mapped.
    pub fn map<U>(self, f: impl FnOnce(V) -> Result<U, Vec<Violation>>) -> Reading<U> {
        Reading {
            value: self.value.and_then(f),
            fixes: self.fixes,
        }
    }
}

/// Reads a JSON reply of `schema` leniently, after `strict` failed with these errors: the value of
/// the first candidate that `validate` accepts, else the errors of the first that could be read,
/// else the strict errors. A reply the token limit cut in a number is never recovered.
pub fn read_json_leniently<V>(
    text: &str,
    finish: &Finish,
    schema: &Value,
    strict: Vec<Violation>,
    validate: impl FnMut(&Value) -> Result<V, Vec<Violation>>,
) -> Reading<V> {
    if cut_off_number(text.trim(), finish).is_err() {
        return Reading::strict(Err(strict));
    }
    let found = lenient::read(text, schema, *finish == Finish::Length, validate);
    match found.value {
        Some(value) => Reading {
            value,
            fixes: found.fixes,
        },
        None => Reading::strict(Err(strict)),
    }
}

/// The instructions for a JSON value: its description (or JSON Schema) and the reminder to reply
/// with the value alone.
pub fn json_instructions(
    name: &str,
    description: &str,
    constraint: &Constraint,
    form: SchemaInPrompt,
) -> String {
    let mut out = String::new();
    match (form, constraint.json()) {
        (SchemaInPrompt::JsonSchema, Some(spec)) => {
            let schema = serde_json::to_string_pretty(&*spec.json_schema).unwrap_or_default();
            let _ = write!(
                out,
                "Reply with one JSON value that validates against this JSON Schema:\n\n{schema}"
            );
        }
        _ => {
            let _ = write!(
                out,
                "Reply with one JSON value of type `{name}`, described below in TypeScript notation; \
                 comments state the rules each field must follow.\n\n{description}"
            );
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("\nReply with the JSON value only: no prose, no code fences.");
    out
}

/// The output of a [`Structured`] type `T`: its JSON Schema, its description, its typed validator.
pub struct Typed<T>(PhantomData<fn() -> T>);

impl<T> Typed<T> {
    /// The output of `T`.
    pub fn new() -> Self {
        Typed(PhantomData)
    }
}

impl<T> Default for Typed<T> {
    fn default() -> Self {
        Typed::new()
    }
}

impl<T> Clone for Typed<T> {
    fn clone(&self) -> Self {
        Typed::new()
    }
}

impl<T> std::fmt::Debug for Typed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Typed<{}>", std::any::type_name::<T>())
    }
}

impl<T: Structured + Send> Output for Typed<T> {
    type Value = T;

    fn has_aliases(&self) -> bool {
        crate::schema::has_aliases(&T::schema())
    }

    fn read_streamed(&self, value: NodeRef<'_>) -> Option<T> {
        crate::validate::from_tree(value).ok()
    }

    /// Compiled once per type.
    fn plan(&self) -> Option<Arc<Plan>> {
        static CACHE: TypeCache<Arc<Plan>> = TypeCache::new();
        let plan = CACHE.get_or_init::<T>(|| {
            let schema = crate::schema::json_schema::shared::<T>(T::schema);
            Arc::new(Plan::new(&schema).aliases(self.has_aliases()))
        });
        Some(plan.clone())
    }

    fn name(&self) -> String {
        schema_name(&T::schema())
    }

    fn constraint(&self) -> Constraint {
        Constraint::Json(SchemaSpec::of::<T>())
    }

    fn describe(&self) -> String {
        T::describe()
    }

    /// Whole values put together from the fields' `#[outline(example = …)]` values (the `k`-th
    /// example takes each field's `k`-th), each validated as a `T`; none when a required field has
    /// no example. Assembled once per type.
    fn examples(&self) -> Vec<Value> {
        examples::of::<T>()
    }

    fn read(&self, text: &str, finish: &Finish) -> Result<T, Vec<Violation>> {
        let text = text.trim();
        cut_off_number(text, finish)?;
        T::from_json(text).map_err(Diagnostics::into_errors)
    }

    fn read_lenient(&self, text: &str, finish: &Finish) -> Reading<T> {
        match self.read(text, finish) {
            Ok(value) => Reading::strict(Ok(value)),
            Err(strict) => {
                let schema = crate::schema::json_schema::shared::<T>(T::schema);
                read_json_leniently(text, finish, &schema, strict, |value| {
                    T::from_value(value).map_err(Diagnostics::into_errors)
                })
            }
        }
    }
}

/// A number cut off by the token limit can still parse (`12` of `1234`), so a JSON reply that
/// stopped at the limit while ending in a digit is taken as cut off; an object, array or string cut
/// short fails to parse anyway.
pub fn cut_off_number(text: &str, finish: &Finish) -> Result<(), Vec<Violation>> {
    if *finish == Finish::Length && text.ends_with(|c: char| c.is_ascii_digit()) {
        return Err(vec![Violation::new(
            ErrorKind::Syntax,
            Path::root(),
            "a complete JSON value",
            Some(shorten_str(text)),
            "the reply was cut off at the output token limit",
        )]);
    }
    Ok(())
}
