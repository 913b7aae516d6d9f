//! Token-level constraints from `#[derive(Structured)]` types (and from JSON Schemas, regexes, choice
//! lists and Lark grammars): the same declaration that gives the JSON Schema and the validator gives
//! a local model's sampler the set of tokens allowed at each step, so the output is a value of the
//! type by construction.
//!
//! The engine is [llguidance](https://github.com/guidance-ai/llguidance) (the one llama.cpp, vLLM,
//! SGLang and mistral.rs use): it compiles a JSON Schema against a vocabulary and computes each
//! token mask in tens of microseconds. This crate turns a type into the schema llguidance needs to
//! be exactly as strict as the validator (see below), builds vocabularies (OpenAI's o200k and cl100k,
//! or any byte-level BPE such as a GGUF file's), caches compiled guides per type and vocabulary,
//! and wraps llguidance's matcher in a [`Constraint`] that refuses a bad token without breaking.
//!
//! ```
//! use outlines::Structured;
//! use outlines_guide::{Guide, Vocabulary};
//!
//! #[derive(Debug, Structured)]
//! struct Point {
//!     #[outline(min = 0, max = 9)]
//!     x: u8,
//!     y: bool,
//! }
//!
//! let vocab = Vocabulary::o200k()?;
//! let mut constraint = Guide::of::<Point>(&vocab)?.constraint();
//! // A sampler's loop: mask the logits, pick a token, advance. Here the "model" wants this text.
//! let mut wanted = vocab.tokenize(r#"{"x":7,"y":true}"#).into_iter();
//! while !constraint.is_finished() {
//!     let mask = constraint.mask()?;
//!     let token = wanted.next().unwrap_or(vocab.eos());
//!     assert!(mask.allows(token));
//!     constraint.advance(token)?;
//! }
//! let point = Point::from_json(&constraint.text())?;
//! assert_eq!(point.x, 7);
//! // A value the type rejects cannot be written: `x` stops at 9.
//! let mut constraint = Guide::of::<Point>(&vocab)?.constraint();
//! for token in vocab.tokenize(r#"{"x":"#) {
//!     constraint.advance(token)?;
//! }
//! let digits: Vec<_> = (0..=9).map(|d| vocab.tokenize(&d.to_string())[0]).collect();
//! assert!(digits.iter().all(|&d| constraint.mask().unwrap().allows(d)));
//! assert!(!constraint.mask()?.allows(vocab.tokenize("10")[0]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What the grammar guarantees
//!
//! Types, required and optional fields, field order (declaration order, as serde writes it), every
//! enum representation, integer ranges including the type's own (`u8` ≤ 255), number bounds and
//! `multiple_of`, string lengths in characters, patterns (with the validator's ECMA-262 semantics),
//! formats, array and map sizes, tuples, recursion. Rules it cannot express are left to the
//! validator, which runs on the result as always: custom `validate` functions and `check`s, and
//! `unique` (llguidance has no `uniqueItems`). Where llguidance is looser than the validator it is
//! made stricter, never the other way round: integers within `±(2^63 − 1024)`, numbers (and numbers
//! inside `serde_json::Value`s) within `±1e18`, no leap seconds, no IP-literal emails. The JSON text
//! has no free whitespace — compact, or with one space after each separator ([`Layout`]) — and
//! objects are closed (no invented keys), so the model cannot spend its budget on filler.
//!
//! [`Coverage::of::<T>()`](Coverage::of) lists a type's rules one by one with who enforces each: the
//! grammar, the grammar in a stricter form, or the validator alone.
//!
//! ## Runtime JSON Schemas
//!
//! [`Guide::from_json_schema`] takes any JSON Schema 2020-12, not only a derived type's, and never
//! makes the grammar stricter than the validator in a way that loses a valid value: each keyword is
//! enforced by llguidance, made stricter only as above (bounded numbers; an object the schema
//! leaves open is closed only where no valid value needs another key), or dropped — the grammar is
//! then looser, and the validator checks the rule on every reply:
//!
//! - enforced: `type` (also a list), `properties`, `required`, `additionalProperties` (a boolean or
//!   a schema), `patternProperties` (when llguidance can prove the patterns disjoint), `items`,
//!   `prefixItems`, `minItems`/`maxItems`, `enum`, `const`, `anyOf`, `allOf`, `$ref`/`$defs`/
//!   `definitions` (local, recursive, `#`, pointers anywhere in the document), the numeric bounds,
//!   `multipleOf`, `minLength`/`maxLength`, `pattern`, the validator's formats, boolean schemas;
//!   `minProperties`/`maxProperties` where every property is required (a map's size) or for "at
//!   least one"/"at most one" of a closed object's;
//! - looser: `oneOf` is read as `anyOf` (exact when llguidance proves the branches disjoint); a
//!   fractional `multipleOf` lets any number in between -1 and 0 (llguidance cannot write -0.5 as
//!   a multiple of 0.25); llguidance reads numbers as `f64`, so a bound past 2^53 that no `f64`
//!   equals is moved out to the next one, and an `enum`/`const` holding such an integer is
//!   dropped (the value is then any JSON value, numbers unbounded);
//! - left to the validator: `uniqueItems`, `contains`/`minContains`/`maxContains`, `not`,
//!   `if`/`then`/`else`, `propertyNames`, `dependentRequired`, `dependentSchemas`; a pattern
//!   llguidance cannot read (look-around, backreferences), `patternProperties` it cannot prove
//!   disjoint, `min`/`maxProperties` elsewhere, a `multipleOf` of more than 9 significant digits,
//!   a format other than the validator's nine, a numeric range wholly beyond the bounds above;
//! - ignored, as annotations: `title`, `description`, `examples`, `default`, `$schema`, `$id`,
//!   `$comment`, `deprecated`, `readOnly`, `writeOnly`.
//!
//! What llguidance still cannot compile is retried without intersections, then without string
//! rules and listed values (a 100,000-value `enum`), then as any JSON value (a 10 MB schema past
//! its size limit). An error ([`GuideError::Schema`]) only for a schema that admits no value (a
//! `$ref` cycle with no way out, `false`, contradictory bounds), one nested more than 1024 levels
//! deep, or a `$ref` that does not resolve within the document. llguidance, which recurses once per
//! level of a schema, compiles a deep or large one on a thread with a stack sized for it.
//!
//! [`Coverage::of_schema`] lists such a schema's rules with who enforces each, read from what the
//! rewrite actually did, so the report and the grammar cannot disagree.
//!
//! # Regexes, choices and Lark grammars
//!
//! Text outputs get guides too, compiled by llguidance from their source:
//!
//! - [`Guide::from_regex`]: text a regex matches as a whole, in the `regex` crate's syntax
//!   (Unicode classes included; `^` and `$` only at the very start and end, where they change
//!   nothing). Look-around assertions (`\b`, `(?m)^`) cannot be enforced token by token and are
//!   an error, as is a syntax error, with its line and column in the pattern.
//! - [`Guide::from_choices`]: exactly one of the strings, compiled into one automaton.
//! - [`Guide::from_lark`]: text of a context-free grammar in the
//!   [Lark syntax llguidance reads](https://github.com/guidance-ai/llguidance/blob/main/docs/syntax.md):
//!   `start` is the whole text; `"quoted"` literals and `/regex/` terminals; UPPERCASE names are
//!   terminals (one lexeme, no `%ignore` inside), lowercase names rules; `|`, `*`, `+`, `?`,
//!   `{m,n}`; `%ignore` for what may come between lexemes; `%import common.NUMBER`; `%json {…}`
//!   for an inline JSON Schema. It is parsed with an Earley parser, so any grammar works, but
//!   prefer left recursion and `x+` to right recursion (llguidance allows 2,000 items in a parser
//!   row, which a right-recursive list hits at about that many repetitions). An invalid grammar is
//!   an error naming the problem with its line and column.
//!
//! These guides are not steered by a token budget ([`Guide::constraint_within`] steers JSON only):
//! a sampler reports a text the budget cut as cut.
//!
//! [`Grammar`] is the output (`outlines_core::output::Output`) of a Lark grammar: its value is the
//! text, its request carries the grammar, and a reply from any backend is checked against the same
//! grammar compiled over single bytes, so no tokenizer is needed. A reply that does not match is
//! reported with the character (and line and column) where it stops matching, an excerpt from
//! there, and the characters the grammar allowed there, for the repair turn.
//!
//! Hostile sources cost a bounded amount: a source is at most [`MAX_SOURCE_BYTES`], a grammar holds
//! at most [`MAX_DEFINITIONS`] `:` (bounding how deep the compiler recurses through references,
//! which it does on a thread with a large stack, not the caller's), a choice list at most
//! [`MAX_CHOICES`] strings; expressions nest at most 30 deep in a rule and 250 in a regex
//! (llguidance's and `regex-syntax`'s limits). Each step of a parse is bounded by llguidance's
//! limits, and checking one reply gives up after 5 seconds (a very ambiguous grammar on a long
//! text) with a violation saying so.

