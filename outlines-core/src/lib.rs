//! Runtime of [outlines](https://docs.rs/outlines): the schema IR and its renderers (JSON Schema, a
//! compact prompt description), the typed validator and its diagnostics, the generation loop and the
//! backends it talks to.
//!
//! Most users depend on the `outlines` crate, which re-exports this one together with
//! `#[derive(Structured)]`.

#![forbid(unsafe_code)]

pub mod backend;
pub mod batch;
pub mod diagnostics;
pub mod generate;
mod impls;
pub mod lenient;
pub mod output;
pub mod partial;
pub mod rules;
pub mod schema;
mod structured;
pub(crate) mod text;
mod validate;

#[doc(hidden)]
pub mod __private;

pub use backend::{Backend, BackendError, OutputMode, Usage};
pub use batch::Batch;
pub use diagnostics::{Diagnostics, ErrorKind, Path, Segment, Violation};
pub use generate::{Error, Generate, GenerateOutput, Generation, Report, Template, TemplateError};
pub use output::Output;
pub use schema::{Definition, Schema};
pub use structured::{Partial, Structured};
pub use validate::MAX_DEPTH;
