//! One generation's walk through a guide ([`Constraint`]): the tokens allowed at each step, and,
//! under a token budget, the steering that brings the value to its end in time.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use llguidance::TokenParser;
use llguidance::api::StopReason;
use outlines_core::backend::{Forced, ForcedEdit, ForcedKind};
use outlines_core::diagnostics::{Path, Segment};
use toktrie::{Recognizer, SimpleVob};

use crate::ending::ending;
use crate::shape::{Event, Shape};
use crate::{Guide, GuideError, Mask, Vocabulary};

/// One generation under a guide: which tokens may come next, and the tokens taken so far.
///
/// A sampler asks for the [`mask`](Constraint::mask), picks a token the mask allows, and
/// [`advance`](Constraint::advance)s with it, until the constraint [`is_finished`](Constraint::is_finished)
/// (the value is complete and nothing can follow) or the sampler picks the end-of-sequence token,
/// which the mask allows only where the value is complete. The text produced is then a value of the
/// type, except for the rules the grammar cannot express (see the crate documentation), which the
/// validator still checks. Under a budget ([`Guide::constraint_within`]), a sampler that can take
/// tokens back also asks [`rewind`](Constraint::rewind) before each mask. `Send`: a constraint can
/// be computed on another thread while the model runs its forward pass.
pub struct Constraint {
    parser: TokenParser,
    guide: Guide,
    tokens: Vec<u32>,
    /// The text of the tokens taken, and where each token ends in it.
    text: Vec<u8>,
    ends: Vec<usize>,
    /// Where the text leaves off, kept byte by byte.
    shape: Shape,
    /// The end-of-sequence token was taken: `Some(true)` when the grammar took it too (the value
    /// could have gone on), `Some(false)` when it came after the grammar had stopped.
    ended: Option<bool>,
    /// The grammar's mask since the last step, if it was asked for: a token it allows is taken
    /// without checking it again.
    last_mask: Option<Arc<SimpleVob>>,
    /// The budget and its steering, when there is a budget.
    budget: Option<Budget>,
}

/// An ending the look-ahead found.
struct Found {
    /// How many tokens had been taken.
    at: usize,
    /// Its text.
    bytes: Vec<u8>,
    /// Its length in tokens.
    length: usize,
    /// Its first token, as the text tokenizes (`None` when the text is empty).
    first: Option<u32>,
}

/// What budget steering keeps.
struct Budget {
    /// The most tokens the generation may take.
    max_tokens: usize,
    /// The look-ahead's last finding.
    last_ending: Option<Found>,
    /// How the mask last returned was steered (`None`: not at all).
    steer: Option<Steer>,
    /// After a rewind: the bytes still to write to close the array (the rest of the last item's
    /// final token, which the rewind took back, and `]`).
    closing: Option<Vec<u8>>,
    /// The bytes each steered token wrote, and how.
    steered: Vec<(Range<usize>, Steer)>,
    /// Arrays ended early: dropped and repeated items.
    edits: Vec<ForcedEdit>,
    /// An item just repeated the one before it: where to end its array, and the item's path.
    repeat: Option<(usize, Path)>,
    rewinds: usize,
    /// Where arrays could not be ended (too few items): not tried again.
    unendable: Vec<usize>,
    /// When a look-ahead last found no ending (logged once): it is not run again for
    /// [`LOST_RETRY`] tokens.
    lost: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Steer {
    /// Only closing tokens were allowed.
    Narrowed,
    /// Only the look-ahead's next token was allowed.
    Forced,
    /// Nothing that moves on to another field or item was allowed (a value being written could
    /// still go on: this closes containers, it cuts no value).
    Held,
    /// A rewound array was being closed.
    Closing,
}

/// At most this many rewinds in one generation: each ends an array, so a handful is plenty, and
/// a bound keeps any oversight from looping.
const MAX_REWINDS: usize = 16;

/// After a look-ahead that found no ending (a bug, which costs a bounded search), the next runs
/// this many tokens later.
const LOST_RETRY: usize = 16;

/// With room to spare in the budget, the look-ahead still runs at least this often (in tokens
/// taken), in case a token opened something whose ending is far longer than the one before.
const LOOK_AHEAD_EVERY: usize = 64;

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
    pub(crate) fn new(guide: Guide, max_tokens: Option<usize>) -> Constraint {
        let mut parser = guide.parser().clone();
        if parser.is_fresh() {
            parser.start_without_prompt();
        }
        Constraint {
            parser,
            guide,
            tokens: Vec::new(),
            text: Vec::new(),
            ends: Vec::new(),
            shape: Shape::default(),
            ended: None,
            last_mask: None,
            budget: max_tokens.map(|max_tokens| Budget {
                max_tokens,
                last_ending: None,
                steer: None,
                closing: None,
                steered: Vec::new(),
                edits: Vec::new(),
                repeat: None,
                rewinds: 0,
                unendable: Vec::new(),
                lost: None,
            }),
        }
    }

