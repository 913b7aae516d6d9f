//! Parse → check → generate. Generated code is thin: it declares statics for the constraints and calls
//! runtime helpers in `outlines::__private`, where the semantics live and are unit-tested.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::ast::{Container, Data};
use crate::check;
use crate::codegen::Gen;
use crate::ctxt::Ctxt;
use crate::fallback;
use crate::partial;
use crate::schema;
use crate::validate;

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

fn generate(cont: &Container<'_>) -> TokenStream {
    let g = Gen::new(cont);
    let private = &g.private;
    let self_ty = g.self_ty();
    let (impl_generics, _, where_clause) = g.split();

    let mut items = TokenStream::new();
    let schema_body = schema::schema_fn_body(&g, &mut items);
    let deserialize_body = validate::deserialize_fn_body(&g, &mut items);
    let partial = partial::partial_members(&g, &mut items);
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

                #partial
            }
        };
    }
}
