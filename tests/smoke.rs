//! Smoke test of the derive (temporary).
use outlines::Structured;

/// A person mentioned in the text.
#[derive(Debug, Structured, PartialEq)]
struct Person {
    /// Full name.
    #[outline(min = 1, max = 80)]
    name: String,
    #[outline(min = 0, max = 120)]
    age: u8,
    #[outline(pattern = r"^[^@\s]+@[^@\s]+\.[a-z]+$")]
    email: Option<String>,
    role: Role,
}

#[derive(Debug, Structured, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Role {
    User,
    Admin,
}

#[test]
fn smoke() {
    let p = Person::from_json(r#"{"name":"John","age":25,"email":"john@x.io","role":"admin"}"#)
        .unwrap();
    assert_eq!(p.age, 25);
    println!(
        "{}",
        serde_json::to_string_pretty(&Person::json_schema()).unwrap()
    );
    println!("{}", Person::describe());
    let err = Person::from_json(r#"{"name":"","age":150,"email":"nope","role":"boss","x":1}"#)
        .unwrap_err();
    println!("{err}");
}
