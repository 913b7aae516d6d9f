//! Each field's `#[outline(...)]` becomes a `static Constraints` (regexes get their own `static
//! Pattern`, compiled once on first use) plus compile-time checks that each key applies to the field's
//! type, spanned at the key.

use proc_macro2::{Literal, Span, TokenStream};
use quote::quote;

use crate::ast::Field;
use crate::attr::{LitValue, Num, OneOf, Rules, Spanned};
use crate::check::numeric_only;
use crate::codegen::Gen;
use crate::span::{rebind, respan, unbind};

/// The constraints of `field` as a `&'static Constraints` expression, shared by the schema and the
/// validator: the statics are declared into `items` the first time.
pub(crate) fn for_field(g: &Gen<'_>, field: &Field, items: &mut TokenStream) -> TokenStream {
    g.shared_constraints(field.id, || constraints_ref(g, &field.attrs.rules, items))
}

/// Declares the statics for `rules` into `items`; returns an expression of type
/// `&'static Constraints`.
fn constraints_ref(g: &Gen<'_>, rules: &Rules, items: &mut TokenStream) -> TokenStream {
    let private = &g.private;
    if rules.is_empty() {
        return quote!(#private::Constraints::none());
    }
    let name = declare(g, rules, items);
    quote!(&#name)
}

fn declare(g: &Gen<'_>, rules: &Rules, items: &mut TokenStream) -> syn::Ident {
    let private = &g.private;
    let name = g.fresh("C");
    let mut keys = Vec::new();
    let bound = |key: &str, n: &Option<Spanned<Num>>| {
        n.as_ref().map(|n| {
            let key = syn::Ident::new(key, Span::call_site());
            let value = bound(private, n.value);
            quote!(#key: ::core::option::Option::Some(#value))
        })
    };
    keys.extend(bound("min", &rules.min));
    keys.extend(bound("max", &rules.max));
    keys.extend(bound("exclusive_min", &rules.exclusive_min));
    keys.extend(bound("exclusive_max", &rules.exclusive_max));
    keys.extend(bound("multiple_of", &rules.multiple_of));
    if let Some(pattern) = &rules.pattern {
        let pattern_name = g.fresh("P");
        let lit = &pattern.value;
        items.extend(
            quote!(static #pattern_name: #private::Pattern = #private::Pattern::new(#lit);),
        );
        keys.push(quote!(pattern: ::core::option::Option::Some(&#pattern_name)));
    }
    if let Some(format) = &rules.format {
        let variant = syn::Ident::new(format.value, Span::call_site());
        keys.push(quote!(format: ::core::option::Option::Some(#private::Format::#variant)));
    }
    if rules.unique.is_some() {
        keys.push(quote!(unique: true));
    }
    if let Some(one_of) = &rules.one_of {
        let values: Vec<TokenStream> = match &one_of.value {
            OneOf::Str(values) => values
                .iter()
                .map(|s| quote!(#private::Literal::Str(#s)))
                .collect(),
            OneOf::Num(values) => values
                .iter()
                .map(|n| literal(private, &LitValue::Num(*n)))
                .collect(),
        };
        keys.push(quote!(one_of: &[#(#values),*]));
    }
    if let Some(inner) = &rules.inner {
        let inner_name = declare(g, &inner.value, items);
        keys.push(quote!(inner: ::core::option::Option::Some(&#inner_name)));
    }
    items.extend(quote! {
        static #name: #private::Constraints = #private::Constraints {
            #(#keys,)*
            ..#private::Constraints::NONE
        };
    });
    name
}

/// `Bound::Int(5)`, `Bound::Float(-0.5)`.
fn bound(private: &TokenStream, n: Num) -> TokenStream {
    let value = number(n);
    match n {
        Num::Int(_) => quote!(#private::Bound::Int(#value)),
        Num::Float(_) => quote!(#private::Bound::Float(#value)),
    }
}

/// A number literal; negative values as `-lit`, since literal tokens cannot carry a sign.
fn number(n: Num) -> TokenStream {
    let (lit, negative) = match n {
        Num::Int(i) => (Literal::u128_unsuffixed(i.unsigned_abs()), i < 0),
        Num::Float(f) => (Literal::f64_unsuffixed(f.abs()), f < 0.0),
    };
    if negative {
        quote!(-#lit)
    } else {
        quote!(#lit)
    }
}

/// A `Literal` value expression for `one_of` and `example`.
pub(crate) fn literal(private: &TokenStream, value: &LitValue) -> TokenStream {
    match value {
        LitValue::Str(s) => quote!(#private::Literal::Str(#s)),
        LitValue::Bool(b) => quote!(#private::Literal::Bool(#b)),
        LitValue::Num(n @ Num::Int(_)) => {
            let v = number(*n);
            quote!(#private::Literal::Int(#v))
        }
        LitValue::Num(n @ Num::Float(_)) => {
            let v = number(*n);
            quote!(#private::Literal::Float(#v))
        }
    }
}

/// Statements asserting that each key in `rules` applies to `ty`, each spanned at its key.
///
/// Each check casts `__v: &FieldType` to `&dyn Marker`, where `Marker` is implemented for the types
/// the key makes sense on; a misuse is one type error at the key. `inner(...)` casts to
/// `&dyn Inner<Item = _>` and the checks for the item run on the result, so the item type is never
/// written as `<FieldType as Inner>::Item`: when the field is not a collection, each such projection
/// would repeat the "`inner(...)` does not apply" error at its own key, while an item type that could
/// not be inferred keeps rustc quiet about the keys below.
///
/// `unique` is left out: the validator's `check_unique` call, spanned at the key, already requires
/// `Unique`, and a second check would report the same mistake twice.
pub(crate) fn applicability(g: &Gen<'_>, ty: TokenStream, rules: &Rules) -> TokenStream {
    let private = &g.private;
    let checks = level_checks(g, rules);
    if checks.is_empty() {
        return TokenStream::new();
    }
    let item_of = rules.inner.as_ref().map(|_| {
        quote! {
            fn __item_of<__I: ?::core::marker::Sized>(
                _: &dyn #private::applies::Inner<Item = __I>,
            ) -> &__I {
                ::core::unreachable!()
            }
        }
    });
    quote! {
        let _ = |__v: &#ty| {
            #item_of
            #checks
        };
    }
}

/// The checks for one level of constraints, on `__v`.
fn level_checks(g: &Gen<'_>, rules: &Rules) -> TokenStream {
    let private = &g.private;
    let mut out = TokenStream::new();
    for (marker, span) in key_checks(rules) {
        let marker = syn::Ident::new(marker, span);
        let v = rebind(span, "__v");
        let check = respan(quote!(let _: &dyn #private::applies::#marker = __v;), span);
        out.extend(quote!({ #v #check }));
    }
    if let Some(inner) = &rules.inner {
        let v = rebind(inner.span, "__v");
        let cast = respan(
            quote! {
                let __items: &dyn #private::applies::Inner<Item = _> = __v;
                let __v = __item_of(__items);
            },
            inner.span,
        );
        let item = unbind(inner.span, "__v");
        let items = level_checks(g, &inner.value);
        out.extend(quote!({ #v #cast #item #items }));
    }
    out
}

/// The marker trait each key of one level needs, with the key's span. A negative or fractional
/// bound needs a number, which already implies that `min`/`max` apply.
fn key_checks(rules: &Rules) -> Vec<(&'static str, Span)> {
    let mut out = Vec::new();
    for n in [&rules.min, &rules.max].into_iter().flatten() {
        let marker = if numeric_only(n.value) {
            "Numeric"
        } else {
            "MinMax"
        };
        out.push((marker, n.span));
    }
    for n in [
        &rules.exclusive_min,
        &rules.exclusive_max,
        &rules.multiple_of,
    ]
    .into_iter()
    .flatten()
    {
        out.push(("Numeric", n.span));
    }
    if let Some(p) = &rules.pattern {
        out.push(("Text", p.span));
    }
    if let Some(f) = &rules.format {
        out.push(("Text", f.span));
    }
    if let Some(one_of) = &rules.one_of {
        match one_of.value {
            OneOf::Str(_) => out.push(("Text", one_of.span)),
            OneOf::Num(_) => out.push(("NumberOneOf", one_of.span)),
        }
    }
    out
}
