use outlines::Structured;

#[derive(Structured)]
struct Person {
    #[outline(minn = 1)]
    age: u32,
}

fn main() {}
