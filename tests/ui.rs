//! Compile-time behaviour of `#[derive(Structured)]`: every misuse is one clear error at its span
//! (`tests/ui/<topic>/*.rs` + `.stderr`), and every supported form compiles (`tests/ui/pass`).
//!
//! The `.stderr` files pin the exact text rustc prints, which changes between compiler releases, so
//! they are only checked on the compiler they were written with. Regenerate them with
//! `TRYBUILD=overwrite cargo test --test ui` and read every one before committing.

#[rustversion::stable(1.95)]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/attr/*.rs");
    t.compile_fail("tests/ui/constraints/*.rs");
    t.compile_fail("tests/ui/types/*.rs");
    t.compile_fail("tests/ui/serde/*.rs");
    t.pass("tests/ui/pass/*.rs");
}

#[rustversion::not(stable(1.95))]
#[test]
fn ui() {
    eprintln!(
        "skipping UI tests: their .stderr files were written with rustc 1.95 and only match its output"
    );
}
