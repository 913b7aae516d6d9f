//! Regex, choice and Lark guides on o200k, and the `Grammar` output's reading of replies.
//!
//! Soundness: random walks that take any token the mask allows end in text the `regex` crate
//! matches, that is one of the choices, that an independent parser of the grammar accepts.
//! Completeness: hand-written matching texts are allowed token by token; others are refused. Then
//! where `Grammar::read` says a reply stops matching, and hostile sources.

mod support;

use std::time::{Duration, Instant};

use outlines::backend::{Constraint as Wanted, Finish};
use outlines::diagnostics::ErrorKind;
use outlines::output::{Output, ReplyKind, SchemaInPrompt};
use outlines_guide::{
    Grammar, GrammarError, Guide, GuideError, MAX_DEFINITIONS, MAX_SOURCE_BYTES, SourceKind,
    Vocabulary,
};
use support::walk::{walk, writable};

const ARITHMETIC: &str = r#"
start: expr
expr: expr ("+" | "-") term | term
term: term ("*" | "/") factor | factor
factor: NUMBER | "(" expr ")"
NUMBER: /[0-9]+/
"#;

fn o200k() -> Vocabulary {
    Vocabulary::o200k().expect("o200k")
}

fn whole(pattern: &str) -> regex::Regex {
    regex::Regex::new(&format!(r"\A(?:{pattern})\z")).expect("a regex")
}

#[test]
fn regex_walks_match_the_regex_crate_and_texts_are_allowed_or_refused() {
    let vocab = o200k();
    // (pattern, matching texts, texts that do not match)
    let cases: &[(&str, &[&str], &[&str])] = &[
        (
            r"\(\d{3}\) \d{3}-\d{4}",
            &["(555) 123-4567", "(000) 000-0000"],
            &["555-123-4567", "(555) 123-45678", "(555)123-4567", ""],
        ),
        (
            r"[a-z]+@[a-z]+\.(com|org)",
            &["ann@example.com", "b@c.org"],
            &["ann@example.net", "@x.com", "Ann@x.com"],
        ),
        (
            r"yes|no|maybe",
            &["yes", "no", "maybe"],
            &["ye", "yess", "Yes"],
        ),
        (
            r"-?\d+(\.\d+)?",
            &["0", "-12.5", "3.14159"],
            &["1.", ".5", "--1"],
        ),
        (
            r"[A-Z][a-z]*( [A-Z][a-z]*){0,3}",
            &["Ada", "Ada Lovelace", "A B C D"],
            &["ada", "A B C D E", "Ada  Lovelace"],
        ),
        (
            r"^\w{2,5}$",
            &["ab", "héllo", "a_1"],
            &["a", "abcdef", "a b"],
        ),
        (r"(?i)hello", &["hello", "HeLLo"], &["hell", "hello!"]),
        (r"a+?b", &["ab", "aaab"], &["b", "aba"]),
        (
            r".{0,10}",
            &["", "any text", "0123456789"],
            &["0123456789a", "a\nb"],
        ),
        (r"é+|ü{2}", &["é", "ééé", "üü"], &["e", "ü", "éü"]),
    ];
    let mut walks = 0;
    let mut gave_up = 0;
    for (pattern, good, bad) in cases {
        let guide = Guide::from_regex(pattern, &vocab).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        assert!(!guide.is_json());
        assert_eq!(guide.source(), Some(*pattern));
        let check = whole(pattern);
        for text in *good {
            assert!(
                check.is_match(text),
                "{pattern} / {text:?}: the test is wrong"
            );
            assert!(
                writable(&guide, &vocab, text).is_ok(),
                "{pattern} refused {text:?}"
            );
        }
        for text in *bad {
            assert!(
                !check.is_match(text),
                "{pattern} / {text:?}: the test is wrong"
            );
            assert!(
                writable(&guide, &vocab, text).is_err(),
                "{pattern} allowed {text:?}"
            );
        }
        for seed in 0..40 {
            match walk(guide.constraint(), &vocab, &[")"], seed, 24) {
                Some(text) => {
                    walks += 1;
                    assert!(check.is_match(&text), "{pattern} walked to {text:?}");
                }
                None => gave_up += 1,
            }
        }
    }
    eprintln!("{walks} regex walks ended, all matching; {gave_up} gave up");
    assert!(gave_up * 10 <= walks, "{gave_up} walks gave up");
}