    /// The tokens allowed next. Once the value is complete and nothing can follow, only the
    /// end-of-sequence token. Under a budget, steered as [`Guide::constraint_within`] says.
    pub fn mask(&mut self) -> Result<Mask, GuideError> {
        let grammar = Arc::new(self.grammar_mask()?);
        self.last_mask = Some(grammar.clone());
        if self.budget.is_none() || self.parser_stopped() {
            return Ok(Mask(grammar));
        }
        let vocab = self.guide.vocabulary().clone();
        let steered = if let Some(closing) = self.budget().closing.clone() {
            closing_mask(&grammar, &vocab, &closing).map(|mask| (Steer::Closing, mask))
        } else {
            match self.plan()? {
                Plan::Free => None,
                Plan::Narrow => {
                    let mut mask = SimpleVob::clone(&grammar);
                    if narrow(&mut mask, &vocab, self.shape.in_string()) {
                        Some((Steer::Narrowed, mask))
                    } else {
                        // Nothing may close here: follow the ending rather than let the model
                        // open something new.
                        self.ending_token(&grammar)
                    }
                }
                Plan::Force => self.ending_token(&grammar),
                // A sampler that did not rewind (or an array that cannot end yet) gets what the
                // margin below it would: nothing that opens more. At a key, the ending's: the
                // required field, not an optional one whose value might not fit.
                Plan::Close | Plan::Rewind if self.shape.at_key() => self.ending_token(&grammar),
                Plan::Close | Plan::Rewind => {
                    // Where the object or array may close after this value, nothing that moves on
                    // to another field or item (or, between values, starts one); the value being
                    // written is the model's to finish.
                    let in_string = self.shape.in_string();
                    let closers = &vocab.closing_tiers(in_string)[0];
                    let mut mask = SimpleVob::clone(&grammar);
                    if in_string || self.shape.in_bare_scalar() {
                        mask.sub(vocab.movers(in_string));
                    } else {
                        mask.and(closers);
                    }
                    let closes = !grammar.and_is_zero(closers);
                    closes.then_some((Steer::Held, mask))
                }
            }
        };
        // A step whose mask the steering did not narrow is the model's own.
        let steered = steered.filter(|(_, mask)| mask.num_set() < grammar.num_set());
        let budget = self.budget_mut();
        budget.steer = steered.as_ref().map(|(steer, _)| *steer);
        Ok(Mask(steered.map_or(grammar, |(_, mask)| Arc::new(mask))))
    }

