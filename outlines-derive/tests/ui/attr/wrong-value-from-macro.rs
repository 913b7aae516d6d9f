use outlines::Structured;

macro_rules! contact {
    ($format:literal, $min:literal) => {
        #[derive(Structured)]
        struct Contact {
            #[outline(format = $format)]
            email: String,
            #[outline(min = $min)]
            age: u32,
        }
    };
}

contact!("e-mail", "18");

fn main() {}
