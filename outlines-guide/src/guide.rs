//! A type's grammar compiled for a vocabulary ([`Guide`]), and one generation's walk through it
//! ([`Constraint`]).

use std::any::TypeId;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use llguidance::api::TopLevelGrammar;
use llguidance::{Matcher, TokenParser};
use outlines_core::Structured;
use serde_json::Value;
use toktrie::SimpleVob;

use crate::transform::for_llguidance;
use crate::{GuideError, Layout, Vocabulary};

/// The grammar of a value for one vocabulary: compiled once (about 1–3 ms for a realistic type), then
/// each generation takes a [`Constraint`] from it.
#[derive(Clone)]
pub struct Guide(Arc<Inner>);

struct Inner {
    parser: TokenParser,
    vocab: Vocabulary,
    grammar: Value,
    /// The length of the look-ahead's ending from the start (the shortest value it writes), found
    /// once per guide for every budgeted constraint; `None` inside when none is found within
    /// [`START_LOOK_AHEAD`] tokens.
    start_ending: std::sync::OnceLock<Option<usize>>,
}

/// How far the look-ahead from the start goes.
const START_LOOK_AHEAD: usize = 4096;

impl fmt::Debug for Guide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guide")
            .field("vocabulary", &self.0.vocab.name())
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
        let schema = outlines_core::schema::json_schema::shared::<T>();
        let guide = Guide::from_json_schema_laid_out(&schema, vocab, layout)?;
        Ok(lock().entry(key).or_insert(guide).clone())
    }

    /// The guide for a JSON Schema as [`Structured::json_schema`] renders it, compact JSON.
    pub fn from_json_schema(schema: &Value, vocab: &Vocabulary) -> Result<Guide, GuideError> {
        Guide::from_json_schema_laid_out(schema, vocab, Layout::Compact)
    }

    /// The guide for a JSON Schema as [`Structured::json_schema`] renders it, its JSON text laid
    /// out as `layout` says.
    pub fn from_json_schema_laid_out(
        schema: &Value,
        vocab: &Vocabulary,
        layout: Layout,
    ) -> Result<Guide, GuideError> {
        let grammar = for_llguidance(schema, layout);
        let parser = vocab
            .factory()
            .create_parser(TopLevelGrammar::from_json_schema(grammar.clone()))
            .map_err(|e| GuideError::Grammar(e.to_string()))?;
        Ok(Guide(Arc::new(Inner {
            parser,
            vocab: vocab.clone(),
            grammar,
            start_ending: std::sync::OnceLock::new(),
        })))
    }

    /// The length of the look-ahead's ending from the start, found on first use.
    fn start_ending(&self) -> Option<usize> {
        *self.0.start_ending.get_or_init(|| {
            let matcher = Matcher::new(Ok(self.0.parser.clone()));
            ending(&matcher, &self.0.vocab, false, 0, START_LOOK_AHEAD).map(|(length, _)| length)
        })
    }

    /// A fresh constraint for one generation (about a microsecond).
    pub fn constraint(&self) -> Constraint {
        Constraint {
            matcher: Matcher::new(Ok(self.0.parser.clone())),
            guide: self.clone(),
            tokens: Vec::new(),
            ended: None,
            budget: None,
            last_mask: None,
            json: Json::default(),
            last_ending: None,
        }
    }

    /// A constraint for a generation of at most `max_tokens` tokens that brings the value to its end
    /// before they run out.
    ///
    /// Each step first works out how the value could end soon from where it is: a look-ahead on a
    /// copy of the grammar state that closes whatever may close (strings, arrays, objects, the
    /// value), otherwise ends a number or moves on to the next key, otherwise writes plain
    /// characters in turn (enough to satisfy common patterns and formats). When the tokens left
    /// come within a margin of that length, the mask keeps only the closing options where there are
    /// some (the model still chooses among them) and the look-ahead's next token where there are
    /// none; when they come down to that length, only the look-ahead's next token. So an array the
    /// model would repeat forever ends, and so does a string or a number it would not stop. The
    /// value is complete within the budget whenever the look-ahead finds an ending that fits, which
    /// it may not when the tokens left are fewer than the look-ahead needs (it writes one character
    /// per token: a type with many long formats and a small budget).
    pub fn constraint_within(&self, max_tokens: usize) -> Constraint {
        Constraint {
            budget: Some(max_tokens),
            ..self.constraint()
        }
    }

    /// The vocabulary it was compiled for.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.0.vocab
    }

    /// The JSON Schema llguidance compiled: the type's own, rewritten where llguidance would
    /// otherwise be looser than the validator (see the crate documentation).
    pub fn grammar(&self) -> &Value {
        &self.0.grammar
    }
}

