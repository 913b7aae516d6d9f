//! Token spans: where the compiler reports a problem in generated code.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// Re-spans every token, so a type error in a check points at the attribute key that asked for it.
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let proc_macro2::TokenTree::Group(g) = &tt {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = proc_macro2::TokenTree::Group(group);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

/// `let __v = __v;`, the new binding at `span`: put before tokens re-spanned to `span` (in a block
/// around both), so that they see the derive's local `name`.
///
/// A re-spanned token takes the span's hygiene. When the span comes from a `macro_rules!` fragment
/// (an attribute, a path or a type passed through one), the derive's locals are invisible under
/// it; rebound at the span, they are visible again. Anywhere else this only shadows a local with
/// itself.
pub(crate) fn rebind(span: Span, name: &str) -> TokenStream {
    let (inner, outer) = (Ident::new(name, span), Ident::new(name, Span::call_site()));
    quote!(let #inner = #outer;)
}

/// [`rebind`] by reference: `let __value = &__value;`, for an owned local.
pub(crate) fn rebind_ref(span: Span, name: &str) -> TokenStream {
    let (inner, outer) = (Ident::new(name, span), Ident::new(name, Span::call_site()));
    quote!(let #inner = &#outer;)
}

/// [`rebind`] for a `&mut` local, reborrowed so that it stays usable after the block.
pub(crate) fn rebind_mut(span: Span, name: &str) -> TokenStream {
    let (inner, outer) = (Ident::new(name, span), Ident::new(name, Span::call_site()));
    quote!(let #inner = &mut *#outer;)
}

/// The reverse of [`rebind`]: `let __v = __v;` with the new binding the derive's, after tokens at
/// `span` bound `name` anew, so the derive's own tokens below see that binding.
pub(crate) fn unbind(span: Span, name: &str) -> TokenStream {
    let (inner, outer) = (Ident::new(name, span), Ident::new(name, Span::call_site()));
    quote!(let #outer = #inner;)
}