#[test]
fn choice_walks_end_in_a_choice_and_nothing_else_is_allowed() {
    let vocab = o200k();
    let sets: Vec<Vec<String>> = vec![
        vec!["positive".into(), "negative".into(), "neutral".into()],
        [
            "yes", "yes!", "no", "", "a\"b\\c", "été", "x\ny", "\u{7f}", "😀 ok",
        ]
        .map(String::from)
        .to_vec(),
        (0..5000).map(|i| format!("item-{i}")).collect(),
    ];
    for choices in &sets {
        let guide = Guide::from_choices(choices, &vocab).expect("a guide");
        for choice in choices.iter().take(50) {
            assert!(
                writable(&guide, &vocab, choice).is_ok(),
                "{choice:?} refused"
            );
        }
        for other in [
            "positiv",
            "neutral ",
            "yes!!",
            "item-5000",
            "no\n",
            "Positive",
        ] {
            if !choices.iter().any(|c| c == other) {
                assert!(
                    writable(&guide, &vocab, other).is_err(),
                    "{other:?} allowed"
                );
            }
        }
        for seed in 0..40 {
            let text = walk(guide.constraint(), &vocab, &[")"], seed, 16).expect("a choice ends");
            assert!(choices.contains(&text), "walked to {text:?}");
        }
    }
}

/// An independent parser of [`ARITHMETIC`] (spaces allowed between tokens when `spaces`).
fn arithmetic(text: &str, spaces: bool) -> bool {
    struct P<'a> {
        s: &'a [u8],
        i: usize,
        spaces: bool,
    }
    impl P<'_> {
        fn skip(&mut self) {
            while self.spaces && self.s.get(self.i) == Some(&b' ') {
                self.i += 1;
            }
        }
        fn eat(&mut self, c: u8) -> bool {
            self.skip();
            let hit = self.s.get(self.i) == Some(&c);
            self.i += usize::from(hit);
            hit
        }
        fn expr(&mut self) -> bool {
            self.term() && {
                while self.eat(b'+') || self.eat(b'-') {
                    if !self.term() {
                        return false;
                    }
                }
                true
            }
        }
        fn term(&mut self) -> bool {
            self.factor() && {
                while self.eat(b'*') || self.eat(b'/') {
                    if !self.factor() {
                        return false;
                    }
                }
                true
            }
        }
        fn factor(&mut self) -> bool {
            if self.eat(b'(') {
                return self.expr() && self.eat(b')');
            }
            self.skip();
            let start = self.i;
            while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
                self.i += 1;
            }
            self.i > start
        }
    }
    let mut p = P {
        s: text.as_bytes(),
        i: 0,
        spaces,
    };
    let ok = p.expr();
    p.skip();
    ok && p.i == text.len()
}

#[test]
fn grammar_walks_parse_and_read_back() {
    let vocab = o200k();
    let spaced = format!("{ARITHMETIC}%ignore \" \"\n");
    for (source, spaces) in [(ARITHMETIC, false), (spaced.as_str(), true)] {
        let guide = Guide::from_lark(source, &vocab).expect("a guide");
        let output = Grammar::lark(source).expect("a grammar");
        for text in ["1", "(1+2)*3", "((4))/5-6", "10*(2+3)*4"] {
            assert!(writable(&guide, &vocab, text).is_ok(), "{text:?} refused");
            assert_eq!(output.read(text, &Finish::Stop).as_deref(), Ok(text));
        }
        for text in ["", "1+", "(1", "1)", "a", "1++2", "()"] {
            assert!(writable(&guide, &vocab, text).is_err(), "{text:?} allowed");
            assert!(output.read(text, &Finish::Stop).is_err(), "{text:?} read");
        }
        let mut ended = 0;
        for seed in 0..60 {
            let Some(text) = walk(guide.constraint(), &vocab, &[")"], seed, 24) else {
                continue;
            };
            ended += 1;
            assert!(arithmetic(&text, spaces), "walked to {text:?}");
            if let Err(e) = output.read(&text, &Finish::Stop) {
                panic!("{text:?} read as {e:?}");
            }
        }
        assert!(ended >= 50, "only {ended} of 60 walks ended");
    }
}

