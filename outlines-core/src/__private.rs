//! Not public API: what `#[derive(Structured)]` expands to. Semver-exempt.

pub use serde;
pub use serde::de::{Deserializer, MapAccess, SeqAccess};
pub use serde_json;

pub use crate::rules::format::Format;
pub use crate::rules::unique::{Unique, check as check_unique};
pub use crate::schema::registry::TypeCache;
pub use crate::schema::{
    ArrayInfo, Body, Bound, Constraints, Definition, Enum, Field, Kind, Literal, Object, Pattern,
    Repr, Schema, Shape, Text, TypeRef, Variant,
};
pub use crate::structured::Structured;
pub use crate::validate::enums::{EnumShape, adjacent, external, internal, untagged};
pub use crate::validate::object::{
    Claim, Flatten, ObjectShape, Slot, defaulted, deserialize_object, read_field, required, rule,
    visit_entries,
};
pub use crate::validate::seq::{TupleReader, TupleShape, deserialize_tuple};
pub use crate::validate::{Cx, Seg};

pub use crate::schema::expected::expected;

/// The cached definition of the named type `T`.
pub fn definition<T: 'static>(build: impl FnOnce() -> Definition) -> &'static Definition {
    static DEFINITIONS: TypeCache<Definition> = TypeCache::new();
    DEFINITIONS.get_or_init::<T>(build)
}

/// Whether a field of type `T` must be present (it has no value for "absent").
pub fn is_required<T: Structured>() -> bool {
    T::__missing().is_none()
}

/// The display name of a generic instantiation: `Page<Person>`.
pub fn generic_name(base: &str, args: &[Schema]) -> Text {
    let names: Vec<Text> = args.iter().map(Schema::type_name).collect();
    format!("{base}<{}>", names.join(", ")).into()
}

/// Compile-time checks that an attribute applies to a field's type. Each trait is implemented for the
/// types the key makes sense on; a misuse is a type error pointing at the key.
pub mod applies {
    use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
    use std::rc::Rc;
    use std::sync::Arc;

    /// `min`/`max`: numbers, strings, collections and maps.
    #[diagnostic::on_unimplemented(
        message = "`min`/`max` do not apply to `{Self}`",
        label = "`min`/`max` bound numbers, string lengths and item counts",
        note = "use `inner(...)` to constrain the items of a collection"
    )]
    pub trait MinMax {}

    /// `exclusive_min`, `exclusive_max`, `multiple_of`, fractional or negative `min`/`max`: numbers.
    #[diagnostic::on_unimplemented(
        message = "this constraint needs a number, not `{Self}`",
        label = "applies to integer and float fields only"
    )]
    pub trait Numeric {}

    /// `pattern`, `format`, string `one_of`: strings.
    #[diagnostic::on_unimplemented(
        message = "this constraint needs a string, not `{Self}`",
        label = "applies to `String` and `char` fields only"
    )]
    pub trait Text {}

    /// Numeric `one_of`.
    #[diagnostic::on_unimplemented(
        message = "`one_of` with numbers needs a number field, not `{Self}`",
        label = "the allowed values are numbers"
    )]
    pub trait NumberOneOf {}

    /// `inner(...)`: collections, maps, and `Option`.
    #[diagnostic::on_unimplemented(
        message = "`inner(...)` does not apply to `{Self}`",
        label = "`inner(...)` constrains the items of a collection, the values of a map, or the value of an `Option`"
    )]
    pub trait Inner {
        /// What `inner(...)` constrains.
        type Item: ?Sized;
    }

    /// Checks `T: MinMax` (the call is spanned at the attribute key).
    pub const fn min_max<T: MinMax + ?Sized>() {}
    /// Checks `T: Numeric`.
    pub const fn numeric<T: Numeric + ?Sized>() {}
    /// Checks `T: Text`.
    pub const fn text<T: Text + ?Sized>() {}
    /// Checks `T: NumberOneOf`.
    pub const fn number_one_of<T: NumberOneOf + ?Sized>() {}
    /// Checks `T: super::Unique`.
    pub const fn unique<T: super::Unique + ?Sized>() {}
    /// Checks `T: Inner`.
    pub const fn inner<T: Inner + ?Sized>() {}
    /// Checks `T: super::Flatten`.
    pub const fn flatten<T: super::Flatten>() {}
    /// Checks `T: super::Structured` (spanned at a field's type).
    pub const fn structured<T: super::Structured>() {}

    macro_rules! each {
        ($tr:ident: $($t:ty),*) => { $(impl $tr for $t {})* };
    }

    each!(MinMax: u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64, String);
    each!(Numeric: u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64);
    each!(NumberOneOf: u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64);
    each!(Text: String, char);

    impl<T> MinMax for Vec<T> {}
    impl<T> MinMax for VecDeque<T> {}
    impl<T, S> MinMax for HashSet<T, S> {}
    impl<T> MinMax for BTreeSet<T> {}
    impl<V, S> MinMax for HashMap<String, V, S> {}
    impl<V> MinMax for BTreeMap<String, V> {}

    impl<T> Inner for Vec<T> {
        type Item = T;
    }
    impl<T> Inner for VecDeque<T> {
        type Item = T;
    }
    impl<T, const N: usize> Inner for [T; N] {
        type Item = T;
    }
    impl<T, S> Inner for HashSet<T, S> {
        type Item = T;
    }
    impl<T> Inner for BTreeSet<T> {
        type Item = T;
    }
    impl<V, S> Inner for HashMap<String, V, S> {
        type Item = V;
    }
    impl<V> Inner for BTreeMap<String, V> {
        type Item = V;
    }

    /// What `inner(...)` on an `Option<T>` reaches: the items of a collection, or a scalar itself.
    pub trait OptionInner {
        /// The constrained type.
        type Item: ?Sized;
    }
    impl<T: OptionInner> Inner for Option<T> {
        type Item = T::Item;
    }
    macro_rules! option_inner_self {
        ($($t:ty),*) => { $(impl OptionInner for $t { type Item = $t; })* };
    }
    option_inner_self!(
        u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64, String, char,
        bool
    );
    impl<T: Inner> OptionInner for T {
        type Item = T::Item;
    }

    // Constraints pass through `Option` and the transparent pointers to the value they hold.
    macro_rules! through {
        ($($w:ident),*) => {$(
            impl<T: MinMax + ?Sized> MinMax for $w<T> {}
            impl<T: Numeric + ?Sized> Numeric for $w<T> {}
            impl<T: Text + ?Sized> Text for $w<T> {}
            impl<T: NumberOneOf + ?Sized> NumberOneOf for $w<T> {}
        )*};
    }
    through!(Box, Rc, Arc);
    impl<T: MinMax> MinMax for Option<T> {}
    impl<T: Numeric> Numeric for Option<T> {}
    impl<T: Text> Text for Option<T> {}
    impl<T: NumberOneOf> NumberOneOf for Option<T> {}
    impl<T: Inner + ?Sized> Inner for Box<T> {
        type Item = T::Item;
    }
}
