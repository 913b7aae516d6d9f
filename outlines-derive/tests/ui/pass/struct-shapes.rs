use outlines::Structured;

#[derive(Structured)]
pub struct Named {
    value: u8,
}

#[derive(Structured)]
struct Tuple(#[outline(min = 0)] f64, #[outline(max = 3)] String);

#[derive(Structured)]
struct Newtype(#[outline(min = 1, max = 10)] u8);

#[derive(Structured)]
struct Unit;

#[derive(Structured)]
struct Empty {}

#[derive(Structured)]
pub struct Public {
    pub value: Named,
}

pub(crate) mod inner {
    #[derive(outlines::Structured)]
    pub(crate) struct Restricted {
        pub(crate) value: u8,
    }
}

fn main() {
    assert!(Tuple::from_json(r#"[1.5, "abc"]"#).is_ok());
    assert!(Newtype::from_json("11").is_err());
    assert!(Unit::from_json("null").is_ok());
    assert!(Empty::from_json("{}").is_ok());
    let _ = Public::json_schema();
    let _ = <inner::Restricted as Structured>::json_schema();
}
