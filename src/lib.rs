#![doc = include_str!("../README.md")]

pub use outlines_core::*;
pub use outlines_derive::Structured;
