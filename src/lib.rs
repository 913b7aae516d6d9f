#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

// Named one by one, so that what the facade offers is a decision, not whatever the runtime exports.
pub use outlines_core::partial::Part;
pub use outlines_core::{
    Backend, BackendError, Batch, Definition, Diagnostics, Error, ErrorKind, Generate,
    GenerateOutput, Generation, MAX_DEPTH, Output, OutputMode, Partial, Path, Report, Schema,
    Segment, Structured, Template, TemplateError, Usage, Violation,
};
pub use outlines_core::{
    backend, batch, diagnostics, generate, lenient, output, partial, rules, schema,
};
pub use outlines_derive::Structured;

#[doc(hidden)]
pub use outlines_core::__private;

/// The traits a program that generates values needs in scope: `use outlines::prelude::*;` brings
/// `#[derive(Structured)]`, [`Structured`] (`T::from_json`, `T::json_schema`, ...) and [`Generate`]
/// (`T::generate`, `T::generation`), [`GenerateOutput`] (`output.generate`, for outputs chosen at
/// run time), and the methods of `futures_util::StreamExt` (`updates.next().await` on a stream of
/// updates) without its name, as `futures::prelude` does, so that another `StreamExt` can be named.
pub mod prelude {
    pub use crate::{Generate, GenerateOutput, Structured};
    pub use futures_util::StreamExt as _;
}

/// Token-level constraints for local models: see [`outlines_guide`] (with `local` alone, without the
/// tiktoken vocabularies).
#[cfg(any(feature = "guide", feature = "local"))]
pub use outlines_guide as guide;

/// The embedded local model backend: see [`outlines_local`].
#[cfg(feature = "local")]
pub use outlines_local as local;
