//! A grammar compiled for a vocabulary ([`Guide`]) — a type's, a JSON Schema's, a regex's, a choice
//! list's or a Lark grammar's — and the set of tokens allowed at a step ([`Mask`]).

use std::any::TypeId;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use llguidance::TokenParser;
use llguidance::api::TopLevelGrammar;
use outlines_core::Structured;
use serde_json::Value;
use toktrie::SimpleVob;

use crate::Constraint;

use crate::lark::{self, SourceKind};
use crate::transform::compile;
use crate::{GuideError, Layout, Vocabulary};

/// The grammar of a value for one vocabulary: compiled once (about 1–3 ms for a realistic type or
/// grammar), then each generation takes a [`Constraint`] from it.
#[derive(Clone)]
pub struct Guide(Arc<Inner>);

struct Inner {
    parser: TokenParser,
    vocab: Vocabulary,
    /// The JSON Schema compiled, or `Null` for a text guide.
    grammar: Value,
    /// For a guide made from a regex, choices or a Lark grammar: what it was made from (the
    /// choices one per line).
    text: Option<(SourceKind, String)>,
}

impl fmt::Debug for Guide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.0.text.as_ref().map_or("json", |(kind, _)| match kind {
            SourceKind::Regex => "regex",
            SourceKind::Choices => "choices",
            SourceKind::Grammar => "grammar",
        });
        f.debug_struct("Guide")
            .field("vocabulary", &self.0.vocab.name())
            .field("kind", &kind)
            .finish_non_exhaustive()
    }
}

impl Guide {
    /// The guide for `T` on `vocab`, compact JSON, compiled on first use and cached per type and
    /// vocabulary.
    pub fn of<T: Structured>(vocab: &Vocabulary) -> Result<Guide, GuideError> {
        Guide::laid_out::<T>(vocab, Layout::Compact)
    }

    /// The guide for `T` on `vocab`, its JSON text laid out as `layout` says; cached per type,
    /// vocabulary and layout.
    pub fn laid_out<T: Structured>(
        vocab: &Vocabulary,
        layout: Layout,
    ) -> Result<Guide, GuideError> {
        type Cache = Mutex<HashMap<(TypeId, u64, Layout), Guide>>;
        static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        let key = (TypeId::of::<T>(), vocab.id(), layout);
        let lock = || cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(guide) = lock().get(&key) {
            return Ok(guide.clone());
        }
        // Compiled without the lock: two threads may both compile, and the first stays.
        let schema = outlines_core::schema::json_schema::shared::<T>(T::schema);
        let guide = Guide::from_json_schema_laid_out(&schema, vocab, layout)?;
        Ok(lock().entry(key).or_insert(guide).clone())
    }

    /// The guide for a JSON Schema (2020-12: one [`Structured::json_schema`] renders, or any
    /// other), compact JSON. What the grammar enforces of it, and what it leaves to the validator,
    /// is in the crate documentation and, rule by rule, in [`Coverage::of_schema`](crate::Coverage::of_schema).
    pub fn from_json_schema(schema: &Value, vocab: &Vocabulary) -> Result<Guide, GuideError> {
        Guide::from_json_schema_laid_out(schema, vocab, Layout::Compact)
    }

    /// The guide for a JSON Schema, its JSON text laid out as `layout` says.
    ///
    /// An error ([`GuideError::Schema`]) for a schema no value satisfies, one nested more than
    /// 1024 levels deep, or one with a `$ref` that does not resolve within it. A schema llguidance
    /// cannot compile whole gets a looser grammar (the validator checks the rest), down to any
    /// JSON value. A deep or large schema is compiled on a thread of its own, with a stack sized
    /// for it (llguidance recurses once per level).
    pub fn from_json_schema_laid_out(
        schema: &Value,
        vocab: &Vocabulary,
        layout: Layout,
    ) -> Result<Guide, GuideError> {
        let factory = vocab.factory();
        let (grammar, parser) = compile(
            schema,
            layout,
            |grammar| {
                factory
                    .create_parser(TopLevelGrammar::from_json_schema(grammar.clone()))
                    .map_err(|e| e.to_string())
            },
            |plan, parser| Ok((plan.grammar, parser)),
        )?;
        Ok(Guide(Arc::new(Inner {
            parser,
            vocab: vocab.clone(),
            grammar,
            text: None,
        })))
    }

    /// The guide for text that `pattern` matches as a whole (the `regex` crate's syntax; `^` and
    /// `$` are allowed at its very start and end, where they change nothing). Look-around
    /// assertions such as `\b` cannot be enforced token by token: they are an error, as is a
    /// pattern past [`MAX_SOURCE_BYTES`](crate::MAX_SOURCE_BYTES).
    pub fn from_regex(pattern: &str, vocab: &Vocabulary) -> Result<Guide, GuideError> {
        let grammar = lark::regex(pattern)?;
        Guide::from_text(grammar, SourceKind::Regex, pattern.to_owned(), vocab)
    }

    /// The guide for exactly one of `choices` (byte for byte). An empty list is an error, as are
    /// more than [`MAX_CHOICES`](crate::MAX_CHOICES) choices or more than
    /// [`MAX_SOURCE_BYTES`](crate::MAX_SOURCE_BYTES) of them.
    pub fn from_choices(choices: &[String], vocab: &Vocabulary) -> Result<Guide, GuideError> {
        let grammar = lark::choices(choices)?;
        Guide::from_text(grammar, SourceKind::Choices, choices.join("\n"), vocab)
    }

