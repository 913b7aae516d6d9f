//! Prompt templates: Jinja (on [minijinja](https://docs.rs/minijinja)) for the system and user
//! prompts, with the output's description, JSON Schema and examples in the context.
//!
//! The public items are re-exported from [`generate`](super): [`Template`] documents them.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Kwargs, Serde};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;
use serde_json::{Map, Value};

use super::Generation;
use crate::output::{Output, Typed};
use crate::structured::Structured;

/// The name under which a template's context holds the output's fields (`output.description`, ...).
pub const OUTPUT_KEY: &str = "output";

/// At most this many characters of the template line an error points at are shown.
const EXCERPT_LIMIT: usize = 120;

/// At most this many of the context's names are listed when a variable is undefined.
const LISTED_NAMES: usize = 20;

/// A Jinja prompt template (on [minijinja](https://docs.rs/minijinja)): `Template::new(name,
/// source)` or `Template::from_file(path)`. Cheap to clone: the compiled template is shared.
///
/// A template is compiled once, when it is made (a syntax error is reported then, with its
/// line), and rendered any number of times, from any thread. Rendering is strict: a variable the
/// context does not have is an error naming the template, the line and the variable, never an
/// empty string in a prompt. Nothing is HTML-escaped: `<`, `&` and quotes reach the model as
/// written. Block tags take their own line out of the result (`trim_blocks`, `lstrip_blocks`) and
/// the result is trimmed. A template made from a string loses its indentation as Python's
/// `inspect.cleandoc` does it (the first line's leading whitespace, and the margin the other lines
/// share; line numbers stay those of the source), so it can be an indented raw string in Rust code;
/// a file is compiled as written.
///
/// # The context
///
/// The context is any [`Serialize`] value that is a map of names: a struct, a map,
/// `serde_json::json!({...})`, or `()` for none. Rendered for an output ([`Template::render_for`],
/// and every way a template becomes a [`Generation`]), the context also has `output`:
///
/// | name | what it is |
/// | --- | --- |
/// | `output.name` | the output's name: the type's name for a derived type ([`Output::name`]) |
/// | `output.description` | its description for prompts, TypeScript-like for a JSON value ([`Output::describe`]) |
/// | `output.examples` | example values, as data: `{% for e in output.examples %}{{ e \| tojson }}{% endfor %}` ([`Output::examples`]; for a derived type, assembled from `#[outline(example = …)]`) |
/// | `output.schema` | the JSON Schema, as data (`output.schema.properties`); only for an output that is a JSON value |
/// | `output.schema_json` | the same JSON Schema as indented JSON text; only for a JSON value |
///
/// `output` is the library's: a context that has its own `output` is an error, not silently hidden
/// either way. `output.schema` is absent (so an error when used, strict as the rest) for a regex, a
/// choice or a grammar; test it with `{% if output.schema is defined %}`.
///
/// Filters and tests are Jinja's (minijinja's builtins: `trim`, `indent`, `join`, `default`, ...),
/// and `tojson` writes JSON as a model should read it: unescaped, compact, or indented with
/// `tojson(indent=2)`.
///
/// # Prompts from templates
///
/// The user prompt: [`Template::generation`] (a derived type), [`Template::generation_for`] (any
/// output), and for a batch, one template over many contexts, [`Template::generations`]. The system
/// prompt: [`Generation::system_template`]. A system template is the caller's part of the system
/// prompt, as [`Generation::system`]: the loop still appends what to reply with (the output's
/// instructions, with its description), and the repair turn after an invalid reply is always the
/// loop's own.
///
/// ```
/// use outlines_core::backend::mock::Mock;
/// use outlines_core::generate::Template;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let user = Template::new("user", "Rate this review from 1 to 5: {{ review }}")?;
/// let backend = Mock::new().reply("4");
/// let stars: u8 = user
///     .generation::<u8>(serde_json::json!({ "review": "Good, but slow to ship." }))?
///     .run(&backend)
///     .await?;
/// assert_eq!(stars, 4);
/// assert_eq!(backend.requests()[0].messages[0].content, "Rate this review from 1 to 5: Good, but slow to ship.");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct Template(Arc<Compiled>);

