//! The compiled pattern, anchored at both ends: a lazy DFA stepped byte by byte, to find how far a
//! reply matches and which characters could come next, and a PikeVM for the verdict where the lazy
//! DFA gives up (a Unicode word boundary next to non-ASCII text).
//!
//! A lazy DFA builds its states as a reply needs them, in a bounded cache: a pattern whose full DFA
//! would be exponential (`(a|b)*a(a|b){30}`) costs no more than the reply it reads. The cache may be
//! cleared while a reply is read, which makes every state ID taken before invalid: every walk here
//! holds one state at a time, and the exploration of what comes next gives up (and says it could
//! not tell) as soon as a clear happens.

use std::collections::HashMap;

use regex_automata::hybrid::LazyStateID;
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson::{self, pikevm::PikeVM};
use regex_automata::util::start;
use regex_automata::{Anchored, Input, MatchKind};
use regex_syntax::hir::{Hir, Look};

/// The most bytes the pattern's NFA may take (the `regex` crate's default size limit).
const NFA_SIZE_LIMIT: usize = 10 << 20;

/// The lazy DFA's cache, before it is cleared and refilled (raised to the pattern's minimum).
const CACHE_CAPACITY: usize = 2 << 20;

/// The most DFA transitions one exploration of "what could come next" may take.
const EXPLORE_STEPS: usize = 200_000;

/// A pattern compiled to match whole texts.
#[derive(Clone, Debug)]
pub(super) struct Automaton {
    dfa: DFA,
    pikevm: PikeVM,
}

/// How far a text matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Walk {
    /// The whole text matches.
    Match,
    /// The text is the start of a match, and ends there.
    Early,
    /// The text stops matching at this byte offset, a character boundary: the text before it is
    /// the start of a match, the character there cannot follow it.
    Stops(usize),
    /// The lazy DFA gave up on this text; the PikeVM says whether it matches.
    Unknown(bool),
}

/// The characters that could come next after some text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Next {
    /// Code point ranges, sorted, disjoint and not adjacent.
    pub(super) chars: Vec<(u32, u32)>,
    /// Whether the text could end here.
    pub(super) end: bool,
    /// Whether non-ASCII characters could not be checked (the lazy DFA stops at them when the
    /// pattern has a Unicode word boundary).
    pub(super) partial: bool,
}

/// Why an exploration stopped before its end.
struct GaveUp;

