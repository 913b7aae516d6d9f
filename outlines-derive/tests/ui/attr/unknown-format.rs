use outlines::Structured;

#[derive(Structured)]
struct Contact {
    #[outline(format = "emial")]
    email: String,
}

fn main() {}