    /// Under a budget, before asking for the mask: when the budget calls for ending an array at
    /// the last item the model finished (or an item repeats the one before it), takes back the
    /// tokens after that item and returns how many; the sampler drops them too (and whatever it
    /// keeps of them, such as a model's cache). The next masks then close the array, and the model
    /// writes on from there. `None` when nothing is to be taken back, or without a budget.
    pub fn rewind(&mut self) -> Result<Option<usize>, GuideError> {
        let stopped = self.ended.is_some() || self.parser_stopped();
        let Some(budget) = &mut self.budget else {
            return Ok(None);
        };
        if stopped || budget.closing.is_some() || budget.rewinds >= MAX_REWINDS {
            return Ok(None);
        }
        if let Some((boundary, path)) = budget.repeat.take() {
            return self.end_array_at(boundary, ForcedKind::Repeated, path);
        }
        if !matches!(self.plan()?, Plan::Rewind) {
            return Ok(None);
        }
        for array in self.shape.open_arrays() {
            if self.budget().unendable.contains(&array.boundary) {
                continue;
            }
            let mut segments = array.path.segments().to_vec();
            segments.push(Segment::Index(array.items));
            let item = Path::from_segments(segments);
            if let Some(taken) = self.end_array_at(array.boundary, ForcedKind::Dropped, item)? {
                return Ok(Some(taken));
            }
        }
        Ok(None)
    }

    /// What the budget calls for at this step.
    fn plan(&mut self) -> Result<Plan, GuideError> {
        let taken = self.tokens.len();
        let budget = self.budget();
        let left = budget.max_tokens.saturating_sub(taken);
        let retry_later = budget.lost.is_some_and(|at| taken < at + LOST_RETRY);
        if self.room_to_spare(left) || retry_later {
            return Ok(Plan::Free);
        }
        let length = match &budget.last_ending {
            Some(found) if found.at == taken => found.length,
            _ => {
                let Some(bytes) = ending(&self.parser, self.text.len(), &self.shape) else {
                    self.lost();
                    return Ok(Plan::Free);
                };
                let found = self.found(taken, bytes);
                let length = found.length;
                self.budget_mut().last_ending = Some(found);
                length
            }
        };
        let in_array = !self.shape.open_arrays().is_empty();
        // A token of slack: the ending's tokens, taken one at a time, may split differently from
        // the ending tokenized whole.
        Ok(if left <= length + 1 {
            Plan::Force
        } else if left <= length + 4 + length / 4 {
            Plan::Narrow
        } else if in_array && left <= 2 * length + 8 {
            Plan::Rewind
        } else if left <= 2 * length + 16 {
            Plan::Close
        } else {
            Plan::Free
        })
    }

    /// The look-ahead found no ending: the budget steers nothing until it finds one again.
    fn lost(&mut self) {
        let text = String::from_utf8_lossy(&self.text).into_owned();
        let taken = self.tokens.len();
        let budget = self.budget_mut();
        budget.last_ending = None;
        if budget.lost.replace(taken).is_none() {
            tracing::warn!(
                target: "outlines::guide",
                %text,
                "no ending found for the value: the budget is not steering it (please report this)"
            );
        }
    }

    /// Whether the look-ahead can be skipped this step: its last ending, lengthened by every token
    /// since as if each had opened something, is still far from the tokens left (twice over, with
    /// a margin), and it ran less than [`LOOK_AHEAD_EVERY`] tokens ago.
    fn room_to_spare(&self, left: usize) -> bool {
        let budget = self.budget();
        let Some(Found { at, length, .. }) = budget.last_ending else {
            return false;
        };
        let since = self.tokens.len().saturating_sub(at);
        since < LOOK_AHEAD_EVERY && left > 2 * (length + since) + 32 + budget.max_tokens / 16
    }

    /// The ending `bytes` found after `taken` tokens: its length in tokens (its text tokenized, and
    /// the end-of-sequence token when the grammar does not stop by itself, at the top level a value
    /// that is no object or array) and its first token.
    fn found(&self, taken: usize, bytes: Vec<u8>) -> Found {
        let tokens = self.guide.vocabulary().token_env().tokenize_bytes(&bytes);
        let top = self.text.first().or(bytes.first());
        Found {
            at: taken,
            length: tokens.len() + usize::from(!matches!(top, Some(b'{' | b'['))),
            first: tokens.first().copied(),
            bytes,
        }
    }

