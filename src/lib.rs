#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub use outlines_core::*;
pub use outlines_derive::Structured;

/// Token-level constraints for local models: see [`outlines_guide`].
#[cfg(feature = "guide")]
pub use outlines_guide as guide;
