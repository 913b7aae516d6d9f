use outlines::Structured;

#[derive(Structured)]
struct Person {
    #[outline(min = 1)]
    name: Strng,
}

fn main() {}
