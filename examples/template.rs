//! Prompts written as Jinja templates: a system template that shows the model few-shot examples
//! taken from the type's `#[outline(example = …)]` values, and a user template rendered once per
//! email for a batch. It prints the prompts as sent, the repair turn the loop wrote for an invalid
//! reply, and the contacts.
//!
//! The backend is a stand-in model (the scripted `Mock`, which reads the address out of the email;
//! its first reply to one email is invalid, so the repair loop shows): swap in `OpenAi` or
//! `Anthropic` (see `examples/quickstart.rs`) and nothing else changes.
//!
//! Run it with `cargo run --example template`.

use outlines::backend::Response;
use outlines::backend::mock::Mock;
use outlines::output::Typed;
use outlines::{Batch, Structured, Template};
use serde::Serialize;

/// A contact found in an email.
#[derive(Debug, Structured)]
#[allow(dead_code)] // the fields are read through `Debug` only
struct Contact {
    /// The sender's full name.
    #[outline(min = 1, example = "Ada Lovelace", example = "Alan Turing")]
    name: String,
    #[outline(
        format = "email",
        example = "ada@example.com",
        example = "alan@example.com"
    )]
    email: String,
    /// What the sender asks for, in a few words.
    #[outline(
        max = 60,
        example = "a quote for 40 licences",
        example = "a call on Tuesday"
    )]
    request: String,
}

/// One row of input: what the user template is rendered with.
#[derive(Serialize)]
struct Email {
    sender: &'static str,
    subject: &'static str,
    body: &'static str,
}

const EMAILS: [Email; 3] = [
    Email {
        sender: "Grace Hopper",
        subject: "Compilers",
        body: "Could you send me the price list? grace@example.com",
    },
    Email {
        sender: "Edsger Dijkstra",
        subject: "Meeting <urgent>",
        body: "Please call me back & bring the notes. ewd@example.com",
    },
    Email {
        sender: "Barbara Liskov",
        subject: "Substitution",
        body: "A demo of the product, if you can. liskov@example.com",
    },
];

const SYSTEM: &str = r#"
    You read emails and extract the sender as a `{{ output.name }}`.
    Examples of good replies:
    {% for example in output.examples %}
    {{ loop.index }}. {{ example | tojson }}
    {% endfor %}
"#;

const USER: &str = r#"
    From: {{ sender }}
    Subject: {{ subject }}

    {{ body }}
"#;

/// A stand-in model: takes the name from the `From:` line and the address from the body. Its first
/// reply about a call gives no address, so that task takes a repair turn.
fn model() -> Mock {
    Mock::from_fn(|request| {
        let email = &request.messages[0].content;
        let name = email
            .lines()
            .find_map(|line| line.strip_prefix("From: "))
            .unwrap_or("");
        let address = email
            .split_whitespace()
            .find(|word| word.contains('@'))
            .unwrap_or("");
        let repairing = request.messages.len() > 1;
        let (address, what) = if email.contains("call me") {
            (if repairing { address } else { "" }, "a call back")
        } else if email.contains("price") {
            (address, "the price list")
        } else {
            (address, "a product demo")
        };
        Ok(Response::text(format!(
            r#"{{"name": "{name}", "email": "{address}", "request": "{what}"}}"#
        )))
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Compiled once: a syntax error would be reported here, with its line.
    let system = Template::new("system", SYSTEM)?;
    let user = Template::new("user", USER)?;

    // The system prompt is the same for every email: rendered once, with the type in the context.
    let instructions = system.render_for(&Typed::<Contact>::new(), ())?;
    // One generation per email; a row the template cannot render would be named here.
    let generations = user.generations::<Contact>(&EMAILS)?;

    let backend = model();
    let tasks = generations
        .into_iter()
        .map(|generation| generation.system(instructions.clone()));
    let results = Batch::new(tasks).max_concurrency(4).run(&backend).await;

    let sent = backend.requests();
    println!("── system prompt (as sent) ──\n{}\n", sent[0].system);
    // Nothing is HTML-escaped: `<urgent>` and `&` reach the model as written.
    let urgent = sent
        .iter()
        .find(|request| request.messages[0].content.contains("<urgent>"))
        .ok_or("no request for the urgent email")?;
    println!(
        "── a user prompt (as sent) ──\n{}\n",
        urgent.messages[0].content
    );
    if let Some(repair) = sent.iter().find(|request| request.messages.len() == 3) {
        println!(
            "── the loop's repair turn ──\n{}\n",
            repair.messages[2].content
        );
    }
    println!("── contacts ──");
    for (email, result) in EMAILS.iter().zip(results) {
        match result {
            Ok(contact) => println!("{}: {contact:?}", email.subject),
            Err(error) => println!("{}: failed: {error}", email.subject),
        }
    }

    // A template error says which template, which line and which variable.
    let typo = Template::new("typo", "From: {{ sender }}\nSubject: {{ subjet }}")?;
    if let Err(error) = typo.render(&EMAILS[0]) {
        println!("\n── a template error ──\n{error}");
    }
    Ok(())
}
