//! The guide against the validator, over 26 types and both tiktoken vocabularies.
//!
//! Soundness: random walks that take any token the mask allows (preferring closers now and then, to
//! keep values short) end in text `T::from_json` accepts; the only errors allowed are those of rules
//! the grammar leaves to the validator (`unique`). Completeness: every text a walk produced with one
//! vocabulary is allowed token by token with the other (the grammar is the same over bytes), and so
//! are hand-written valid values.

mod support;

use outlines::Structured;
use outlines_guide::{Constraint, Coverage, Enforcement, Guide, GuideError, Vocabulary};
use support::types::*;
use support::walk::{walk, writable};
use support::{Rng, cases, vocabularies};

/// What a walk prefers when it closes a value.
const CLOSERS: &[&str] = &["\"", "}", "]", "}}", "\"}"];

#[test]
fn random_walks_end_in_valid_values_and_cross_vocabularies() {
    const WALKS: u64 = 12;
    let vocabs = vocabularies();
    let mut failures = Vec::new();
    let mut done = 0;
    let mut gave_up = 0;
    let mut texts: Vec<(usize, usize, String)> = Vec::new();
    for (c, case) in cases().iter().enumerate() {
        for (v, vocab) in vocabs.iter().enumerate() {
            let guide = (case.guide)(vocab).unwrap_or_else(|e| panic!("{}: {e}", case.name));
            for seed in 0..WALKS {
                match walk(guide.constraint(), vocab, CLOSERS, seed, 48) {
                    None => gave_up += 1,
                    Some(text) => {
                        done += 1;
                        if let Err(errors) = case.sound(&text) {
                            failures.push(format!("{} seed {seed}: {text:?}\n{errors}", case.name));
                        }
                        texts.push((c, v, text));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    let total = done + gave_up;
    eprintln!("{done} of {total} walks completed a value, all valid");
    assert!(
        done * 10 >= total * 8,
        "only {done} of {total} walks completed a value"
    );

    // What one vocabulary let through, the other allows too.
    let cases = cases();
    for (c, v, text) in texts {
        let other = &vocabs[1 - v];
        let guide = (cases[c].guide)(other).expect("a guide");
        if let Err(why) = writable(&guide, other, &text) {
            panic!("{} with {}: {text:?}: {why}", cases[c].name, other.name());
        }
    }
}

#[test]
fn valid_values_are_allowed_token_by_token() {
    let samples: &[(&str, &str)] = &[
        (
            "Person",
            r#"{"name":"John Smith","age":25,"email":"john@x.io","role":"admin"}"#,
        ),
        ("Person", r#"{"name":"Ann","age":0,"role":"user"}"#),
        (
            "Numbers",
            r#"{"level":10,"offset":-5000,"ratio":-1.5,"percent":99,"step":-15,"width":8,"positive":0.001,"any_i64":-9007199254740993,"any_u64":18446744073709551,"f32v":3.5}"#,
        ),
        (
            "Formats",
            r#"{"email":"a.b@example.com","uuid":"123e4567-e89b-12d3-a456-426614174000","date":"2024-02-29","date_time":"2024-02-29T23:59:59+01:00","time":"09:30:00Z","uri":"https://example.com/a?b=c","ipv4":"192.168.0.1","ipv6":"::1","hostname":"a-b.example"}"#,
        ),
        (
            "Order",
            r#"{"id":7,"ship_to":{"street":"Main St 1","zip":"12345"},"items":[{"sku":"A-1","qty":2,"price":9.99}],"tags":["new"],"counts":{"a":1},"paid":true}"#,
        ),
        (
            "Enums",
            r#"{"shape":{"circle":{"radius":2.5}},"event":{"type":"key","key":"k"},"message":{"t":"Move","c":{"dx":-3}},"id":{"a":1,"b":2},"role":"user","documented":"Second"}"#,
        ),
        (
            "Tree",
            r#"{"value":1,"children":[{"value":2,"children":[]}]}"#,
        ),
        (
            "Forest",
            r#"{"root":{"label":"a","next":{"label":"b","next":null}}}"#,
        ),
        ("Nest", r#"{"lists":[[],[[],[[]]]]}"#),
        ("Lists", "[[[]],[]]"),
        (
            "Tuples",
            r#"{"pair":[3,false],"point":[1.5,-2.0],"fixed":[1,2]}"#,
        ),
        (
            "Anything",
            r#"{"v":{"k":[1,"two",null,true,{"x":-2.5}]},"unit":null}"#,
        ),
        (
            "Small",
            r#"{"name":"Zoë","age":120,"score":-10.5,"role":"admin","tags":["ab","c"],"born":"2000-01-31"}"#,
        ),
    ];
    let cases = cases();
    for vocab in vocabularies() {
        for (name, text) in samples {
            let case = cases.iter().find(|c| c.name == *name).expect("a case");
            (case.validate)(text)
                .unwrap_or_else(|e| panic!("{name}: the sample is invalid: {}", e.1));
            let guide = (case.guide)(&vocab).expect("a guide");
            if let Err(why) = writable(&guide, &vocab, text) {
                panic!("{name} with {}: {text:?}: {why}", vocab.name());
            }
        }
    }
}

#[test]
fn ranges_of_the_rust_type_itself_are_enforced() {
    /// `u8` alone: at most 255.
    #[derive(Debug, Structured)]
    #[allow(dead_code)] // only validated
    struct Byte {
        b: u8,
    }
    let vocab = Vocabulary::o200k().unwrap();
    let guide = Guide::of::<Byte>(&vocab).unwrap();
    assert!(writable(&guide, &vocab, r#"{"b":255}"#).is_ok());
    for bad in [
        r#"{"b":256}"#,
        r#"{"b":-1}"#,
        r#"{"b":1.5}"#,
        r#"{"b": 1}"#,
        r#"{"b":1,"c":2}"#,
    ] {
        assert!(writable(&guide, &vocab, bad).is_err(), "{bad} got through");
    }
}

#[test]
fn a_refused_token_leaves_the_constraint_usable_and_rollback_undoes() {
    let vocab = Vocabulary::o200k().unwrap();
    let mut constraint = Guide::of::<Person>(&vocab).unwrap().constraint();
    let bracket = vocab.tokenize("[")[0];
    let error = constraint.advance(bracket).unwrap_err();
    assert!(matches!(error, GuideError::Refused { .. }), "{error}");
    for token in vocab.tokenize(r#"{"name":"Jo","age":"#) {
        constraint.advance(token).unwrap();
    }
    let before = constraint.mask().unwrap().count();
    let taken = constraint.tokens().len();
    constraint.advance(vocab.tokenize("4")[0]).unwrap();
    constraint.rollback(1).unwrap();
    assert_eq!(constraint.tokens().len(), taken);
    assert_eq!(constraint.mask().unwrap().count(), before);
    assert!(matches!(
        constraint.rollback(taken + 1),
        Err(GuideError::Rollback { .. })
    ));
    // EOS only where the value is complete; after it, nothing.
    assert!(!constraint.mask().unwrap().allows(vocab.eos()));
    for token in vocab.tokenize(r#"4,"role":"user"}"#) {
        constraint.advance(token).unwrap();
    }
    assert!(constraint.is_complete() && constraint.is_finished());
    assert_eq!(constraint.mask().unwrap().tokens(), [vocab.eos()]);
    constraint.advance(vocab.eos()).unwrap();
    assert!(constraint.advance(vocab.eos()).is_err());
    assert_eq!(constraint.text(), r#"{"name":"Jo","age":4,"role":"user"}"#);
    constraint.rollback(2).unwrap();
    assert_eq!(constraint.text(), r#"{"name":"Jo","age":4,"role":"user"#);
    assert!(!constraint.is_finished());

    // Where the value could go on (`12` could be `123`), the end-of-sequence token is the grammar's
    // too: taking it back lets the value go on.
    let mut constraint = Guide::of::<u32>(&vocab).unwrap().constraint();
    constraint.advance(vocab.tokenize("12")[0]).unwrap();
    assert!(constraint.is_complete() && !constraint.is_finished());
    assert!(constraint.mask().unwrap().allows(vocab.eos()));
    constraint.advance(vocab.eos()).unwrap();
    assert!(constraint.is_finished());
    constraint.rollback(1).unwrap();
    constraint.advance(vocab.tokenize("3")[0]).unwrap();
    assert_eq!(constraint.text(), "123");
}

#[test]
fn masks_apply_to_logits_padded_past_the_vocabulary() {
    let vocab = Vocabulary::cl100k().unwrap();
    let mut constraint = Guide::of::<Person>(&vocab).unwrap().constraint();
    let mask = constraint.mask().unwrap();
    let mut logits = vec![1.0_f32; vocab.len() + 64];
    mask.apply(&mut logits);
    let kept: Vec<u32> = (0..logits.len() as u32)
        .filter(|&t| logits[t as usize].is_finite())
        .collect();
    assert_eq!(kept, mask.tokens());
    assert!(kept.iter().all(|&t| vocab.token_bytes(t).starts_with(b"{")));
}

/// Sensor readings: an unbounded array, the shape on which llama.cpp's own JSON-schema constraint
/// let a small model repeat items until its token budget ran out.
#[derive(Debug, Structured)]
struct Readings {
    values: Vec<u8>,
}

/// A sampler stuck in a loop: it always prefers one more item to closing the array.
fn runaway(mut constraint: Constraint, vocab: &Vocabulary, max_tokens: usize) -> Constraint {
    let preferred: Vec<u32> = ["1", ",", "]", "}"]
        .iter()
        .map(|t| vocab.tokenize(t)[0])
        .chain([vocab.eos()])
        .collect();
    while !constraint.is_finished() && constraint.tokens().len() < max_tokens {
        let mask = constraint.mask().unwrap();
        let token = preferred
            .iter()
            .copied()
            .find(|&t| mask.allows(t))
            .unwrap_or(mask.tokens()[0]);
        constraint.advance(token).unwrap();
    }
    constraint
}

#[test]
fn a_budget_ends_an_array_that_would_run_away() {
    const BUDGET: usize = 400;
    let vocab = Vocabulary::o200k().unwrap();
    let guide = Guide::of::<Readings>(&vocab).unwrap();
    let unbounded = runaway(guide.constraint(), &vocab, BUDGET);
    assert!(
        !unbounded.is_finished(),
        "without a budget the loop never closes"
    );

    let bounded = runaway(guide.constraint_within(BUDGET), &vocab, BUDGET);
    assert!(bounded.is_finished(), "{}", bounded.text());
    assert!(bounded.tokens().len() <= BUDGET);
    let readings = Readings::from_json(&bounded.text()).unwrap();
    assert!(
        readings.values.len() > 50,
        "the budget was used, not cut short"
    );
}

#[test]
fn a_budget_finishes_most_random_walks_that_would_overrun_it() {
    const BUDGET: usize = 96;
    let vocab = Vocabulary::o200k().unwrap();
    let mut failures = Vec::new();
    // Walks of a "model" that picks uniformly among the allowed tokens: without a budget, and with.
    let mut finished = [0, 0];
    let mut total = 0;
    for case in cases() {
        let guide = (case.guide)(&vocab).unwrap();
        for seed in 0..8 {
            total += 1;
            for (with_budget, count) in finished.iter_mut().enumerate() {
                let mut rng = Rng(seed);
                let mut constraint = if with_budget == 1 {
                    guide.constraint_within(BUDGET)
                } else {
                    guide.constraint()
                };
                while !constraint.is_finished() && constraint.tokens().len() < BUDGET {
                    let allowed = constraint.mask().unwrap().tokens();
                    constraint
                        .advance(allowed[rng.below(allowed.len())])
                        .unwrap();
                }
                if constraint.is_complete() {
                    *count += 1;
                    if let Err(errors) = case.sound(&constraint.text()) {
                        failures.push(format!("{}: {:?}\n{errors}", case.name, constraint.text()));
                    }
                }
            }
        }
    }
    let [without, with] = finished;
    eprintln!(
        "uniform random walks complete within {BUDGET} tokens: {without} of {total} without a budget, {with} with"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(with > without, "the budget made no difference");
    assert!(with * 10 >= total * 9, "{with} of {total}");
}

#[test]
fn the_spaced_layout_is_sound_and_spaced() {
    let vocab = Vocabulary::o200k().unwrap();
    let mut failures = Vec::new();
    let (mut done, mut total, mut budgeted) = (0, 0, 0);
    for case in cases() {
        let guide = (case.spaced)(&vocab).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        for seed in 0..4 {
            total += 1;
            if let Some(text) = walk(guide.constraint(), &vocab, CLOSERS, seed, 48) {
                done += 1;
                if let Err(errors) = case.sound(&text) {
                    failures.push(format!("{} seed {seed}: {text:?}\n{errors}", case.name));
                }
                if let Err(why) = spaced(&text) {
                    failures.push(format!("{} seed {seed}: {text:?}: {why}", case.name));
                }
            }
            let mut rng = Rng(seed);
            let mut constraint = guide.constraint_within(96);
            while !constraint.is_finished() && constraint.tokens().len() < 96 {
                let allowed = constraint.mask().unwrap().tokens();
                constraint
                    .advance(allowed[rng.below(allowed.len())])
                    .unwrap();
            }
            budgeted += usize::from(constraint.is_complete());
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    eprintln!(
        "spaced: {done} of {total} walks completed a value, all valid; {budgeted} of {total} within 96 tokens"
    );
    assert!(
        done * 10 >= total * 8,
        "only {done} of {total} walks completed a value"
    );
    assert!(
        budgeted * 10 >= total * 8,
        "only {budgeted} of {total} completed within 96 tokens"
    );
}

/// Whether `text` is laid out spaced: outside strings, each `,` and `:` is followed by one space,
/// and there is no other whitespace.
fn spaced(text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    let (mut in_string, mut escaped) = (false, false);
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b',' | b':' if bytes.get(i + 1) != Some(&b' ') => {
                return Err(format!("no space after the separator at byte {i}"));
            }
            b' ' if !matches!(i.checked_sub(1).map(|j| bytes[j]), Some(b',' | b':')) => {
                return Err(format!("a space not after a separator at byte {i}"));
            }
            b'\n' | b'\r' | b'\t' => return Err(format!("whitespace at byte {i}")),
            _ => {}
        }
    }
    Ok(())
}

#[test]
fn constraints_move_across_threads() {
    fn send<T: Send>(_: &T) {}
    let vocab = Vocabulary::o200k().unwrap();
    let constraint = Guide::of::<Small>(&vocab).unwrap().constraint();
    send(&constraint);
    let text =
        std::thread::spawn(move || walk(constraint, &vocab, CLOSERS, 7, 32).unwrap_or_default())
            .join()
            .unwrap();
    assert!(Small::from_json(&text).is_ok(), "{text}");
}

#[test]
fn gguf_style_vocabularies_decode_gpt2_bytes() {
    // A toy byte-level BPE vocabulary as a GGUF file stores it: control tokens, then single bytes
    // in GPT-2's encoding (`Ġ` is a space), then a few merges.
    let mut tokens: Vec<String> = vec!["<|endoftext|>".into(), "<|im_end|>".into()];
    let mut types = vec![3, 3];
    for b in b' '..=b'~' {
        let c = if b == b' ' { 'Ġ' } else { char::from(b) };
        tokens.push(c.to_string());
        types.push(1);
    }
    for merge in ["{\"", "\":", "ĠJo", "true"] {
        tokens.push(merge.into());
        types.push(1);
    }
    let vocab = Vocabulary::from_gpt2_tokens("toy", &tokens, &types, &[1, 0]).unwrap();
    assert_eq!(vocab.eos(), 1);
    assert_eq!(vocab.token_bytes(2), b" ");
    let guide = Guide::of::<Person>(&vocab).unwrap();
    let text = r#"{"name":" Jo","age":3,"role":"admin"}"#;
    assert!(writable(&guide, &vocab, text).is_ok());
    // Neither end-of-sequence token is allowed inside the value, and both may end it.
    let mut constraint = guide.constraint();
    for token in vocab.tokenize(&text[..text.len() - 1]) {
        constraint.advance(token).unwrap();
    }
    let mask = constraint.mask().unwrap();
    assert!(!mask.allows(0) && !mask.allows(1));
    let bad = Vocabulary::from_gpt2_tokens("bad", &["\u{3000}".into()], &[1], &[0]);
    assert!(matches!(bad, Err(GuideError::Vocabulary(_))));
}

/// A booking, with rules of every enforcement.
#[derive(Debug, Structured)]
#[outline(check = nights_match)]
#[allow(dead_code)] // only validated
struct Booking {
    #[outline(format = "date-time")]
    from: String,
    #[outline(min = 1, max = 30)]
    nights: u8,
    #[outline(unique, max = 4)]
    guests: Vec<String>,
    #[outline(validate = even)]
    room: u16,
    deposit: i64,
    rate: f32,
}

fn nights_match(_: &Booking) -> Result<(), String> {
    Ok(())
}

fn even(room: &u16) -> Result<(), String> {
    if room.is_multiple_of(2) {
        Ok(())
    } else {
        Err("odd rooms are closed".into())
    }
}

#[test]
fn a_fractional_multiple_below_zero_is_reported_as_left_to_the_validator() {
    /// Prices, and a fractional offset that may be negative.
    #[derive(Debug, Structured)]
    #[allow(dead_code)] // only reported on
    struct Steps {
        #[outline(min = 0, multiple_of = 0.25)]
        price: f64,
        #[outline(multiple_of = 0.25)]
        offset: f64,
        #[outline(multiple_of = 5)]
        round: i32,
    }
    let coverage = Coverage::of::<Steps>();
    let by = |path: &str| {
        coverage
            .rules
            .iter()
            .find(|c| c.rule.path == path && c.rule.text.starts_with("a multiple of"))
            .unwrap_or_else(|| panic!("{coverage}"))
            .by
    };
    assert_eq!(by("price"), Enforcement::Grammar);
    assert!(
        matches!(by("offset"), Enforcement::Validator(_)),
        "{coverage}"
    );
    assert_eq!(by("round"), Enforcement::Grammar);
    // And the grammar writes -0.5, which the fraction's own rule could not.
    let vocab = Vocabulary::o200k().unwrap();
    let guide = Guide::of::<Steps>(&vocab).unwrap();
    let text = r#"{"price":0.50,"offset":-0.5,"round":-5}"#;
    assert!(writable(&guide, &vocab, text).is_ok());
}

#[test]
fn coverage_lists_each_rule_with_who_enforces_it() {
    let coverage = Coverage::of::<Booking>();
    let by = |path: &str, text: &str| {
        coverage
            .rules
            .iter()
            .find(|c| c.rule.path == path && c.rule.text.contains(text))
            .unwrap_or_else(|| panic!("no rule {path}: {text}\n{coverage}"))
            .by
    };
    assert_eq!(by("nights", "integer from 1 to 30"), Enforcement::Grammar);
    assert_eq!(
        by("from", "date-time"),
        Enforcement::Stricter("no leap second")
    );
    assert_eq!(by("guests", "at most 4 items"), Enforcement::Grammar);
    assert!(matches!(
        by("guests", "no two items equal"),
        Enforcement::Validator(_)
    ));
    assert!(matches!(by("room", "even"), Enforcement::Validator(_)));
    assert!(matches!(by("$", "nights_match"), Enforcement::Validator(_)));
    assert!(matches!(
        by("deposit", "9223372036854775807"),
        Enforcement::Stricter(_)
    ));
    assert!(matches!(by("rate", "f32"), Enforcement::Stricter(_)));
    assert_eq!(coverage.post_checked().count(), 3);
    // Every test type: guaranteed rules, and the validator-only ones.
    for case in cases() {
        let coverage = (case.coverage)();
        let post: Vec<String> = coverage
            .post_checked()
            .map(|c| format!("{} {}", c.rule.path, c.rule.kind))
            .collect();
        assert!(coverage.guaranteed().count() > 0, "{}", case.name);
        eprintln!(
            "{}: {} guaranteed ({} stricter), validator only: {post:?}",
            case.name,
            coverage.guaranteed().count(),
            coverage
                .guaranteed()
                .filter(|c| matches!(c.by, Enforcement::Stricter(_)))
                .count(),
        );
    }
    let table = coverage.to_string();
    assert!(table.starts_with("Booking: "), "{table}");
    assert!(
        table.contains("| room | custom rule: even | **validator only**"),
        "{table}"
    );

    // What the validator alone checks is exactly what a guided walk can still get wrong.
    let vocab = Vocabulary::o200k().unwrap();
    let guide = Guide::of::<Booking>(&vocab).unwrap();
    let mut broken = std::collections::BTreeSet::new();
    for seed in 0..16 {
        if let Some(text) = walk(guide.constraint(), &vocab, CLOSERS, seed, 48) {
            if let Err(diagnostics) = Booking::from_json(&text) {
                broken.extend(diagnostics.errors().iter().map(|e| e.path().to_string()));
            }
        }
    }
    let post: std::collections::BTreeSet<String> = coverage
        .post_checked()
        .map(|c| c.rule.path.clone())
        .collect();
    assert!(!broken.is_empty(), "odd rooms come up at random");
    for path in &broken {
        let top = path.split(['.', '[']).next().unwrap_or(path);
        assert!(
            post.contains(top),
            "{path} broken, but not post-checked: {post:?}"
        );
    }
}
