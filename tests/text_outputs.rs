//! The text outputs — `Regex`, `Choice`, `Text` — on their own and through the generation loop and
//! batches with the Mock backend: where a reply stops matching and what was expected there, the
//! examples made from a pattern (checked against the `regex` crate over a family of patterns),
//! the rules of a choice, and hostile patterns.

use std::time::{Duration, Instant};

use outlines::backend::mock::Mock;
use outlines::backend::{Constraint, Finish, Response};
use outlines::output::{Choice, ChoiceError, Regex, RegexError, SchemaInPrompt, Text};
use outlines::prelude::*;
use outlines::{Batch, ErrorKind, Output, Violation};
use proptest::prelude::*;

fn run<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(future)
}

/// The one violation of a reply that does not match.
fn violation(output: &impl Output<Value = String>, reply: &str, finish: Finish) -> Violation {
    let mut errors = output.read(reply, &finish).expect_err(reply);
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors.remove(0)
}

// ---------------------------------------------------------------------------------------------------
// Regex: where a reply stops matching

/// Each case: pattern, reply, and the violation as it is shown in a repair turn.
const MISMATCHES: &[(&str, &str, &str)] = &[
    (
        r"\(\d{3}\) \d{3}-\d{4}",
        "(555) 12x-4567",
        r#"$: the reply stops matching the pattern after 8 characters ("(555) 12") (expected a digit, got "x-4567")"#,
    ),
    // Too long: the pattern could have ended there.
    (
        r"\(\d{3}\) \d{3}-\d{4}",
        "(555) 123-4567 ext. 89",
        r#"$: the reply stops matching the pattern after 14 characters ("(555) 123-4567") (expected the end of the reply, got " ext. 89")"#,
    ),
    // Too short.
    (
        r"\(\d{3}\) \d{3}-\d{4}",
        "(555) 123",
        r#"$: the reply ends too early, after 9 characters ("(555) 123") (expected "-")"#,
    ),
    (
        r"\(\d{3}\) \d{3}-\d{4}",
        "",
        r#"$: the reply is empty (expected "(")"#,
    ),
    (
        r"\(\d{3}\) \d{3}-\d{4}",
        "555-123-4567",
        r#"$: the reply does not match the pattern from its first character (expected "(", got "555-123-4567")"#,
    ),
    (
        r"\d+",
        "12a",
        r#"$: the reply stops matching the pattern after 2 characters ("12") (expected a digit or the end of the reply, got "a")"#,
    ),
    // Alternations: what each branch allows at the point where they all fail.
    (
        r"[a-z]+@[a-z]+\.(com|org)",
        "bob@example.net",
        r#"$: the reply stops matching the pattern after 12 characters ("bob@example.") (expected "c" or "o", got "net")"#,
    ),
    (
        r"(?i)yes|no",
        "maybe",
        r#"$: the reply does not match the pattern from its first character (expected "N", "Y", "n" or "y", got "maybe")"#,
    ),
    (
        r"true|false",
        "True",
        r#"$: the reply does not match the pattern from its first character (expected "f" or "t", got "True")"#,
    ),
    (
        r"-?(0|[1-9]\d*)(\.\d+)?",
        "01.5",
        r#"$: the reply stops matching the pattern after 1 character ("0") (expected "." or the end of the reply, got "1.5")"#,
    ),
    (
        r"\d{4}-\d{2}-\d{2}",
        "2024-1-05",
        r#"$: the reply stops matching the pattern after 6 characters ("2024-1") (expected a digit, got "-05")"#,
    ),
    // Multi-byte characters: offsets count characters, and classes hold them.
    (
        r"\w+",
        "héllo wörld",
        r#"$: the reply stops matching the pattern after 5 characters ("héllo") (expected a word character (letter, digit or "_") or the end of the reply, got " wörld")"#,
    ),
    (
        r"[a-z]+",
        "caf€s",
        r#"$: the reply stops matching the pattern after 3 characters ("caf") (expected a lowercase letter or the end of the reply, got "€s")"#,
    ),
    (
        r"😀+!",
        "😀😀?",
        r#"$: the reply stops matching the pattern after 2 characters ("😀😀") (expected "!" or "😀", got "?")"#,
    ),
    (
        r"[\w.+-]+@[\w-]+\.[\w.]+",
        "a b@c.d",
        r#"$: the reply stops matching the pattern after 1 character ("a") (expected a word character (letter, digit or "_"), "+", "-", "." or "@", got " b@c.d")"#,
    ),
    (
        r"[^\n]+",
        "line1\nline2",
        r#"$: the reply stops matching the pattern after 5 characters ("line1") (expected any character except "\n" or the end of the reply, got "\nline2")"#,
    ),
    // Over several lines: the line and column too.
    (
        r"(?m)(\w+\n)*END",
        "alpha\nbeta\nEN!",
        r#"$: the reply stops matching the pattern after 13 characters ("alpha\nbeta\nEN") at line 3 column 3 (expected a word character (letter, digit or "_") or "\n", got "!")"#,
    ),
    // A long reply is quoted around the point, not whole.
    (
        r"a+",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab and then a great deal more text",
        r#"$: the reply stops matching the pattern after 72 characters ("…aaaaaaaaaaaaaaaaaaaaaaaa") (expected "a" or the end of the reply, got "b and then a great deal …")"#,
    ),
];