#[test]
fn grammars_import_common_terminals_and_inline_json_schemas() {
    let grammar = Grammar::lark(
        "%import common.NUMBER\nstart: NUMBER \" \" flag\nflag: %json {\"type\": \"boolean\"}\n",
    )
    .expect("a grammar");
    assert_eq!(
        grammar.read("3.5 true", &Finish::Stop).as_deref(),
        Ok("3.5 true")
    );
    let errors = grammar.read("3.5 yes", &Finish::Stop).unwrap_err();
    assert_eq!(errors[0].location(), Some((1, 5)), "{errors:?}");
}

#[test]
fn a_text_guide_under_a_budget_is_not_steered() {
    let vocab = o200k();
    let guide = Guide::from_lark(ARITHMETIC, &vocab).expect("a guide");
    let mut constraint = guide.constraint_within(3);
    for token in vocab.tokenize("1+2+3+4") {
        assert!(constraint.rewind().expect("a rewind").is_none());
        assert!(constraint.mask().expect("a mask").allows(token));
        constraint.advance(token).expect("allowed");
    }
    assert!(constraint.forced().is_empty());
    assert_eq!(constraint.text(), "1+2+3+4");
}

fn invalid(error: GuideError) -> (SourceKind, String, Option<(usize, usize)>) {
    match error {
        GuideError::Invalid(GrammarError::Invalid {
            kind,
            message,
            location,
        }) => (kind, message, location),
        other => panic!("not an invalid source: {other}"),
    }
}

#[test]
fn bad_regexes_are_errors_naming_the_problem() {
    let vocab = o200k();
    let error = |pattern: &str| invalid(Guide::from_regex(pattern, &vocab).unwrap_err());
    let (kind, message, location) = error("(ab");
    assert_eq!(
        (kind, message.as_str(), location),
        (SourceKind::Regex, "unclosed group", Some((1, 1)))
    );
    let (_, message, location) = error("ab[c-");
    assert_eq!(
        (message.as_str(), location),
        ("unclosed character class", Some((1, 3)))
    );
    let (_, message, location) = error("a{2,1}");
    assert!(message.contains("invalid repetition"), "{message}");
    assert_eq!(location, Some((1, 2)));
    let (_, message, _) = error(r"\bword\b");
    assert!(message.contains("look-around"), "{message}");
    let (_, message, _) = error(r"(?m)^a$");
    assert!(message.contains("look-around"), "{message}");
    let (_, message, _) = error(&format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000)));
    assert!(message.contains("nest"), "{message}");
    let shown = Guide::from_regex("(ab", &vocab).unwrap_err().to_string();
    assert_eq!(shown, "invalid regex at line 1, column 1: unclosed group");
}

#[test]
fn bad_grammars_are_errors_with_line_and_column() {
    let error = |source: &str| match Grammar::lark(source).unwrap_err() {
        GrammarError::Invalid {
            kind,
            message,
            location,
        } => {
            assert_eq!(kind, SourceKind::Grammar);
            (message, location)
        }
        other => panic!("{other}"),
    };
    let (message, location) = error("start: expr\nexpr: \"a\" ::: x\n");
    assert!(message.contains("Expected"), "{message}");
    assert_eq!(location, Some((2, 11)));
    let (message, location) = error("start: expr\nexpr: missing\n");
    assert!(message.contains("unknown name: \"missing\""), "{message}");
    assert_eq!(location, Some((2, 7)));
    let (message, location) = error("start: /[a-/\n");
    assert!(message.contains("unclosed character class"), "{message}");
    assert_eq!(location, Some((1, 8)));
    let (message, _) = error("expr: \"a\"\n");
    assert!(message.contains("no start rule"), "{message}");
    let (message, _) = error("  \n ");
    assert_eq!(message, "the grammar is empty");
    let (message, _) = error("start: <|im_end|>\n");
    assert!(message.contains("im_end"), "{message}");
    let shown = Grammar::lark("start: expr\nexpr: missing\n")
        .unwrap_err()
        .to_string();
    assert!(
        shown.starts_with("invalid grammar at line 2, column 7: unknown name"),
        "{shown}"
    );
}

