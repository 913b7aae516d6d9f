use outlines::Structured;

#[derive(Structured)]
struct Person {
    #[outline(min = "x", maxx = 3)]
    age: u32,
}

fn main() {}
