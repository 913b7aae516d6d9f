//! The fixtures test binaries share: the Person the loop is tested with, fast retries, and ways to
//! look into a failed generation. A binary includes it as `mod fixtures` (`#[path]`).

#![allow(dead_code)] // each test binary uses what it needs
#![allow(unreachable_pub)] // `pub` for every binary that includes this file

use outlines::Structured;
use outlines::backend::BackendError;
#[cfg(any(feature = "openai", feature = "anthropic"))]
use outlines::backend::http::RetryPolicy;
use outlines::generate::Cause;
use serde_json::{Value, json};

/// A person mentioned in the text.
#[derive(Debug, PartialEq, Structured)]
pub struct Person {
    #[outline(min = 1, max = 80)]
    pub name: String,
    #[outline(min = 0, max = 120)]
    pub age: u8,
    pub role: Role,
}

/// What the person may do.
#[derive(Debug, PartialEq, Structured)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Admin,
}

pub fn valid() -> Value {
    json!({"name": "John", "age": 25, "role": "admin"})
}

pub fn invalid() -> Value {
    json!({"name": "", "age": 150, "role": "boss"})
}

pub fn john() -> Person {
    Person {
        name: "John".into(),
        age: 25,
        role: Role::Admin,
    }
}

/// Retries that take milliseconds, unless a server asks for a wait.
#[cfg(any(feature = "openai", feature = "anthropic"))]
pub fn fast() -> RetryPolicy {
    use std::time::Duration;
    RetryPolicy::default().with_backoff(Duration::from_millis(1), Duration::from_millis(5))
}

/// The backend error a generation ended with.
pub fn backend_error(cause: &Cause) -> &BackendError {
    match cause {
        Cause::Backend(error) => error,
        other => panic!("expected a backend error, got {other:?}"),
    }
}

/// Every error in `error`'s `source()` chain, outermost first.
pub fn sources(error: &dyn std::error::Error) -> Vec<String> {
    std::iter::successors(error.source(), |e| e.source())
        .map(ToString::to_string)
        .collect()
}
