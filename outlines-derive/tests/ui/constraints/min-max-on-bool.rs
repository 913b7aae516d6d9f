use outlines::Structured;

#[derive(Structured)]
struct Settings {
    #[outline(min = 0)]
    enabled: bool,
}

fn main() {}
