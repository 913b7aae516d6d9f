//! The product's promise in one number: 20 extraction prompts over 5 types, one attempt each, a
//! 400-token budget, greedy decoding — how many first replies are valid values, with the token
//! constraint and without it (the prompt alone), on the same model.
//!
//! ```sh
//! cargo run --release -p outlines-local --example eval                  # the local model, both ways
//! OPENAI_BASE_URL=http://127.0.0.1:8080/v1 cargo run --release -p outlines-local --example eval
//!                                       # a server (llama.cpp's own: its native JSON-schema mode)
//! ```
//!
//! For each setup it prints the valid first attempts, the fields extracted right (of those
//! checked), output tokens and tokens per second (output tokens over the whole request's time,
//! prompt reading included), and each invalid reply's first error.

use std::time::{Duration, Instant};

use outlines::backend::{Backend, OutputMode};
use outlines::local::Local;
use outlines::{Diagnostics, Generation, Structured};
use serde::Serialize;
use serde_json::{Value, json};

/// A person mentioned in the text.
#[derive(Debug, Serialize, Structured)]
struct Person {
    #[outline(min = 1, max = 80)]
    name: String,
    #[outline(min = 0, max = 120)]
    age: u8,
    #[outline(format = "email")]
    email: Option<String>,
    role: Role,
}

#[derive(Debug, Serialize, Structured)]
#[serde(rename_all = "lowercase")]
enum Role {
    User,
    Admin,
    Guest,
}

/// An order and its line items.
#[derive(Debug, Serialize, Structured)]
struct Order {
    #[outline(min = 1, max = 80)]
    customer: String,
    #[outline(min = 1, max = 20)]
    items: Vec<Item>,
    currency: Currency,
}

#[derive(Debug, Serialize, Structured)]
struct Item {
    #[outline(min = 1, max = 60)]
    product: String,
    #[outline(min = 1, max = 1000)]
    quantity: u32,
    #[outline(min = 0.0)]
    unit_price: f64,
}

#[derive(Debug, Serialize, Structured)]
#[serde(rename_all = "UPPERCASE")]
enum Currency {
    Usd,
    Eur,
    Gbp,
}

/// A meeting or event.
#[derive(Debug, Serialize, Structured)]
struct Event {
    #[outline(min = 1, max = 100)]
    title: String,
    #[outline(format = "date")]
    date: String,
    #[outline(max = 20)]
    attendees: Vec<String>,
    location: Option<String>,
}

/// A product review.
#[derive(Debug, Serialize, Structured)]
struct Review {
    #[outline(min = 1, max = 80)]
    product: String,
    #[outline(min = 1, max = 5)]
    rating: u8,
    sentiment: Sentiment,
    #[outline(max = 5)]
    pros: Vec<String>,
    #[outline(max = 5)]
    cons: Vec<String>,
}

#[derive(Debug, Serialize, Structured)]
#[serde(rename_all = "lowercase")]
enum Sentiment {
    Positive,
    Neutral,
    Negative,
}

/// A company.
#[derive(Debug, Serialize, Structured)]
struct Company {
    #[outline(min = 1, max = 80)]
    name: String,
    #[outline(min = 1800, max = 2030)]
    founded: u16,
    employees: u32,
    #[outline(min = 1, max = 60)]
    city: String,
    industry: Industry,
}

#[derive(Debug, Serialize, Structured)]
#[serde(rename_all = "lowercase")]
enum Industry {
    Software,
    Manufacturing,
    Finance,
    Retail,
    Healthcare,
}