#[test]
fn bad_choice_lists_are_errors() {
    let vocab = o200k();
    let (kind, message, _) = invalid(Guide::from_choices(&[], &vocab).unwrap_err());
    assert_eq!(
        (kind, message.as_str()),
        (SourceKind::Choices, "there are no choices")
    );
    let huge = vec!["x".repeat(1024); 300];
    assert!(matches!(
        Guide::from_choices(&huge, &vocab),
        Err(GuideError::Invalid(GrammarError::TooLarge { .. }))
    ));
}

/// A chain of `n` rules, each referring to the next (short names: it fits the size limit).
fn chain(n: usize) -> String {
    let name = |mut i: usize| {
        let mut name = String::from("r");
        loop {
            name.push((b'a' + (i % 26) as u8) as char);
            i /= 26;
            if i == 0 {
                return name;
            }
        }
    };
    let mut source = format!("start: {}\n", name(0));
    for i in 0..n {
        source.push_str(&format!("{}: \"w\" {}\n", name(i), name(i + 1)));
    }
    source.push_str(&format!("{}: \"end\"\n", name(n)));
    source
}

#[test]
fn hostile_grammars_are_errors_or_bounded_never_a_crash() {
    // A chain of references as deep as the limit allows compiles, even from a thread with a
    // small stack (the compiler recurses once per level: 1,000 levels overflow 2 MiB).
    let deep = chain(MAX_DEFINITIONS - 2);
    let started = Instant::now();
    let compiled = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || Grammar::lark(&deep).map(|g| g.read("wwwend", &Finish::Stop).is_err()))
        .expect("a thread")
        .join()
        .expect("no panic");
    assert_eq!(compiled, Ok(true), "a 16k-rule chain reads");
    eprintln!(
        "a chain of {} rules: {:?}",
        MAX_DEFINITIONS - 2,
        started.elapsed()
    );
    // One more level is refused before the compiler sees it.
    let error = Grammar::lark(&chain(MAX_DEFINITIONS + 1)).unwrap_err();
    assert!(matches!(error, GrammarError::TooLarge { .. }), "{error}");
    // Too large.
    let big = format!("start: \"a\"\n// {}\n", "x".repeat(MAX_SOURCE_BYTES));
    let error = Grammar::lark(&big).unwrap_err();
    assert!(error.to_string().contains("too large"), "{error}");
    // Deep nesting.
    let nested = format!(
        "start: {}\"a\"{}\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let error = Grammar::lark(&nested).unwrap_err();
    assert!(error.to_string().contains("too deeply nested"), "{error}");
    // As many alternatives as fit the size limit: compiled or refused, in bounded time.
    let mut wide = String::from("start: ");
    let mut i = 0;
    while wide.len() < MAX_SOURCE_BYTES - 16 {
        wide.push_str(&format!("\"c{i}\" | "));
        i += 1;
    }
    wide.push_str("\"end\"\n");
    let started = Instant::now();
    let result = Grammar::lark(&wide).map(|g| g.read("c7", &Finish::Stop));
    eprintln!(
        "{i} alternatives: {:?} in {:?}",
        result.as_ref().map(|r| r.is_ok()),
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(60));
    // A huge repetition count compiles and reads lazily.
    let repeat = Grammar::lark("start: /x{99999999}/").expect("a grammar");
    let errors = repeat.read(&"x".repeat(1000), &Finish::Stop).unwrap_err();
    assert!(errors[0].message().contains("ends before"), "{errors:?}");
}

#[test]
fn an_ambiguous_grammar_is_read_in_bounded_time() {
    let ambiguous = Grammar::lark("start: x\nx: x x | \"a\"\n").expect("a grammar");
    assert!(ambiguous.read("aaaa", &Finish::Stop).is_ok());
    let started = Instant::now();
    let result = ambiguous.read(&"a".repeat(3000), &Finish::Stop);
    let took = started.elapsed();
    eprintln!("3,000 bytes of an ambiguous grammar: {took:?}: {result:?}");
    let errors = result.unwrap_err();
    assert!(
        errors[0].message().contains("could not be checked"),
        "{errors:?}"
    );
    assert!(took < Duration::from_secs(20), "{took:?}");
}

