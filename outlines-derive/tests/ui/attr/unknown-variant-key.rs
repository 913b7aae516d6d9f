use outlines::Structured;

#[derive(Structured)]
enum Color {
    #[outline(min = 1)]
    Red,
    Green,
}

fn main() {}
