use outlines::Structured;

#[derive(Structured)]
struct Person {
    #[outline(pattern = "^[A-Z]")]
    #[outline(pattern = "[a-z]$")]
    name: String,
}

fn main() {}
