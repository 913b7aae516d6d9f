use outlines::Structured;

#[derive(Structured)]
struct Code {
    #[outline(pattern = "(?i)^abc$")]
    code: String,
}

fn main() {}