/// One generation under a guide: which tokens may come next, and the tokens taken so far.
///
/// A sampler asks for the [`mask`](Constraint::mask), picks a token the mask allows, and
/// [`advance`](Constraint::advance)s with it, until the constraint [`is_finished`](Constraint::is_finished)
/// (the value is complete and nothing can follow) or the sampler picks the end-of-sequence token,
/// which the mask allows only where the value is complete. The text produced is then a value of the
/// type, except for the rules the grammar cannot express (see the crate documentation), which the
/// validator still checks. `Send`: a constraint can be computed on another thread while the model
/// runs its forward pass.
pub struct Constraint {
    matcher: Matcher,
    guide: Guide,
    tokens: Vec<u32>,
    /// The end-of-sequence token was taken: `Some(true)` when the grammar took it too (the value
    /// could have gone on), `Some(false)` when it came after the grammar had stopped.
    ended: Option<bool>,
    /// The most tokens the generation may take, when it has a budget.
    budget: Option<usize>,
    /// The grammar's mask since the last step, if it was asked for: a token it allows is taken
    /// without checking it again.
    last_mask: Option<Arc<SimpleVob>>,
    /// Where the text so far leaves off (inside a string or not), kept step by step.
    json: Json,
    /// The look-ahead's last finding: at how many tokens taken, and its ending's length.
    last_ending: Option<(usize, usize)>,
}

