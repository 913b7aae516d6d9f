//! Example strings built from a pattern's parse tree, for the prompt: a small model copies the shape
//! of an example far more reliably than it reads a regular expression.
//!
//! Each sample is one walk of the tree with its own seed: which branch of an alternation, how many
//! repetitions (at least one when allowed, so optional parts show), which character of a class
//! (readable ones first: letters, digits, punctuation). Look-around is skipped; the caller checks
//! each sample against the pattern and drops the ones that do not match, so a sample is never
//! wrong, only sometimes missing.

use regex_syntax::hir::{Class, Hir, HirKind};

/// The longest sample kept, in characters.
const MAX_CHARS: usize = 60;

/// The most nodes one walk visits: a repetition of something empty (`((a{0})*)*`) adds no
/// characters, so the length alone would not stop it.
const MAX_STEPS: usize = 10_000;

/// Characters preferred when a class offers them, in this order.
const PREFERRED: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,:;!?@#/+=*&%$()[]{}<>'\"|~^`\\éüñçßøåÅÉΩπ€";

/// Up to `seeds` candidate samples of `hir`, distinct, each at most [`MAX_CHARS`] long. Unchecked:
/// the caller keeps those the pattern matches.
pub(super) fn candidates(hir: &Hir, seeds: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for seed in 0..seeds {
        let mut walk = Walk {
            seed,
            picks: 0,
            out: String::new(),
            chars: 0,
            steps: 0,
        };
        if walk.hir(hir).is_some() && !out.contains(&walk.out) {
            out.push(walk.out);
        }
    }
    out
}

struct Walk {
    seed: usize,
    /// Choices made so far: successive classes and alternations pick different members.
    picks: usize,
    out: String,
    chars: usize,
    steps: usize,
}

impl Walk {
    /// Appends a sample of `hir`; `None` gives the sample up (too long, or a class with nothing
    /// printable to pick).
    fn hir(&mut self, hir: &Hir) -> Option<()> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return None;
        }
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => Some(()),
            HirKind::Literal(literal) => self.push_str(std::str::from_utf8(&literal.0).ok()?),
            HirKind::Class(class) => {
                let c = self.pick(class)?;
                self.push_str(c.encode_utf8(&mut [0; 4]))
            }
            HirKind::Repetition(repetition) => {
                let min = repetition.min as usize;
                let max = repetition.max.map_or(usize::MAX, |m| m as usize);
                let times = match self.seed % 3 {
                    0 => min.max(1),
                    1 => min + 2,
                    _ => min,
                }
                .min(max);
                if times > MAX_CHARS {
                    return None;
                }
                (0..times).try_for_each(|_| self.hir(&repetition.sub))
            }
            HirKind::Capture(capture) => self.hir(&capture.sub),
            HirKind::Concat(subs) => subs.iter().try_for_each(|sub| self.hir(sub)),
            HirKind::Alternation(subs) => {
                let branch = (self.seed + self.picks) % subs.len();
                self.picks += 1;
                self.hir(&subs[branch])
            }
        }
    }

    fn push_str(&mut self, s: &str) -> Option<()> {
        self.chars += s.chars().count();
        if self.chars > MAX_CHARS {
            return None;
        }
        self.out.push_str(s);
        Some(())
    }

    /// A character of the class: a preferred one (the seed and the picks so far decide which),
    /// else the first printable one.
    fn pick(&mut self, class: &Class) -> Option<char> {
        let ranges: Vec<(char, char)> = match class {
            Class::Unicode(class) => class.iter().map(|r| (r.start(), r.end())).collect(),
            Class::Bytes(class) => class
                .iter()
                .filter(|r| r.start().is_ascii())
                .map(|r| (char::from(r.start()), char::from(r.end().min(0x7F))))
                .collect(),
        };
        let contains = |c: char| ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi);
        let preferred: Vec<char> = PREFERRED.chars().filter(|&c| contains(c)).collect();
        let pick = self.seed * 7 + self.picks;
        self.picks += 1;
        if !preferred.is_empty() {
            return Some(preferred[pick % preferred.len()]);
        }
        // The first few characters of each range, skipping controls and whitespace.
        ranges
            .iter()
            .flat_map(|&(lo, hi)| (lo..=hi).take(64))
            .find(|c| !c.is_control() && !c.is_whitespace())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(pattern: &str) -> Vec<String> {
        candidates(&regex_syntax::parse(pattern).unwrap(), 6)
    }

    #[test]
    fn samples_follow_the_shape_of_the_pattern() {
        let phone = samples(r"\(\d{3}\) \d{3}-\d{4}");
        assert_eq!(phone[0], "(012) 345-6789");
        assert!(phone.len() > 1);
        let words = samples("yes|no|maybe");
        assert!(words.contains(&"yes".to_owned()) && words.contains(&"no".to_owned()));
        // Optional parts show in the first sample.
        assert!(samples(r"v\d+(\.\d+)?")[0].contains('.'));
        // Nothing printable: no sample rather than a wrong one.
        assert!(samples(r"[\x00-\x08]").is_empty());
        assert!(samples(r"a{1000}").is_empty());
        assert!(samples(&format!("{}a{{0}}{}", "(".repeat(60), ")*".repeat(60))).len() <= 6);
    }
}
