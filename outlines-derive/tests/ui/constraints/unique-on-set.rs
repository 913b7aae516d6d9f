use std::collections::BTreeSet;

use outlines::Structured;

#[derive(Structured)]
struct Tags {
    #[outline(unique)]
    tags: BTreeSet<String>,
}

fn main() {}
