//! The derive input as a typed model: containers, variants and fields with their parsed attributes
//! and their serialized names. Code generation reads only this model, never raw `syn` attributes.

use syn::{Ident, Member, Type};

use crate::attr;
use crate::ctxt::Ctxt;

pub(crate) struct Container<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a syn::Visibility,
    pub(crate) generics: &'a syn::Generics,
    pub(crate) attrs: attr::Container,
    pub(crate) data: Data<'a>,
}

pub(crate) enum Data<'a> {
    Enum(Vec<Variant<'a>>),
    Struct(Style, Vec<Field<'a>>),
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// Named fields.
    Struct,
    /// Several unnamed fields.
    Tuple,
    /// One unnamed field.
    Newtype,
    /// No fields.
    Unit,
}

pub(crate) struct Variant<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) attrs: attr::Variant,
    pub(crate) style: Style,
    pub(crate) fields: Vec<Field<'a>>,
    /// The serialized name.
    pub(crate) name: String,
}

pub(crate) struct Field<'a> {
    pub(crate) member: Member,
    pub(crate) ty: &'a Type,
    pub(crate) attrs: attr::Field,
    /// The JSON key (named fields only).
    pub(crate) name: String,
    pub(crate) original: &'a syn::Field,
}

impl<'a> Container<'a> {
    /// The model of `input`, or `None` for a union (reported).
    pub(crate) fn from_ast(cx: &Ctxt, input: &'a syn::DeriveInput) -> Option<Self> {
        let attrs = attr::Container::from_ast(cx, input);
        let data = match &input.data {
            syn::Data::Enum(data) => Data::Enum(
                data.variants
                    .iter()
                    .map(|v| Variant::from_ast(cx, v, &attrs))
                    .collect(),
            ),
            syn::Data::Struct(data) => {
                let (style, fields) = fields_from_ast(cx, &data.fields, attrs.rename_all);
                Data::Struct(style, fields)
            }
            syn::Data::Union(data) => {
                cx.error_spanned_by(
                    data.union_token,
                    "`Structured` cannot be derived for unions: JSON has no way to say which field is set",
                );
                return None;
            }
        };
        Some(Container {
            ident: &input.ident,
            vis: &input.vis,
            generics: &input.generics,
            attrs,
            data,
        })
    }

    /// The fields of a struct, or of every variant of an enum.
    pub(crate) fn all_fields(&self) -> Box<dyn Iterator<Item = &Field<'a>> + '_> {
        match &self.data {
            Data::Struct(_, fields) => Box::new(fields.iter()),
            Data::Enum(variants) => Box::new(variants.iter().flat_map(|v| v.fields.iter())),
        }
    }
}

impl<'a> Variant<'a> {
    fn from_ast(cx: &Ctxt, variant: &'a syn::Variant, container: &attr::Container) -> Self {
        let attrs = attr::Variant::from_ast(cx, variant);
        let field_rule = attrs.rename_all.or(container.rename_all_fields);
        let (style, fields) = fields_from_ast(cx, &variant.fields, field_rule);
        let ident_name = unraw(&variant.ident);
        let name = match (&attrs.rename, container.rename_all) {
            (Some(name), _) => name.clone(),
            (None, Some(rule)) => rule.apply_to_variant(&ident_name),
            (None, None) => ident_name,
        };
        Variant {
            ident: &variant.ident,
            attrs,
            style,
            fields,
            name,
        }
    }
}

fn fields_from_ast<'a>(
    cx: &Ctxt,
    fields: &'a syn::Fields,
    rule: Option<crate::case::RenameRule>,
) -> (Style, Vec<Field<'a>>) {
    let style = match fields {
        syn::Fields::Named(_) => Style::Struct,
        syn::Fields::Unnamed(f) if f.unnamed.len() == 1 => Style::Newtype,
        syn::Fields::Unnamed(_) => Style::Tuple,
        syn::Fields::Unit => Style::Unit,
    };
    let fields = fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let attrs = attr::Field::from_ast(cx, field);
            let (member, name) = match &field.ident {
                Some(ident) => {
                    let plain = unraw(ident);
                    let name = match (&attrs.rename, rule) {
                        (Some(name), _) => name.clone(),
                        (None, Some(rule)) => rule.apply_to_field(&plain),
                        (None, None) => plain,
                    };
                    (Member::Named(ident.clone()), name)
                }
                None => (Member::Unnamed(i.into()), i.to_string()),
            };
            Field {
                member,
                ty: &field.ty,
                attrs,
                name,
                original: field,
            }
        })
        .collect();
    (style, fields)
}

/// `r#type` → `type`.
fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

impl Field<'_> {
    pub(crate) fn skipped(&self) -> bool {
        self.attrs.skip.is_some()
    }
}
