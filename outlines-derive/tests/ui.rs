//! Compile-time behaviour of `#[derive(Structured)]`: every misuse is one clear error at its span
//! (`tests/ui/<topic>/*.rs` + `.stderr`), and every supported form compiles (`tests/ui/pass`).
//!
//! The `.stderr` files pin the exact text rustc prints, which changes between compiler releases, so
//! they are only checked on the compiler they were written with. Regenerate them with
//! `TRYBUILD=overwrite cargo test -p outlines-derive --test ui` and read every one before committing.

/// The compile-fail cases, whose `.stderr` files only match the compiler they were written with; on
/// any other compiler the test is reported as ignored, with the reason.
///
/// Apart from the pass cases on purpose: trybuild checks the compile-fail cases of a run in one
/// `cargo check` only when the run has no pass case; with one, it builds every case alone.
#[rustversion::attr(
    not(stable(1.95)),
    ignore = "the .stderr files were written with rustc 1.95 and only match its output"
)]
#[test]
fn compile_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/attr/*.rs");
    t.compile_fail("tests/ui/constraints/*.rs");
    t.compile_fail("tests/ui/types/*.rs");
    t.compile_fail("tests/ui/serde/*.rs");
}

/// Every supported form compiles, on any compiler.
#[test]
fn compiles() {
    trybuild::TestCases::new().pass("tests/ui/pass/*.rs");
}
