//! When the input has errors, emit them together with a stand-in impl, so code that uses the type
//! (`Person::from_json(...)`) does not add a cascade of "trait not implemented" errors.
//!
//! The stand-in still carries the type-level checks (field types are `Structured`, each key applies
//! to its field's type), so a mistake only the compiler can see is reported in the same build as the
//! attribute mistakes, not after they are fixed.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::Container;
use crate::codegen::{Gen, bounded_generics, private_path};
use crate::schema;

pub(crate) fn emit(
    input: &syn::DeriveInput,
    cont: Option<&Container<'_>>,
    errors: syn::Error,
) -> TokenStream {
    let errors = errors.into_compile_error();
    // A type with lifetimes cannot be `Structured` ('static); no stand-in is possible.
    if input.generics.lifetimes().next().is_some() {
        return errors;
    }
    let private = private_path(cont.and_then(|c| c.attrs.crate_path.as_ref()));
    let generics = bounded_generics(&input.generics, &private);
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    let (_, ty_generics, _) = input.generics.split_for_impl();
    let ident = &input.ident;
    let checks = cont
        .map(|cont| schema::type_checks(&Gen::new(cont)))
        .unwrap_or_default();
    quote! {
        #errors

        #[allow(unused_variables)]
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #private::Structured for #ident #ty_generics #where_clause {
                fn schema() -> #private::Schema {
                    #checks
                    #private::Schema::new(#private::Kind::Any)
                }

                fn __deserialize<'de, __D: #private::Deserializer<'de>>(
                    __de: __D,
                    __cx: &mut #private::Cx<'_>,
                    __c: &'static #private::Constraints,
                ) -> ::core::result::Result<::core::option::Option<Self>, __D::Error> {
                    ::core::result::Result::Ok(::core::option::Option::None)
                }

                type Partial = Self;

                fn partial(__node: #private::NodeRef<'_>) -> ::core::option::Option<Self> {
                    ::core::option::Option::None
                }
            }
        };
    }
}
