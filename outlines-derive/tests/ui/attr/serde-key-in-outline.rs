use outlines::Structured;

#[derive(Structured)]
struct Person {
    #[outline(rename = "fullName")]
    name: String,
}

fn main() {}
