#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub use outlines_core::*;
pub use outlines_derive::Structured;