#[test]
fn mismatches_say_where_the_reply_stops_and_what_was_expected() {
    for (pattern, reply, shown) in MISMATCHES {
        let regex = Regex::new(pattern).unwrap();
        let error = violation(&regex, reply, Finish::Stop);
        assert_eq!(error.to_string(), *shown, "{pattern} / {reply:?}");
        assert_eq!(error.kind(), ErrorKind::Constraint);
        assert!(error.path().is_root());
    }
}

#[test]
fn surrounding_whitespace_is_forgiven_and_counted() {
    let regex = Regex::new(r"\d{3}").unwrap();
    assert_eq!(regex.read("123\n", &Finish::Stop).unwrap(), "123");
    assert_eq!(regex.read("  123 ", &Finish::Stop).unwrap(), "123");
    // A pattern that allows the whitespace keeps it.
    let spaced = Regex::new(r"\d{3}\n").unwrap();
    assert_eq!(spaced.read("123\n", &Finish::Stop).unwrap(), "123\n");
    // Offsets count the reply as it came, leading whitespace included.
    let error = violation(&regex, "  12x", Finish::Stop);
    assert_eq!(
        error.message(),
        r#"the reply stops matching the pattern after 4 characters ("12")"#
    );
}

#[test]
fn a_reply_cut_at_the_token_limit_is_taken_only_when_nothing_could_follow() {
    let open = Regex::new(r"\d+").unwrap();
    let error = violation(&open, "123", Finish::Length);
    assert_eq!(
        error.to_string(),
        r#"$: the reply was cut off at the output token limit after 3 characters ("123"): it matches so far, but the pattern allows more (expected a digit or the end of the reply)"#
    );
    assert_eq!(open.read("123", &Finish::Stop).unwrap(), "123");
    let closed = Regex::new(r"\d{3}").unwrap();
    assert_eq!(closed.read("123", &Finish::Length).unwrap(), "123");
    // Cut before it matched: said so, with what could come next.
    let error = violation(&closed, "12", Finish::Length);
    assert_eq!(
        error.message(),
        r#"the reply was cut off at the output token limit, after 2 characters ("12")"#
    );
    assert_eq!(error.expected(), "a digit");
}

#[test]
fn word_boundaries_are_checked_exactly() {
    // The lazy DFA gives up on Unicode word boundaries next to non-ASCII text; the verdict is the
    // PikeVM's, the message a plain one.
    let regex = Regex::new(r"\b\w+\b").unwrap();
    assert_eq!(regex.read("héllo", &Finish::Stop).unwrap(), "héllo");
    let error = violation(&regex, "héllo wörld", Finish::Stop);
    assert_eq!(
        error.to_string(),
        r#"$: the reply does not match the pattern (expected text matching `\b\w+\b`, got "héllo wörld")"#
    );
    // ASCII text is still located precisely.
    let error = violation(&regex, "hello world", Finish::Stop);
    assert!(error.message().contains("after 5 characters"), "{error}");
}

// ---------------------------------------------------------------------------------------------------
// Regex: the prompt

