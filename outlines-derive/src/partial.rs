//! `Structured::Partial`: the partial form of the type, shown while a reply writes it.
//!
//! A struct with fields gets a partial struct of its own, generic or not: the same fields, each
//! `Option<Part<partial of the field's type>>`, read from the reply's tree by key (or alias) for
//! named fields, by position in the array for a tuple struct. A flattened field reads the same
//! object. A newtype or transparent struct is its field: its partial is the field's, read from the
//! same node. A tagged enum with data gets a partial enum: the variant named by the object's key
//! (externally tagged, serde's default) or by its tag member's string (internally or adjacently
//! tagged), once that name is whole and the content has begun, its fields partial as a struct's (a
//! newtype variant's content as its type's partial); a unit variant once its name is whole.
//! Untagged enums (whichever variant fits the whole value), enums without data and unit structs
//! appear when whole (a prefix of a variant's name is no variant). Lifetime parameters are rejected before this (`check`); const parameters need
//! nothing of their own.
//!
//! The partial type is declared inside the derive's anonymous block, so it adds no name to the
//! user's module; it is reached as `Partial<T>`. Its one parameter is the container type itself
//! (`PagePartial<Page<T>>`), which names each field's partial through `PartialField<i>`, so the
//! container's own parameters need no repeating. It is always `Debug`: a field whose type is not
//! prints as `…` (picked by autoref, since bounds on a recursive partial would never resolve); of a
//! generic container, when each parameter's partial is `Debug` (a bound on the parameters only,
//! which a recursive type meets too).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ast::{Data, Field, Style, Variant};
use syn::spanned::Spanned as _;

use crate::codegen::{Gen, structured_fn};
use crate::span::{rebind, rebind_mut, respan, unbind};

