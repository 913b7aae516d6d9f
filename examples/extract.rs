//! Extraction with nested types and enums: an invoice read from an e-mail, against the scripted
//! [`Mock`] backend so it runs offline. Swap the backend for `OpenAi` or `Anthropic` (see
//! `examples/quickstart.rs`) and nothing else changes.
//!
//! Run it with `cargo run --example extract`.

use outlines::backend::Response;
use outlines::backend::mock::Mock;
use outlines::{Generate, Structured};

/// An invoice mentioned in the text.
#[derive(Debug, Structured)]
#[allow(dead_code)] // the fields are read through `Debug` only
struct Invoice {
    /// The invoice number exactly as written, e.g. "INV-2041".
    #[outline(pattern = r"^INV-\d+$")]
    number: String,
    seller: Party,
    buyer: Party,
    #[outline(min = 1, max = 50)]
    lines: Vec<Line>,
    currency: Currency,
    status: Status,
}

/// A company or person on the invoice.
#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Party {
    #[outline(min = 1, max = 120)]
    name: String,
    #[outline(format = "email")]
    email: Option<String>,
}

/// One line of the invoice.
#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Line {
    #[outline(min = 1, max = 200)]
    item: String,
    #[outline(min = 1)]
    quantity: u32,
    /// Price of one unit, in the invoice's currency.
    #[outline(exclusive_min = 0.0)]
    unit_price: f64,
}

#[derive(Debug, Structured)]
#[serde(rename_all = "UPPERCASE")]
enum Currency {
    Eur,
    Usd,
    Gbp,
}

/// Where the invoice stands.
#[derive(Debug, Structured)]
#[serde(tag = "state", rename_all = "snake_case")]
#[allow(dead_code)]
enum Status {
    Open,
    Paid {
        #[outline(format = "date")]
        on: String,
    },
    Overdue {
        #[outline(min = 1)]
        days: u32,
    },
}

const EMAIL: &str = "Hi Ana, attached is INV-2041 from Northwind Ltd (billing@northwind.example) to \
    Contoso (Ana Ruiz): 3 × ergonomic chair at €249.00 and 1 × standing desk at €610.50. \
    It was paid on 2026-11-02. Thanks!";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // What a model answers to the prompt below (scripted here).
    let backend = Mock::new().respond(
        Response::text(
            r#"{"number": "INV-2041",
                "seller": {"name": "Northwind Ltd", "email": "billing@northwind.example"},
                "buyer": {"name": "Contoso", "email": null},
                "lines": [
                    {"item": "ergonomic chair", "quantity": 3, "unit_price": 249.0},
                    {"item": "standing desk", "quantity": 1, "unit_price": 610.5}
                ],
                "currency": "EUR",
                "status": {"state": "paid", "on": "2026-11-02"}}"#,
        )
        .with_usage(412, 96),
    );

    let report = Invoice::generation(format!("Extract the invoice from this e-mail:\n\n{EMAIL}"))
        .report(&backend)
        .await?;
    println!("{:#?}\n", report.value);
    println!(
        "{} attempt(s), {} tokens in, {} out",
        report.attempt_count(),
        report.usage.input_tokens,
        report.usage.output_tokens
    );

    let request = &backend.requests()[0];
    println!(
        "\nThe system prompt the model was given:\n\n{}",
        request.system
    );
    println!(
        "Sent natively as well, when the backend supports it: the JSON Schema named `{}`.",
        request
            .output
            .json()
            .map_or("(not JSON)", |s| s.name.as_str())
    );
    Ok(())
}
