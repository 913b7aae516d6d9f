use outlines::Structured;

#[derive(Structured)]
struct Inner {
    a: u8,
}

fn never(_: &Inner) -> Result<(), String> {
    Err("never".into())
}

#[derive(Structured)]
struct Outer {
    #[serde(flatten)]
    #[outline(validate = never, description = "lost", example = 3)]
    inner: Inner,
}

fn main() {}