    /// The look-ahead's next token alone: the ending's first token if the grammar allows it, or
    /// else the longest allowed token the ending starts with, or the end of the sequence where the
    /// ending is empty. `None` (no steering) if there is none.
    fn ending_token(&self, grammar: &SimpleVob) -> Option<(Steer, SimpleVob)> {
        let found = self.budget().last_ending.as_ref()?;
        let vocab = self.guide.vocabulary();
        let token = if found.bytes.is_empty() {
            Some(vocab.eos()).filter(|&eos| grammar.is_allowed(eos))
        } else {
            found
                .first
                .filter(|&t| allowed(grammar, t))
                .or_else(|| longest_prefix(grammar, vocab, &found.bytes))
        }?;
        let mut only = vocab.empty_set();
        only.allow_token(token);
        Some((Steer::Forced, only))
    }

    /// Ends the innermost open array at `boundary` (a byte offset where its last finished item, or
    /// its `[`, ends): takes the tokens after it back, and sets the masks to write the rest of the
    /// token the boundary falls in, then `]`. Nothing is done (`None`) if the grammar would not
    /// allow `]` there (too few items).
    fn end_array_at(
        &mut self,
        boundary: usize,
        kind: ForcedKind,
        path: Path,
    ) -> Result<Option<usize>, GuideError> {
        let keep = self.ends.partition_point(|&end| end <= boundary);
        let start = keep.checked_sub(1).map_or(0, |i| self.ends[i]);
        let mut closing = self.text[start..boundary].to_vec();
        closing.push(b']');
        let back = self.tokens.len() - keep;
        let undo: Vec<u32> = self.tokens[keep..].to_vec();
        let steered = self.budget().steered.clone();
        self.rollback(back)?;
        if !self.can_write(&closing) {
            // Put the tokens back: this array cannot end here.
            for token in undo {
                self.advance(token)?;
            }
            let budget = self.budget_mut();
            budget.steered = steered;
            budget.repeat = None;
            budget.unendable.push(boundary);
            return Ok(None);
        }
        let budget = self.budget_mut();
        budget.closing = Some(closing);
        budget.edits.push(ForcedEdit::new(kind, path));
        budget.rewinds += 1;
        Ok(Some(back))
    }

    /// Whether the grammar allows `bytes` next.
    fn can_write(&mut self, bytes: &[u8]) -> bool {
        self.parser.parser.with_recognizer(|rec| {
            rec.trie_started("outlines-can-write");
            let mut pushed = 0;
            for &b in bytes {
                if !rec.try_push_byte(b) {
                    break;
                }
                pushed += 1;
            }
            rec.trie_finished();
            pushed == bytes.len()
        })
    }

