use outlines::Structured;

#[derive(Structured)]
#[outline(crate = "outlines")]
struct Person {
    #[outline(min = 1)]
    name: String,
}

#[derive(Structured)]
#[outline(crate = outlines)]
enum Kind {
    Person(Person),
    Nobody,
}

mod reexport {
    pub use outlines as dependency;
}

#[derive(Structured)]
#[outline(crate = "reexport::dependency")]
struct Aliased {
    #[outline(inner(format = "email"))]
    emails: Vec<String>,
}

fn main() {
    assert!(Person::from_json(r#"{"name": ""}"#).is_err());
    assert!(Kind::from_json(r#""Nobody""#).is_ok());
    let _ = Aliased::json_schema();
}