#[test]
fn the_prompt_shows_the_pattern_and_examples_that_match() {
    let phone = Regex::new(r"(\+1 )?\(\d{3}\) \d{3}-\d{4}").unwrap();
    assert_eq!(
        phone.describe(),
        r#"text matching the regular expression `(\+1 )?\(\d{3}\) \d{3}-\d{4}` as a whole, e.g. "+1 (012) 345-6789", "+1 (789) 012-3456" or "(456) 789-0123""#
    );
    assert_eq!(
        phone.instructions(SchemaInPrompt::Describe),
        "Reply with text that the regular expression below matches as a whole (Rust `regex` \
         syntax): that text alone, with no quotes around it, no code fences and no explanation.\n\
         \n\
         Regular expression: `(\\+1 )?\\(\\d{3}\\) \\d{3}-\\d{4}`\n\
         \n\
         Examples of replies that match, one per line:\n\
         +1 (012) 345-6789\n\
         +1 (789) 012-3456\n\
         (456) 789-0123\n"
    );
    // The JSON Schema form is for JSON values: a regex describes itself the same way.
    assert_eq!(
        phone.instructions(SchemaInPrompt::JsonSchema),
        phone.instructions(SchemaInPrompt::Describe)
    );
    assert_eq!(phone.name(), "regex");
    assert_eq!(
        phone.constraint(),
        Constraint::Regex(r"(\+1 )?\(\d{3}\) \d{3}-\d{4}".into())
    );
    // The caller's examples come first; a wrong one is refused.
    let sku = Regex::new(r"[A-Z]{2}-\d{4}")
        .unwrap()
        .with_examples(["QX-0042"])
        .unwrap();
    assert_eq!(sku.examples()[0], "QX-0042");
    assert!(sku.describe().contains(r#"e.g. "QX-0042", "#));
    let error = Regex::new(r"[A-Z]{2}-\d{4}")
        .unwrap()
        .with_examples(["QX-0042", "qx-0042"])
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"example 1 does not match the pattern: $: the reply does not match the pattern from its first character (expected an uppercase letter, got "qx-0042")"#
    );
}

#[test]
fn examples_with_line_breaks_are_quoted_in_the_prompt() {
    let regex = Regex::new(r"[a-z]+\n[a-z]+").unwrap();
    let instructions = regex.instructions(SchemaInPrompt::Describe);
    assert!(
        instructions.contains("as JSON strings (reply with the text inside the quotes"),
        "{instructions}"
    );
    assert!(instructions.contains(r#""a\nb""#), "{instructions}");
}

#[test]
fn descriptions_stay_bounded() {
    let long = "abcdefgh|".repeat(2000) + "z";
    let regex = Regex::new(&long).unwrap();
    assert!(
        regex.describe().chars().count() < 1200,
        "{}",
        regex.describe().len()
    );
    assert!(regex.instructions(SchemaInPrompt::Describe).chars().count() < 1600);
    // Backticks in a pattern do not end its code span.
    let ticks = Regex::new("`+").unwrap();
    assert!(
        ticks
            .describe()
            .starts_with("text matching the regular expression `` `+ ``")
    );
}

// ---------------------------------------------------------------------------------------------------
// Regex: generated examples always match (a family of patterns, checked by the `regex` crate)

/// Patterns built from literals (multi-byte ones too), classes, groups, alternation and
/// repetition.
fn pattern() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        "[a-c0-2é€😀.+-]".prop_map(|s| regex::escape(&s)),
        Just(r"\d".to_owned()),
        Just(r"\w".to_owned()),
        Just(r"\s".to_owned()),
        Just("[a-f]".to_owned()),
        Just("[^,]".to_owned()),
        Just("[éèê]".to_owned()),
        Just("(?i:k)".to_owned()),
        Just(".".to_owned()),
        Just("[A-Z0-9_-]".to_owned()),
    ];
    atom.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|parts| parts.concat()),
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|parts| format!("(?:{})", parts.join("|"))),
            (inner.clone(), 0..6usize).prop_map(|(sub, op)| {
                let op = ["?", "*", "+", "{2}", "{1,3}", "{0,2}"][op];
                format!("(?:{sub}){op}")
            }),
            inner.prop_map(|sub| format!("({sub})")),
        ]
    })
}

