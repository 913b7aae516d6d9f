//! The shortest way a value can end from where its text stands, read off the grammar itself.
//!
//! The walk pushes bytes into the parser speculatively (as llguidance's own mask computation does,
//! and undone the same way), so every byte it writes is one the grammar allows, and it needs no
//! token masks. At each point it closes what may close (`"`, `]`, `}`), else moves on (`,`, `:`),
//! else writes the shortest value or value remainder the grammar accepts here: a breadth-first
//! search over the lexer's states (the automaton of the string's pattern, format and length, of a
//! number's range, of an enum's values) for the fewest bytes after which the value can end. So an
//! email pattern ends as `a@a.aa"`, a phone number as `000000"`, a number bounded below by 18 as
//! `18`.

use std::collections::{HashMap, VecDeque};

use llguidance::TokenParser;
use llguidance::derivre::StateID;
use llguidance::earley::ParserRecognizer;
use toktrie::Recognizer;

use crate::shape::Shape;

/// The most bytes an ending may have.
const MAX_BYTES: usize = 16 * 1024;
/// The most bytes the searches of one ending may push (a bound on its cost: well under a
/// millisecond in practice, tens of milliseconds at worst).
const MAX_PUSHES: usize = 400_000;

/// The bytes a search tries first, in order of preference on ties: the closing quote, then
/// enough to write the shortest value of most patterns and formats (numbers, dates, times, emails,
/// URLs, codes). Searching over few bytes keeps the search small where a pattern's automaton is
/// large (a date's, say, which tells months and leap years apart).
const FEW: &[u8] = b"\"a0b1xyz29AZT -.:@/+_";

/// Every byte a JSON text may hold, for what [`FEW`] cannot write (an enum's values, a pattern's
/// unusual characters): printable ASCII in order of preference, then escapes and non-ASCII bytes.
const ALL: &[u8] = &{
    let preferred =
        b"\"a0bcdefghijklmnopqrstuvwxyz123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ .-_@:/+,()#%&'*;<=>?!$[]^`{|}~\\";
    let mut bytes = [0u8; 96 + 128];
    let mut i = 0;
    while i < preferred.len() {
        bytes[i] = preferred[i];
        i += 1;
    }
    let mut high = 0;
    while high < 128 {
        bytes[i + high] = 128 + high as u8;
        high += 1;
    }
    bytes
};

/// The shortest text the grammar accepts after the parser's current state that completes the
/// value (the first `text` bytes are the tokens', and the shape says where they stand), or `None`
/// when none is found within the bounds.
pub(crate) fn ending(parser: &TokenParser, text: usize, shape: &Shape) -> Option<Vec<u8>> {
    // On a copy: the search builds lexer states the generation may never need, and spends the
    // lexer's fuel (llguidance's bound on regex work), which a mask computation refills; running
    // out would leave the lexer in error for good.
    let mut probe = parser.deep_clone();
    probe.compute_mask().ok()?;
    // The parser may be ahead of the tokens: bytes the grammar forces (a key that is the only one
    // possible, say) are taken as soon as they are known, and the next token must start with them.
    let forced = probe
        .parser
        .get_bytes()
        .get(text..)
        .unwrap_or_default()
        .to_vec();
    let mut shape = shape.clone();
    shape.read(&forced, |_| {});
    let found = probe.parser.with_recognizer(|rec| {
        rec.trie_started("outlines-ending");
        let mut walk = Walk {
            rec,
            shape,
            out: forced,
            pushes: 0,
        };
        let found = walk.run();
        walk.rec.trie_finished();
        found
    });
    found.filter(|_| probe.parser.get_error().is_none())
}

struct Walk<'r, 'a> {
    rec: &'r mut ParserRecognizer<'a>,
    shape: Shape,
    /// The ending so far: the bytes the parser was ahead of the tokens by, then those the walk
    /// pushed (still on the parser's stack until the walk ends).
    out: Vec<u8>,
    pushes: usize,
}

impl Walk<'_, '_> {
    fn run(&mut self) -> Option<Vec<u8>> {
        while !self.shape.is_complete() {
            if self.out.len() > MAX_BYTES || self.pushes > MAX_PUSHES {
                return None;
            }
            let structural: &[u8] = if self.shape.in_string() {
                b"\""
            } else {
                b"]},:"
            };
            if structural.iter().any(|&b| self.push(b)) {
                continue;
            }
            let path = self
                .shortest_value(FEW)
                .or_else(|| self.shortest_value(ALL))
                .or_else(|| self.opener())?;
            for b in path {
                if !self.push(b) {
                    return None;
                }
            }
        }
        Some(std::mem::take(&mut self.out))
    }

