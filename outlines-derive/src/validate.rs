//! Generates `Structured::__deserialize`: typed slots per struct (and struct variant), a tuple reader per
//! tuple shape, and the variant table of an enum. The runtime drives them; per-field rules
//! (`unique`, `validate = ...`) run right after a field is read, the container's `check = ...` last.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::{Data, Field, Style, Variant};
use crate::attr;
use crate::codegen::{Gen, path_name, structured_fn};
use crate::constraints;
use crate::span::{rebind, rebind_mut, rebind_ref, respan};

/// The body of `fn __deserialize(__de, __cx, __c)`. Helper types and statics go into `items`.
pub(crate) fn deserialize_fn_body(g: &Gen<'_>, items: &mut TokenStream) -> TokenStream {
    let cont = g.cont;
    let private = &g.private;
    let (_, ty_generics, _) = g.split();
    let check = container_check(g, &return_ok_none());
    match &cont.data {
        Data::Struct(Style::Unit, _) => quote! {
            let ::core::option::Option::Some(()) =
                <() as #private::Structured>::__deserialize(__de, __cx, #private::Constraints::none())?
            else {
                return ::core::result::Result::Ok(::core::option::Option::None);
            };
            let __value = Self {};
            #check
            ::core::result::Result::Ok(::core::option::Option::Some(__value))
        },
        Data::Struct(style, fields)
            if *style == Style::Newtype || cont.attrs.transparent.is_some() =>
        {
            let Some(field) = fields.iter().find(|f| !f.skipped()) else {
                return quote!(::core::result::Result::Ok(::core::option::Option::None));
            };
            let deserialize = structured_fn(g, &field.ty, "__deserialize");
            let c = constraints::for_field(g, field, items);
            let after = field_rules(g, field);
            let build = construct(quote!(Self), fields, &[quote!(__f)], None);
            quote! {
                let ::core::option::Option::Some(__f) = #deserialize(__de, __cx, #c)?
                else {
                    return ::core::result::Result::Ok(::core::option::Option::None);
                };
                let __v = &__f;
                if !(true #(&& #after)*) {
                    return ::core::result::Result::Ok(::core::option::Option::None);
                }
                let __value = #build;
                #check
                ::core::result::Result::Ok(::core::option::Option::Some(__value))
            }
        }
        Data::Struct(Style::Tuple, fields) => {
            let shape = g.fresh("Tuple");
            let expected = format!(
                "array of exactly {} items ({})",
                unskipped(fields),
                cont.ident
            );
            let ident = cont.ident;
            let tuple = tuple_shape(g, &shape, quote!(#ident), fields, &expected, true, items);
            items.extend(tuple);
            quote!(#private::deserialize_tuple::<#shape #ty_generics, __D>(__de, __cx, #private::Constraints::none()))
        }
        Data::Struct(_, fields) => {
            let slots = g.fresh("Slots");
            let expected = format!("object ({})", cont.ident);
            let ident = cont.ident;
            let shape = object_shape(g, &slots, quote!(#ident), fields, &expected, true, items);
            items.extend(shape);
            let self_ty = g.self_ty();
            let (impl_generics, _, where_clause) = g.split();
            // The slots are only an `ObjectShape` if every flattened field's type can be flattened;
            // when one cannot, this impl fails too: point it at that field's type, where the same
            // error is already reported (and so shown once).
            let mut flatten = quote! {
                #[automatically_derived]
                impl #impl_generics #private::Flatten for #self_ty #where_clause {
                    type Shape = #slots #ty_generics;
                }
            };
            if let Some(flat) = fields
                .iter()
                .find(|f| !f.skipped() && f.attrs.flatten.is_some())
            {
                flatten = respan(flatten, flat.ty.span());
            }
            items.extend(flatten);
            quote!(#private::deserialize_object::<#slots #ty_generics, __D>(__de, __cx))
        }
        Data::Enum(variants) => enum_body(g, variants, items),
    }
}

fn unskipped(fields: &[Field]) -> usize {
    fields.iter().filter(|f| !f.skipped()).count()
}

/// `if !rule(__cx, "check", check(&__value)) { <on_fail> }` for `#[outline(check = ...)]`.
fn container_check(g: &Gen<'_>, on_fail: &TokenStream) -> TokenStream {
    let private = &g.private;
    match &g.cont.attrs.check {
        Some(path) => {
            let name = path_name(path);
            let span = path.span();
            let value = rebind_ref(span, "__value");
            let call = quote_spanned!(span=> { #value #path(__value) });
            quote! {
                if !#private::rule(__cx, #name, #call) {
                    #on_fail
                }
            }
        }
        None => TokenStream::new(),
    }
}

fn return_ok_none() -> TokenStream {
    quote!(return ::core::result::Result::Ok(::core::option::Option::None);)
}

fn return_none() -> TokenStream {
    quote!(return ::core::option::Option::None;)
}

/// Boolean expressions (over `__v: &FieldType` and `__cx`) for a field's own rules.
fn field_rules(g: &Gen<'_>, field: &Field) -> Vec<TokenStream> {
    let private = &g.private;
    let mut out = Vec::new();
    if let Some(span) = field.attrs.rules.unique {
        // All at the key: a field type without `Unique` is one error there.
        let (cx, v) = (rebind_mut(span, "__cx"), rebind(span, "__v"));
        let check = respan(quote!(#private::check_unique(__v, __cx)), span);
        out.push(quote!({ #cx #v #check }));
    }
    if let Some(path) = &field.attrs.validate {
        let name = path_name(path);
        let span = path.span();
        let (cx, v) = (rebind_mut(span, "__cx"), rebind(span, "__v"));
        out.push(quote_spanned!(span=> { #cx #v #private::rule(__cx, #name, #path(__v)) }));
    }
    out
}

/// `|__v, __cx| <the field's own rules>`, run on its value once read (or stood in for).
fn rules_closure(g: &Gen<'_>, field: &Field) -> TokenStream {
    let rules = field_rules(g, field);
    if rules.is_empty() {
        return quote!(|_, _| true);
    }
    quote!(|__v, __cx| true #(&& #rules)*)
}

/// `Path { a: a, b: __default.b, ... }`: the read values in order, skipped fields from their default.
fn construct(
    path: TokenStream,
    fields: &[Field],
    values: &[TokenStream],
    container_default: Option<&TokenStream>,
) -> TokenStream {
    let mut values = values.iter();
    let inits = fields.iter().map(|field| {
        let member = &field.member;
        if field.skipped() {
            let value = match (&field.attrs.default, container_default) {
                (attr::Default::Path(p), _) => quote!(#p()),
                (attr::Default::None, Some(d)) => quote!(#d.#member),
                _ => quote!(::core::default::Default::default()),
            };
            quote!(#member: #value)
        } else {
            let value = values.next();
            quote!(#member: #value)
        }
    });
    quote!(#path { #(#inits),* })
}

/// The slots and `ObjectShape` impl of a struct (or struct variant) named `slots`.
fn object_shape(
    g: &Gen<'_>,
    slots: &syn::Ident,
    path: TokenStream,
    fields: &[Field],
    expected: &str,
    is_container: bool,
    items: &mut TokenStream,
) -> TokenStream {
    let private = &g.private;
    let self_ty = g.self_ty();
    let marker = g.marker();
    let (impl_generics, ty_generics, where_clause) = g.split();
    let deny = g.cont.attrs.deny_unknown_fields;

    let read: Vec<&Field> = fields
        .iter()
        .filter(|f| !f.skipped() && f.attrs.flatten.is_none())
        .collect();
    let flat: Vec<&Field> = fields
        .iter()
        .filter(|f| !f.skipped() && f.attrs.flatten.is_some())
        .collect();
    let slot = |i: usize| format_ident!("__f{}", i);
    let child = |i: usize| format_ident!("__flat{}", i);
    // Spanned at the field's type: a type that cannot be flattened fails here, with one error there.
    // `<<Child as Flatten>::Shape as ObjectShape>::item`, spanned at the field's type as a whole: a type
    // that cannot be flattened fails at each use with the same error there, reported once.
    let shape_of = |f: &Field, item: &str| {
        let (ty, item) = (&f.ty, syn::Ident::new(item, f.ty.span()));
        respan(
            quote!(<<#ty as #private::Flatten>::Shape as #private::ObjectShape>::#item),
            ty.span(),
        )
    };

    let slot_decls = read.iter().enumerate().map(|(i, f)| {
        let (name, ty) = (slot(i), &f.ty);
        quote!(#name: #private::Slot<#ty>)
    });
    let child_decls = flat.iter().enumerate().map(|(i, f)| {
        let (name, ty) = (child(i), &f.ty);
        let shape = respan(quote!(<#ty as #private::Flatten>::Shape), ty.span());
        quote!(#name: #shape)
    });
    let slot_inits = (0..read.len()).map(|i| {
        let name = slot(i);
        quote!(#name: #private::Slot::new())
    });
    let child_inits = flat.iter().enumerate().map(|(i, f)| {
        let (name, new) = (child(i), shape_of(f, "new"));
        let new = respan(quote!(#new()), f.ty.span());
        quote!(#name: #new)
    });
    let own = read.len() as u32;
    // The claim indices of flattened child `i` start after the own fields and earlier children.
    let offset = |i: usize| {
        let widths = flat[..i].iter().map(|f| {
            let width = shape_of(f, "WIDTH");
            quote!(+ #width)
        });
        quote!((#own #(#widths)*))
    };
    let width = offset(flat.len());
    let names: Vec<&String> = read.iter().map(|f| &f.name).collect();

    let claims = read.iter().enumerate().map(|(i, f)| {
        let (name, aliases, i) = (&f.name, &f.attrs.aliases, i as u32);
        quote!(#name #(| #aliases)* => ::core::option::Option::Some(#i))
    });
    // The derive's locals (and `self`) rebound at the field's type, for the code placed there to
    // see them when that type comes through a `macro_rules!` fragment (see `rebind`).
    let at_type = |f: &Field, values: &[&str], refs: &[&str]| {
        let span = f.ty.span();
        let values = values.iter().map(|name| rebind(span, name));
        let refs = refs.iter().map(|name| rebind_mut(span, name));
        quote!(#(#values)* #(#refs)*)
    };
    let child_claims = flat.iter().enumerate().map(|(i, f)| {
        let (claim, offset) = (shape_of(f, "claim"), offset(i));
        let claim = respan(quote!(#claim(__key, __stash)), f.ty.span());
        let locals = at_type(f, &["__key"], &["__stash"]);
        quote! {
            if let ::core::option::Option::Some(__i) = { #locals #claim } {
                return ::core::option::Option::Some(__i + #offset);
            }
        }
    });
    let crefs: Vec<TokenStream> = read
        .iter()
        .map(|f| constraints::for_field(g, f, items))
        .collect();
    let takes = read.iter().enumerate().map(|(i, f)| {
        let (name_slot, name, c) = (slot(i), &f.name, &crefs[i]);
        let i = i as u32;
        let after = rules_closure(g, f);
        let read = structured_fn(g, &f.ty, "__read_field");
        quote!(#i => #read(&mut self.#name_slot, #name, #c, __map, __cx, #after))
    });
    let child_takes = flat.iter().enumerate().map(|(i, f)| {
        let (name, offset) = (child(i), offset(i));
        let (width, take) = (shape_of(f, "WIDTH"), shape_of(f, "take"));
        let take = respan(
            quote!(#take(&mut __this.#name, __i - #offset, __stash, __map, __cx)),
            f.ty.span(),
        );
        let locals = at_type(f, &["__i"], &["__this", "__stash", "__map", "__cx"]);
        quote! {
            __i if __i >= #offset && __i < #offset + #width => {
                let __this = &mut *self;
                #locals
                #take
            }
        }
    });

    let container_default =
        (is_container && !g.cont.attrs.default.is_none()).then(|| quote!(__default));
    let default_decl = match (&g.cont.attrs.default, &container_default) {
        (attr::Default::Path(p), Some(_)) => quote!(let __default: #self_ty = #p();),
        (_, Some(_)) => quote!(let __default: #self_ty = ::core::default::Default::default();),
        _ => TokenStream::new(),
    };
    let finish_fields = read.iter().enumerate().map(|(i, f)| {
        let (name, key, ty, member) = (slot(i), &f.name, &f.ty, &f.member);
        let after = rules_closure(g, f);
        let value = match (&f.attrs.default, &container_default) {
            (attr::Default::Path(p), _) => {
                quote!(#private::defaulted(::core::mem::take(&mut __this.#name), #key, __cx, #p, #after))
            }
            (attr::Default::Trait, _) => quote! {
                #private::defaulted(::core::mem::take(&mut __this.#name), #key, __cx, <#ty as ::core::default::Default>::default, #after)
            },
            (attr::Default::None, Some(d)) => {
                quote!(#private::defaulted(::core::mem::take(&mut __this.#name), #key, __cx, || #d.#member, #after))
            }
            (attr::Default::None, None) => {
                let c = &crefs[i];
                let required = structured_fn(g, ty, "__required");
                quote!(#required(::core::mem::take(&mut __this.#name), #key, #c, __cx, #after))
            }
        };
        quote!(let #name = #value;)
    });
    let finish_children = flat.iter().enumerate().map(|(i, f)| {
        let (name, finish) = (child(i), shape_of(f, "finish"));
        // Taken out of the slots in place (empty ones left, as for the own fields above, so the
        // slots are whole to borrow), the child's slots named only in code at its type: a type
        // that cannot be flattened is reported there alone.
        let new = shape_of(f, "new");
        let finish = respan(
            quote!(#finish(::core::mem::replace(&mut __this.#name, #new()), __cx)),
            f.ty.span(),
        );
        let locals = at_type(f, &[], &["__this", "__cx"]);
        quote!(let #name = { let __this = &mut __this; #locals #finish };)
    });
    // Values in field order, flattened children included.
    let mut values = Vec::new();
    let (mut r, mut c) = (0, 0);
    for f in fields.iter().filter(|f| !f.skipped()) {
        if f.attrs.flatten.is_some() {
            values.push(child(c));
            c += 1;
        } else {
            values.push(slot(r));
            r += 1;
        }
    }
    let value_tokens: Vec<TokenStream> = values.iter().map(|v| quote!(#v?)).collect();
    let build = construct(path, fields, &value_tokens, container_default.as_ref());
    let check = if is_container {
        container_check(g, &return_none())
    } else {
        TokenStream::new()
    };

    // Building the slots needs every flattened type's slots: spanned at the first flattened field's
    // type, where a type that cannot be flattened is already reported (so the error shows once).
    let mut new_slots = quote! {
        Self {
            #(#slot_inits,)*
            #(#child_inits,)*
            __marker: ::core::marker::PhantomData,
        }
    };
    if let Some(f) = flat.first() {
        new_slots = respan(new_slots, f.ty.span());
    }
    let vis = g.vis();
    quote! {
        #[doc(hidden)]
        #vis struct #slots #impl_generics #where_clause {
            #(#slot_decls,)*
            #(#child_decls,)*
            __marker: #marker,
        }

        #[automatically_derived]
        impl #impl_generics #private::ObjectShape for #slots #ty_generics #where_clause {
            type Out = #self_ty;
            const WIDTH: u32 = #width;
            const DENY_UNKNOWN: bool = #deny;
            const FIELDS: &'static [&'static str] = &[#(#names),*];

            fn expected() -> ::std::string::String {
                ::std::string::String::from(#expected)
            }

            #[inline]
            fn new() -> Self {
                #new_slots
            }

            #[inline]
            fn claim(__key: &str, __stash: &mut #private::KeyStash) -> ::core::option::Option<u32> {
                let _ = &__stash;
                match __key {
                    #(#claims,)*
                    _ => {
                        #(#child_claims)*
                        ::core::option::Option::None
                    }
                }
            }

            #[inline]
            fn take<'de, __A: #private::MapAccess<'de>>(
                &mut self,
                __index: u32,
                __stash: &mut #private::KeyStash,
                __map: &mut __A,
                __cx: &mut #private::Cx<'_>,
            ) -> ::core::result::Result<(), __A::Error> {
                let _ = &__stash;
                match __index {
                    #(#takes,)*
                    #(#child_takes)*
                    _ => {
                        __map.next_value::<#private::serde::de::IgnoredAny>()?;
                        ::core::result::Result::Ok(())
                    }
                }
            }

            #[inline]
            fn finish(self, __cx: &mut #private::Cx<'_>) -> ::core::option::Option<#self_ty> {
                #[allow(unused_mut)]
                let mut __this = self;
                #default_decl
                #(#finish_fields)*
                #(#finish_children)*
                // Every field was read (and every missing one reported) above; `?` moves each
                // value straight into the struct, or gives up if any is invalid.
                let __value = #build;
                #check
                ::core::option::Option::Some(__value)
            }
        }
    }
}

/// The `TupleShape` of a tuple struct (or tuple variant) named `shape`.
fn tuple_shape(
    g: &Gen<'_>,
    shape: &syn::Ident,
    path: TokenStream,
    fields: &[Field],
    expected: &str,
    is_container: bool,
    items: &mut TokenStream,
) -> TokenStream {
    let private = &g.private;
    let self_ty = g.self_ty();
    let marker = g.marker();
    let (impl_generics, ty_generics, where_clause) = g.split();
    let read: Vec<&Field> = fields.iter().filter(|f| !f.skipped()).collect();
    let len = read.len();
    let names: Vec<syn::Ident> = (0..len).map(|i| format_ident!("__f{}", i)).collect();
    let reads = read.iter().zip(&names).map(|(f, name)| {
        let ty = &f.ty;
        let c = constraints::for_field(g, f, items);
        let after = rules_closure(g, f);
        let next = structured_fn(g, ty, "__next_element");
        quote!(let #name = #next(__r, #c, #after)?;)
    });
    let values: Vec<TokenStream> = names.iter().map(|n| quote!(#n)).collect();
    let build = construct(path, fields, &values, None);
    let check = if is_container {
        let check = container_check(g, &return_ok_none());
        quote!(let __cx = __r.cx(); #check)
    } else {
        TokenStream::new()
    };
    let vis = g.vis();
    quote! {
        #[doc(hidden)]
        #vis struct #shape #impl_generics #where_clause {
            __marker: #marker,
        }

        #[automatically_derived]
        impl #impl_generics #private::TupleShape for #shape #ty_generics #where_clause {
            type Out = #self_ty;
            const LEN: usize = #len;

            fn expected() -> ::std::string::String {
                ::std::string::String::from(#expected)
            }

            fn visit<'de, __A: #private::SeqAccess<'de>>(
                __r: &mut #private::TupleReader<'_, '_, '_, __A>,
                __c: &'static #private::Constraints,
            ) -> ::core::result::Result<::core::option::Option<#self_ty>, __A::Error> {
                let _ = __c;
                #(#reads)*
                let (#(::core::option::Option::Some(#names),)*) = (#(#names,)*) else {
                    return ::core::result::Result::Ok(::core::option::Option::None);
                };
                let __value = #build;
                #check
                ::core::result::Result::Ok(::core::option::Option::Some(__value))
            }
        }
    }
}

/// An enum: the `EnumShape` variant table, one shape per variant with data, and the call into the
/// runtime for the enum's representation.
fn enum_body(g: &Gen<'_>, variants: &[Variant<'_>], items: &mut TokenStream) -> TokenStream {
    let cont = g.cont;
    let private = &g.private;
    let self_ty = g.self_ty();
    let (impl_generics, ty_generics, where_clause) = g.split();
    let variants: Vec<&Variant<'_>> = variants.iter().filter(|v| !v.attrs.skip).collect();

    let names = variants.iter().map(|v| &v.name);
    let lookups = variants.iter().enumerate().map(|(i, v)| {
        let (name, aliases, i) = (&v.name, &v.attrs.aliases, i as u32);
        quote!(#name #(| #aliases)* => ::core::option::Option::Some(#i))
    });
    let units = variants
        .iter()
        .enumerate()
        .filter(|(_, v)| v.style == Style::Unit)
        .map(|(i, v)| {
            let (ident, i) = (v.ident, i as u32);
            quote!(#i => ::core::option::Option::Some(Self::#ident {}))
        });

    let mut contents = Vec::new();
    let mut fields_arms = Vec::new();
    for (i, v) in variants.iter().enumerate() {
        let i = i as u32;
        let (ident, enum_ident) = (v.ident, cont.ident);
        let path = quote!(#enum_ident::#ident);
        let expected_of = |what: &str| format!("{what} (variant `{}` of {})", v.name, cont.ident);
        match v.style {
            Style::Unit => {}
            Style::Newtype => {
                let newtype = newtype_variant(g, v, items);
                contents.push(quote!(#i => { let __de = __de; #newtype }));
                fields_arms.push(quote! {
                    #i => {
                        let __de = #private::serde::de::value::MapAccessDeserializer::new(__map);
                        #newtype
                    }
                });
            }
            Style::Tuple => {
                let shape = g.fresh("Tuple");
                let expected =
                    expected_of(&format!("array of exactly {} items", unskipped(&v.fields)));
                let tuple = tuple_shape(g, &shape, path, &v.fields, &expected, false, items);
                items.extend(tuple);
                contents.push(quote! {
                    #i => #private::deserialize_tuple::<#shape #ty_generics, __D>(
                        __de, __cx, #private::Constraints::none())
                });
            }
            Style::Struct => {
                let slots = g.fresh("Slots");
                let shape = object_shape(
                    g,
                    &slots,
                    path,
                    &v.fields,
                    &expected_of("object"),
                    false,
                    items,
                );
                items.extend(shape);
                contents.push(quote!(#i => #private::deserialize_object::<#slots #ty_generics, __D>(__de, __cx)));
                fields_arms.push(quote!(#i => #private::visit_entries::<#slots #ty_generics, __A>(__map, __cx, ::core::option::Option::None)));
            }
        }
    }
    let deny = cont.attrs.deny_unknown_fields;
    items.extend(quote! {
        #[automatically_derived]
        impl #impl_generics #private::EnumShape for #self_ty #where_clause {
            const VARIANTS: &'static [&'static str] = &[#(#names),*];
            const DENY_UNKNOWN: bool = #deny;

            fn variant(__name: &str) -> ::core::option::Option<u32> {
                match __name {
                    #(#lookups,)*
                    _ => ::core::option::Option::None,
                }
            }

            fn unit(__index: u32) -> ::core::option::Option<Self> {
                match __index {
                    #(#units,)*
                    _ => ::core::option::Option::None,
                }
            }

            fn content<'de, __D: #private::Deserializer<'de>>(
                __index: u32,
                __de: __D,
                __cx: &mut #private::Cx<'_>,
            ) -> ::core::result::Result<::core::option::Option<Self>, __D::Error> {
                match __index {
                    #(#contents,)*
                    _ => {
                        #private::Deserializer::deserialize_ignored_any(__de, #private::serde::de::IgnoredAny)?;
                        ::core::result::Result::Ok(::core::option::Option::None)
                    }
                }
            }

            fn fields<'de, __A: #private::MapAccess<'de>>(
                __index: u32,
                mut __map: __A,
                __cx: &mut #private::Cx<'_>,
            ) -> ::core::result::Result<::core::option::Option<Self>, __A::Error> {
                match __index {
                    #(#fields_arms,)*
                    _ => {
                        while #private::MapAccess::next_entry::<
                            #private::serde::de::IgnoredAny,
                            #private::serde::de::IgnoredAny,
                        >(&mut __map)?.is_some() {}
                        ::core::result::Result::Ok(::core::option::Option::None)
                    }
                }
            }
        }
    });

    let attrs = &cont.attrs;
    let read = match (&attrs.tag, &attrs.content, attrs.untagged) {
        (_, _, Some(_)) => quote!(#private::untagged::<Self, __D>(__de, __cx)?),
        (Some(tag), Some(content), _) => {
            let (tag, content) = (&tag.value, &content.value);
            quote!(#private::adjacent::<Self, __D>(__de, __cx, #tag, #content)?)
        }
        (Some(tag), None, _) => {
            let tag = &tag.value;
            quote!(#private::internal::<Self, __D>(__de, __cx, #tag)?)
        }
        _ => quote!(#private::external::<Self, __D>(__de, __cx)?),
    };
    let check = container_check(g, &return_ok_none());
    quote! {
        let ::core::option::Option::Some(__value) = #read else {
            return ::core::result::Result::Ok(::core::option::Option::None);
        };
        #check
        ::core::result::Result::Ok(::core::option::Option::Some(__value))
    }
}

/// Reads a newtype variant's one field from `__de` (statements ending in the `Result`).
fn newtype_variant(g: &Gen<'_>, v: &Variant<'_>, items: &mut TokenStream) -> TokenStream {
    let field = &v.fields[0];
    let deserialize = structured_fn(g, &field.ty, "__deserialize");
    let ident = v.ident;
    let c = constraints::for_field(g, field, items);
    let after = field_rules(g, field);
    quote! {
        let ::core::option::Option::Some(__f) = #deserialize(__de, __cx, #c)? else {
            return ::core::result::Result::Ok(::core::option::Option::None);
        };
        let __v = &__f;
        if !(true #(&& #after)*) {
            return ::core::result::Result::Ok(::core::option::Option::None);
        }
        ::core::result::Result::Ok(::core::option::Option::Some(Self::#ident { 0: __f }))
    }
}
