//! Walks over a guide's masks, and whether a text can be written through them token by token.

use outlines_guide::{Constraint, Guide, Vocabulary};

use super::Rng;

/// A random walk: each step picks uniformly among the allowed tokens, except that one step in
/// three (every step past `soft` tokens) prefers EOS, then the first of `closers` allowed, then a
/// shortest allowed token. `None` if it ran past eight times `soft` tokens without ending (a random
/// walk can wander in a long string).
pub(crate) fn walk(
    mut constraint: Constraint,
    vocab: &Vocabulary,
    closers: &[&str],
    seed: u64,
    soft: usize,
) -> Option<String> {
    let closers: Vec<u32> = closers.iter().flat_map(|c| vocab.tokenize(c)).collect();
    let mut rng = Rng(seed);
    while !constraint.is_finished() {
        if constraint.tokens().len() > soft * 8 {
            return None;
        }
        let mask = constraint.mask().expect("a mask");
        let allowed = mask.tokens();
        assert!(
            !allowed.is_empty(),
            "empty mask after {:?}",
            constraint.text()
        );
        let closing = constraint.tokens().len() >= soft || rng.below(3) == 0;
        let token = if !closing {
            allowed[rng.below(allowed.len())]
        } else if mask.allows(vocab.eos()) {
            vocab.eos()
        } else if let Some(&c) = closers.iter().find(|&&c| mask.allows(c)) {
            c
        } else {
            let shortest = allowed
                .iter()
                .map(|&t| vocab.token_bytes(t).len())
                .min()
                .unwrap_or(0);
            let short: Vec<u32> = allowed
                .iter()
                .copied()
                .filter(|&t| vocab.token_bytes(t).len() == shortest)
                .collect();
            short[rng.below(short.len())]
        };
        constraint.advance(token).expect("an allowed token");
        if token == vocab.eos() {
            break;
        }
    }
    Some(constraint.text())
}

/// Whether every token of `text` (tokenized by `vocab`) is allowed in turn, and the value is
/// complete at the end; if not, where it was refused.
pub(crate) fn writable(guide: &Guide, vocab: &Vocabulary, text: &str) -> Result<(), String> {
    let mut constraint = guide.constraint();
    for token in vocab.tokenize(text) {
        let mask = constraint.mask().map_err(|e| e.to_string())?;
        if !mask.allows(token) {
            return Err(format!(
                "{:?} refused after {:?}",
                String::from_utf8_lossy(&vocab.token_bytes(token)),
                constraint.text()
            ));
        }
        constraint.advance(token).map_err(|e| e.to_string())?;
    }
    if constraint.is_complete() {
        Ok(())
    } else {
        Err("incomplete at the end".into())
    }
}