    /// Pushes `byte` if the grammar allows it here.
    fn push(&mut self, byte: u8) -> bool {
        self.pushes += 1;
        if self.rec.try_push_byte(byte) {
            self.out.push(byte);
            self.shape.read(&[byte], |_| {});
            true
        } else {
            false
        }
    }

    /// The fewest bytes of `alphabet` that finish the string, number or literal being written, or
    /// write a whole one (with the separator's space before it, if the layout has one) where a
    /// value starts. Objects and arrays are not opened here, so that `null` wins over a nested
    /// object: a recursive type ends rather than nesting deeper.
    ///
    /// Within one value the parser stands still and only the lexer moves, so the lexer's state
    /// identifies a search node.
    fn shortest_value(&mut self, alphabet: &[u8]) -> Option<Vec<u8>> {
        let mut seen = HashMap::from([(self.rec.lexer_state(), ())]);
        let mut queue: VecDeque<Vec<u8>> = VecDeque::from([Vec::new()]);
        while let Some(path) = queue.pop_front() {
            if self.pushes > MAX_PUSHES {
                return None;
            }
            // Replay the path: each byte was allowed when it was queued.
            let mut shape = self.shape.clone();
            for (pushed, &b) in path.iter().enumerate() {
                self.pushes += 1;
                if !self.rec.try_push_byte(b) {
                    self.rec.pop_bytes(pushed);
                    return None;
                }
                shape.read(&[b], |_| {});
            }
            let found = self.expand(&path, &shape, alphabet, &mut seen, &mut queue);
            self.rec.pop_bytes(path.len());
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// Tries every byte of `alphabet` after `path` (pushed, leaving the text as `shape` says):
    /// returns the extended path if one ends the value, and queues the others that lead somewhere
    /// new.
    fn expand(
        &mut self,
        path: &[u8],
        shape: &Shape,
        alphabet: &[u8],
        seen: &mut HashMap<StateID, ()>,
        queue: &mut VecDeque<Vec<u8>>,
    ) -> Option<Vec<u8>> {
        for &b in alphabet {
            // Structure is the walk's to write, not the search's: the search stays within one
            // value.
            if !shape.in_string() && matches!(b, b',' | b':' | b']' | b'}' | b'{' | b'[') {
                continue;
            }
            self.pushes += 1;
            if !self.rec.try_push_byte(b) {
                continue;
            }
            let mut next = shape.clone();
            next.read(&[b], |_| {});
            let ends = if next.in_string() {
                false
            } else if shape.in_string() {
                // The string (a value or a key) just closed.
                true
            } else if next.in_bare_scalar() {
                self.may_end(&next)
            } else {
                false
            };
            let state = self.rec.lexer_state();
            self.rec.pop_bytes(1);
            let extended = [path, &[b]].concat();
            if ends {
                return Some(extended);
            }
            if seen.insert(state, ()).is_none() {
                queue.push_back(extended);
            }
        }
        None
    }

    /// Where no scalar fits, the opening of an object or array (after the separator's space, if
    /// the layout has one).
    fn opener(&mut self) -> Option<Vec<u8>> {
        let candidates: [&[u8]; 4] = [b"{", b"[", b" {", b" ["];
        candidates.into_iter().find_map(|bytes| {
            let mut pushed = 0;
            for &b in bytes {
                self.pushes += 1;
                if !self.rec.try_push_byte(b) {
                    break;
                }
                pushed += 1;
            }
            self.rec.pop_bytes(pushed);
            (pushed == bytes.len()).then(|| bytes.to_vec())
        })
    }

    /// Whether the number or literal pushed can end here: a `,`, `]` or `}` may follow it, or, at
    /// the top level, the end of the text.
    fn may_end(&mut self, shape: &Shape) -> bool {
        if shape.at_top() {
            let state = self.rec.lexer_state();
            return self.rec.lexer_mut().allows_eos(state);
        }
        b",]}".iter().any(|&b| {
            self.pushes += 1;
            let ok = self.rec.try_push_byte(b);
            if ok {
                self.rec.pop_bytes(1);
            }
            ok
        })
    }
}
