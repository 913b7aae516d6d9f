//! Custom validation rules: a field rule (`validate = …`) and a cross-field rule (`check = …`).
//! Their messages go into the diagnostics, so the model is told exactly what to fix.
//!
//! Run it with `cargo run --example custom_rule`.

use outlines::backend::mock::Mock;
use outlines::{Generate, Structured};

/// A meeting to put in the calendar.
#[derive(Debug, Structured)]
#[outline(check = ends_after_start)]
#[allow(dead_code)] // the fields are read through `Debug` only
struct Meeting {
    #[outline(min = 1, max = 100)]
    title: String,
    /// Start time, "HH:MM" (24-hour clock).
    #[outline(validate = clock_time)]
    start: String,
    /// End time, "HH:MM" (24-hour clock).
    #[outline(validate = clock_time)]
    end: String,
    #[outline(min = 1, max = 20, unique)]
    attendees: Vec<String>,
}

/// A field rule: "HH:MM" on a 24-hour clock.
fn clock_time(value: &String) -> Result<(), String> {
    minutes(value)
        .map(|_| ())
        .ok_or_else(|| format!("{value:?} is not a time of day as HH:MM (00:00 to 23:59)"))
}

/// A cross-field rule, run once every field is valid.
fn ends_after_start(meeting: &Meeting) -> Result<(), String> {
    match (minutes(&meeting.start), minutes(&meeting.end)) {
        (Some(start), Some(end)) if end <= start => Err(format!(
            "the meeting ends ({}) before it starts ({})",
            meeting.end, meeting.start
        )),
        _ => Ok(()),
    }
}

fn minutes(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The field rules, on their own:
    let reply =
        r#"{"title": "Roadmap", "start": "9am", "end": "25:00", "attendees": ["Ana", "Ana"]}"#;
    println!("{reply}\n{}\n", Meeting::from_json(reply).unwrap_err());

    // The cross-field rule, inside the generation loop: the first reply has the times swapped, the
    // repair turn names the problem, the second reply is right.
    let backend = Mock::new()
        .reply(
            r#"{"title": "Roadmap", "start": "15:00", "end": "14:00", "attendees": ["Ana", "Bo"]}"#,
        )
        .reply(
            r#"{"title": "Roadmap", "start": "14:00", "end": "15:00", "attendees": ["Ana", "Bo"]}"#,
        );
    let report = Meeting::generation("Roadmap review with Ana and Bo, 2pm to 3pm.")
        .report(&backend)
        .await?;
    let repair = &backend.requests()[1].messages[2].content;
    println!("The repair turn:\n{repair}\n");
    println!(
        "After {} attempts: {:?}",
        report.attempt_count(),
        report.value
    );
    Ok(())
}
