//! `Streamable`: the partial form of the type, shown while a reply writes it.
//!
//! A struct with named fields gets a partial struct of its own: the same fields, each
//! `Option<Part<partial of the field's type>>`, read from the reply's tree by key (or alias). A
//! flattened field reads the same object. Every other shape (enums, tuple structs, generic types)
//! appears when whole. The partial struct is declared inside the derive's anonymous block, so it
//! adds no name to the user's module; it is reached as `Partial<T>`. It is always `Debug`: a field
//! whose type is not prints as `…` (picked by autoref, since bounds on a recursive partial would
//! never resolve).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ast::{Data, Style};
use crate::codegen::Gen;

pub(crate) fn streamable_impl(g: &Gen<'_>) -> TokenStream {
    let private = &g.private;
    let self_ty = g.self_ty();
    let (impl_generics, _, where_clause) = g.split();
    let cont = g.cont;
    let fields = match &cont.data {
        Data::Struct(Style::Struct, fields)
            if cont.generics.params.is_empty() && cont.attrs.transparent.is_none() =>
        {
            fields
        }
        _ => {
            return quote! {
                #[automatically_derived]
                impl #impl_generics #private::Streamable for #self_ty #where_clause {
                    type Partial = Self;

                    fn partial(__node: #private::NodeRef<'_>) -> ::core::option::Option<Self> {
                        #private::whole::<Self>(__node)
                    }
                }
            };
        }
    };
    let name = format_ident!("{}Partial", cont.ident);
    let shown = name.to_string();
    let vis = cont.vis;
    let fields: Vec<_> = fields.iter().filter(|f| !f.skipped()).collect();
    let members: Vec<_> = fields.iter().map(|f| &f.member).collect();
    let types: Vec<_> = fields
        .iter()
        .map(|f| {
            let ty = &f.ty;
            quote!(::core::option::Option<#private::Part<<#ty as #private::Streamable>::Partial>>)
        })
        .collect();
    let reads = fields.iter().map(|f| {
        let ty = &f.ty;
        let node = if f.attrs.flatten.is_some() {
            quote!(::core::option::Option::Some(__node))
        } else {
            let keys = std::iter::once(&f.name).chain(&f.attrs.aliases);
            quote!(None #(.or_else(|| __node.get(#keys)))*)
        };
        quote!(#private::part::<#ty>(#node))
    });
    let docs = format!("What a reply has written of a [`{}`] so far.", cont.ident);
    quote! {
        #[doc = #docs]
        #[derive(Default)]
        #vis struct #name {
            #(pub #members: #types,)*
        }

        impl ::core::fmt::Debug for #name {
            fn fmt(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #[allow(unused_imports)]
                use #private::{ShowDebug as _, ShowOpaque as _};
                __f.debug_struct(#shown)
                    #(.field(stringify!(#members), &#private::DebugWith(|__f: &mut ::core::fmt::Formatter<'_>| (&&#private::Show(&self.#members)).show(__f))))*
                    .finish()
            }
        }

        #[automatically_derived]
        impl #private::Streamable for #self_ty {
            type Partial = #name;

            fn partial(__node: #private::NodeRef<'_>) -> ::core::option::Option<#name> {
                if __node.members().is_none() {
                    return ::core::option::Option::None;
                }
                ::core::option::Option::Some(#name {
                    #(#members: #reads,)*
                })
            }
        }
    }
}