    /// Takes `token`. A token the mask does not allow is refused, and the constraint stays where it
    /// was (usable, unlike llguidance's own matcher after an error).
    pub fn advance(&mut self, token: u32) -> Result<(), GuideError> {
        let vocab = self.guide.vocabulary().clone();
        let eos = vocab.eos();
        let last_mask = self.last_mask.take();
        let refuse = |this: &Self| GuideError::Refused {
            token,
            after: this.text(),
        };
        if self.ended.is_some() {
            return Err(refuse(self));
        }
        if self.parser_stopped() {
            // The value is complete: only the end of the sequence may come.
            if token != eos {
                return Err(refuse(self));
            }
            self.ended = Some(false);
            return Ok(());
        }
        // A token the last mask allowed needs no second check.
        let allowed_before = last_mask.is_some_and(|mask| allowed(&mask, token));
        if !allowed_before && !self.parser.validate_token(token).map_err(grammar_error)? {
            return Err(refuse(self));
        }
        let backtrack = self.parser.consume_token(token).map_err(grammar_error)?;
        if backtrack != 0 {
            return Err(GuideError::Grammar("unexpected backtracking".into()));
        }
        self.parser.check_stop().map_err(grammar_error)?;
        if token == eos {
            self.ended = Some(true);
            return Ok(());
        }
        let bytes = vocab.token_bytes(token);
        let start = self.text.len();
        self.tokens.push(token);
        self.text.extend_from_slice(&bytes);
        self.ends.push(self.text.len());
        let mut item = None;
        self.shape.read(&bytes, |event| {
            if let Event::Item {
                path,
                index,
                range,
                previous: Some(previous),
            } = event
            {
                item = Some((path, index, range, previous));
            }
        });
        if let Some(budget) = &mut self.budget {
            if let Some(steer) = budget.steer.take() {
                budget.steered.push((start..self.text.len(), steer));
            }
            if let Some(closing) = &mut budget.closing {
                let done = bytes.len().min(closing.len());
                closing.drain(..done);
                if closing.is_empty() {
                    budget.closing = None;
                }
            }
            // An item that repeats the one before it, byte for byte: a loop, not data (short
            // scalars such as equal tags are left alone).
            if let Some((path, index, range, previous)) = item {
                let repeated = self.text[range.clone()] == self.text[previous.clone()];
                let structured = matches!(self.text.get(range.start), Some(b'{' | b'['));
                if repeated && (structured || range.len() >= 16) {
                    let mut segments = path.segments().to_vec();
                    segments.push(Segment::Index(index));
                    budget.repeat = Some((previous.end, Path::from_segments(segments)));
                }
            }
        }
        Ok(())
    }

    /// Whether the generation is over: the end-of-sequence token was taken, or the value is
    /// complete and cannot go on (the next mask holds only the end-of-sequence token).
    pub fn is_finished(&self) -> bool {
        self.ended.is_some() || self.parser_stopped()
    }

    /// Whether the text so far is a complete value (the end-of-sequence token is allowed now).
    pub fn is_complete(&mut self) -> bool {
        self.ended.is_some() || self.parser_stopped() || self.parser.is_accepting()
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
        self.parser
            .rollback(grammar_tokens)
            .map_err(grammar_error)?;
        let ours = tokens - usize::from(tokens > 0 && self.ended.is_some());
        if tokens > 0 {
            self.ended = None;
        }
        let keep = self.tokens.len() - ours;
        self.tokens.truncate(keep);
        self.ends.truncate(keep);
        self.text.truncate(self.ends.last().copied().unwrap_or(0));
        self.shape = Shape::of(&self.text);
        if let Some(budget) = &mut self.budget {
            let end = self.text.len();
            budget.steered.retain(|(range, _)| range.end <= end);
            budget.unendable.retain(|&at| at <= end);
            budget.last_ending = None;
            budget.closing = None;
            budget.repeat = None;
            budget.steer = None;
        }
        Ok(())
    }

    /// What the budget forced on the value so far: arrays ended early (items dropped or
    /// repeated), and each value closed, cut short or written by the steering, with its path.
    /// Empty without a budget, or when the model ended the value itself.
    pub fn forced(&self) -> Forced {
        let Some(budget) = &self.budget else {
            return Forced::default();
        };
        let steer_at = |at: usize| {
            budget
                .steered
                .iter()
                .find(|(range, _)| range.contains(&at))
                .map(|(_, steer)| *steer)
        };
        let touched = |range: Range<usize>, held: bool| {
            range.into_iter().any(|at| match steer_at(at) {
                Some(Steer::Forced | Steer::Narrowed) => true,
                Some(Steer::Held) => held,
                _ => false,
            })
        };
        let mut edits = budget.edits.clone();
        let mut add = |kind, path: Path| {
            if !edits.iter().any(|e| e.kind == kind && e.path == path) {
                edits.push(ForcedEdit::new(kind, path));
            }
        };
        Shape::default().read(&self.text, |event| match event {
            Event::Scalar { path, range } => {
                if steer_at(range.start) == Some(Steer::Forced) {
                    add(ForcedKind::Invented, path);
                } else {
                    // A number or literal ends at the byte after it.
                    let bare = self.text.get(range.start) != Some(&b'"');
                    let end = range.end + usize::from(bare);
                    if touched(range.start..end, false) {
                        add(ForcedKind::Cut, path);
                    }
                }
            }
            // An object or array the steering opened, it wrote; one it closed may have been
            // meant to hold more.
            Event::Closed { path, open, at } => {
                if steer_at(open) == Some(Steer::Forced) {
                    add(ForcedKind::Invented, path);
                } else if touched(at..at + 1, true) {
                    add(ForcedKind::Closed, path);
                }
            }
            // A key the steering wrote names a field; whether its value is the model's is told
            // by the value.
            Event::Key { .. } | Event::Item { .. } => {}
        });
        Forced::from_edits(edits)
    }

