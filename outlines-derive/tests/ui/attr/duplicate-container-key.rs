use outlines::Structured;

#[derive(Structured)]
#[outline(name = "Human")]
#[outline(description = "A person", name = "Person")]
struct Person {
    name: String,
}

fn main() {}