    /// The guide for text of a Lark grammar, in the syntax llguidance reads (its `start` rule is
    /// the whole text; see the crate documentation). An invalid grammar is an error naming the
    /// problem and, where the compiler gives it, its line and column; so is one past
    /// [`MAX_SOURCE_BYTES`](crate::MAX_SOURCE_BYTES) or with more than
    /// [`MAX_DEFINITIONS`](crate::MAX_DEFINITIONS) `:`.
    pub fn from_lark(source: &str, vocab: &Vocabulary) -> Result<Guide, GuideError> {
        let grammar = lark::lark(source)?;
        Guide::from_text(grammar, SourceKind::Grammar, source.to_owned(), vocab)
    }

    fn from_text(
        grammar: TopLevelGrammar,
        kind: SourceKind,
        source: String,
        vocab: &Vocabulary,
    ) -> Result<Guide, GuideError> {
        let parser = lark::compile(vocab.factory(), grammar, kind)?;
        Ok(Guide(Arc::new(Inner {
            parser,
            vocab: vocab.clone(),
            grammar: Value::Null,
            text: Some((kind, source)),
        })))
    }

    /// A fresh constraint for one generation (about a microsecond).
    pub fn constraint(&self) -> Constraint {
        Constraint::new(self.clone(), None)
    }

    /// A constraint for a generation of at most `max_tokens` tokens that brings the value to its end
    /// before they run out, at a boundary the model wrote wherever it can, and records what the
    /// budget forced ([`Constraint::forced`]).
    ///
    /// From time to time (every step once the tokens left come near), a look-ahead finds the
    /// shortest text that completes the value from where it stands, from the grammar itself: the
    /// fewest bytes after which each value can end, found by a search over the lexer's automata (a
    /// pattern's, a format's, a number range's, an enum's), so every value the grammar accepts
    /// can be ended. What follows depends on how close the budget is:
    ///
    /// - with room to spare, the grammar's own mask: the model is not steered at all;
    /// - when the tokens left come within twice that ending, a sampler that calls
    ///   [`Constraint::rewind`] is asked to take back the array item in progress: the innermost
    ///   open array is closed after the last item the model finished, and the fields after it are
    ///   left to the model, with room to write them;
    /// - within twice the ending too, where an object or array may close after the value being
    ///   written, no token that moves on to another field or item: the model does not open an
    ///   optional field or another item whose own ending might not fit;
    /// - within a small margin of the ending, only closing tokens where some are allowed (a string
    ///   or number the model is writing is ended, an object closed);
    /// - when the tokens left are just what the ending needs, the ending's own next token.
    ///
    /// An array item written twice over in a row (as small models loop) ends its array too, the
    /// same way. If the look-ahead finds no ending, the model is not steered (that would be a bug:
    /// it is logged as a warning on `outlines::guide`).
    ///
    /// A guide made from a regex, choices or a Lark grammar is not steered (the look-ahead reads
    /// JSON): its constraint is [`constraint`](Guide::constraint)'s, and a text the budget cuts is
    /// the sampler's to report as cut.
    pub fn constraint_within(&self, max_tokens: usize) -> Constraint {
        let budget = self.0.text.is_none().then_some(max_tokens);
        Constraint::new(self.clone(), budget)
    }

    pub(crate) fn parser(&self) -> &TokenParser {
        &self.0.parser
    }

    /// The vocabulary it was compiled for.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.0.vocab
    }

    /// The JSON Schema llguidance compiled: the schema given, rewritten where llguidance would
    /// otherwise be looser than the validator or could not compile it (see the crate
    /// documentation). `Null` for a guide made from a regex, choices or a Lark grammar
    /// ([`Guide::source`]).
    pub fn grammar(&self) -> &Value {
        &self.0.grammar
    }

    /// For a guide made from a regex, choices (one per line) or a Lark grammar: what it was made
    /// from. `None` for a JSON guide.
    pub fn source(&self) -> Option<&str> {
        self.0.text.as_ref().map(|(_, source)| source.as_str())
    }

    /// Whether it constrains a JSON value (rather than text of a regex, choices or a grammar).
    pub fn is_json(&self) -> bool {
        self.0.text.is_none()
    }
}

/// The set of tokens allowed next.
#[derive(Clone)]
pub struct Mask(pub(crate) Arc<SimpleVob>);

impl fmt::Debug for Mask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mask")
            .field("allowed", &self.count())
            .finish()
    }
}

impl Mask {
    /// Whether `token` is allowed.
    pub fn allows(&self, token: u32) -> bool {
        (token as usize) < self.0.len() && self.0.is_allowed(token)
    }

    /// How many tokens are allowed.
    pub fn count(&self) -> usize {
        self.0.num_set()
    }

    /// The allowed tokens, in id order.
    pub fn tokens(&self) -> Vec<u32> {
        self.0.to_list()
    }

    /// Sets the logit of every token not allowed to −∞ (logits past the vocabulary, as models pad
    /// their output layer, included), leaving the allowed ones as they are.
    pub fn apply(&self, logits: &mut [f32]) {
        for (id, logit) in logits.iter_mut().enumerate() {
            if !u32::try_from(id).is_ok_and(|id| self.allows(id)) {
                *logit = f32::NEG_INFINITY;
            }
        }
    }
}
