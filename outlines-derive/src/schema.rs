//! Generates `Structured::schema()`: the type's definition in the schema IR, built once and cached.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;

use crate::ast::{Data, Field, Style, Variant};
use crate::codegen::{Gen, path_name, structured_fn};
use crate::constraints::{self, applicability, literal};
use crate::span::{rebind, respan};

/// The body of `fn schema()`. Constraint statics are declared into `items`.
pub(crate) fn schema_fn_body(g: &Gen<'_>, items: &mut TokenStream) -> TokenStream {
    let cont = g.cont;
    let private = &g.private;
    let checks = type_checks(g);
    let description = with_description(cont.attrs.description.as_deref());
    // The container's cross-field rule: on the definition, or on an inlined schema as its rule.
    let check = cont.attrs.check.as_ref().map(path_name);
    let inline_check = check.as_ref().map(|path| quote!(.with_rule(#path)));
    let definition_check = check.as_ref().map(|path| quote!(.with_check(#path)));

    // A newtype is its field, inlined; but the schema of one whose field holds the type itself
    // would never end, so it is a named definition that the field's schema refers back to.
    let inline = |field: &Field, items: &mut TokenStream| {
        let schema = field_schema(g, field, items);
        match g.holds_itself(field) {
            false => quote!(#schema #description #inline_check),
            true => {
                let name = name_expr(g);
                quote! {
                    #private::Schema::reference::<Self>(|| {
                        #private::definition::<Self>(|| {
                            #private::Definition::newtype(#name, #schema) #description #definition_check
                        })
                    })
                }
            }
        }
    };
    let body = match &cont.data {
        Data::Struct(Style::Unit, _) => {
            return quote!(#checks #private::Schema::new(#private::Kind::Null) #description #inline_check);
        }
        // Newtypes and transparent structs are their field (see `inline`).
        Data::Struct(Style::Newtype, fields) => {
            let schema = inline(&fields[0], items);
            return quote!(#checks #schema);
        }
        Data::Struct(_, fields) if cont.attrs.transparent.is_some() => {
            let schema = match fields.iter().find(|f| !f.skipped()) {
                Some(field) => inline(field, items),
                None => quote!(#private::Schema::new(#private::Kind::Null)),
            };
            return quote!(#checks #schema);
        }
        Data::Struct(Style::Tuple, fields) => {
            let schemas = fields
                .iter()
                .filter(|f| !f.skipped())
                .map(|f| field_schema(g, f, items));
            let name = name_expr(g);
            quote!(#private::Definition::tuple(#name, ::std::vec![#(#schemas),*]))
        }
        Data::Struct(_, fields) => {
            let object = object(g, fields, cont.attrs.deny_unknown_fields, items);
            let name = name_expr(g);
            quote!(#private::Definition::object(#name, #object))
        }
        Data::Enum(variants) => {
            let repr = repr(g);
            let variants = variants
                .iter()
                .filter(|v| !v.attrs.skip)
                .map(|v| variant(g, v, items));
            let name = name_expr(g);
            let deny = cont.attrs.deny_unknown_fields;
            quote!(#private::Definition::enumeration(#name, #repr, ::std::vec![#(#variants),*], #deny))
        }
    };
    quote! {
        #checks
        #private::Schema::reference::<Self>(|| {
            #private::definition::<Self>(|| #body #description #definition_check)
        })
    }
}

/// Compile-time checks that each constraint key applies to its field's type (spanned at the key), and
/// that the newtype variants of an internally tagged enum hold objects (spanned at the type). That a
/// field's type is `Structured` at all is checked by every use of it, `<Type as Structured>::…`, all
/// spanned at the type.
///
/// Skipped fields are left out (their constraints are already an error), and so are the constraints of
/// flattened fields (an error too), so no mistake is reported twice.
pub(crate) fn type_checks(g: &Gen<'_>) -> TokenStream {
    let private = &g.private;
    let mut out = TokenStream::new();
    for field in g.cont.all_fields().filter(|f| !f.skipped()) {
        let ty = &field.ty;
        if field.attrs.flatten.is_some() {
            let shape = respan(quote!(<#ty as #private::Flatten>::Shape), ty.span());
            out.extend(
                quote!(let _: ::core::option::Option<#shape> = ::core::option::Option::None;),
            );
        } else {
            let schema = structured_fn(g, ty, "schema");
            out.extend(quote!(let _ = #schema;));
            out.extend(applicability(g, quote!(#ty), &field.attrs.rules));
        }
    }
    if let (Data::Enum(variants), Some(_), None) =
        (&g.cont.data, &g.cont.attrs.tag, &g.cont.attrs.content)
    {
        for v in variants
            .iter()
            .filter(|v| !v.attrs.skip && v.style == Style::Newtype)
        {
            let ty = &v.fields[0].ty;
            let v = rebind(ty.span(), "__v");
            let check = respan(
                quote!(let _: &dyn #private::applies::TaggedContent = __v;),
                ty.span(),
            );
            out.extend(quote!(let _ = |__v: &#ty| { #v #check };));
        }
    }
    out
}

/// The field's schema: its type's, with its constraints, description and examples.
fn field_schema(g: &Gen<'_>, field: &Field, items: &mut TokenStream) -> TokenStream {
    let private = &g.private;
    let ty = &field.ty;
    let schema_fn = structured_fn(g, ty, "schema");
    let mut schema = quote!(#schema_fn());
    if !field.attrs.rules.is_empty() {
        let c = constraints::for_field(g, field, items);
        schema = quote!(#schema.constrain(#c));
    }
    if let Some(text) = &field.attrs.description {
        schema = quote!(#schema.with_description(#text));
    }
    if let Some(path) = &field.attrs.validate {
        let path = path_name(path);
        schema = quote!(#schema.with_rule(#path));
    }
    if !field.attrs.examples.is_empty() {
        let examples = field.attrs.examples.iter().map(|e| literal(private, e));
        schema = quote!(#schema.examples(&[#(#examples),*]));
    }
    schema
}

fn object(g: &Gen<'_>, fields: &[Field], deny: bool, items: &mut TokenStream) -> TokenStream {
    let private = &g.private;
    let fields = fields.iter().filter(|f| !f.skipped()).map(|field| {
        let name = &field.name;
        let ty = &field.ty;
        if field.attrs.flatten.is_some() {
            let schema = structured_fn(g, ty, "schema");
            return quote!(#private::Field::new(#name, #schema()).flattened());
        }
        let schema = field_schema(g, field, items);
        let missing = structured_fn(g, ty, "__missing");
        let mut expr = quote! {
            #private::Field::new(#name, #schema).with_required(#missing().is_none())
        };
        if !field.attrs.default.is_none() || !g.cont.attrs.default.is_none() {
            expr = quote!(#expr.with_default());
        }
        let aliases = &field.attrs.aliases;
        if !aliases.is_empty() {
            expr = quote!(#expr.with_aliases(&[#(#aliases),*]));
        }
        expr
    });
    quote! {
        #private::Object {
            fields: ::std::vec![#(#fields),*],
            deny_unknown_fields: #deny,
        }
    }
}

fn variant(g: &Gen<'_>, v: &Variant<'_>, items: &mut TokenStream) -> TokenStream {
    let private = &g.private;
    let name = &v.name;
    let shape = match v.style {
        Style::Unit => quote!(#private::Shape::Unit),
        Style::Newtype => {
            let schema = field_schema(g, &v.fields[0], items);
            quote!(#private::Shape::Newtype(#schema))
        }
        Style::Tuple => {
            let schemas = v
                .fields
                .iter()
                .filter(|f| !f.skipped())
                .map(|f| field_schema(g, f, items));
            quote!(#private::Shape::Tuple(::std::vec![#(#schemas),*]))
        }
        Style::Struct => {
            let object = object(g, &v.fields, g.cont.attrs.deny_unknown_fields, items);
            quote!(#private::Shape::Struct(#object))
        }
    };
    let mut expr = quote!(#private::Variant::new(#name, #shape));
    let aliases = &v.attrs.aliases;
    if !aliases.is_empty() {
        expr = quote!(#expr.with_aliases(&[#(#aliases),*]));
    }
    if let Some(text) = &v.attrs.description {
        expr = quote!(#expr.with_description(#text));
    }
    expr
}

fn repr(g: &Gen<'_>) -> TokenStream {
    let private = &g.private;
    let attrs = &g.cont.attrs;
    match (&attrs.tag, &attrs.content, attrs.untagged) {
        (_, _, Some(_)) => quote!(#private::Repr::Untagged),
        (Some(tag), Some(content), _) => {
            let (tag, content) = (&tag.value, &content.value);
            quote!(#private::Repr::Adjacent { tag: #tag, content: #content })
        }
        (Some(tag), None, _) => {
            let tag = &tag.value;
            quote!(#private::Repr::Internal { tag: #tag })
        }
        _ => quote!(#private::Repr::External),
    }
}

/// The definition's display name: `#[outline(name)]`, else the type's name with its type arguments.
fn name_expr(g: &Gen<'_>) -> TokenStream {
    let private = &g.private;
    let cont = g.cont;
    if let Some(name) = &cont.attrs.name {
        return quote!(#name);
    }
    let base = cont.ident.to_string();
    // Every type and const argument, in order: `Page<Person>`, `Grid<3>`.
    let args: Vec<TokenStream> = cont
        .generics
        .params
        .iter()
        .filter_map(|param| match param {
            syn::GenericParam::Type(t) => {
                let ident = &t.ident;
                Some(quote!(<#ident as #private::Structured>::schema().type_name()))
            }
            syn::GenericParam::Const(c) => {
                let ident = &c.ident;
                Some(quote!(#private::Text::from(::std::string::ToString::to_string(&#ident))))
            }
            syn::GenericParam::Lifetime(_) => None,
        })
        .collect();
    if args.is_empty() {
        return quote!(#base);
    }
    quote!(#private::generic_name(#base, &[#(#args),*]))
}

fn with_description(text: Option<&str>) -> TokenStream {
    match text {
        Some(text) => quote!(.with_description(#text)),
        None => TokenStream::new(),
    }
}