    /// The tokens taken so far (without an end-of-sequence token).
    pub fn tokens(&self) -> &[u32] {
        &self.tokens
    }

    /// The text of the tokens taken so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.text).into_owned()
    }

    /// The guide it follows.
    pub fn guide(&self) -> &Guide {
        &self.guide
    }

    fn grammar_mask(&mut self) -> Result<SimpleVob, GuideError> {
        if self.parser_stopped() {
            return Ok(self
                .guide
                .vocabulary()
                .token_env()
                .tok_trie()
                .eos_token_set());
        }
        self.parser.compute_mask().map_err(grammar_error)
    }

    fn parser_stopped(&self) -> bool {
        self.parser.stop_reason() != StopReason::NotStopped
    }

    fn budget(&self) -> &Budget {
        self.budget.as_ref().expect("only called under a budget")
    }

    fn budget_mut(&mut self) -> &mut Budget {
        self.budget.as_mut().expect("only called under a budget")
    }
}

/// What the budget calls for at one step.
enum Plan {
    /// Nothing: the grammar's own mask.
    Free,
    /// End the innermost array at its last finished item ([`Constraint::rewind`]); a sampler
    /// that does not rewind gets the grammar's mask until the next plans narrow or force.
    Rewind,
    /// Closing tokens only, where some are allowed; else the look-ahead's ending.
    Narrow,
    /// Where the object or array may close after the value being written: no token that moves on
    /// to an optional field or another item, whose own ending might not fit.
    Close,
    /// The look-ahead's ending, token by token.
    Force,
}

fn grammar_error(error: impl fmt::Display) -> GuideError {
    GuideError::Grammar(error.to_string())
}

fn allowed(mask: &SimpleVob, token: u32) -> bool {
    (token as usize) < mask.len() && mask.is_allowed(token)
}

/// The longest token `bytes` starts with that `grammar` allows.
fn longest_prefix(grammar: &SimpleVob, vocab: &Vocabulary, bytes: &[u8]) -> Option<u32> {
    let trie = vocab.token_env().tok_trie();
    (1..=bytes.len().min(trie.max_token_len()))
        .rev()
        .filter_map(|len| trie.token_id(&bytes[..len]))
        .find(|&t| allowed(grammar, t))
}

/// While a rewound array is being closed: the allowed tokens that write the start of `closing`
/// (the rest of the last item, then `]`), or, once only `]` is left, any that starts with it and
/// does not move on to another field or item (the budget is short).
fn closing_mask(grammar: &SimpleVob, vocab: &Vocabulary, closing: &[u8]) -> Option<SimpleVob> {
    let trie = vocab.token_env().tok_trie();
    let mut grammar = SimpleVob::clone(grammar);
    grammar.sub(vocab.movers(false));
    let mut mask = vocab.empty_set();
    grammar.iter_set_entries(|id| {
        let token = trie.token(id as u32);
        let n = token.len().min(closing.len());
        let fits = !token.is_empty()
            && token[..n] == closing[..n]
            && (token.len() <= closing.len() || closing.len() == 1);
        if fits {
            mask.allow_token(id as u32);
        }
    });
    (mask.num_set() > 0).then_some(mask)
}

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
