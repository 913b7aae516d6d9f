//! Early abort on a pattern never stops a string the validator would accept: a property test of
//! the guard ([`crate::lenient::guard`]) against the validator's [`Pattern`], with accepted strings
//! sampled from each pattern. It lives here, above the guard's layer, because the sampler does.

use crate::lenient::guard::tests::{patterned, verdict};
use crate::lenient::guard::{Guard, Plan};
use crate::lenient::incremental::{Incremental, Progress};
use crate::schema::Pattern;

/// A small deterministic generator for the property test (no dependency).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn string(&mut self, alphabet: &[char], max: usize) -> String {
        let n = self.below(max + 1);
        (0..n)
            .map(|_| alphabet[self.below(alphabet.len())])
            .collect()
    }
}

/// For random strings, the guard stops only what the validator rejects with every tried
/// continuation; and it never stops a string the validator accepts (samples generated from
/// each pattern, and random ones that happen to match), however the string is cut.
#[test]
fn a_pattern_stop_is_never_wrong() {
    let patterns = [
        "^ORD-[0-9]{6}$",
        "^[A-Z]{2,3}-\\d+$",
        "(?i)^ab|^cd",
        "^a.c",
        "^[a-c]*d$",
        "^\\w+@\\w+\\.com$",
        "^é[à-ÿ]{2}$",
        "^(foo|bar)+$",
        "^x{2,4}y?$",
        "^$",
        "^(a|ab)(c|bcd)$",
        "^[^-]+-[^-]+$",
    ];
    let alphabet: Vec<char> = "ORD-0123456789ABCabcdefoxyz@.comé àÿ\n_😀"
        .chars()
        .collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for pattern in patterns {
        let validator = Pattern::compile(pattern).unwrap();
        let plan = Plan::new(&patterned(pattern));
        assert_eq!(plan.patterns_followed(), 1, "{pattern}");
        let hir = regex_syntax::parse(&jsonschema_regex::to_rust_regex(pattern).unwrap()).unwrap();
        let mut accepted: Vec<String> = super::sample::candidates(&hir, 40)
            .into_iter()
            .filter(|s| validator.is_match(s))
            .collect();
        assert!(!accepted.is_empty(), "{pattern}");
        // And what some of them make joined, or with a random tail, where it still matches.
        let few: Vec<String> = accepted.iter().take(20).cloned().collect();
        for a in &few {
            let joined = few.iter().map(|b| format!("{a}{b}"));
            let tails = (0..20).map(|_| format!("{a}{}", rng.string(&alphabet, 6)));
            accepted.extend(joined.chain(tails).filter(|s| validator.is_match(s)));
        }
        let mut stops = 0;
        for _ in 0..400 {
            let s = rng.string(&alphabet, 12);
            if validator.is_match(&s) {
                accepted.push(s);
                continue;
            }
            let json = format!(r#"{{"s": {}}}"#, serde_json::to_string(&s).unwrap());
            let Some(stopped) = stopped_at(&plan, &s) else {
                continue;
            };
            stops += 1;
            // `s` cut after the character the guard stopped at: no continuation matches.
            let prefix = &s[..stopped];
            assert!(!validator.is_match(prefix), "{pattern}: {prefix:?}");
            for _ in 0..20 {
                let more = format!("{prefix}{}", rng.string(&alphabet, 8));
                assert!(!validator.is_match(&more), "{pattern}: {more:?}");
            }
            for accepted in accepted.iter().take(50) {
                let more = format!("{prefix}{accepted}");
                assert!(!validator.is_match(&more), "{pattern}: {more:?}");
            }
            // Cut anywhere, the JSON stops the same way.
            let whole = verdict(&plan, &json, &[]);
            assert!(whole.is_some(), "{pattern}: {json}");
            let at = 1 + rng.below(json.len() - 1);
            if json.is_char_boundary(at) {
                assert_eq!(verdict(&plan, &json, &[at]), whole, "{json} at {at}");
            }
        }
        assert!(stops > 0, "{pattern}: no stop tried");
        for s in &accepted {
            let json = format!(r#"{{"s": {}}}"#, serde_json::to_string(s).unwrap());
            let bounds: Vec<usize> = (1..json.len())
                .filter(|&i| json.is_char_boundary(i))
                .collect();
            assert_eq!(verdict(&plan, &json, &[]), None, "{pattern}: {s:?}");
            assert_eq!(verdict(&plan, &json, &bounds), None, "{pattern}: {s:?}");
        }
    }
}

/// Where the guard stops the string `s` (as the member `s`), fed a character at a time: the
/// byte length of the prefix it stopped at.
fn stopped_at(plan: &Plan, s: &str) -> Option<usize> {
    let mut guard = Guard::new(plan);
    let mut reader = Incremental::new();
    reader.feed(r#"{"s": ""#, &mut guard);
    for (at, c) in s.char_indices() {
        let mut buffer = [0; 4];
        let piece = serde_json::to_string(c.encode_utf8(&mut buffer)).unwrap();
        if let Progress::Stopped(_) = reader.feed(&piece[1..piece.len() - 1], &mut guard) {
            return Some(at + c.len_utf8());
        }
    }
    None
}
