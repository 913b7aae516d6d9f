//! What lenient reading saves: every recoverable case of the messy-outputs corpus
//! (`tests/data/messy-outputs.jsonl`) as a model's first reply, and a clean reply after a repair
//! turn, run through the generation loop with lenient reading (the default) and with `.strict(true)`.
//! Tokens are counted as a provider would bill them, at four characters a token: the whole prompt
//! of each attempt (system prompt, turns, the repair turn) in, the reply out.
//!
//! ```sh
//! cargo run --example lenient_savings
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use outlines::backend::Response;
use outlines::backend::mock::Mock;
use outlines::{Generate, Structured, Usage};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Structured)]
#[allow(dead_code)] // read through `Debug` only
struct Person {
    #[outline(min = 1)]
    name: String,
    #[outline(max = 120)]
    age: u8,
    role: Role,
    tags: Option<Vec<String>>,
    active: Option<bool>,
}

#[derive(Debug, Structured)]
#[serde(rename_all = "lowercase")]
enum Role {
    User,
    Admin,
    Moderator,
}

#[derive(Deserialize)]
struct Case {
    input: String,
    expect: Value,
}

/// The first reply is the case's input, every later one the clean value.
fn backend(case: &Case) -> Mock {
    let calls = Arc::new(AtomicUsize::new(0));
    let (messy, clean) = (case.input.clone(), case.expect.to_string());
    Mock::from_fn(move |request| {
        let reply = if calls.fetch_add(1, Ordering::Relaxed) == 0 {
            &messy
        } else {
            &clean
        };
        let prompt: usize = request.system.len()
            + request
                .messages
                .iter()
                .map(|m| m.content.len())
                .sum::<usize>();
        Ok(Response::text(reply.clone()).with_usage(tokens(prompt), tokens(reply.len())))
    })
}

fn tokens(chars: usize) -> u64 {
    chars.div_ceil(4) as u64
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let corpus = include_str!("../tests/data/messy-outputs.jsonl");
    let cases: Vec<Case> = corpus
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a corpus case"))
        .filter(|c: &Case| !c.expect.is_null())
        .collect();
    println!("{} recoverable cases of the corpus\n", cases.len());
    println!(
        "| reading | values | attempts | attempts per value | tokens in | tokens out | tokens per value |"
    );
    println!("|---|---|---|---|---|---|---|");
    for strict in [true, false] {
        let (mut values, mut attempts, mut usage) = (0, 0, Usage::default());
        for case in &cases {
            let mock = backend(case);
            let generation = Person::generation("Extract the person.").strict(strict);
            match generation.report(&mock).await {
                Ok(report) => {
                    values += 1;
                    attempts += report.attempts.len();
                    usage += report.usage;
                }
                Err(error) => {
                    attempts += error.attempts().len();
                    usage += error.usage();
                }
            }
        }
        let total = usage.input_tokens + usage.output_tokens;
        println!(
            "| {} | {values} | {attempts} | {:.2} | {} | {} | {:.0} |",
            if strict { "strict" } else { "lenient" },
            attempts as f64 / values.max(1) as f64,
            usage.input_tokens,
            usage.output_tokens,
            total as f64 / values.max(1) as f64,
        );
    }
}