/// The `regex` crate, matching whole texts.
fn oracle(pattern: &str) -> regex::Regex {
    regex::Regex::new(&format!(r"\A(?:{pattern})\z")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn generated_examples_always_match(pattern in pattern()) {
        let regex = Regex::new(&pattern).unwrap();
        let oracle = oracle(&pattern);
        for example in regex.examples() {
            let example = example.as_str().unwrap();
            prop_assert!(regex.is_match(example), "{pattern}: {example:?}");
            prop_assert!(oracle.is_match(example), "{pattern}: {example:?}");
        }
        // A pattern this simple always gives at least one example.
        prop_assert!(!regex.examples().is_empty(), "{pattern}");
        prop_assert!(regex.describe().contains(", e.g. "), "{pattern}");
    }

    #[test]
    fn verdicts_agree_with_the_regex_crate(pattern in pattern(), text in "[a-c0-2é€😀.+ ,kK_-]{0,8}") {
        let regex = Regex::new(&pattern).unwrap();
        let expected = oracle(&pattern).is_match(&text);
        prop_assert_eq!(regex.is_match(&text), expected, "{} / {:?}", pattern, text);
        // Where a reply stops matching: what comes before is the start of a match, and the
        // character there ends every match.
        if !text.starts_with(' ') && !text.ends_with(' ') && !expected {
            let error = regex.read(&text, &Finish::Stop).unwrap_err().remove(0);
            if let Some(rest) = error.message().strip_prefix("the reply stops matching the pattern after ") {
                let n: usize = rest.split(' ').next().unwrap().parse().unwrap();
                let (at, c) = text.char_indices().nth(n).unwrap();
                let before = &text[..at];
                let through = &text[..at + c.len_utf8()];
                prop_assert!(starts_a_match(&regex, before), "{} / {:?}", pattern, before);
                prop_assert!(
                    through.trim() != through || !starts_a_match(&regex, through),
                    "{} / {:?}", pattern, through
                );
                let got = error.got().unwrap();
                prop_assert!(got.starts_with(&format!("\"{}", c)) || c == '\n', "{}", got);
            }
        }
    }
}

/// Whether `text` matches or could be continued into a match, as the regex itself reads it
/// (`true` for a text with surrounding whitespace, which reading trims: not checked).
fn starts_a_match(regex: &Regex, text: &str) -> bool {
    if text.trim() != text {
        return true;
    }
    match regex.read(text, &Finish::Stop) {
        Ok(_) => true,
        Err(errors) => {
            let message = errors[0].message();
            message.starts_with("the reply ends too early") || message == "the reply is empty"
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Regex: hostile patterns

#[test]
fn hostile_patterns_are_errors_not_hangs() {
    let started = Instant::now();
    assert!(matches!(
        Regex::new("a{100000}{100000}"),
        Err(RegexError::TooLarge(_))
    ));
    assert!(matches!(
        Regex::new(r"\p{L}{100000}"),
        Err(RegexError::TooLarge(_))
    ));
    let megabyte = "a".repeat(1 << 20);
    assert!(matches!(
        Regex::new(&megabyte),
        Err(RegexError::TooLong { len, .. }) if len == 1 << 20
    ));
    let nested = format!("{}a{}", "(".repeat(500), ")".repeat(500));
    assert!(matches!(
        Regex::new(&nested),
        Err(RegexError::Syntax { .. })
    ));
    assert!(matches!(
        Regex::new(r"[^\s\S]"),
        Err(RegexError::MatchesNothing)
    ));
    // Just under the length limit, a pattern of large classes: compiled, or refused, in bounded
    // time (a generous bound: this is about hangs, not speed).
    let classes = r"\p{L}".repeat(Regex::MAX_PATTERN_LEN / 5 - 1);
    let _ = Regex::new(&classes);
    assert!(started.elapsed() < Duration::from_secs(120));
}

#[test]
fn a_pattern_with_an_exponential_dfa_reads_long_replies() {
    // Its full DFA has 2^30 states; the lazy DFA builds those the reply needs.
    let regex = Regex::new(r"(a|b)*a(a|b){30}").unwrap();
    let reply: String = (0..20_000)
        .map(|i| if i % 7 == 0 { 'a' } else { 'b' })
        .collect();
    let oracle = oracle(r"(a|b)*a(a|b){30}");
    assert_eq!(regex.is_match(&reply), oracle.is_match(&reply));
    let error = violation(&regex, &format!("{reply}c"), Finish::Stop);
    assert!(
        error.message().contains("after 20000 characters"),
        "{error}"
    );
    assert_eq!(error.expected(), r#""a" or "b""#);
}

#[test]
fn hostile_replies_are_read_in_bounded_space() {
    let regex = Regex::new(r"[a-z ]+").unwrap();
    let huge = "word ".repeat(200_000) + "!";
    let error = violation(&regex, &huge, Finish::Stop);
    assert_eq!(error.got(), Some(r#""!""#));
    assert!(error.message().len() < 200, "{}", error.message());
}

// ---------------------------------------------------------------------------------------------------
// Choice

#[test]
fn choices_are_checked_when_made() {
    assert_eq!(
        Choice::new(Vec::<String>::new()).unwrap_err(),
        ChoiceError::Empty
    );
    assert_eq!(
        Choice::new(["a", "b", "a"]).unwrap_err().to_string(),
        r#"the choice "a" is listed twice"#
    );
    let choice = Choice::new(["yes".to_owned(), "no".to_owned()]).unwrap();
    assert_eq!(choice.choices(), ["yes", "no"]);
    assert_eq!(
        choice.constraint(),
        Constraint::Choice(vec!["yes".into(), "no".into()])
    );
    assert_eq!(choice.name(), "choice");
}

#[test]
fn a_reply_is_one_choice_exactly_or_trimmed() {
    let sentiment = Choice::new(["positive", "negative", "neutral"]).unwrap();
    assert_eq!(
        sentiment.read("negative", &Finish::Stop).unwrap(),
        "negative"
    );
    assert_eq!(
        sentiment.read("  neutral\n", &Finish::Stop).unwrap(),
        "neutral"
    );
    // A choice with its own whitespace is matched as it came first.
    let spaced = Choice::new([" a", "a"]).unwrap();
    assert_eq!(spaced.read(" a", &Finish::Stop).unwrap(), " a");
    assert_eq!(spaced.read("a\n", &Finish::Stop).unwrap(), "a");
    let cases = [
        (
            "Positive",
            r#"the reply is not one of the 3 choices; it differs from "positive" only in letter case"#,
        ),
        (
            "The sentiment is negative.",
            r#"the reply is not one of the 3 choices; it contains "negative", which must be the whole reply"#,
        ),
        (
            "nuetral",
            r#"the reply is not one of the 3 choices; the closest is "neutral""#,
        ),
        (
            "pos",
            r#"the reply is not one of the 3 choices; it is only the start of "positive""#,
        ),
        ("I cannot tell.", "the reply is not one of the 3 choices"),
        ("", "the reply is not one of the 3 choices"),
    ];
    for (reply, message) in cases {
        let error = violation(&sentiment, reply, Finish::Stop);
        assert_eq!(error.message(), message, "{reply:?}");
        assert_eq!(error.kind(), ErrorKind::Variant);
        assert_eq!(
            error.expected(),
            r#"one of "positive", "negative" or "neutral""#
        );
    }
}

#[test]
fn a_choice_cut_at_the_token_limit_may_be_the_start_of_a_longer_one() {
    let sizes = Choice::new(["XL", "XLL", "S"]).unwrap();
    let error = violation(&sizes, "XL", Finish::Length);
    assert_eq!(
        error.message(),
        r#"the reply was cut off at the output token limit: it may be the start of "XLL""#
    );
    assert_eq!(sizes.read("XLL", &Finish::Length).unwrap(), "XLL");
    assert_eq!(sizes.read("S", &Finish::Length).unwrap(), "S");
    assert_eq!(sizes.read("XL", &Finish::Stop).unwrap(), "XL");
}

#[test]
fn many_choices_are_listed_within_bounds() {
    let many = Choice::new((0..10_000).map(|i| format!("item-{i}"))).unwrap();
    assert!(
        many.describe().ends_with(r#""item-19" and 9980 more"#),
        "{}",
        many.describe()
    );
    let instructions = many.instructions(SchemaInPrompt::Describe);
    assert!(
        instructions.ends_with("… and 9800 more\n"),
        "{instructions}"
    );
    assert!(instructions.len() < 10_000);
    let error = violation(&many, "item-10000", Finish::Stop);
    assert!(error.to_string().len() < 1000);
    assert_eq!(many.examples().len(), 10);
    // Choices a bare line would blur are listed as JSON strings.
    let odd = Choice::new(["a b", " padded", "two\nlines"]).unwrap();
    assert_eq!(
        odd.instructions(SchemaInPrompt::Describe),
        "Reply with exactly one of these choices, written below as a JSON string; reply with the \
         text inside the quotes, not the quotes: that choice alone, with no quotes around it, no \
         punctuation and no explanation.\n\n\"a b\"\n\" padded\"\n\"two\\nlines\"\n"
    );
}

// ---------------------------------------------------------------------------------------------------
// Text

#[test]
fn text_takes_any_reply_even_cut_off() {
    let text = Text::new();
    assert_eq!(text.read("", &Finish::Stop).unwrap(), "");
    assert_eq!(text.read(" a\n", &Finish::Length).unwrap(), " a\n");
    assert_eq!(text.constraint(), Constraint::Text);
    assert_eq!(
        text.instructions(SchemaInPrompt::Describe),
        "Reply in plain text."
    );
}

// ---------------------------------------------------------------------------------------------------
// Through the loop and batches

#[test]
fn a_regex_generation_repairs_with_the_position() {
    run(async {
        let date = Regex::new(r"\d{4}-\d{2}-\d{2}").unwrap();
        let backend = Mock::new()
            .reply("2024-3-01")
            .respond(Response::text("2024-03-01").with_finish(Finish::Stop));
        let report = date
            .generation("When did it happen?")
            .system("Dates are ISO 8601.")
            .report(&backend)
            .await
            .unwrap();
        assert_eq!(report.value, "2024-03-01");
        assert_eq!(report.attempt_count(), 2);
        let requests = backend.requests();
        assert!(
            requests[0]
                .system
                .starts_with("Dates are ISO 8601.\n\nReply with text that")
        );
        assert_eq!(
            requests[0].output,
            Constraint::Regex(r"\d{4}-\d{2}-\d{2}".into())
        );
        assert_eq!(
            requests[1].messages[2].content,
            "Your reply is not a valid text:\n\
             - $: the reply stops matching the pattern after 6 characters (\"2024-3\") (expected a \
             digit, got \"-01\")\n\
             Reply with the corrected text only."
        );
    });
}

#[test]
fn a_failed_generation_keeps_the_last_reply_as_its_best_candidate() {
    run(async {
        let choice = Choice::new(["red", "green"]).unwrap();
        let backend = Mock::always("blue");
        let error = choice
            .generation("Pick a color.")
            .max_attempts(2)
            .run(&backend)
            .await
            .unwrap_err();
        assert_eq!(error.attempts().len(), 2);
        assert_eq!(error.best(), Some(&serde_json::json!("blue")));
        assert!(
            error
                .to_string()
                .contains("the reply is not one of the 2 choices")
        );
    });
}

#[test]
fn a_batch_of_regex_generations() {
    run(async {
        let code = Regex::new(r"[A-Z]{3}").unwrap();
        // The model answers the prompt's word in capitals, but lowercase the first time it sees
        // "bad".
        let backend = Mock::from_fn(|request| {
            let word = request.messages[0].content.trim_start_matches("Code for: ");
            let reply = if word == "bad" && request.messages.len() == 1 {
                word.to_owned()
            } else {
                word.to_uppercase()
            };
            Ok(Response::text(reply))
        });
        let words = ["abc", "bad", "xyz"];
        let report = Batch::new(
            words
                .iter()
                .map(|w| code.generation(format!("Code for: {w}"))),
        )
        .max_concurrency(2)
        .report(&backend)
        .await;
        let codes: Vec<String> = report.results.into_iter().map(Result::unwrap).collect();
        assert_eq!(codes, ["ABC", "BAD", "XYZ"]);
        assert_eq!(report.summary.succeeded, 3);
        assert_eq!(backend.requests().len(), 4);
    });
}

#[test]
fn hostile_choices_and_replies_are_read_in_bounded_time() {
    let many = Choice::new((0..200_000).map(|i| format!("option number {i}"))).unwrap();
    let reply = "x".repeat(1 << 20);
    let started = Instant::now();
    let error = violation(&many, &reply, Finish::Stop);
    assert!(error.to_string().len() < 1000);
    // Generous: this is about quadratic work, not speed.
    assert!(started.elapsed() < Duration::from_secs(60));
}
