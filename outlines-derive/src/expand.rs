//! Parse → check → generate. Generated code is thin: it declares statics for the constraints and calls
//! runtime helpers in `outlines::__private`, where the semantics live and are unit-tested.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{DeriveInput, Ident, parse_quote};

use crate::ast::{Container, Data, Field};
use crate::ctxt::Ctxt;
use crate::{check, fallback, schema, validate};

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let cont = Container::from_ast(&cx, input);
    if let Some(cont) = &cont {
        check::check(&cx, cont);
    }
    match (cx.check(), cont) {
        (Ok(()), Some(cont)) => generate(&cont),
        (Err(errors), cont) => fallback::emit(input, cont.as_ref(), errors),
        (Ok(()), None) => TokenStream::new(),
    }
}

/// What every generator needs: paths, generics, and fresh names for statics.
pub(crate) struct Gen<'a> {
    pub(crate) cont: &'a Container<'a>,
    /// Path to the runtime's hidden module.
    pub(crate) private: TokenStream,
    pub(crate) impl_generics: syn::Generics,
    counter: std::cell::Cell<usize>,
    /// The `&'static Constraints` expression of each field, declared once and shared by the schema
    /// and the validator (keyed by the field's id).
    field_constraints: std::cell::RefCell<std::collections::HashMap<usize, TokenStream>>,
}

impl<'a> Gen<'a> {
    pub(crate) fn new(cont: &'a Container<'a>) -> Self {
        let private = private_path(cont.attrs.crate_path.as_ref());
        Gen {
            cont,
            impl_generics: bounded_generics(cont.generics, &private),
            private,
            counter: std::cell::Cell::new(0),
            field_constraints: Default::default(),
        }
    }

    /// The constraints of `field` as a `&'static Constraints` expression; the statics are declared into
    /// `items` the first time.
    pub(crate) fn constraints(&self, field: &Field, items: &mut TokenStream) -> TokenStream {
        let key = field.id;
        if let Some(found) = self.field_constraints.borrow().get(&key) {
            return found.clone();
        }
        let expr = crate::constraints::constraints_ref(self, &field.attrs.rules, items);
        self.field_constraints
            .borrow_mut()
            .insert(key, expr.clone());
        expr
    }

    /// A fresh identifier for a generated item: `__C0`, `__P1`, ...
    pub(crate) fn fresh(&self, prefix: &str) -> Ident {
        let n = self.counter.get();
        self.counter.set(n + 1);
        format_ident!("__{}{}", prefix, n)
    }

    /// `Person<T>` (the container with its type arguments).
    pub(crate) fn self_ty(&self) -> TokenStream {
        let ident = self.cont.ident;
        let (_, ty_generics, _) = self.cont.generics.split_for_impl();
        quote!(#ident #ty_generics)
    }

    /// `impl<...>` generics, `<...>` arguments and the where clause, with `Structured` bounds added.
    pub(crate) fn split(&self) -> (TokenStream, TokenStream, TokenStream) {
        let (impl_generics, ty_generics, where_clause) = self.impl_generics.split_for_impl();
        (
            quote!(#impl_generics),
            quote!(#ty_generics),
            quote!(#where_clause),
        )
    }

    /// The visibility of generated helper types: the container's own, since they appear as associated
    /// types of its trait impls and may be neither more nor less visible.
    pub(crate) fn vis(&self) -> &syn::Visibility {
        self.cont.vis
    }

    /// `PhantomData` binding every type parameter, for generated helper types.
    pub(crate) fn marker(&self) -> TokenStream {
        let self_ty = self.self_ty();
        quote!(::core::marker::PhantomData<fn() -> #self_ty>)
    }
}

/// `::outlines::__private`, or `<crate>::__private` under `#[outline(crate = "...")]`.
pub(crate) fn private_path(crate_path: Option<&syn::Path>) -> TokenStream {
    match crate_path {
        Some(path) => quote!(#path::__private),
        None => quote!(::outlines::__private),
    }
}

/// The container's generics with `T: Structured` added to every type parameter.
pub(crate) fn bounded_generics(generics: &syn::Generics, private: &TokenStream) -> syn::Generics {
    let mut generics = generics.clone();
    for param in generics.type_params_mut() {
        param.bounds.push(parse_quote!(#private::Structured));
    }
    generics
}

fn generate(cont: &Container<'_>) -> TokenStream {
    let g = Gen::new(cont);
    let private = &g.private;
    let self_ty = g.self_ty();
    let (impl_generics, _, where_clause) = g.split();

    let mut items = TokenStream::new();
    let schema_body = schema::schema_fn_body(&g, &mut items);
    let deserialize_body = validate::deserialize_fn_body(&g, &mut items);
    // A transparent struct is absent when its field may be; a plain newtype is not (as in serde).
    let missing = match &cont.data {
        Data::Struct(_, fields) if cont.attrs.transparent.is_some() => {
            fields.iter().find(|f| !f.skipped()).map(|field| {
                let ty = &field.ty;
                let member = &field.member;
                let rest = fields.iter().filter(|f| f.skipped()).map(|f| {
                    let m = &f.member;
                    quote!(#m: ::core::default::Default::default())
                });
                quote! {
                    fn __missing() -> ::core::option::Option<Self> {
                        <#ty as #private::Structured>::__missing().map(|__f| Self { #member: __f, #(#rest,)* })
                    }
                }
            })
        }
        _ => None,
    };

    quote! {
        #[doc(hidden)]
        #[allow(
            non_upper_case_globals,
            non_camel_case_types,
            unused_qualifications,
            unreachable_pub,
            clippy::all,
            clippy::pedantic,
            clippy::nursery
        )]
        const _: () = {
            #items

            #[automatically_derived]
            impl #impl_generics #private::Structured for #self_ty #where_clause {
                fn schema() -> #private::Schema {
                    #schema_body
                }

                fn __deserialize<'de, __D: #private::Deserializer<'de>>(
                    __de: __D,
                    __cx: &mut #private::Cx<'_>,
                    __c: &'static #private::Constraints,
                ) -> ::core::result::Result<::core::option::Option<Self>, __D::Error> {
                    let _ = __c;
                    #deserialize_body
                }

                #missing
            }
        };
    }
}

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