struct Compiled {
    name: String,
    /// The source as compiled (a string's indentation removed): what error excerpts quote.
    source: String,
    env: Environment<'static>,
}

impl Template {
    /// Compiles `source` as a template called `name` (the name errors give), less its indentation
    /// (see above).
    ///
    /// The error is a [`TemplateErrorKind::Syntax`] with the line, when the source is not a valid
    /// template.
    pub fn new(
        name: impl Into<String>,
        source: impl AsRef<str>,
    ) -> Result<Template, TemplateError> {
        Template::compile(name.into(), dedent(source.as_ref()))
    }

    /// Reads and compiles the template in the file at `path`, as written, named by its path.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Template, TemplateError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(source) => Template::compile(name, source),
            Err(error) => Err(TemplateError::new(
                name,
                TemplateErrorKind::Read,
                format!("cannot read the file: {error}"),
            )),
        }
    }

    fn compile(name: String, source: String) -> Result<Template, TemplateError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        // Undefined-value errors name the expression (`user.name`) only in debug mode.
        env.set_debug(true);
        let syntax = SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .map_err(|error| TemplateError::from_jinja(&name, &source, error, &[]))?;
        env.set_syntax(syntax);
        env.add_filter("tojson", tojson);
        env.add_template_owned(name.clone(), source.clone())
            .map_err(|error| TemplateError::from_jinja(&name, &source, error, &[]))?;
        Ok(Template(Arc::new(Compiled { name, source, env })))
    }

    /// The template's name: the one it was given, or its file's path.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The source as compiled: a file's as written, a string's less its indentation.
    pub fn source(&self) -> &str {
        &self.0.source
    }

    /// Renders the template with `context` alone (no `output`).
    pub fn render(&self, context: impl Serialize) -> Result<String, TemplateError> {
        self.render_with(None, context)
    }

    /// Renders the template with `context` and the fields of `output` under `output`
    /// (`output.description`, `output.schema`, `output.examples`, ...).
    pub fn render_for<O: Output + ?Sized>(
        &self,
        output: &O,
        context: impl Serialize,
    ) -> Result<String, TemplateError> {
        self.render_with(Some(&output_fields(output)), context)
    }

    /// A generation of a `T` whose prompt is this template rendered with `context` (and `T`'s
    /// output): `template.generation::<Person>(&row)?.max_attempts(5).run(&backend)`.
    pub fn generation<T: Structured + Send>(
        &self,
        context: impl Serialize,
    ) -> Result<Generation<T>, TemplateError> {
        self.generation_for(&Typed::<T>::new(), context)
    }

    /// A generation of `output` (any [`Output`]: a runtime JSON Schema, a regex, ...) whose prompt
    /// is this template rendered with `context` and the output's fields.
    pub fn generation_for<O: Output + Clone>(
        &self,
        output: &O,
        context: impl Serialize,
    ) -> Result<Generation<O::Value>, TemplateError> {
        let prompt = self.render_for(output, context)?;
        Ok(Generation::with_output(output.clone(), prompt))
    }

    /// One generation of a `T` per context, in order: one template over many rows, for a
    /// [`Batch`](crate::batch::Batch). Every prompt is rendered before any is sent, so a template
    /// that fails on some row is reported (with the row's position) before any request is made.
    pub fn generations<T: Structured + Send>(
        &self,
        contexts: impl IntoIterator<Item = impl Serialize>,
    ) -> Result<Vec<Generation<T>>, TemplateError> {
        self.generations_for(&Typed::<T>::new(), contexts)
    }

    /// [`Template::generations`] for any output: the generations share one copy of it.
    pub fn generations_for<O: Output + Clone>(
        &self,
        output: &O,
        contexts: impl IntoIterator<Item = impl Serialize>,
    ) -> Result<Vec<Generation<O::Value>>, TemplateError> {
        let shared: Arc<dyn Output<Value = O::Value>> = Arc::new(output.clone());
        let fields = output_fields(output);
        contexts
            .into_iter()
            .enumerate()
            .map(|(row, context)| {
                let prompt = self
                    .render_with(Some(&fields), context)
                    .map_err(|error| error.in_row(row))?;
                Ok(Generation::from_shared(Arc::clone(&shared), prompt))
            })
            .collect()
    }

    fn render_with(
        &self,
        output: Option<&Value>,
        context: impl Serialize,
    ) -> Result<String, TemplateError> {
        let mut names = self.context(context)?;
        if let Some(fields) = output {
            if names.contains_key(OUTPUT_KEY) {
                return Err(self.error(
                    TemplateErrorKind::Context,
                    format!(
                        "the context has its own `{OUTPUT_KEY}`, which the output's fields \
                         (`{OUTPUT_KEY}.description`, `{OUTPUT_KEY}.schema`, ...) would hide: \
                         rename it"
                    ),
                ));
            }
            names.insert(OUTPUT_KEY.to_owned(), fields.clone());
        }
        let keys: Vec<&str> = names.keys().map(String::as_str).collect();
        let render = || {
            let template = self.0.env.get_template(&self.0.name)?;
            template.render(Serde(&names))
        };
        match render() {
            Ok(text) => Ok(text.trim().to_owned()),
            Err(error) => Err(TemplateError::from_jinja(
                &self.0.name,
                &self.0.source,
                error,
                &keys,
            )),
        }
    }

    /// The context as a map of names: a struct or a map; `()` (or `None`) is an empty one.
    fn context(&self, context: impl Serialize) -> Result<Map<String, Value>, TemplateError> {
        match serde_json::to_value(context) {
            Ok(Value::Object(names)) => Ok(names),
            Ok(Value::Null) => Ok(Map::new()),
            Ok(other) => Err(self.error(
                TemplateErrorKind::Context,
                format!(
                    "the context must be a map of names to values (a struct or a map), not {}",
                    kind_of(&other)
                ),
            )),
            Err(error) => Err(self.error(
                TemplateErrorKind::Context,
                format!("the context cannot be serialized: {error}"),
            )),
        }
    }

    fn error(&self, kind: TemplateErrorKind, message: String) -> TemplateError {
        TemplateError::new(self.0.name.clone(), kind, message)
    }
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Template")
            .field("name", &self.0.name)
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static> Generation<T> {
    /// Sets the system instructions to `template` rendered with `context` and this generation's
    /// output (`output.description`, `output.examples`, ...). As with [`Generation::system`], the
    /// loop appends what to reply with after them.
    pub fn system_template(
        self,
        template: &Template,
        context: impl Serialize,
    ) -> Result<Self, TemplateError> {
        let text = template.render_for(&*self.output, context)?;
        Ok(self.system(text))
    }
}

