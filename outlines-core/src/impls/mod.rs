//! `Structured` for the standard types.

mod collections;
mod maps;
mod primitives;
mod tuples;
mod wrappers;
