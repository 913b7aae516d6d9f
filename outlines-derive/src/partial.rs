//! `Structured::Partial`: the partial form of the type, shown while a reply writes it.
//!
//! A struct with fields gets a partial struct of its own, generic or not: the same fields, each
//! `Option<Part<partial of the field's type>>`, read from the reply's tree by key (or alias) for
//! named fields, by position in the array for a tuple struct. A flattened field reads the same
//! object. A newtype or transparent struct is its field: its partial is the field's, read from the
//! same node. Enums and unit structs appear when whole (a prefix of a variant's name is no variant).
//!
//! The partial struct is declared inside the derive's anonymous block, so it adds no name to the
//! user's module; it is reached as `Partial<T>`. Its one parameter is the container type itself
//! (`PagePartial<Page<T>>`), which names each field's partial through `PartialField<i>`, so the
//! container's own parameters need no repeating. It is always `Debug`: a field whose type is not
//! prints as `…` (picked by autoref, since bounds on a recursive partial would never resolve); of a
//! generic container, when each parameter's partial is `Debug` (a bound on the parameters only,
//! which a recursive type meets too).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ast::{Data, Field, Style};
use syn::spanned::Spanned as _;

use crate::codegen::{Gen, structured_fn};
use crate::span::{rebind, rebind_mut, respan};

/// The `type Partial` and `fn partial` of the `Structured` impl; the partial struct, if any, goes
/// to `items`.
pub(crate) fn partial_members(g: &Gen<'_>, items: &mut TokenStream) -> TokenStream {
    let cont = g.cont;
    let Data::Struct(style, fields) = &cont.data else {
        return whole(g);
    };
    if cont.attrs.transparent.is_some() || *style == Style::Newtype {
        return match fields.iter().find(|f| !f.skipped()) {
            Some(field) => forward(g, field),
            None => whole(g),
        };
    }
    match style {
        Style::Struct => record(g, fields, true, items),
        Style::Tuple => record(g, fields, false, items),
        Style::Newtype | Style::Unit => whole(g),
    }
}

/// A value that appears only when whole.
fn whole(g: &Gen<'_>) -> TokenStream {
    let private = &g.private;
    quote! {
        type Partial = Self;

        fn partial(__node: #private::NodeRef<'_>) -> ::core::option::Option<Self> {
            #private::whole::<Self>(__node)
        }
    }
}

/// A newtype is its field in the reply (its schema is the field's, inlined), so its partial is the
/// field's, read from the same node.
fn forward(g: &Gen<'_>, field: &Field) -> TokenStream {
    let private = &g.private;
    let ty = structured_fn(g, &field.ty, "Partial");
    let partial = structured_fn(g, &field.ty, "partial");
    quote! {
        type Partial = #ty;

        fn partial(__node: #private::NodeRef<'_>) -> ::core::option::Option<#ty> {
            #partial(__node)
        }
    }
}

