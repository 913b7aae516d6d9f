//! The main example: from one declaration, the description and JSON Schema an LLM is shown, and the
//! validator its reply goes through — with every problem reported at once, ready for a repair prompt.
//!
//! Run it with `cargo run --example validate`.

use outlines::Structured;

/// A person mentioned in the text.
#[derive(Debug, Structured)]
#[allow(dead_code)] // the fields are read through `Debug` only
struct Person {
    /// Full name as written in the text.
    #[outline(min = 1, max = 80)]
    name: String,
    #[outline(min = 0, max = 120)]
    age: u8,
    #[outline(pattern = r"^[^@\s]+@[^@\s]+\.[a-z]+$")]
    email: Option<String>,
    role: Role,
    #[outline(max = 5, inner(min = 1, max = 30))]
    skills: Vec<String>,
}

/// What the person may do.
#[derive(Debug, Structured)]
#[serde(rename_all = "lowercase")]
enum Role {
    User,
    Admin,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "What the model is told (Person::describe):\n\n{}",
        Person::describe()
    );
    println!(
        "The same, as JSON Schema (Person::json_schema):\n\n{}\n",
        serde_json::to_string_pretty(&Person::json_schema())?
    );

    // A reply with five problems: all of them are found in one pass.
    let reply = r#"{"name": "", "age": 250, "email": "john at x.io", "role": "owner", "skills": ["rust", ""]}"#;
    println!("A reply that breaks the rules:\n  {reply}\n");
    match Person::from_json(reply) {
        Ok(person) => return Err(format!("accepted an invalid reply: {person:?}").into()),
        Err(diagnostics) => println!("What goes back to the model:\n{diagnostics}\n"),
    }

    let reply =
        r#"{"name": "John", "age": 25, "email": "john@x.io", "role": "admin", "skills": ["rust"]}"#;
    let person = Person::from_json(reply)?;
    println!("A valid reply, as a typed value:\n{person:#?}");
    Ok(())
}
