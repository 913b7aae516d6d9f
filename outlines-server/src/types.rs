//! Outputs whose values travel as JSON, and the types a server knows by name.
//!
//! A request names its output at run time, so the server holds each as `Arc<dyn Output<Value =
//! Value>>`: [`as_json`] turns any output whose value serializes (a `#[derive(Structured)]` type,
//! a regex, a JSON Schema, ...) into one, keeping its own validator, prompt and constraint.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use outlines::backend::{Constraint, Finish};
use outlines::guide::Grammar;
use outlines::output::{JsonSchema, Reading, ReplyKind, SchemaInPrompt, Typed};
use outlines::{Output, Structured, Violation};
use serde::Serialize;
use serde_json::Value;

/// An output chosen at run time, its value as JSON.
pub type AnyOutput = Arc<dyn Output<Value = Value>>;

/// `output`, its values as JSON.
pub fn as_json<O>(output: O) -> AnyOutput
where
    O: Output,
    O::Value: Serialize,
{
    Arc::new(AsJson(output))
}

struct AsJson<O>(O);

impl<O> Output for AsJson<O>
where
    O: Output,
    O::Value: Serialize,
{
    type Value = Value;

    fn name(&self) -> String {
        self.0.name()
    }

    fn constraint(&self) -> Constraint {
        self.0.constraint()
    }

    fn reply_kind(&self) -> ReplyKind {
        self.0.reply_kind()
    }

    fn describe(&self) -> String {
        self.0.describe()
    }

    fn examples(&self) -> Vec<Value> {
        self.0.examples()
    }

    fn instructions(&self, form: SchemaInPrompt) -> String {
        self.0.instructions(form)
    }

    fn read(&self, text: &str, finish: &Finish) -> Result<Value, Vec<Violation>> {
        self.0.read(text, finish).and_then(to_json)
    }

    fn read_lenient(&self, text: &str, finish: &Finish) -> Reading<Value> {
        self.0.read_lenient(text, finish).map(to_json)
    }

    fn candidate(&self, text: &str) -> Option<Value> {
        self.0.candidate(text)
    }

    fn has_aliases(&self) -> bool {
        self.0.has_aliases()
    }

    fn read_streamed(&self, value: outlines::partial::NodeRef<'_>) -> Option<Value> {
        self.0.read_streamed(value).and_then(|v| to_json(v).ok())
    }

    fn plan(&self) -> Option<std::sync::Arc<outlines::lenient::guard::Plan>> {
        self.0.plan()
    }
}

/// A value as JSON.
fn to_json<V: Serialize>(value: V) -> Result<Value, Vec<Violation>> {
    serde_json::to_value(value).map_err(|e| {
        vec![Violation::new(
            outlines::ErrorKind::Custom,
            outlines::Path::root(),
            "a value that serializes as JSON",
            None,
            format!("the value does not serialize as JSON: {e}"),
        )]
    })
}

/// Outputs known by name: a request asks for `{"type": "registered", "name": "Person"}` and the
/// command line for `--type Person`.
#[derive(Clone, Default)]
pub struct Types {
    by_name: BTreeMap<String, AnyOutput>,
}

/// The largest grammar file read.
const TYPE_FILE_BYTES: u64 = 1 << 20;

impl Types {
    /// No types.
    pub fn new() -> Types {
        Types::default()
    }

    /// Registers `T` under its schema's name (what `T::json_schema()` calls it): requests get a
    /// value `T`'s own validator accepted, with its rules and custom checks, as JSON.
    pub fn register<T: Structured + Serialize + Send>(self) -> Types {
        let output = Typed::<T>::new();
        let name = output.name();
        self.insert(name, as_json(output))
    }

    /// Registers `output` under `name`, replacing any output of that name.
    pub fn insert(mut self, name: impl Into<String>, output: AnyOutput) -> Types {
        self.by_name.insert(name.into(), output);
        self
    }

    /// Registers every `NAME.json` in `dir` (a JSON Schema) and every `NAME.lark` (a Lark
    /// grammar) under `NAME`. A file that does not compile, or a name taken already (`X.json`
    /// beside `X.lark`, or a type registered before), is an error naming the file.
    pub fn load_dir(mut self, dir: &Path) -> Result<Types, String> {
        let entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let (Some(name), Some(extension)) = (
                path.file_stem().and_then(|s| s.to_str()),
                path.extension().and_then(|s| s.to_str()),
            ) else {
                continue;
            };
            let output = match extension {
                "json" => JsonSchema::from_file(&path)
                    .map(|schema| as_json(schema.named(name)))
                    .map_err(|e| e.to_string())?,
                "lark" => as_json(grammar_file(&path)?),
                _ => continue,
            };
            if self.by_name.contains_key(name) {
                return Err(format!(
                    "{}: a type named {name:?} is registered already (one file per name)",
                    path.display()
                ));
            }
            self.by_name.insert(name.to_owned(), output);
        }
        Ok(self)
    }

    /// The output registered as `name`.
    pub fn get(&self, name: &str) -> Option<&AnyOutput> {
        self.by_name.get(name)
    }

    /// The output registered as `name`, or an error that lists the names there are.
    pub fn find(&self, name: &str) -> Result<&AnyOutput, String> {
        self.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.names().collect();
            if known.is_empty() {
                format!("no type is registered as {name:?}: there are none")
            } else {
                format!(
                    "no type is registered as {name:?}; there are {}",
                    known.join(", ")
                )
            }
        })
    }

    /// The registered names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// How many types there are.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// The Lark grammar in the file at `path` (at most 1 MB); an error names the file.
pub fn grammar_file(path: &Path) -> Result<Grammar, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .len();
    if size > TYPE_FILE_BYTES {
        return Err(format!(
            "{} is {size} bytes; a grammar file holds at most {TYPE_FILE_BYTES}",
            path.display()
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Grammar::lark(&text).map_err(|e| format!("{}: {e}", path.display()))
}

impl std::fmt::Debug for Types {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.names()).finish()
    }
}
