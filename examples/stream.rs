//! Stream a typed value while the embedded local model writes it: each partial `Person` is printed
//! as it grows (whole fields marked ✓), then the validated value.
//!
//! ```sh
//! cargo xtask run --features local --example stream
//! cargo xtask run --features local --example stream -- "text to read"
//! ```
//!
//! A reply that can no longer be valid would be stopped early and repaired (printed as a retry);
//! a failure prints every reason and exits with status 1 (2 when the model cannot be loaded). The
//! first run fetches the model into the cache (see the `quickstart` example).

use std::io::Write as _;
use std::process::ExitCode;

use outlines::generate::Update;
use outlines::local::Local;
use outlines::prelude::*;
use outlines::{Part, Partial};

/// A person mentioned in a text.
#[derive(Debug, Structured)]
struct Person {
    /// Full name.
    #[outline(min = 1, max = 80)]
    name: String,
    #[outline(min = 0, max = 120)]
    age: u8,
    /// Home city.
    city: String,
    /// Things the person likes.
    #[outline(max = 4)]
    likes: Vec<String>,
}

const TEXT: &str =
    "Extract: Maria Lopez, 34, lives in Seville and likes flamenco, tapas and cycling.";

/// One line for a partial person: each field as far as written, `✓` once whole.
fn line(p: &Partial<Person>) -> String {
    fn show<T: std::fmt::Debug>(name: &str, part: &Option<Part<T>>) -> String {
        match part {
            None => format!("{name}: …"),
            Some(Part { value, complete }) => {
                format!("{name}: {value:?}{}", if *complete { " ✓" } else { "" })
            }
        }
    }
    let likes = p.likes.as_ref().map(|likes| Part {
        value: likes
            .value
            .iter()
            .map(|l| l.value.as_str())
            .collect::<Vec<_>>(),
        complete: likes.complete,
    });
    [
        show("name", &p.name),
        show("age", &p.age),
        show("city", &p.city),
        show("likes", &likes),
    ]
    .join("  ")
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let text = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    let text = if text.is_empty() {
        TEXT.to_owned()
    } else {
        text
    };
    let backend = match Local::new() {
        Ok(local) => local,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    println!("backend: {backend}\ntext: {text}\n");

    let mut updates = Person::generation(text).stream(&backend);
    let mut partials = 0;
    while let Some(update) = updates.next().await {
        match update {
            Ok(Update::Partial { value, .. }) => {
                partials += 1;
                // Redraw the line in place.
                print!("\r\x1b[2K{}", line(&value));
                let _ = std::io::stdout().flush();
            }
            Ok(Update::Retry(attempt)) => {
                println!(
                    "\nattempt {} {}: retrying",
                    attempt.number,
                    attempt.outcome.as_str()
                );
                for error in &attempt.errors {
                    println!("  {error}");
                }
            }
            Ok(Update::Done(report)) => {
                let p = &report.value;
                println!(
                    "\n\n{}, {} years, from {}; likes {}",
                    p.name,
                    p.age,
                    p.city,
                    p.likes.join(", ")
                );
                println!(
                    "{partials} partial values; {} attempt(s); {} tokens out",
                    report.attempts.len(),
                    report.usage.output_tokens
                );
                return ExitCode::SUCCESS;
            }
            Ok(_) => {}
            Err(error) => {
                println!();
                eprintln!("{error}");
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::from(1)
}
