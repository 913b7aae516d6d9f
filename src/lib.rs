#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub use outlines_core::*;
pub use outlines_derive::Structured;

/// Token-level constraints for local models: see [`outlines_guide`].
#[cfg(feature = "guide")]
pub use outlines_guide as guide;

/// The embedded local model backend: see [`outlines_local`].
#[cfg(feature = "local")]
pub use outlines_local as local;