/// One prompt: the text, and fields whose right values are known (JSON pointer, value).
struct Case {
    kind: &'static str,
    text: &'static str,
    expect: Vec<(&'static str, Value)>,
}

fn cases() -> Vec<Case> {
    let case = |kind, text, expect| Case { kind, text, expect };
    vec![
        case(
            "person",
            "John Appleseed (25) runs the cluster as an admin; reach him at john@example.io.",
            vec![
                ("/name", json!("John Appleseed")),
                ("/age", json!(25)),
                ("/role", json!("admin")),
            ],
        ),
        case(
            "person",
            "Our new user Maria Lopez, age 31, signed up with maria.lopez@mail.com yesterday.",
            vec![
                ("/name", json!("Maria Lopez")),
                ("/age", json!(31)),
                ("/role", json!("user")),
            ],
        ),
        case(
            "person",
            "Guest account for Tom Becker, 47 years old, no email on file.",
            vec![
                ("/name", json!("Tom Becker")),
                ("/age", json!(47)),
                ("/role", json!("guest")),
            ],
        ),
        case(
            "person",
            "Admin: Priya Natarajan, 38, priya@ops.dev",
            vec![
                ("/name", json!("Priya Natarajan")),
                ("/age", json!(38)),
                ("/role", json!("admin")),
            ],
        ),
        case(
            "order",
            "Alice Smith ordered 2 notebooks at $3.50 each and 1 pen at $1.20, paid in USD.",
            vec![
                ("/customer", json!("Alice Smith")),
                ("/currency", json!("USD")),
                ("/items/0/quantity", json!(2)),
            ],
        ),
        case(
            "order",
            "Order from Bob Jones: 3 coffee mugs (EUR 7.99 each).",
            vec![
                ("/customer", json!("Bob Jones")),
                ("/currency", json!("EUR")),
                ("/items/0/quantity", json!(3)),
            ],
        ),
        case(
            "order",
            "Invoice for Carla Diaz: 10 USB cables at 4 GBP, 2 chargers at 15 GBP, 1 laptop stand at 30 GBP.",
            vec![
                ("/customer", json!("Carla Diaz")),
                ("/currency", json!("GBP")),
                ("/items/0/quantity", json!(10)),
            ],
        ),
        case(
            "order",
            "Dan Wu bought one keyboard for 49.99 dollars.",
            vec![
                ("/customer", json!("Dan Wu")),
                ("/currency", json!("USD")),
                ("/items/0/quantity", json!(1)),
            ],
        ),
        case(
            "event",
            "Quarterly planning meeting on 2025-03-14 in Room 4B with Anna, Ben and Chloe.",
            vec![
                ("/date", json!("2025-03-14")),
                ("/attendees/0", json!("Anna")),
            ],
        ),
        case(
            "event",
            "Launch party: June 2, 2025 at the Harbor Hall. Guests: Mike, Sara.",
            vec![
                ("/date", json!("2025-06-02")),
                ("/attendees/0", json!("Mike")),
            ],
        ),
        case(
            "event",
            "Reminder: dentist appointment 2024-11-05.",
            vec![("/date", json!("2024-11-05"))],
        ),
        case(
            "event",
            "Team offsite on 2025-09-20 in Lisbon; attending: Eva, Omar, Lin, Paul.",
            vec![
                ("/date", json!("2025-09-20")),
                ("/location", json!("Lisbon")),
            ],
        ),
        case(
            "review",
            "The Acme X200 headphones are great: superb sound and long battery, but a bit heavy. 4/5.",
            vec![
                ("/product", json!("Acme X200 headphones")),
                ("/rating", json!(4)),
                ("/sentiment", json!("positive")),
            ],
        ),
        case(
            "review",
            "Terrible blender. It broke after a week and was loud. 1 star.",
            vec![("/rating", json!(1)), ("/sentiment", json!("negative"))],
        ),
        case(
            "review",
            "The Zeta lamp is fine. Nothing special, does the job. 3 out of 5.",
            vec![("/rating", json!(3)), ("/sentiment", json!("neutral"))],
        ),
        case(
            "review",
            "Five stars for the TrailRunner shoes: light, comfortable, great grip.",
            vec![("/rating", json!(5)), ("/sentiment", json!("positive"))],
        ),
        case(
            "company",
            "Globex, a software company founded in 1998 in Austin, now employs 1200 people.",
            vec![
                ("/name", json!("Globex")),
                ("/founded", json!(1998)),
                ("/city", json!("Austin")),
                ("/industry", json!("software")),
            ],
        ),
        case(
            "company",
            "Initech Bank (finance) was established in 1921 in Chicago and has 8,500 employees.",
            vec![
                ("/founded", json!(1921)),
                ("/city", json!("Chicago")),
                ("/industry", json!("finance")),
            ],
        ),
        case(
            "company",
            "Founded 2015 in Berlin, MediCare Plus is a healthcare startup of 45 people.",
            vec![
                ("/founded", json!(2015)),
                ("/city", json!("Berlin")),
                ("/industry", json!("healthcare")),
            ],
        ),
        case(
            "company",
            "Steelworks Ltd, manufacturing, Sheffield, since 1872, 300 staff.",
            vec![
                ("/founded", json!(1872)),
                ("/city", json!("Sheffield")),
                ("/industry", json!("manufacturing")),
            ],
        ),
    ]
}

/// What one case gave.
struct Outcome {
    valid: bool,
    right: usize,
    checked: usize,
    output_tokens: u64,
    time: Duration,
    note: String,
}

async fn one<T: Structured + Serialize>(
    backend: &dyn Backend,
    case: &Case,
    mode: OutputMode,
) -> Outcome {
    let began = Instant::now();
    let result: Result<Generation<T>, Diagnostics> = T::generation(format!(
        "Extract the {} from this text:\n\n{}",
        case.kind, case.text
    ))
    .max_attempts(1)
    .max_tokens(400)
    .temperature(0.0)
    .mode(mode)
    .report(&backend)
    .await;
    let time = began.elapsed();
    match result {
        Ok(generation) => {
            let value = serde_json::to_value(&generation.value).unwrap_or(Value::Null);
            let right = case
                .expect
                .iter()
                .filter(|(pointer, want)| value.pointer(pointer) == Some(want))
                .count();
            Outcome {
                valid: true,
                right,
                checked: case.expect.len(),
                output_tokens: generation.usage.output_tokens,
                time,
                note: String::new(),
            }
        }
        Err(diagnostics) => {
            let attempt = diagnostics.attempts().first();
            let output = attempt.map(|a| a.output.as_str()).unwrap_or("");
            let first_error = diagnostics
                .errors()
                .first()
                .map(ToString::to_string)
                .unwrap_or_else(|| diagnostics.to_string());
            Outcome {
                valid: false,
                right: 0,
                checked: case.expect.len(),
                output_tokens: diagnostics.usage().output_tokens,
                time,
                note: format!(
                    "{first_error} — reply: {:?}",
                    output.chars().take(100).collect::<String>()
                ),
            }
        }
    }
}

async fn run(name: &str, backend: &dyn Backend, mode: OutputMode) {
    let mut valid = 0;
    let (mut right, mut checked, mut tokens) = (0, 0, 0);
    let mut time = Duration::ZERO;
    let mut notes = Vec::new();
    for (i, case) in cases().iter().enumerate() {
        let outcome = match case.kind {
            "person" => one::<Person>(backend, case, mode).await,
            "order" => one::<Order>(backend, case, mode).await,
            "event" => one::<Event>(backend, case, mode).await,
            "review" => one::<Review>(backend, case, mode).await,
            _ => one::<Company>(backend, case, mode).await,
        };
        valid += usize::from(outcome.valid);
        right += outcome.right;
        checked += outcome.checked;
        tokens += outcome.output_tokens;
        time += outcome.time;
        if !outcome.valid {
            notes.push(format!("  #{i:02} {}: {}", case.kind, outcome.note));
        }
    }
    println!(
        "{name:<44} valid {valid:>2}/20 ({:>3.0}%)  fields right {right:>2}/{checked}  output tokens {tokens:>5}  {:>6.1} tok/s  {:>6.1} s",
        valid as f64 * 5.0,
        tokens as f64 / time.as_secs_f64(),
        time.as_secs_f64()
    );
    for note in notes {
        println!("{note}");
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(remote) = outlines::backend::from_env_if_set()? {
        println!("backend: {remote}");
        run(
            "server, its JSON-schema mode",
            &remote,
            OutputMode::JsonSchema,
        )
        .await;
        run("server, prompt only", &remote, OutputMode::Prompt).await;
        return Ok(());
    }
    let threads: Option<usize> = std::env::var("OUTLINES_THREADS")
        .ok()
        .and_then(|t| t.parse().ok());
    let build = |layout| {
        let builder = Local::builder().layout(layout).seed(0);
        match threads {
            Some(threads) => builder.threads(threads),
            None => builder,
        }
        .build()
    };
    let local = build(outlines::guide::Layout::Spaced)?;
    println!("backend: {local}");
    for (name, mode) in [
        ("local, constrained (spaced JSON)", OutputMode::JsonSchema),
        ("local, prompt only (unconstrained)", OutputMode::Prompt),
    ] {
        let before = local.stats();
        run(name, &local, mode).await;
        let stats = local.stats().since(&before);
        let per_token = |d: Duration| d.as_secs_f64() * 1e3 / stats.output_tokens.max(1) as f64;
        println!(
            "  per output token: forward pass {:.2} ms, constraint {:.3} ms ({:.1}% of the forward pass); \
             decoding {:.1} tok/s; prompts {} tokens, {} reused",
            per_token(stats.forward),
            per_token(stats.constraint),
            100.0 * stats.constraint.as_secs_f64() / stats.forward.as_secs_f64().max(1e-9),
            stats.output_tokens as f64 / (stats.forward + stats.constraint).as_secs_f64().max(1e-9),
            stats.prompt_tokens,
            stats.reused_tokens,
        );
    }
    drop(local);
    let compact = build(outlines::guide::Layout::Compact)?;
    run(
        "local, constrained (compact JSON)",
        &compact,
        OutputMode::JsonSchema,
    )
    .await;
    Ok(())
}