impl fmt::Debug for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Constraint")
            .field("tokens", &self.tokens.len())
            .field("text", &self.text())
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl Constraint {
    /// The tokens allowed next. Once the value is complete and nothing can follow, only the
    /// end-of-sequence token.
    pub fn mask(&mut self) -> Result<Mask, GuideError> {
        let grammar = Arc::new(
            self.matcher
                .compute_mask_or_eos()
                .map_err(|e| GuideError::Grammar(e.to_string()))?,
        );
        self.last_mask = Some(grammar.clone());
        let Some(budget) = self.budget else {
            return Ok(Mask(grammar));
        };
        if self.matcher.is_stopped() {
            return Ok(Mask(grammar));
        }
        let taken = self.tokens.len();
        let left = budget.saturating_sub(taken);
        if taken == 0 && self.last_ending.is_none() {
            // Every generation starts the same way: the guide knows the ending from there.
            self.last_ending = self.guide.start_ending().map(|length| (0, length));
        }
        if self.room_to_spare(left) {
            return Ok(Mask(grammar));
        }
        let mut mask = SimpleVob::clone(&grammar);
        let vocab = self.guide.vocabulary();
        let in_string = self.json.in_string;
        let found = ending(&self.matcher, vocab, in_string, taken, left);
        self.last_ending = found.map(|(length, _)| (taken, length));
        match found {
            // Only the look-ahead's ending still fits: take it.
            Some((length, next)) if left <= length + 1 => {
                let mut only = vocab.empty_set();
                only.allow_token(next);
                mask = only;
            }
            // Room to spare: the grammar's own mask.
            Some((length, _)) if left > length + 4 + budget / 16 => {}
            // Within the margin: close what may close, or else follow the look-ahead.
            Some((_, next)) => {
                if !narrow(&mut mask, vocab, in_string) {
                    mask = vocab.empty_set();
                    mask.allow_token(next);
                }
            }
            // No ending fits any more: close what may close.
            None => {
                narrow(&mut mask, vocab, in_string);
            }
        }
        Ok(Mask(Arc::new(mask)))
    }

    /// Whether the look-ahead can be skipped this step: its last ending, lengthened by every token
    /// since as if each had opened something, is still far from the tokens left (twice over, with
    /// a margin); and it ran less than [`LOOK_AHEAD_EVERY`] tokens ago. A look-ahead computes a
    /// mask for each token of its ending: run at every step, it cost several times the mask itself,
    /// and a third of a small model's forward pass. When the budget is tight it runs at every
    /// step, as before.
    fn room_to_spare(&self, left: usize) -> bool {
        let Some((at, length)) = self.last_ending else {
            return false;
        };
        let since = self.tokens.len().saturating_sub(at);
        let budget = self.budget.unwrap_or(0);
        since < LOOK_AHEAD_EVERY && left > 2 * (length + since) + 64 + budget / 16
    }

    /// Takes `token`. A token the mask does not allow is refused, and the constraint stays where it
    /// was (usable, unlike llguidance's own matcher after an error).
    pub fn advance(&mut self, token: u32) -> Result<(), GuideError> {
        let eos = self.guide.vocabulary().eos();
        let last_mask = self.last_mask.take();
        let refuse = |this: &Self| GuideError::Refused {
            token,
            after: this.text(),
        };
        if self.ended.is_some() {
            return Err(refuse(self));
        }
        if self.matcher.is_stopped() {
            // The value is complete: only the end of the sequence may come.
            if token != eos {
                return Err(refuse(self));
            }
            self.ended = Some(false);
            return Ok(());
        }
        // A token the last mask allowed needs no second check.
        let allowed =
            last_mask.is_some_and(|mask| (token as usize) < mask.len() && mask.is_allowed(token));
        let taken = if allowed {
            self.matcher.consume_token(token).map(|()| 1)
        } else {
            self.matcher.try_consume_tokens(&[token])
        };
        match taken {
            Ok(1) => {
                if token == eos {
                    self.ended = Some(true);
                } else {
                    self.tokens.push(token);
                    self.json = self.json.read(&self.guide.vocabulary().token_bytes(token));
                }
                Ok(())
            }
            Ok(_) => Err(refuse(self)),
            Err(e) => Err(GuideError::Grammar(e.to_string())),
        }
    }

    /// Whether the generation is over: the end-of-sequence token was taken, or the value is
    /// complete and cannot go on (the next mask holds only the end-of-sequence token).
    pub fn is_finished(&self) -> bool {
        self.ended.is_some() || self.matcher.is_stopped()
    }

    /// Whether the text so far is a complete value (the end-of-sequence token is allowed now).
    pub fn is_complete(&mut self) -> bool {
        self.ended.is_some()
            || self.matcher.is_stopped()
            || self.matcher.is_accepting().unwrap_or(false)
    }

    /// Takes back the last `tokens` tokens (an end-of-sequence token taken counts as one).
    pub fn rollback(&mut self, tokens: usize) -> Result<(), GuideError> {
        self.last_mask = None;
        let taken = self.tokens.len() + usize::from(self.ended.is_some());
        if tokens > taken {
            return Err(GuideError::Rollback {
                asked: tokens,
                taken,
            });
        }
        // The grammar counts the end-of-sequence token when it took it.
        let grammar_tokens = tokens - usize::from(tokens > 0 && self.ended == Some(false));
        self.matcher
            .rollback(grammar_tokens)
            .map_err(|e| GuideError::Grammar(e.to_string()))?;
        let ours = tokens - usize::from(tokens > 0 && self.ended.is_some());
        if tokens > 0 {
            self.ended = None;
        }
        self.tokens.truncate(self.tokens.len() - ours);
        self.json = Json::default().read(&self.guide.vocabulary().decode(&self.tokens));
        self.last_ending = None;
        Ok(())
    }

    /// The tokens taken so far (without an end-of-sequence token).
    pub fn tokens(&self) -> &[u32] {
        &self.tokens
    }

    /// The text of the tokens taken so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.guide.vocabulary().decode(&self.tokens)).into_owned()
    }

    /// The guide it follows.
    pub fn guide(&self) -> &Guide {
        &self.guide
    }
}

/// With room to spare in the budget, the look-ahead still runs at least this often (in tokens
/// taken), in case a token opened something whose ending is far longer than the one before.
const LOOK_AHEAD_EVERY: usize = 128;

