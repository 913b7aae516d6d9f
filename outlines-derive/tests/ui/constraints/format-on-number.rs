use outlines::Structured;

#[derive(Structured)]
struct Server {
    #[outline(format = "ipv4")]
    address: u32,
}

fn main() {}