impl Automaton {
    /// Compiles `hir` to match whole texts, or says why it cannot (too large).
    pub(super) fn new(hir: &Hir) -> Result<Automaton, String> {
        let anchored = Hir::concat(vec![
            Hir::look(Look::Start),
            hir.clone(),
            Hir::look(Look::End),
        ]);
        let nfa = thompson::Compiler::new()
            .configure(
                thompson::Config::new()
                    .nfa_size_limit(Some(NFA_SIZE_LIMIT))
                    .which_captures(thompson::WhichCaptures::None),
            )
            .build_from_hir(&anchored)
            .map_err(|e| e.to_string())?;
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    // Every match ends at the end of the text: no match may cut another short.
                    .match_kind(MatchKind::All)
                    .cache_capacity(CACHE_CAPACITY)
                    .skip_cache_capacity_check(true)
                    .unicode_word_boundary(true),
            )
            .build_from_nfa(nfa.clone())
            .map_err(|e| e.to_string())?;
        let pikevm = PikeVM::new_from_nfa(nfa).map_err(|e| e.to_string())?;
        Ok(Automaton { dfa, pikevm })
    }

    /// A cache for reading texts; one per reading.
    pub(super) fn cache(&self) -> Cache {
        self.dfa.create_cache()
    }

    /// Whether the whole `text` matches.
    pub(super) fn is_match(&self, cache: &mut Cache, text: &str) -> bool {
        match self.walk(cache, text) {
            Walk::Match => true,
            Walk::Early | Walk::Stops(_) => false,
            Walk::Unknown(verdict) => verdict,
        }
    }

    /// How far `text` matches.
    pub(super) fn walk(&self, cache: &mut Cache, text: &str) -> Walk {
        let verdict = || {
            let input = Input::new(text).anchored(Anchored::Yes);
            Walk::Unknown(self.pikevm.is_match(&mut self.pikevm.create_cache(), input))
        };
        match self.prefix(cache, text.as_bytes()) {
            Prefix::Alive(sid) => match self.dfa.next_eoi_state(cache, sid) {
                Ok(eoi) if eoi.is_match() => Walk::Match,
                Ok(_) => Walk::Early,
                Err(_) => verdict(),
            },
            Prefix::Dead(at) => {
                let mut start = at;
                while !text.is_char_boundary(start) {
                    start -= 1;
                }
                Walk::Stops(start)
            }
            Prefix::GaveUp => verdict(),
        }
    }

    /// What could follow `text`, the start of a match; `None` if the lazy DFA could not tell.
    pub(super) fn next(&self, cache: &mut Cache, text: &str) -> Option<Next> {
        let Prefix::Alive(sid) = self.prefix(cache, text.as_bytes()) else {
            return None;
        };
        let end = self.dfa.next_eoi_state(cache, sid).ok()?.is_match();
        let mut explorer = Explorer {
            dfa: &self.dfa,
            clears: cache.clear_count(),
            cache,
            tails: HashMap::new(),
            steps: 0,
            partial: false,
        };
        let chars = explorer.chars(sid).ok()?;
        Some(Next {
            chars,
            end,
            partial: explorer.partial,
        })
    }

    /// Whether some text could follow `text`, a whole match, and still match or be the start of a
    /// match (`\d+` after `12`: yes; `\d{2}` after `12`: no). `true` when the lazy DFA cannot tell.
    pub(super) fn can_continue(&self, cache: &mut Cache, text: &str) -> bool {
        let Prefix::Alive(sid) = self.prefix(cache, text.as_bytes()) else {
            return true;
        };
        let clears = cache.clear_count();
        for byte in 0..=u8::MAX {
            match self.dfa.next_state(cache, sid, byte) {
                Ok(next) if cache.clear_count() == clears => {
                    if !next.is_dead() {
                        return true;
                    }
                }
                _ => return true,
            }
        }
        false
    }

    /// The state after `bytes`, from the anchored start.
    fn prefix(&self, cache: &mut Cache, bytes: &[u8]) -> Prefix {
        let config = start::Config::new().anchored(Anchored::Yes);
        let Ok(mut sid) = self.dfa.start_state(cache, &config) else {
            return Prefix::GaveUp;
        };
        if sid.is_dead() {
            return Prefix::Dead(0);
        }
        for (at, &byte) in bytes.iter().enumerate() {
            sid = match self.dfa.next_state(cache, sid, byte) {
                Ok(next) => next,
                Err(_) => return Prefix::GaveUp,
            };
            if sid.is_dead() {
                return Prefix::Dead(at);
            }
            if sid.is_quit() {
                return Prefix::GaveUp;
            }
        }
        Prefix::Alive(sid)
    }
}

/// The state after some bytes.
enum Prefix {
    /// Still the start of a match, in this state.
    Alive(LazyStateID),
    /// No match can contain the byte at this offset.
    Dead(usize),
    /// The lazy DFA gave up.
    GaveUp,
}

/// Walks the transitions out of one state to find the characters that keep it alive: ASCII bytes
/// one by one, and for each lead byte of a multi-byte character its continuation bytes, shared
/// between lead bytes that reach the same state.
struct Explorer<'a> {
    dfa: &'a DFA,
    cache: &'a mut Cache,
    /// The cache's clear count when the exploration began: any clear invalidates the states held.
    clears: usize,
    /// The continuation values (`n` bytes' low 6 bits, high first) that keep a state alive.
    tails: HashMap<(LazyStateID, u8), Vec<(u32, u32)>>,
    steps: usize,
    partial: bool,
}

