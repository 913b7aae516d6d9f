//! Budget steering: it changes nothing while the budget leaves room, closes every value in time
//! when the type's shortest value fits, ends runaway arrays at an item the model finished, and
//! records what it forced.

mod support;

use outlines::Structured;
use outlines::backend::ForcedKind;
use outlines_guide::{Constraint, Guide, Mask, Vocabulary};
use support::{Rng, cases};

/// A sampler like the local engine's: before each mask it lets the constraint take tokens back
/// ([`Constraint::rewind`]) and drops them too; `pick` chooses among the allowed tokens. Stops when
/// the constraint finishes or `cap` tokens are out.
fn sample(
    mut constraint: Constraint,
    cap: usize,
    mut pick: impl FnMut(&Mask, &Constraint) -> u32,
) -> Constraint {
    let eos = constraint.guide().vocabulary().eos();
    let mut out: Vec<u32> = Vec::new();
    let mut steps = 0;
    while !constraint.is_finished() && out.len() < cap {
        steps += 1;
        assert!(steps < 20 * cap + 100, "no progress: {constraint:?}");
        if let Some(back) = constraint.rewind().unwrap() {
            out.truncate(out.len() - back);
        }
        let mask = constraint.mask().unwrap();
        let token = pick(&mask, &constraint);
        constraint.advance(token).unwrap();
        if token == eos {
            break;
        }
        out.push(token);
        assert_eq!(out, constraint.tokens());
    }
    constraint
}

/// The random model of the soundness walks: uniform among the allowed tokens, but one step in
/// three (every step past `soft` tokens) it prefers to end: EOS, then a closing token, then a
/// shortest token. It ends its values by itself.
fn ending_model(
    vocab: &Vocabulary,
    seed: u64,
    soft: usize,
) -> impl FnMut(&Mask, &Constraint) -> u32 {
    let closers: Vec<u32> = ["\"", "}", "]", "}}", "\"}"]
        .iter()
        .flat_map(|c| vocab.tokenize(c))
        .collect();
    let vocab = vocab.clone();
    let mut rng = Rng(seed);
    move |mask, constraint| {
        let allowed = mask.tokens();
        let closing = constraint.tokens().len() >= soft || rng.below(3) == 0;
        if !closing {
            allowed[rng.below(allowed.len())]
        } else if mask.allows(vocab.eos()) {
            vocab.eos()
        } else if let Some(&c) = closers.iter().find(|&&c| mask.allows(c)) {
            c
        } else {
            let len = |t: &u32| vocab.token_bytes(*t).len();
            let shortest = allowed.iter().map(len).min().unwrap_or(0);
            let short: Vec<u32> = allowed.into_iter().filter(|t| len(t) == shortest).collect();
            short[rng.below(short.len())]
        }
    }
}

/// A model that takes any allowed token, uniformly: it never means to end.
fn uniform(seed: u64) -> impl FnMut(&Mask, &Constraint) -> u32 {
    let mut rng = Rng(seed);
    move |mask, _| {
        let allowed = mask.tokens();
        allowed[rng.below(allowed.len())]
    }
}

#[test]
fn steering_changes_nothing_while_the_budget_leaves_room() {
    let vocab = Vocabulary::o200k().unwrap();
    let mut compared = 0;
    for case in cases() {
        let guide = (case.guide)(&vocab).unwrap();
        for seed in 0..6 {
            let free = sample(guide.constraint(), 400, ending_model(&vocab, seed, 48));
            if !free.is_finished() {
                continue; // a walk that wandered off: nothing to compare
            }
            let room = 4 * free.tokens().len() + 256;
            let steered = sample(
                guide.constraint_within(room),
                room,
                ending_model(&vocab, seed, 48),
            );
            assert_eq!(steered.text(), free.text(), "{} seed {seed}", case.name);
            assert!(
                steered.forced().is_empty(),
                "{}: {}",
                case.name,
                steered.forced()
            );
            compared += 1;
        }
    }
    eprintln!("{compared} walks compared, each the same text with the budget as without");
    assert!(compared >= 100, "only {compared} walks to compare");
}

