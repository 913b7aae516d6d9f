use outlines::Structured;

fn ordered(range: &Range) -> Result<(), String> {
    if range.low <= range.high {
        Ok(())
    } else {
        Err(format!("{} > {}", range.low, range.high))
    }
}

/// A closed interval.
#[derive(Structured)]
#[outline(name = "Interval", check = ordered)]
struct Range {
    low: i32,
    high: i32,
}

mod checks {
    pub(crate) fn any(_: &super::Choice) -> Result<(), std::convert::Infallible> {
        Ok(())
    }
}

#[derive(Structured)]
#[outline(description = "One of two things", check = "checks::any")]
enum Choice {
    /// The first thing.
    First,
    #[outline(description = "The second thing")]
    Second { weight: u8 },
}

#[derive(Structured)]
#[outline(description = "split")]
#[outline(name = "Split")]
struct Split {
    value: u8,
}

fn main() {
    assert!(Range::from_json(r#"{"low": 1, "high": 2}"#).is_ok());
    assert!(Range::from_json(r#"{"low": 3, "high": 2}"#).is_err());
    assert!(Choice::from_json(r#""First""#).is_ok());
    let _ = Split::json_schema();
}