/// The `type Partial` and `fn partial` of the `Structured` impl; the partial struct, if any, goes
/// to `items`.
pub(crate) fn partial_members(g: &Gen<'_>, items: &mut TokenStream) -> TokenStream {
    let cont = g.cont;
    let (style, fields) = match &cont.data {
        Data::Struct(style, fields) => (style, fields),
        Data::Enum(variants) => {
            return enumeration(g, variants, items).unwrap_or_else(|| whole(g));
        }
    };
    if cont.attrs.transparent.is_some() || *style == Style::Newtype {
        return match fields.iter().find(|f| !f.skipped()) {
            // A newtype of itself (`struct W(Vec<W>)`) would have an infinite partial type.
            Some(field) if !g.holds_itself(field) => forward(g, field),
            _ => whole(g),
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
    // Spanned at the field's type as a whole: a type that is not `Structured` fails there, with the
    // derive's other errors about it, once.
    respan(
        quote! {
            type Partial = #ty;

            fn partial(__node: #private::NodeRef<'_>) -> ::core::option::Option<#ty> {
                #partial(__node)
            }
        },
        field.ty.span(),
    )
}

/// The partial type's name, `__TPartial`: one a user does not write, so that a type of theirs named
/// `TPartial` in a field of `T` is not hidden by it (its `Debug` still says `TPartial`).
fn partial_ident(ident: &syn::Ident) -> syn::Ident {
    format_ident!("__{}Partial", ident)
}

/// The partial's members: the fields' own names, or their positions in the array.
fn members(fields: &[&Field], named: bool) -> Vec<syn::Member> {
    fields
        .iter()
        .enumerate()
        .map(|(i, f)| match named {
            true => f.member.clone(),
            false => syn::Member::Unnamed(syn::Index {
                index: i as u32,
                span: f.ty.span(),
            }),
        })
        .collect()
}

/// Each field's `Part<partial type>`, the fields numbered from `from` across the container. The
/// partial type is named through an impl (`<Self as PartialField<i>>::Type`), not in the partial
/// type: a field type that does not resolve is then reported once, as the rest of the derive's
/// uses of it are, not again with advice for the partial type.
fn part_types(
    g: &Gen<'_>,
    fields: &[&Field],
    from: usize,
    items: &mut TokenStream,
) -> Vec<TokenStream> {
    let private = &g.private;
    let (impl_generics, _, where_clause) = g.split();
    let self_ty = g.self_ty();
    let mut types = Vec::new();
    for (i, f) in (from..).zip(fields) {
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
            quote!(#private::Part<<__S as #private::PartialField<#i>>::Type>),
            f.ty.span(),
        ));
    }
    types
}

/// Binds `__found` to the node the `i`-th of `fields` is read from: the member `gather` found for
/// it; for a flattened field, a copy of the object with the members the validator gives that field
/// (those no named field claims, nor a flattened field before it), so that a flattened map never
/// shows another field's member.
fn node_of(g: &Gen<'_>, fields: &[&Field], i: usize) -> TokenStream {
    let f = fields[i];
    if f.attrs.flatten.is_none() {
        return quote!(let __found = __slots[#i].map(|(_, __n)| __n););
    }
    let private = &g.private;
    let named: Vec<&String> = fields
        .iter()
        .filter(|f| f.attrs.flatten.is_none())
        .flat_map(|f| std::iter::once(&f.name).chain(&f.attrs.aliases))
        .collect();
    let named = match named.is_empty() {
        true => quote!(false),
        false => quote!(matches!(__k, #(#named)|*)),
    };
    // Whether the flattened field `f` claims `__k` (a map claims any), by the validator's own
    // `claim`, named as the validator names it and spanned at the field's type: a type that cannot
    // be flattened fails there, with the derive's other errors about it, once.
    let claims = |f: &Field| {
        let ty = &f.ty;
        let claim = respan(
            quote!(<<#ty as #private::Flatten>::Shape as #private::ObjectShape>::claim),
            ty.span(),
        );
        quote!((#claim(__k, &mut #private::KeyStash::default()).is_some()))
    };
    let earlier = fields[..i]
        .iter()
        .filter(|f| f.attrs.flatten.is_some())
        .map(|f| claims(f));
    let mine = claims(f);
    quote! {
        let __kept = __node.members_where(|__k: &str| {
            !#named #(&& !#earlier)* && #mine
        });
        let __found = __kept.as_ref().and_then(|__t| __t.root());
    }
}

/// A field's value shown for `Debug` (`value` reaches it through the local `local`): spanned at
/// the field's type, so that a type that does not resolve fails there, once; `local` is rebound at
/// that span to stay visible under it.
fn show_field(private: &TokenStream, f: &Field, local: &str, value: TokenStream) -> TokenStream {
    let span = f.ty.span();
    let this = rebind(span, local);
    let show = respan(
        quote!(#private::DebugWith(move |__f: &mut ::core::fmt::Formatter<'_>| (&&#private::Show(#value)).show(__f))),
        span,
    );
    quote!({ #this #show })
}

/// `Debug` of fields shown by [`show_field`]: a struct's by name, a tuple's by position.
fn debug_fields(
    shown: &str,
    named: bool,
    members: &[syn::Member],
    shows: &[TokenStream],
) -> TokenStream {
    match named {
        true => {
            quote!(__f.debug_struct(#shown) #(.field(stringify!(#members), &#shows))* .finish())
        }
        false => quote!(__f.debug_tuple(#shown) #(.field(&#shows))* .finish()),
    }
}

/// The partial struct of a struct with fields: `named`, read from an object by key; else a tuple
/// struct, read from an array by position (the schema's tuple has the unskipped fields in order).
fn record(g: &Gen<'_>, fields: &[Field], named: bool, items: &mut TokenStream) -> TokenStream {
    let private = &g.private;
    let cont = g.cont;
    let (impl_generics, _, where_clause) = g.split();
    let name = partial_ident(cont.ident);
    let shown = format!("{}Partial", cont.ident);
    let vis = cont.vis;
    let fields: Vec<_> = fields.iter().filter(|f| !f.skipped()).collect();
    let members = members(&fields, named);
    let self_ty = g.self_ty();
    let types: Vec<_> = part_types(g, &fields, 0, items)
        .into_iter()
        .zip(&fields)
        .map(|(part, f)| respan(quote!(::core::option::Option<#part>), f.ty.span()))
        .collect();
    let gather = gather(private, &fields, named);
    let reads = fields
        .iter()
        .zip(&members)
        .enumerate()
        .map(|(i, (f, member))| {
            let ty = &f.ty;
            let found = node_of(g, &fields, i);
            // Each field set in a statement spanned at its type (`__p` rebound there), as for `Debug`.
            let span = ty.span();
            let this = rebind_mut(span, "__p");
            let node_at = rebind(span, "__found");
            let set = respan(quote!(__p.#member = #private::part::<#ty>(__found);), span);
            quote!({ #found #this #node_at #set })
        });
    let empty = fields
        .iter()
        .zip(&members)
        .map(|(f, member)| respan(quote!(#member: ::core::option::Option::None), f.ty.span()));
    let shows: Vec<_> = fields
        .iter()
        .zip(&members)
        .map(|(f, member)| show_field(private, f, "__this", quote!(&__this.#member)))
        .collect();
    let show = debug_fields(&shown, named, &members, &shows);
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
    let debug_where = debug_where(g);
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

/// Where a tagged enum's variant is named, and where its content is.
enum Repr<'a> {
    /// `{"Variant": content}` (serde's default), or `"Unit"`.
    External,
    /// `{"tag": "Variant", ...content's fields}`.
    Internal(&'a str),
    /// `{"tag": "Variant", "content": content}`.
    Adjacent(&'a str, &'a str),
}

/// The partial enum of a tagged enum with data: the variant once its name is whole, and its content
/// partial in turn, as a struct's (fields of a struct or tuple variant) or its field's (a newtype
/// variant), once the content has begun. Externally tagged (serde's default), the name is the
/// object's first key, or a unit variant's string; internally tagged, the tag member's string,
/// wherever in the object it is written, the content being the object without it; adjacently
/// tagged, the tag member's string, the content its content member.
///
/// `None` (the enum appears whole) for an untagged enum, which is whichever variant fits the whole
/// value, and for an enum without data, whose partial would be itself.
fn enumeration(
    g: &Gen<'_>,
    variants: &[Variant<'_>],
    items: &mut TokenStream,
) -> Option<TokenStream> {
    let private = &g.private;
    let cont = g.cont;
    let attrs = &cont.attrs;
    let repr = match (&attrs.tag, &attrs.content, &attrs.untagged) {
        (_, _, Some(_)) => return None,
        (Some(tag), Some(content), None) => Repr::Adjacent(&tag.value, &content.value),
        (Some(tag), None, None) => Repr::Internal(&tag.value),
        (None, _, None) => Repr::External,
    };
    let variants: Vec<_> = variants.iter().filter(|v| !v.attrs.skip).collect();
    if !variants
        .iter()
        .any(|v| v.fields.iter().any(|f| !f.skipped()))
    {
        return None;
    }
    let (impl_generics, _, _) = g.split();
    let name = partial_ident(cont.ident);
    let vis = cont.vis;
    let self_ty = g.self_ty();
    // Every field of every variant, numbered across the enum for `PartialField<i>`.
    let mut index = 0usize;
    let mut decls = Vec::new();
    let mut arms = Vec::new();
    let mut units = Vec::new();
    let mut shows = Vec::new();
    let mut newtypes = Vec::new();
    for v in &variants {
        let ident = v.ident;
        let shown = ident.to_string();
        let fields: Vec<_> = v.fields.iter().filter(|f| !f.skipped()).collect();
        let types = part_types(g, &fields, index, items);
        index += fields.len();
        let keys: Vec<_> = std::iter::once(&v.name).chain(&v.attrs.aliases).collect();
        // `__v0`, `__v1`, ...: each field's binding, for `Debug`.
        let binds: Vec<_> = (0..fields.len())
            .map(|i| format_ident!("__v{}", i))
            .collect();
        let show =
            |f: &Field, bind: &syn::Ident| show_field(private, f, &bind.to_string(), quote!(#bind));
        match v.style {
            Style::Unit => {
                decls.push(quote!(#ident));
                match repr {
                    // A string, read below.
                    Repr::External => units.push(ident),
                    // There once its tag is whole.
                    Repr::Internal(_) | Repr::Adjacent(..) => arms.push(
                        quote!(#(#keys)|* => return ::core::option::Option::Some(#name::#ident),),
                    ),
                }
                shows.push(quote!(Self::#ident => __f.write_str(#shown)));
            }
            // A newtype variant is there once its content has begun.
            Style::Newtype if fields.len() == 1 => {
                let ty = &types[0];
                decls.push(quote!(#ident(#ty)));
                // Spanned at the field's type as a whole: a type that is not `Structured` fails
                // there, with the derive's other errors about it.
                let span = fields[0].ty.span();
                let partial = structured_fn(g, &fields[0].ty, "partial");
                let child = rebind(span, "__child");
                let read = respan(
                    quote!(return #private::part_by(::core::option::Option::Some(__child), #partial).map(#name::#ident);),
                    span,
                );
                arms.push(quote!(#(#keys)|* => { let __child = __child?; #child #read }));
                let show = show(fields[0], &binds[0]);
                // Matched alone, spanned at the field's type: the match looks into the field's
                // partial (whether it can hold a value), which fails there for a type that is
                // not `Structured`, with the derive's other errors about it.
                let test = respan(quote!(if let Self::#ident(__v0) = __this), span);
                let this = rebind(span, "__this");
                let unbind = unbind(span, "__v0");
                newtypes.push(quote! {
                    { #this #test { #unbind return __f.debug_tuple(#shown).field(&#show).finish(); } }
                });
            }
            Style::Struct | Style::Newtype | Style::Tuple => {
                let named = v.style == Style::Struct;
                let members = members(&fields, named);
                let gather = gather(private, &fields, named);
                // The variant with every field absent, then each field set, as a struct's are.
                let reads = fields.iter().zip(&binds).enumerate().map(|(i, (f, bind))| {
                    let ty = &f.ty;
                    let found = node_of(g, &fields, i);
                    let span = ty.span();
                    let this = rebind(span, &bind.to_string());
                    let node_at = rebind(span, "__found");
                    let partial = structured_fn(g, ty, "partial");
                    let set = respan(quote!(*#bind = #private::part_by(__found, #partial);), span);
                    quote!({ #found #this #node_at #set })
                });
                let reads = quote!(#(#reads)*);
                let nones = fields.iter().zip(&members).map(|(f, member)| {
                    respan(quote!(#member: ::core::option::Option::None), f.ty.span())
                });
                let shows_of = fields.iter().zip(&binds).map(|(f, b)| show(f, b));
                // Each field bound in a pattern spanned at its type (and bound again for the
                // derive's code): binding it looks into the field's partial, which fails there for
                // a type that is not `Structured`, with the derive's other errors about it.
                let pat: Vec<_> = fields
                    .iter()
                    .zip(&members)
                    .zip(&binds)
                    .map(|((f, m), b)| respan(quote!(#m: #b), f.ty.span()))
                    .collect();
                let unbinds: Vec<_> = fields
                    .iter()
                    .zip(&binds)
                    .map(|(f, b)| unbind(f.ty.span(), &b.to_string()))
                    .collect();
                decls.push(if named {
                    quote!(#ident { #(#members: ::core::option::Option<#types>,)* })
                } else {
                    quote!(#ident(#(::core::option::Option<#types>,)*))
                });
                arms.push(quote! {
                    #(#keys)|* => {
                        let __node = __child?;
                        #gather
                        let _ = &mut __slots;
                        let mut __value = #name::#ident { #(#nones,)* };
                        if let #name::#ident { #(#pat,)* } = &mut __value {
                            #(#unbinds)*
                            #reads
                        }
                        return ::core::option::Option::Some(__value);
                    }
                });
                let shows_of: Vec<_> = shows_of.collect();
                let show = debug_fields(&shown, named, &members, &shows_of);
                shows.push(quote!(Self::#ident { #(#pat,)* } => { #(#unbinds)* #show }));
            }
        }
    }
    let bounds = (0..index).map(|i| quote!(__S: #private::PartialField<#i>,));
    let default = cont.generics.params.is_empty().then(|| quote!(= #self_ty));
    let debug_where = debug_where(g);
    let docs = format!("What a reply has written of a [`{}`] so far.", cont.ident);
    items.extend(quote! {
        #[doc = #docs]
        #vis enum #name<__S: ?::core::marker::Sized #default>
        where
            #(#bounds)*
        {
            #(#decls,)*
        }

        impl #impl_generics ::core::fmt::Debug for #name<#self_ty> #debug_where {
            fn fmt(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #[allow(unused_imports)]
                use #private::{ShowDebug as _, ShowOpaque as _};
                let __this = self;
                #(#newtypes)*
                match self {
                    #(#shows,)*
                    #[allow(unreachable_patterns)]
                    _ => ::core::result::Result::Ok(()),
                }
            }
        }
    });
    // A unit variant is a string: the whole value's variant, once it is one.
    let unit = if units.is_empty() {
        quote!(::core::option::Option::None)
    } else {
        quote! {
            match #private::whole::<Self>(__node)? {
                #(Self::#units => ::core::option::Option::Some(#name::#units),)*
                _ => ::core::option::Option::None,
            }
        }
    };
    // The variant's name and its content (`None` until it begins), then the variant of that name.
    let named = match repr {
        Repr::External => quote! {
            // The variant is the first key's; other keys are the reply's mistake, not a variant.
            if let ::core::option::Option::Some(mut __members) = __node.members() {
                let (__key, __child) = __members.next()?;
                let __child = ::core::option::Option::Some(__child);
                match __key {
                    #(#arms)*
                    _ => {}
                }
            }
            #unit
        },
        Repr::Internal(tag) => quote! {
            let (__key, __tag) = #private::tag_of(__node, #tag)?;
            let __content = __node.without(__tag)?;
            let __child = __content.root();
            match __key {
                #(#arms)*
                _ => ::core::option::Option::None,
            }
        },
        Repr::Adjacent(tag, content) => quote! {
            let (__key, _) = #private::tag_of(__node, #tag)?;
            let __child = #private::member_of(__node, #content);
            match __key {
                #(#arms)*
                _ => ::core::option::Option::None,
            }
        },
    };
    Some(quote! {
        type Partial = #name<#self_ty>;

        fn partial(__node: #private::NodeRef<'_>) -> ::core::option::Option<#name<#self_ty>> {
            #named
        }
    })
}

/// Finds each field's node in `__node`, into `__slots`: by key (a field's name or alias) in an
/// object if `named`, else by position in an array.
fn gather(private: &TokenStream, fields: &[&Field], named: bool) -> TokenStream {
    let count = fields.len();
    if named {
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
    }
}

/// The `Debug` impl's where clause: the container's, and of a generic container, each parameter's
/// partial `Debug`, for the fields that hold it to print (autoref cannot see through a parameter).
fn debug_where(g: &Gen<'_>) -> Option<syn::WhereClause> {
    let private = &g.private;
    let mut clause = g
        .impl_generics
        .where_clause
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(where));
    for param in g.cont.generics.type_params() {
        let ident = &param.ident;
        clause.predicates.push(syn::parse_quote!(
            <#ident as #private::Structured>::Partial: ::core::fmt::Debug
        ));
    }
    (!clause.predicates.is_empty()).then_some(clause)
}