/// `(message, location, expected, got)` of the one violation reading `text` gives.
fn problem(
    grammar: &Grammar,
    text: &str,
    finish: Finish,
) -> (String, (usize, usize), String, Option<String>) {
    let errors = grammar.read(text, &finish).expect_err(text);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    (
        e.message().to_owned(),
        e.location().expect("a location"),
        e.expected().to_owned(),
        e.got().map(str::to_owned),
    )
}

/// A reply, then the message, location, expectation and excerpt of its one violation.
type Expected = (
    &'static str,
    &'static str,
    (usize, usize),
    &'static str,
    Option<&'static str>,
);

#[test]
fn read_says_where_a_reply_stops_matching_and_what_was_expected() {
    let arithmetic = Grammar::lark(ARITHMETIC).expect("a grammar");
    let stop = || Finish::Stop;
    let cases: &[Expected] = &[
        (
            "",
            "the text ends before the grammar does, at character 0",
            (1, 1),
            "`(` or a digit",
            None,
        ),
        (
            "1+",
            "the text ends before the grammar does, at character 2",
            (1, 3),
            "`(` or a digit",
            None,
        ),
        (
            "1+*2",
            "the text stops matching the grammar at character 2",
            (1, 3),
            "`(` or a digit",
            Some("\"*2\""),
        ),
        (
            "(1+2",
            "the text ends before the grammar does, at character 4",
            (1, 5),
            "`)`, `*`, `+`, `-`, `/` or a digit",
            None,
        ),
        (
            "12a+3",
            "the text stops matching the grammar at character 2",
            (1, 3),
            "`*`, `+`, `-`, `/`, a digit or the end of the text",
            Some("\"a+3\""),
        ),
        (
            "1+2)",
            "the text stops matching the grammar at character 3",
            (1, 4),
            "`*`, `+`, `-`, `/`, a digit or the end of the text",
            Some("\")\""),
        ),
        (
            "1 + 2",
            "the text stops matching the grammar at character 1",
            (1, 2),
            "`*`, `+`, `-`, `/`, a digit or the end of the text",
            Some("\" + 2\""),
        ),
        (
            "The answer is 42",
            "the text stops matching the grammar at character 0",
            (1, 1),
            "`(` or a digit",
            Some("\"The answer is 42\""),
        ),
    ];
    for (text, message, location, expected, got) in cases {
        let (m, l, e, g) = problem(&arithmetic, text, stop());
        assert_eq!(
            (m.as_str(), l, e.as_str(), g.as_deref()),
            (*message, *location, *expected, *got),
            "{text:?}"
        );
    }
    // Positions are in characters, with lines; what follows is quoted, shortened.
    let lines = Grammar::lark("start: line+\nline: /[a-zé]+/ \"\\n\"\n").expect("a grammar");
    let long = format!("abc\nde1{}\n", "x".repeat(40));
    let (message, location, expected, got) = problem(&lines, &long, stop());
    assert_eq!(
        message,
        "the text stops matching the grammar at character 6"
    );
    assert_eq!(location, (2, 3));
    assert_eq!(
        expected,
        "a line break, a lowercase letter or a non-ASCII character"
    );
    assert_eq!(
        got.as_deref(),
        Some(format!("\"1{}\"…", "x".repeat(23)).as_str())
    );
    let (message, location, ..) = problem(&lines, "éé\néa\nb", stop());
    assert_eq!(
        message,
        "the text ends before the grammar does, at character 7"
    );
    assert_eq!(location, (3, 2));
    // A character refused after its first byte is placed at its start.
    let accents = Grammar::lark("start: \"café\" | \"cafe\"").expect("a grammar");
    let (message, _, expected, got) = problem(&accents, "cafè", stop());
    assert_eq!(
        message,
        "the text stops matching the grammar at character 3"
    );
    assert_eq!(expected, "`e` or a non-ASCII character");
    assert_eq!(got.as_deref(), Some("\"è\""));
    // Anything but a few characters.
    let quoted = Grammar::lark("start: \"'\" /[^'\\n]*/ \"'\"").expect("a grammar");
    let (_, _, expected, _) = problem(&quoted, "'abc", stop());
    assert_eq!(expected, "any character but a line break");
    let line = Grammar::lark("start: /[^'\\n]*/").expect("a grammar");
    let (_, _, expected, _) = problem(&line, "ab'c", stop());
    assert_eq!(
        expected,
        "any character but `'` and a line break, or the end of the text"
    );
}