/// What `output` puts in a template's context, under [`OUTPUT_KEY`].
fn output_fields<O: Output + ?Sized>(output: &O) -> Value {
    let mut fields = Map::new();
    fields.insert("name".into(), output.name().into());
    fields.insert("description".into(), output.describe().into());
    fields.insert("examples".into(), Value::Array(output.examples()));
    if let Some(spec) = output.constraint().json() {
        let text = serde_json::to_string_pretty(&*spec.json_schema).unwrap_or_default();
        fields.insert("schema".into(), Value::clone(&spec.json_schema));
        fields.insert("schema_json".into(), text.into());
    }
    Value::Object(fields)
}

/// `tojson`, as a model should read it: no HTML escaping (minijinja's own escapes `<`, `>`, `&`
/// and `'`), compact, or indented by `indent` spaces.
fn tojson(
    value: &minijinja::Value,
    indent: Option<usize>,
    kwargs: Kwargs,
) -> Result<minijinja::Value, minijinja::Error> {
    let indent = match indent {
        Some(indent) => Some(indent),
        None => kwargs.get::<Option<usize>>("indent")?,
    };
    kwargs.assert_all_used()?;
    let invalid = |error: serde_json::Error| {
        minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("cannot write the value as JSON: {error}"),
        )
    };
    let text = match indent {
        None => serde_json::to_string(value).map_err(invalid)?,
        Some(indent) => {
            let spaces = vec![b' '; indent.min(16)];
            let mut out = Vec::new();
            let formatter = serde_json::ser::PrettyFormatter::with_indent(&spaces);
            let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
            value.serialize(&mut serializer).map_err(invalid)?;
            String::from_utf8(out).unwrap_or_default()
        }
    };
    Ok(text.into())
}

