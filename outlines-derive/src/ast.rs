//! The derive input as a typed model: containers, variants and fields with their parsed attributes
//! and their serialized names. Code generation reads only this model, never raw `syn` attributes.

use syn::visit_mut::{self, VisitMut};
use syn::{Ident, Member, Type};

use crate::attr;
use crate::case::RenameRule;
use crate::ctxt::Ctxt;
use crate::span::respan;

pub(crate) struct Container<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a syn::Visibility,
    pub(crate) generics: &'a syn::Generics,
    pub(crate) attrs: attr::Container,
    pub(crate) data: Data<'a>,
}

pub(crate) enum Data<'a> {
    Enum(Vec<Variant<'a>>),
    Struct(Style, Vec<Field>),
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
    pub(crate) fields: Vec<Field>,
    /// The serialized name.
    pub(crate) name: String,
}

pub(crate) struct Field {
    pub(crate) member: Member,
    /// The field's type, with `Self` replaced by the container's type (generated helper types that
    /// mention the field's type have a `Self` of their own).
    pub(crate) ty: Type,
    pub(crate) attrs: attr::Field,
    /// The JSON key (named fields only).
    pub(crate) name: String,
    /// Unique among the container's fields (variants included), for per-field generated items.
    pub(crate) id: usize,
}

/// What building the model of the fields needs: where errors go, the type `Self` stands for, and the
/// next field id.
struct Fields<'c> {
    cx: &'c Ctxt,
    self_ty: Type,
    next_id: usize,
}

impl<'a> Container<'a> {
    /// The model of `input`, or `None` for a union (reported).
    pub(crate) fn from_ast(cx: &Ctxt, input: &'a syn::DeriveInput) -> Option<Self> {
        let attrs = attr::Container::from_ast(cx, input);
        let ident = &input.ident;
        let (_, ty_generics, _) = input.generics.split_for_impl();
        let mut fields = Fields {
            cx,
            self_ty: syn::parse_quote!(#ident #ty_generics),
            next_id: 0,
        };
        let data = match &input.data {
            syn::Data::Enum(data) => Data::Enum(
                data.variants
                    .iter()
                    .map(|v| Variant::from_ast(&mut fields, v, &attrs))
                    .collect(),
            ),
            syn::Data::Struct(data) => {
                let (style, list) = fields.read(&data.fields, attrs.rename_all);
                Data::Struct(style, list)
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
    pub(crate) fn all_fields(&self) -> Box<dyn Iterator<Item = &Field> + '_> {
        match &self.data {
            Data::Struct(_, fields) => Box::new(fields.iter()),
            Data::Enum(variants) => Box::new(variants.iter().flat_map(|v| v.fields.iter())),
        }
    }
}

impl<'a> Variant<'a> {
    fn from_ast(
        fields: &mut Fields<'_>,
        variant: &'a syn::Variant,
        container: &attr::Container,
    ) -> Self {
        let attrs = attr::Variant::from_ast(fields.cx, variant);
        let field_rule = attrs.rename_all.or(container.rename_all_fields);
        let (style, fields) = fields.read(&variant.fields, field_rule);
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

impl Fields<'_> {
    fn read(&mut self, fields: &syn::Fields, rule: Option<RenameRule>) -> (Style, Vec<Field>) {
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
                let attrs = attr::Field::from_ast(self.cx, field);
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
                let mut ty = field.ty.clone();
                ReplaceSelf(&self.self_ty).visit_type_mut(&mut ty);
                self.next_id += 1;
                Field {
                    member,
                    ty,
                    attrs,
                    name,
                    id: self.next_id - 1,
                }
            })
            .collect();
        (style, fields)
    }
}

/// Replaces `Self` in a type by the container's type: `Vec<Self>` → `Vec<Tree<T>>`.
struct ReplaceSelf<'a>(&'a Type);

impl VisitMut for ReplaceSelf<'_> {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::Path(path) = ty {
            if path.qself.is_none() && path.path.is_ident("Self") {
                // Spanned at the `Self` it replaces, so errors about it point there.
                let span = path.path.segments[0].ident.span();
                let tokens = respan(quote::ToTokens::to_token_stream(self.0), span);
                *ty = syn::parse2(tokens).unwrap_or_else(|_| self.0.clone());
                return;
            }
        }
        visit_mut::visit_type_mut(self, ty);
    }
}

/// `r#type` → `type`.
fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

impl Field {
    pub(crate) fn skipped(&self) -> bool {
        self.attrs.skip.is_some()
    }
}