#[test]
fn read_takes_a_reply_as_it_is_or_trimmed_and_never_a_cut_one() {
    let arithmetic = Grammar::lark(ARITHMETIC).expect("a grammar");
    assert_eq!(
        arithmetic.read(" (1+2)\n", &Finish::Stop).as_deref(),
        Ok("(1+2)")
    );
    // The trimmed text's problem, placed in the text as given.
    let (message, location, ..) = problem(&arithmetic, "\n  1+x\n", Finish::Stop);
    assert_eq!(
        message,
        "the text stops matching the grammar at character 5"
    );
    assert_eq!(location, (2, 5));
    // Whitespace the grammar wants is kept.
    let lines = Grammar::lark("start: /[a-z]+/ \"\\n\"").expect("a grammar");
    assert_eq!(lines.read("abc\n", &Finish::Stop).as_deref(), Ok("abc\n"));
    // Cut at the token limit where the grammar goes on: not complete.
    let errors = arithmetic.read("1+2", &Finish::Length).unwrap_err();
    assert_eq!(errors[0].kind(), ErrorKind::Budget);
    assert!(errors[0].message().contains("cut off"), "{errors:?}");
    let errors = arithmetic.read("1+", &Finish::Length).unwrap_err();
    assert_eq!(errors[0].kind(), ErrorKind::Budget);
    // Where nothing could follow, the limit cut nothing.
    let yes_no = Grammar::lark("start: \"yes\" | \"no\"").expect("a grammar");
    assert_eq!(yes_no.read("yes", &Finish::Length).as_deref(), Ok("yes"));
    assert_eq!(yes_no.read("yes", &Finish::Stop).as_deref(), Ok("yes"));
    let prefix = Grammar::lark("start: \"yes\" | \"yes!\"").expect("a grammar");
    assert_eq!(prefix.read("yes", &Finish::Stop).as_deref(), Ok("yes"));
    assert!(prefix.read("yes", &Finish::Length).is_err());
}

#[test]
fn the_output_describes_itself_bounded_and_checks_its_examples() {
    let grammar = Grammar::lark(ARITHMETIC)
        .expect("a grammar")
        .with_examples(["1+2", "(3+4)*5"])
        .expect("matching examples");
    assert_eq!(grammar.name(), "grammar");
    assert_eq!(grammar.reply_kind(), ReplyKind::Text);
    assert_eq!(grammar.constraint(), Wanted::Grammar(ARITHMETIC.into()));
    assert_eq!(
        grammar.examples(),
        vec![serde_json::json!("1+2"), serde_json::json!("(3+4)*5")]
    );
    let described = grammar.describe();
    assert!(
        described.contains("factor: NUMBER | \"(\" expr \")\""),
        "{described}"
    );
    assert!(
        described.ends_with("Examples:\n1+2\n(3+4)*5"),
        "{described}"
    );
    let instructions = grammar.instructions(SchemaInPrompt::Describe);
    assert!(instructions.starts_with("Reply with text that this grammar matches"));
    assert!(instructions.contains(&described));
    assert!(format!("{grammar:?}").starts_with("Grammar { source: \""));
    assert_eq!(grammar.clone().source(), ARITHMETIC);

    let error = Grammar::lark(ARITHMETIC)
        .expect("a grammar")
        .with_examples(["1+2", "1+"])
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("example 1 does not match the grammar: $: the text ends"),
        "{error}"
    );

    // A long grammar and many long examples: bounded.
    let mut long = String::from("start: w0 | w1999");
    for i in 0..2000 {
        long.push_str(&format!("\nw{i}: \"word{i}\""));
    }
    let examples = vec!["word0"; 20];
    let grammar = Grammar::lark(&long)
        .expect("a grammar")
        .with_examples(examples)
        .expect("examples");
    let described = grammar.describe();
    assert!(described.chars().count() < 2_500, "{}", described.len());
    assert!(described.contains("more lines)"), "{described}");
    assert_eq!(described.matches("\nword0").count(), 5);
}