/// `source` less its indentation, as `inspect.cleandoc` takes it: the first line's leading
/// whitespace, and the margin the other non-blank lines share; blank lines become empty. Lines are
/// kept, so an error's line number is the source's.
fn dedent(source: &str) -> String {
    let indent_of = |line: &str| line.len() - line.trim_start_matches([' ', '\t']).len();
    let margin = source
        .split('\n')
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| &line[..indent_of(line)])
        .reduce(|shared, other| {
            let common = shared
                .bytes()
                .zip(other.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            &shared[..common]
        })
        .unwrap_or("");
    source
        .split('\n')
        .enumerate()
        .map(|(number, line)| {
            if line.trim().is_empty() {
                ""
            } else if number == 0 {
                line.trim_start_matches([' ', '\t'])
            } else {
                line.strip_prefix(margin).unwrap_or(line)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a sequence",
        Value::Object(_) => "a map",
    }
}

/// What went wrong with a template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TemplateErrorKind {
    /// The template's file could not be read.
    Read,
    /// The source is not a valid template.
    Syntax,
    /// The template uses a variable (or an attribute, an item) the context does not have.
    Undefined,
    /// The context is not a map of names, or has its own `output`.
    Context,
    /// Rendering failed otherwise: an invalid operation, a filter given a wrong argument, ...
    Render,
}

/// A template that could not be read, compiled or rendered: which template, where, and why.
///
/// `Display` says all of it: the template's name, the context's position (for
/// [`Template::generations`]), the line, what is wrong (for an undefined variable, its name and
/// the names the context has), then the template's line, quoted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError(Box<TemplateFailure>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct TemplateFailure {
    template: String,
    kind: TemplateErrorKind,
    row: Option<usize>,
    line: Option<usize>,
    variable: Option<String>,
    message: String,
    excerpt: Option<String>,
}

impl TemplateError {
    fn new(template: String, kind: TemplateErrorKind, message: String) -> Self {
        TemplateError(Box::new(TemplateFailure {
            template,
            kind,
            row: None,
            line: None,
            variable: None,
            message,
            excerpt: None,
        }))
    }

    /// From minijinja's error; `names` are the context's, listed when a variable is undefined.
    fn from_jinja(template: &str, source: &str, error: minijinja::Error, names: &[&str]) -> Self {
        let kind = match error.kind() {
            minijinja::ErrorKind::SyntaxError | minijinja::ErrorKind::BadEscape => {
                TemplateErrorKind::Syntax
            }
            minijinja::ErrorKind::UndefinedError => TemplateErrorKind::Undefined,
            _ => TemplateErrorKind::Render,
        };
        let line = error.line().filter(|line| *line > 0);
        let excerpt = line
            .and_then(|line| source.split('\n').nth(line - 1))
            .map(excerpt);
        let variable = (kind == TemplateErrorKind::Undefined)
            .then(|| undefined_name(&error, source))
            .flatten();
        let mut message = match (&variable, error.detail()) {
            (Some(name), Some(detail)) if detail == format!("`{name}` is undefined") => {
                format!("undefined variable `{name}`")
            }
            (Some(name), Some(detail)) => format!("undefined variable `{name}` ({detail})"),
            (Some(name), None) => format!("undefined variable `{name}`"),
            (None, Some(detail)) => format!("{}: {detail}", error.kind()),
            (None, None) => error.kind().to_string(),
        };
        if kind == TemplateErrorKind::Undefined {
            message.push_str(&context_names(names));
        }
        let mut cause = std::error::Error::source(&error);
        while let Some(next) = cause {
            message.push_str(&format!(": {next}"));
            cause = next.source();
        }
        TemplateError(Box::new(TemplateFailure {
            template: template.to_owned(),
            kind,
            row: None,
            line,
            variable,
            message,
            excerpt,
        }))
    }