/// The partial struct of a struct with fields: `named`, read from an object by key; else a tuple
/// struct, read from an array by position (the schema's tuple has the unskipped fields in order).
fn record(g: &Gen<'_>, fields: &[Field], named: bool, items: &mut TokenStream) -> TokenStream {
    let private = &g.private;
    let cont = g.cont;
    let (impl_generics, _, where_clause) = g.split();
    let name = format_ident!("{}Partial", cont.ident);
    let shown = name.to_string();
    let vis = cont.vis;
    let fields: Vec<_> = fields.iter().filter(|f| !f.skipped()).collect();
    // The partial's members: the field's own names, or its position in the array.
    let members: Vec<syn::Member> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| match named {
            true => f.member.clone(),
            false => syn::Member::Unnamed(syn::Index {
                index: i as u32,
                span: f.ty.span(),
            }),
        })
        .collect();
    let self_ty = g.self_ty();
    // Each field's partial type is named through an impl (`<Self as PartialField<i>>::Type`), not
    // in the struct: a field type that does not resolve is then reported once, as the rest of the
    // derive's uses of it are, not again with advice for the partial struct.
    let mut types = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let partial = structured_fn(g, &f.ty, "Partial");
        items.extend(respan(
            quote! {
                impl #impl_generics #private::PartialField<#i> for #self_ty #where_clause {
                    type Type = #partial;
                }
            },
            f.ty.span(),
        ));
        types.push(respan(
            quote!(::core::option::Option<#private::Part<<__S as #private::PartialField<#i>>::Type>>),
            f.ty.span(),
        ));
    }
    let count = fields.len();
    let gather = if named {
        // Each key (a field's name or alias) and the fields it fills, with its rank among that
        // field's keys: one pass over the object's members finds every field.
        let mut arms: Vec<(&String, Vec<(usize, usize)>)> = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            if f.attrs.flatten.is_some() {
                continue;
            }
            for (rank, key) in std::iter::once(&f.name).chain(&f.attrs.aliases).enumerate() {
                match arms.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, fills)) => fills.push((i, rank)),
                    None => arms.push((key, vec![(i, rank)])),
                }
            }
        }
        let arms = arms.iter().map(|(key, fills)| {
            let fills = fills
                .iter()
                .map(|(i, rank)| quote!(#private::found(&mut __slots[#i], #rank, __child);));
            quote!(#key => { #(#fills)* })
        });
        quote! {
            let __members = __node.members()?;
            let mut __slots: [::core::option::Option<(usize, #private::NodeRef<'_>)>; #count] =
                [::core::option::Option::None; #count];
            for (__key, __child) in __members {
                match __key {
                    #(#arms)*
                    _ => {}
                }
            }
        }
    } else {
        // The items so far, in order: the first fields' (the rest are not written yet).
        quote! {
            let mut __slots: [::core::option::Option<(usize, #private::NodeRef<'_>)>; #count] =
                [::core::option::Option::None; #count];
            for (__slot, __item) in __slots.iter_mut().zip(__node.items()?) {
                *__slot = ::core::option::Option::Some((0, __item));
            }
        }
    };
    let reads = fields
        .iter()
        .zip(&members)
        .enumerate()
        .map(|(i, (f, member))| {
            let ty = &f.ty;
            let node = if f.attrs.flatten.is_some() {
                quote!(::core::option::Option::Some(__node))
            } else {
                quote!(__slots[#i].map(|(_, __n)| __n))
            };
            // Each field set in a statement spanned at its type (`__p` rebound there), as for `Debug`.
            let span = ty.span();
            let this = rebind_mut(span, "__p");
            let node_at = rebind(span, "__found");
            let set = respan(quote!(__p.#member = #private::part::<#ty>(__found);), span);
            quote!({ let __found = #node; #this #node_at #set })
        });
    let empty = fields
        .iter()
        .zip(&members)
        .map(|(f, member)| respan(quote!(#member: ::core::option::Option::None), f.ty.span()));
    // Spanned at the field's type, so that a type that does not resolve fails there, once; `__this`
    // is rebound at that span to stay visible under it.
    let shows: Vec<_> = fields
        .iter()
        .zip(&members)
        .map(|(f, member)| {
            let span = f.ty.span();
            let this = rebind(span, "__this");
            let show = respan(
                quote!(#private::DebugWith(move |__f: &mut ::core::fmt::Formatter<'_>| (&&#private::Show(&__this.#member)).show(__f))),
                span,
            );
            quote!({ #this #show })
        })
        .collect();
    let show = if named {
        quote!(__f.debug_struct(#shown) #(.field(stringify!(#members), &#shows))* .finish())
    } else {
        quote!(__f.debug_tuple(#shown) #(.field(&#shows))* .finish())
    };
    let index = 0..fields.len();
    let bounds = quote!(#(__S: #private::PartialField<#index>,)*);
    // A struct without fields still uses its parameter.
    let body = if fields.is_empty() {
        quote!({ __s: ::core::marker::PhantomData<__S> })
    } else if named {
        quote!(where #bounds { #(pub #members: #types,)* })
    } else {
        quote!((#(pub #types,)*) where #bounds;)
    };
    let phantom_init = fields
        .is_empty()
        .then(|| quote!(__s: ::core::marker::PhantomData,));
    // A container without parameters is the default parameter, so `TPartial` alone names it.
    let default = cont.generics.params.is_empty().then(|| quote!(= #self_ty));
    // Of a generic container, each parameter's partial must be `Debug` for the fields that hold it
    // to print (autoref cannot see through a parameter).
    let mut debug_where = g
        .impl_generics
        .where_clause
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(where));
    for param in cont.generics.type_params() {
        let ident = &param.ident;
        debug_where.predicates.push(syn::parse_quote!(
            <#ident as #private::Structured>::Partial: ::core::fmt::Debug
        ));
    }
    let debug_where = (!debug_where.predicates.is_empty()).then_some(debug_where);
    let docs = format!("What a reply has written of a [`{}`] so far.", cont.ident);
    items.extend(quote! {
        #[doc = #docs]
        #vis struct #name<__S: ?::core::marker::Sized #default> #body

        impl #impl_generics ::core::default::Default for #name<#self_ty> #where_clause {
            fn default() -> Self {
                Self { #(#empty,)* #phantom_init }
            }
        }

        impl #impl_generics ::core::fmt::Debug for #name<#self_ty> #debug_where {
            fn fmt(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #[allow(unused_imports)]
                use #private::{ShowDebug as _, ShowOpaque as _};
                let __this = self;
                #show
            }
        }
    });
    quote! {
        type Partial = #name<#self_ty>;

        fn partial(__node: #private::NodeRef<'_>) -> ::core::option::Option<#name<#self_ty>> {
            #gather
            let _ = &mut __slots;
            let mut __value = <#name<#self_ty> as ::core::default::Default>::default();
            let __p = &mut __value;
            #(#reads)*
            ::core::option::Option::Some(__value)
        }
    }
}
