//! What every code generator uses: the generation context (runtime path, bounded generics, fresh
//! names, the constraint statics shared by the schema and the validator) and the small expressions
//! they all build.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::spanned::Spanned as _;
use syn::{Ident, parse_quote};

use crate::ast::{Container, Field};
use crate::span::respan;

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

    /// The `&'static Constraints` expression of the field with id `field`: made by `declare` the
    /// first time, the same expression after.
    pub(crate) fn shared_constraints(
        &self,
        field: usize,
        declare: impl FnOnce() -> TokenStream,
    ) -> TokenStream {
        if let Some(found) = self.field_constraints.borrow().get(&field) {
            return found.clone();
        }
        let expr = declare();
        self.field_constraints
            .borrow_mut()
            .insert(field, expr.clone());
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

    /// Whether `field`'s type names the container (or `Self`) anywhere, as a newtype of itself does
    /// (`struct Tree(Vec<Tree>)`). A cycle through other types is not seen.
    pub(crate) fn holds_itself(&self, field: &Field) -> bool {
        fn within(tokens: TokenStream, ident: &Ident) -> bool {
            tokens.into_iter().any(|token| match token {
                proc_macro2::TokenTree::Ident(name) => name == "Self" || name == *ident,
                proc_macro2::TokenTree::Group(group) => within(group.stream(), ident),
                _ => false,
            })
        }
        let ty = &field.ty;
        within(quote!(#ty), self.cont.ident)
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

/// `<FieldType as Structured>::name`, spanned at the field's type: if the type is not `Structured`,
/// every such use fails with the same error at the type, reported once.
pub(crate) fn structured_fn(g: &Gen<'_>, ty: &syn::Type, name: &str) -> TokenStream {
    let private = &g.private;
    let name = syn::Ident::new(name, ty.span());
    respan(quote!(<#ty as #private::Structured>::#name), ty.span())
}

/// The text a rule is reported under: `path::to_fn`, as written.
pub(crate) fn path_name(path: &syn::Path) -> String {
    quote!(#path).to_string().replace(' ', "")
}
