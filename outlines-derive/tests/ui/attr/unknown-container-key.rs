use outlines::Structured;

#[derive(Structured)]
#[outline(nmae = "Human")]
struct Person {
    name: String,
}

fn main() {}
