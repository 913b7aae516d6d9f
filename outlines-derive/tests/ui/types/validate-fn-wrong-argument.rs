use outlines::Structured;

fn positive(value: &i64) -> Result<(), String> {
    if *value > 0 { Ok(()) } else { Err("must be positive".into()) }
}

#[derive(Structured)]
struct Person {
    #[outline(validate = positive)]
    name: String,
}

fn main() {}