    fn in_row(mut self, row: usize) -> Self {
        self.0.row = Some(row);
        self
    }

    /// The template's name (its path, for a file).
    pub fn template(&self) -> &str {
        &self.0.template
    }

    /// What kind of error this is.
    pub fn kind(&self) -> TemplateErrorKind {
        self.0.kind
    }

    /// The line of the template (from 1), when the error is at one.
    pub fn line(&self) -> Option<usize> {
        self.0.line
    }

    /// The undefined variable, as the template wrote it (`user.name`), for
    /// [`TemplateErrorKind::Undefined`].
    pub fn variable(&self) -> Option<&str> {
        self.0.variable.as_deref()
    }

    /// The position (from 0) of the context that failed, for [`Template::generations`].
    pub fn row(&self) -> Option<usize> {
        self.0.row
    }

    /// What is wrong, without the template's name and line.
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.0;
        write!(f, "template `{}`", e.template)?;
        if let Some(row) = e.row {
            write!(f, ", context {row}")?;
        }
        if let Some(line) = e.line {
            write!(f, ", line {line}")?;
        }
        write!(f, ": {}", e.message)?;
        if let (Some(line), Some(excerpt)) = (e.line, &e.excerpt) {
            write!(f, "\n  {line} | {excerpt}")?;
        }
        Ok(())
    }
}

impl std::error::Error for TemplateError {}

/// The undefined expression: minijinja names it in the detail (`` `user.name` is undefined ``, in
/// debug mode); failing that, the template text the error points at.
fn undefined_name(error: &minijinja::Error, source: &str) -> Option<String> {
    let from_detail = error.detail().and_then(|detail| {
        let end = detail.find("` is undefined")?;
        let start = detail[..end].rfind('`')? + 1;
        Some(detail[start..end].to_owned())
    });
    from_detail.or_else(|| {
        let range = error.range()?;
        let text = source.get(range)?.trim();
        (!text.is_empty()).then(|| text.to_owned())
    })
}

/// `; the context has `a`, `b`` (or `; the context is empty`), for an undefined variable.
fn context_names(names: &[&str]) -> String {
    if names.is_empty() {
        return "; the context is empty".into();
    }
    let mut listed: Vec<String> = names
        .iter()
        .take(LISTED_NAMES)
        .map(|name| format!("`{name}`"))
        .collect();
    if names.len() > LISTED_NAMES {
        listed.push(format!("and {} more", names.len() - LISTED_NAMES));
    }
    format!("; the context has {}", listed.join(", "))
}

/// A template line as an error quotes it: trimmed, at most [`EXCERPT_LIMIT`] characters.
fn excerpt(line: &str) -> String {
    let line = line.trim();
    match line.char_indices().nth(EXCERPT_LIMIT) {
        Some((end, _)) => format!("{}…", &line[..end]),
        None => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedent_removes_the_shared_margin_and_keeps_lines() {
        let source = "\n    Hello {{ name }}\n\n      indented\n    bye\n  ";
        assert_eq!(dedent(source), "\nHello {{ name }}\n\n  indented\nbye\n");
        // The first line does not count: it follows the opening quote.
        assert_eq!(dedent("a\n    b\n      c"), "a\nb\n  c");
        assert_eq!(dedent("  a\n  b"), "a\nb");
        assert_eq!(dedent("\t\tx\n\t\ty"), "x\ny");
        assert_eq!(dedent(""), "");
    }

    #[test]
    fn tojson_is_unescaped_and_indents_on_request() {
        let template = Template::new("t", "{{ v | tojson }}|{{ v | tojson(indent=2) }}").unwrap();
        let text = template
            .render(serde_json::json!({"v": {"a": "<b> & 'c'"}}))
            .unwrap();
        assert_eq!(text, "{\"a\":\"<b> & 'c'\"}|{\n  \"a\": \"<b> & 'c'\"\n}");
    }

    #[test]
    fn excerpts_are_bounded() {
        let long = "x".repeat(500);
        assert_eq!(excerpt(&long).chars().count(), EXCERPT_LIMIT + 1);
        assert_eq!(excerpt("  short  "), "short");
    }
}
