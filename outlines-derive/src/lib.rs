//! `#[derive(Structured)]`: from one type declaration, the schema an LLM is shown and the validator its
//! reply is checked with. Use it through the `outlines` crate; see its documentation for the attributes.
//!
//! The modules are layers, listed bottom to top: each names (in its `use` declarations and its paths
//! from the crate root) only modules listed before it. The pipeline is on top and reads down; nothing
//! knows what uses it.
//!
//! 1. `symbol` — attribute keys
//! 2. `case` — `rename_all` rules
//! 3. `ctxt` — the error sink
//! 4. `span` — re-spanning tokens
//! 5. `attr` — `#[outline(...)]` and `#[serde(...)]` parsed into typed attributes
//! 6. `ast` — the input as a typed model
//! 7. `check` — rules across attributes and the type's shape
//! 8. `codegen` — the generation context and the expressions every generator builds
//! 9. `constraints` — the constraint statics and their applicability checks
//! 10. `validate` — `Structured::__deserialize`
//! 11. `schema` — `Structured::schema`
//! 12. `partial` — `Structured::Partial`: the partial form of the type
//! 13. `fallback` — the stand-in impl emitted with errors
//! 14. `expand` — the pipeline: parse → check → generate (or fall back)

#![forbid(unsafe_code)]

mod ast;
mod attr;
mod case;
mod check;
mod codegen;
mod constraints;
mod ctxt;
mod expand;
mod fallback;
mod partial;
mod schema;
mod span;
mod symbol;
mod validate;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `outlines::Structured`. See the `outlines` crate for the `#[outline(...)]` attributes and
/// the `#[serde(...)]` attributes it follows.
#[proc_macro_derive(Structured, attributes(outline, serde))]
pub fn derive_structured(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