#[test]
fn a_tight_budget_closes_the_value_whenever_its_shortest_value_fits() {
    let vocab = Vocabulary::o200k().unwrap();
    let mut failures = Vec::new();
    let mut runs = 0;
    for case in cases() {
        let guide = (case.guide)(&vocab).unwrap();
        // No budget at all: the steering writes the shortest value it knows, token by token.
        let shortest = sample(guide.constraint_within(0), 4096, |mask, _| mask.tokens()[0]);
        assert!(shortest.is_finished(), "{}: {shortest:?}", case.name);
        case.sound(&shortest.text())
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let n = shortest.tokens().len();
        for extra in [0, 1, 2, 3, 5, 8, 13, 21, 34] {
            for seed in 0..3 {
                runs += 1;
                let budget = n + extra;
                let mut done = sample(guide.constraint_within(budget), budget, uniform(seed));
                let text = done.text();
                if !done.is_complete() {
                    failures.push(format!(
                        "{} budget {budget} seed {seed}: {text:?}",
                        case.name
                    ));
                } else if let Err(e) = case.sound(&text) {
                    failures.push(format!("{} budget {budget}: {text:?}: {e}", case.name));
                }
            }
        }
    }
    eprintln!("{runs} budgeted walks from each type's shortest value up");
    assert!(
        failures.is_empty(),
        "{} of {runs}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The types of the look-ahead's first failure: one string rule each, beside a name and an age.
#[derive(Debug, Structured)]
#[allow(dead_code)]
struct EmailPattern {
    #[outline(min = 1, max = 80)]
    name: String,
    #[outline(min = 0, max = 120)]
    age: u8,
    #[outline(pattern = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")]
    email: String,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct EmailFormat {
    #[outline(min = 1, max = 80)]
    name: String,
    #[outline(min = 0, max = 120)]
    age: u8,
    #[outline(format = "email")]
    email: String,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Phone {
    #[outline(min = 1, max = 80)]
    name: String,
    #[outline(min = 0, max = 120)]
    age: u8,
    #[outline(pattern = r"^\+?[0-9 ()-]{6,20}$")]
    phone: String,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Plain {
    #[outline(min = 1, max = 80)]
    name: String,
    #[outline(min = 0, max = 120)]
    age: u8,
    note: String,
}

/// The reproduction from issue 11: a "model" that takes the token `7` wherever it may, and
/// otherwise the first token allowed. The look-ahead found no ending for the email pattern (its
/// fixed set of filler characters never wrote a dot and two letters), and then narrowed every
/// field to closing tokens from the first token: names came out as one character.
#[test]
fn the_look_ahead_ends_every_pattern_and_leaves_the_other_fields_alone() {
    fn run<T: Structured>(vocab: &Vocabulary, budget: usize) -> (Constraint, T) {
        let seven = vocab.tokenize("7")[0];
        let guide = Guide::laid_out::<T>(vocab, outlines_guide::Layout::Spaced).unwrap();
        let mut done = sample(guide.constraint_within(budget), budget, |mask, _| {
            if mask.allows(seven) {
                seven
            } else {
                mask.tokens()[0]
            }
        });
        assert!(done.is_complete(), "{budget}: {done:?}");
        assert!(done.tokens().len() <= budget);
        let value = T::from_json(&done.text()).unwrap_or_else(|d| panic!("{d}: {done:?}"));
        (done, value)
    }
    let vocab = Vocabulary::o200k().unwrap();
    let sevens = "7".repeat(80);
    for budget in [40, 400] {
        let (done, value) = run::<EmailPattern>(&vocab, budget);
        let forced = done.forced();
        if budget == 400 {
            // The model's own name and age, untouched; only the email, which it would never end,
            // was ended by the budget.
            assert_eq!((value.name.as_str(), value.age), (sevens.as_str(), 77));
            assert!(
                forced.edits.iter().all(|e| e.path.to_string() == "email"),
                "{forced}"
            );
        }
        assert!(!forced.is_empty());
        let (_, value) = run::<EmailFormat>(&vocab, budget);
        if budget == 400 {
            assert_eq!((value.name.as_str(), value.age), (sevens.as_str(), 77));
        }
        let (done, value) = run::<Phone>(&vocab, budget);
        // Sevens are a phone number: the model ends it at 20 characters by itself.
        if budget == 400 {
            assert_eq!(value.phone, "7".repeat(20));
            assert!(done.forced().is_empty(), "{}", done.forced());
        }
        let (done, value) = run::<Plain>(&vocab, budget);
        if budget == 400 {
            assert_eq!((value.name.as_str(), value.age), (sevens.as_str(), 77));
            let forced = done.forced();
            assert_eq!(forced.edits.len(), 1, "{forced}");
            assert_eq!(forced.edits[0].kind, ForcedKind::Cut);
            assert_eq!(forced.edits[0].path.to_string(), "note");
        }
    }
}

/// An item of a model that writes invoice lines until it is stopped.
fn line(i: usize) -> String {
    format!(
        r#"{{"sku":"ABC-{i:04}","description":"Box of screws, size {i}","quantity":{i},"tags":[]}}"#
    )
}

/// A model that wants to write `text` (it takes the longest allowed token that does), and once
/// the constraint has moved off it, ends what it can: the end of the text, else a closing token,
/// else the first token allowed.
fn scripted(text: String) -> impl FnMut(&Mask, &Constraint) -> u32 {
    move |mask, constraint| {
        let vocab = constraint.guide().vocabulary();
        let written = constraint.text();
        let closers = ["\"", "}", "]"].map(|c| vocab.tokenize(c)[0]);
        text.strip_prefix(written.as_str())
            .and_then(|rest| {
                mask.tokens()
                    .into_iter()
                    .filter(|&t| rest.as_bytes().starts_with(&vocab.token_bytes(t)))
                    .max_by_key(|&t| vocab.token_bytes(t).len())
            })
            .or_else(|| {
                [vocab.eos()]
                    .into_iter()
                    .chain(closers)
                    .find(|&t| mask.allows(t))
            })
            .unwrap_or_else(|| mask.tokens()[0])
    }
}

#[test]
fn a_runaway_list_ends_at_the_last_item_the_model_finished() {
    use support::types::Invoice;
    let vocab = Vocabulary::o200k().unwrap();
    let guide = Guide::of::<Invoice>(&vocab).unwrap();
    let items: Vec<String> = (1..=200).map(line).collect();
    let text = format!(
        r#"{{"number":"INV-2024-001","issued":"2024-05-01","items":[{}"#,
        items.join(",")
    );
    let budget = 150;
    let mut done = sample(
        guide.constraint_within(budget),
        budget,
        scripted(text.clone()),
    );
    assert!(done.is_complete(), "{done:?}");
    let written = done.text();
    let invoice = Invoice::from_json(&written).unwrap_or_else(|d| panic!("{d}: {written}"));
    let kept = invoice.items.len();
    assert!(kept >= 2, "{written}");
    // Exactly the model's items, none completed with filler.
    let prefix = format!(
        r#"{{"number":"INV-2024-001","issued":"2024-05-01","items":[{}]"#,
        items[..kept].join(",")
    );
    assert!(written.starts_with(&prefix), "{written}");
    let forced = done.forced();
    assert_eq!(forced.edits[0].kind, ForcedKind::Dropped, "{forced}");
    assert_eq!(forced.edits[0].path.to_string(), format!("items[{kept}]"));
    // The fields after the list had room: nothing was written by the steering.
    assert!(forced.altered().next().is_none(), "{forced}: {written}");
}

#[test]
fn an_item_repeated_verbatim_ends_its_list_before_the_repeat() {
    use support::types::Invoice;
    let vocab = Vocabulary::o200k().unwrap();
    let guide = Guide::of::<Invoice>(&vocab).unwrap();
    let text = format!(
        r#"{{"number":"INV-2024-001","issued":"2024-05-01","items":[{},{}"#,
        line(1),
        vec![line(2); 50].join(",")
    );
    let mut done = sample(guide.constraint_within(1000), 1000, scripted(text));
    assert!(done.is_complete(), "{done:?}");
    let written = done.text();
    let invoice = Invoice::from_json(&written).unwrap_or_else(|d| panic!("{d}: {written}"));
    assert_eq!(invoice.items.len(), 2, "{written}");
    let forced = done.forced();
    assert_eq!(forced.edits.len(), 1, "{forced}");
    assert_eq!(forced.edits[0].kind, ForcedKind::Repeated);
    assert_eq!(forced.edits[0].path.to_string(), "items[2]");
}

/// A value whose shortest ending is beyond the look-ahead's bounds (two thousand characters at
/// least).
#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Long {
    #[outline(min = 2000)]
    text: String,
}

/// Where the look-ahead finds no ending, the budget steers nothing (it does not narrow "just in
/// case"), and records nothing.
#[test]
fn without_an_ending_the_budget_steers_nothing() {
    let vocab = Vocabulary::o200k().unwrap();
    let guide = Guide::of::<Long>(&vocab).unwrap();
    let mut budgeted = guide.constraint_within(30);
    let mut free = guide.constraint();
    let a = vocab.tokenize("a")[0];
    for _ in 0..40 {
        let mask = budgeted.mask().unwrap();
        assert_eq!(mask.tokens(), free.mask().unwrap().tokens());
        let token = if mask.allows(a) { a } else { mask.tokens()[0] };
        budgeted.advance(token).unwrap();
        free.advance(token).unwrap();
    }
    assert!(budgeted.forced().is_empty(), "{}", budgeted.forced());
}