impl Explorer<'_> {
    fn chars(&mut self, sid: LazyStateID) -> Result<Vec<(u32, u32)>, GaveUp> {
        let mut ranges = Vec::new();
        for byte in 0..0x80u8 {
            if self.step(sid, byte)?.is_some() {
                push(&mut ranges, u32::from(byte), u32::from(byte));
            }
        }
        for lead in 0xC2..=0xF4u8 {
            // The lead byte's payload bits, how many continuation bytes follow, and the code
            // points a sequence of that length may encode (no overlong forms).
            let (bits, n, valid) = match lead {
                0xC2..=0xDF => (lead & 0x1F, 1, (0x80, 0x7FF)),
                0xE0..=0xEF => (lead & 0x0F, 2, (0x800, 0xFFFF)),
                _ => (lead & 0x07, 3, (0x1_0000, 0x10_FFFF)),
            };
            let Some(next) = self.step(sid, lead)? else {
                continue;
            };
            let base = u32::from(bits) << (6 * u32::from(n));
            for (lo, hi) in self.tails(next, n)? {
                let (lo, hi) = ((base + lo).max(valid.0), (base + hi).min(valid.1));
                // Surrogates are not characters; a UTF-8 automaton never accepts them anyway.
                for (lo, hi) in [(lo, hi.min(0xD7FF)), (lo.max(0xE000), hi)] {
                    if lo <= hi {
                        push(&mut ranges, lo, hi);
                    }
                }
            }
        }
        Ok(ranges)
    }

    /// The values of `n` continuation bytes that keep `sid` alive.
    fn tails(&mut self, sid: LazyStateID, n: u8) -> Result<Vec<(u32, u32)>, GaveUp> {
        if let Some(known) = self.tails.get(&(sid, n)) {
            return Ok(known.clone());
        }
        let mut ranges = Vec::new();
        for low in 0..64u8 {
            let Some(next) = self.step(sid, 0x80 | low)? else {
                continue;
            };
            let value = u32::from(low);
            if n == 1 {
                push(&mut ranges, value, value);
            } else {
                let shift = 6 * u32::from(n - 1);
                for (lo, hi) in self.tails(next, n - 1)? {
                    push(&mut ranges, (value << shift) + lo, (value << shift) + hi);
                }
            }
        }
        self.tails.insert((sid, n), ranges.clone());
        Ok(ranges)
    }

    /// The state after `byte`, or `None` when no match continues with it.
    fn step(&mut self, sid: LazyStateID, byte: u8) -> Result<Option<LazyStateID>, GaveUp> {
        self.steps += 1;
        if self.steps > EXPLORE_STEPS {
            return Err(GaveUp);
        }
        let next = self
            .dfa
            .next_state(self.cache, sid, byte)
            .map_err(|_| GaveUp)?;
        if self.cache.clear_count() != self.clears {
            return Err(GaveUp);
        }
        if next.is_quit() {
            self.partial = true;
            return Ok(None);
        }
        Ok((!next.is_dead()).then_some(next))
    }
}

/// Adds `lo..=hi` to sorted ranges, merging it with the last one when they touch (ranges come in
/// increasing order).
fn push(ranges: &mut Vec<(u32, u32)>, lo: u32, hi: u32) {
    match ranges.last_mut() {
        Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
        _ => ranges.push((lo, hi)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn automaton(pattern: &str) -> Automaton {
        Automaton::new(&regex_syntax::parse(pattern).unwrap()).unwrap()
    }

    #[test]
    fn walks_say_how_far_a_text_matches() {
        let a = automaton(r"\d{3}-\d{4}");
        let mut cache = a.cache();
        assert_eq!(a.walk(&mut cache, "555-1234"), Walk::Match);
        assert_eq!(a.walk(&mut cache, "555-12"), Walk::Early);
        assert_eq!(a.walk(&mut cache, ""), Walk::Early);
        assert_eq!(a.walk(&mut cache, "55x-1234"), Walk::Stops(2));
        assert_eq!(a.walk(&mut cache, "555-12345"), Walk::Stops(8));
        // A multi-byte character: the offset is where it starts.
        assert_eq!(a.walk(&mut cache, "55é"), Walk::Stops(2));
        let alternatives = automaton("a|ab");
        let mut cache = alternatives.cache();
        assert_eq!(alternatives.walk(&mut cache, "ab"), Walk::Match);
    }

    #[test]
    fn next_characters_are_found_across_encodings() {
        let a = automaton(r"x[a-cé€😀]");
        let mut cache = a.cache();
        let next = a.next(&mut cache, "x").unwrap();
        assert_eq!(
            next.chars,
            vec![
                (0x61, 0x63),
                (0xE9, 0xE9),
                (0x20AC, 0x20AC),
                (0x1F600, 0x1F600)
            ]
        );
        assert!(!next.end);
        let any = automaton(r"(?s).");
        let next = any.next(&mut any.cache(), "").unwrap();
        assert_eq!(next.chars, vec![(0, 0xD7FF), (0xE000, 0x10FFFF)]);
        let digits = automaton(r"\d+");
        let next = digits.next(&mut digits.cache(), "1").unwrap();
        assert!(next.end);
        assert!(next.chars.contains(&(0x30, 0x39)));
    }

    #[test]
    fn a_whole_match_may_or_may_not_go_on() {
        let open = automaton(r"\d+");
        assert!(open.can_continue(&mut open.cache(), "12"));
        let closed = automaton(r"\d{2}");
        assert!(!closed.can_continue(&mut closed.cache(), "12"));
    }

    #[test]
    fn unicode_word_boundaries_fall_back_on_the_pikevm() {
        let a = automaton(r"\b\w+\b");
        let mut cache = a.cache();
        assert_eq!(a.walk(&mut cache, "hello"), Walk::Match);
        assert_eq!(a.walk(&mut cache, "héllo"), Walk::Unknown(true));
        assert_eq!(a.walk(&mut cache, "hé llo"), Walk::Unknown(false));
    }
}
