//! `#[derive(Structured)]`: from one type declaration, the schema an LLM is shown and the validator its
//! reply is checked with. Use it through the `outlines` crate; see its documentation for the attributes.

#![forbid(unsafe_code)]

mod ast;
mod attr;
mod case;
mod check;
mod constraints;
mod ctxt;
mod expand;
mod fallback;
mod schema;
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
