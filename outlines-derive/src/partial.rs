//! `Structured::Partial`: the partial form of the type, shown while a reply writes it.
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
use syn::spanned::Spanned as _;

use crate::codegen::{Gen, structured_fn};
use crate::span::{rebind, rebind_mut, respan};

/// The `type Partial` and `fn partial` of the `Structured` impl; the partial struct, if any, goes
/// to `items`.
pub(crate) fn partial_members(g: &Gen<'_>, items: &mut TokenStream) -> TokenStream {
    let private = &g.private;
    let cont = g.cont;
    let fields = match &cont.data {
        Data::Struct(Style::Struct, fields)
            if cont.generics.params.is_empty() && cont.attrs.transparent.is_none() =>
        {
            fields
        }
        _ => {
            return quote! {
                type Partial = Self;

                fn partial(__node: #private::NodeRef<'_>) -> ::core::option::Option<Self> {
                    #private::whole::<Self>(__node)
                }
            };
        }
    };
    let name = format_ident!("{}Partial", cont.ident);
    let shown = name.to_string();
    let vis = cont.vis;
    let fields: Vec<_> = fields.iter().filter(|f| !f.skipped()).collect();
    let members: Vec<_> = fields.iter().map(|f| &f.member).collect();
    // Each field's partial type is named through an impl (`<Self as PartialField<i>>::Type`), not
    // in the struct: a field type that does not resolve is then reported once, as the rest of the
    // derive's uses of it are, not again with advice for the partial struct.
    let mut types = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let partial = structured_fn(g, &f.ty, "Partial");
        let self_ty = g.self_ty();
        items.extend(respan(
            quote! {
                impl #private::PartialField<#i> for #self_ty {
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
    // Each key (a field's name or alias) and the fields it fills, with its rank among that field's
    // keys: one pass over the object's members finds every field.
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
    let count = fields.len();
    let reads = fields.iter().enumerate().map(|(i, f)| {
        let ty = &f.ty;
        let node = if f.attrs.flatten.is_some() {
            quote!(::core::option::Option::Some(__node))
        } else {
            quote!(__slots[#i].map(|(_, __n)| __n))
        };
        // Each field set in a statement spanned at its type (`__p` rebound there), as for `Debug`.
        let member = &f.member;
        let span = ty.span();
        let this = rebind_mut(span, "__p");
        let node_at = rebind(span, "__found");
        let set = respan(quote!(__p.#member = #private::part::<#ty>(__found);), span);
        quote!({ let __found = #node; #this #node_at #set })
    });
    let empty = fields.iter().map(|f| {
        let member = &f.member;
        respan(quote!(#member: ::core::option::Option::None), f.ty.span())
    });
    // Spanned at the field's type, so that a type that does not resolve fails there, once; `__this`
    // is rebound at that span to stay visible under it.
    let shows = fields.iter().map(|f| {
        let member = &f.member;
        let span = f.ty.span();
        let this = rebind(span, "__this");
        let show = respan(
            quote!(#private::DebugWith(move |__f: &mut ::core::fmt::Formatter<'_>| (&&#private::Show(&__this.#member)).show(__f))),
            span,
        );
        quote!({ #this #show })
    });
    let index = 0..fields.len();
    // A struct without fields still uses its parameter.
    let phantom = fields
        .is_empty()
        .then(|| quote!(__s: ::core::marker::PhantomData<__S>,));
    let phantom_init = fields
        .is_empty()
        .then(|| quote!(__s: ::core::marker::PhantomData,));
    let self_ty = g.self_ty();
    let docs = format!("What a reply has written of a [`{}`] so far.", cont.ident);
    items.extend(quote! {
        #[doc = #docs]
        #vis struct #name<__S: ?::core::marker::Sized = #self_ty>
        where
            #(__S: #private::PartialField<#index>,)*
        {
            #(pub #members: #types,)*
            #phantom
        }

        impl ::core::default::Default for #name<#self_ty> {
            fn default() -> Self {
                Self { #(#empty,)* #phantom_init }
            }
        }

        impl ::core::fmt::Debug for #name<#self_ty> {
            fn fmt(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #[allow(unused_imports)]
                use #private::{ShowDebug as _, ShowOpaque as _};
                let __this = self;
                __f.debug_struct(#shown)
                    #(.field(stringify!(#members), &#shows))*
                    .finish()
            }
        }

    });
    quote! {
        type Partial = #name<#self_ty>;

        fn partial(__node: #private::NodeRef<'_>) -> ::core::option::Option<#name<#self_ty>> {
            let __members = __node.members()?;
            let mut __slots: [::core::option::Option<(usize, #private::NodeRef<'_>)>; #count] =
                [::core::option::Option::None; #count];
            for (__key, __child) in __members {
                match __key {
                    #(#arms)*
                    _ => {}
                }
            }
            let _ = &mut __slots;
            let mut __value = <#name<#self_ty> as ::core::default::Default>::default();
            let __p = &mut __value;
            #(#reads)*
            ::core::option::Option::Some(__value)
        }
    }
}