/// Keeps, of `mask`, the tokens that close something (`"`, `]`, `}`, the end of the sequence) if
/// any is allowed, else those that end a number or move on to the next key or item (`,` and `:`
/// with closers); otherwise leaves it whole. Returns whether it kept closing tokens only.
fn narrow(mask: &mut SimpleVob, vocab: &Vocabulary, in_string: bool) -> bool {
    for tier in vocab.closing_tiers(in_string) {
        if !mask.and_is_zero(tier) {
            mask.and(tier);
            return true;
        }
    }
    false
}

/// The ending the look-ahead finds from `matcher` (`position` tokens into the generation) within
/// `limit` tokens: its length (the end-of-sequence token included when the value needs one) and its
/// first token. Its choices depend on the position, not on when it is asked: after its first token
/// is taken, it finds the same ending, one token shorter.
fn ending(
    matcher: &Matcher,
    vocab: &Vocabulary,
    in_string: bool,
    position: usize,
    limit: usize,
) -> Option<(usize, u32)> {
    let mut probe = matcher.deep_clone();
    let mut json = Json {
        in_string,
        escaped: false,
    };
    let eos = vocab.eos();
    let mut first = None;
    for step in 0..limit {
        if probe.is_stopped() {
            return first.map(|first| (step, first));
        }
        let mut mask = probe.compute_mask_or_eos().ok()?;
        let token = if mask.is_allowed(eos) {
            eos
        } else {
            // Among closing tokens the longest closes the most; otherwise a plain character (a
            // different one each step, so that patterns such as `a@b.c` come together), or else
            // the shortest token.
            if narrow(&mut mask, vocab, json.in_string) {
                longest(&mask, vocab)?
            } else {
                plain(&mask, vocab, position + step).or_else(|| shortest(&mask, vocab))?
            }
        };
        first.get_or_insert(token);
        if token == eos {
            return first.map(|first| (step + 1, first));
        }
        probe.consume_token(token).ok()?;
        json = json.read(&vocab.token_bytes(token));
    }
    None
}

/// Where compact JSON text leaves off: inside a string or not.
#[derive(Clone, Copy, Default)]
struct Json {
    in_string: bool,
    escaped: bool,
}

impl Json {
    /// The state after `text`.
    fn read(mut self, text: &[u8]) -> Json {
        for &byte in text {
            match (self.in_string, self.escaped, byte) {
                (true, true, _) => self.escaped = false,
                (true, false, b'\\') => self.escaped = true,
                (true, false, b'"') | (false, _, b'"') => self.in_string = !self.in_string,
                _ => {}
            }
        }
        self
    }
}

/// The allowed token with the most bytes, the lowest id on ties.
fn longest(mask: &SimpleVob, vocab: &Vocabulary) -> Option<u32> {
    best_by(mask, vocab, |len, best| len > best)
}

/// The allowed token with the fewest bytes, the lowest id on ties.
fn shortest(mask: &SimpleVob, vocab: &Vocabulary) -> Option<u32> {
    best_by(mask, vocab, |len, best| len < best)
}

fn best_by(
    mask: &SimpleVob,
    vocab: &Vocabulary,
    better: impl Fn(usize, usize) -> bool,
) -> Option<u32> {
    let mut best: Option<(usize, u32)> = None;
    mask.iter_set_entries(|id| {
        let id = id as u32;
        let len = vocab.token_len(id);
        if len > 0 && best.is_none_or(|(best_len, _)| better(len, best_len)) {
            best = Some((len, id));
        }
    });
    best.map(|(_, id)| id)
}

/// The first allowed one of the vocabulary's plain one-character tokens, starting at `position`.
fn plain(mask: &SimpleVob, vocab: &Vocabulary, position: usize) -> Option<u32> {
    let plain = vocab.plain_tokens();
    (0..plain.len())
        .map(|i| plain[(position + i) % plain.len()])
        .find(|&token| mask.is_allowed(token))
}

/// The set of tokens allowed next.
#[derive(Clone)]
pub struct Mask(Arc<SimpleVob>);

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