mod constraint;
mod coverage;
mod ending;
mod grammar;
mod guide;
mod lark;
mod shape;
mod transform;
mod vocab;

pub use constraint::Constraint;
pub use coverage::{Coverage, Covered, Enforcement};
pub use grammar::Grammar;
pub use guide::{Guide, Mask};
pub use lark::{GrammarError, MAX_CHOICES, MAX_DEFINITIONS, MAX_SOURCE_BYTES, SourceKind};
pub use vocab::Vocabulary;

/// How the JSON text a constraint allows is laid out. Either way there is no free whitespace: the
/// model spends no tokens on indentation, and the text's length is bounded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Layout {
    /// `{"a":1,"b":[2,3]}`: the fewest tokens.
    #[default]
    Compact,
    /// `{"a": 1, "b": [2, 3]}`: one space after each `,` and `:`, the way JSON is most often
    /// written in the text models learn from (the `outlines-local` crate's eval compares the two).
    Spaced,
}

/// Why a vocabulary, a guide or a step could not be made.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GuideError {
    /// The vocabulary is unusable (no end-of-sequence token, ids out of range, bad token text).
    #[error("invalid vocabulary: {0}")]
    Vocabulary(String),
    /// llguidance could not compile the schema, or failed while computing a mask.
    #[error("grammar error: {0}")]
    Grammar(String),
    /// A regex, a choice list or a Lark grammar that cannot constrain a generation.
    #[error(transparent)]
    Invalid(#[from] GrammarError),
    /// The schema has no grammar: no value satisfies it, it is nested too deep, or a `$ref` in
    /// it does not resolve.
    #[error("schema error: {0}")]
    Schema(String),
    /// The token is not allowed here; the constraint is unchanged.
    #[error("token {token} is not allowed after {after:?}")]
    Refused {
        /// The token refused.
        token: u32,
        /// The text so far.
        after: String,
    },
    /// More tokens asked back than were taken.
    #[error("cannot roll back {asked} tokens: {taken} taken")]
    Rollback {
        /// Tokens asked back.
        asked: usize,
        /// Tokens taken.
        taken: usize,
    },
}
