use outlines::Structured;

#[derive(Structured)]
struct Person {
    #[outline(regex = "^[A-Z]")]
    name: String,
}

fn main() {}
