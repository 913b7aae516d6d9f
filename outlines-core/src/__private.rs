//! Not public API: what `#[derive(Structured)]` expands to. Semver-exempt.

pub use serde;
pub use serde::de::{Deserializer, MapAccess, SeqAccess};
pub use serde_json;

pub use crate::partial::{DebugWith, NodeRef, Part, Show, ShowDebug, ShowOpaque};
pub use crate::rules::format::Format;
pub use crate::rules::unique::{Unique, check as check_unique};
pub use crate::schema::registry::TypeCache;
pub use crate::schema::{
    ArrayInfo, Body, Bound, Constraints, Definition, Enum, Field, Kind, Literal, Object, Pattern,
    Repr, Schema, Shape, Text, TypeRef, Variant,
};
pub use crate::structured::{Structured, found, member_of, part, part_by, tag_of, whole};
pub use crate::validate::enums::{EnumShape, adjacent, external, internal, untagged};
pub use crate::validate::object::{
    Flatten, KeyStash, ObjectShape, Slot, defaulted, deserialize_object, read_field, required,
    rule, visit_entries,
};
pub use crate::validate::seq::{TupleReader, TupleShape, deserialize_tuple};
pub use crate::validate::{Cx, Seg};

pub use crate::schema::expected::expected;

/// The cached definition of the named type `T`.
pub fn definition<T: 'static>(build: impl FnOnce() -> Definition) -> &'static Definition {
    static DEFINITIONS: TypeCache<Definition> = TypeCache::new();
    DEFINITIONS.get_or_init::<T>(build)
}

/// The display name of a generic instantiation: `Page<Person>`.
pub fn generic_name(base: &str, args: &[Text]) -> Text {
    format!("{base}<{}>", args.join(", ")).into()
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
        label = "`min`/`max` bound a number's value, a string's length or a collection's item count"
    )]
    pub trait MinMax {}

    /// `exclusive_min`, `exclusive_max`, `multiple_of`, fractional or negative `min`/`max`: numbers.
    #[diagnostic::on_unimplemented(
        message = "this constraint needs a number field, not `{Self}`",
        label = "`exclusive_min`, `exclusive_max`, `multiple_of` and negative or fractional `min`/`max` apply to integers and floats only"
    )]
    pub trait Numeric {}

    /// `pattern`, `format`, string `one_of`: strings.
    #[diagnostic::on_unimplemented(
        message = "this constraint needs a string field, not `{Self}`",
        label = "`pattern`, `format` and `one_of` with strings apply to `String` and `char` only"
    )]
    pub trait Text {}

    /// Numeric `one_of`.
    #[diagnostic::on_unimplemented(
        message = "`one_of` with numbers needs a number field, not `{Self}`",
        label = "the allowed values are numbers, so the field must be an integer or a float"
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

    /// The content of an internally tagged enum's newtype variant: serde reads the tag and the
    /// content's fields from one object, so the content must be an object.
    #[diagnostic::on_unimplemented(
        message = "the newtype variant of an internally tagged enum must hold a struct with named fields or a map, not `{Self}`",
        label = "serde reads the tag and this value's fields from one JSON object",
        note = "use a struct variant (`Variant {{ value: {Self} }}`) or another enum representation"
    )]
    pub trait TaggedContent {}

    impl<T: super::Flatten> TaggedContent for T {}

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
    impl<T: Inner + ?Sized> Inner for Rc<T> {
        type Item = T::Item;
    }
    impl<T: Inner + ?Sized> Inner for Arc<T> {
        type Item = T::Item;
    }
}

/// The partial type of a derived struct's field number `N`, named through this impl so that the
/// partial struct does not spell the field's type.
pub trait PartialField<const N: usize> {
    /// `<FieldType as Structured>::Partial`.
    type Type;
}
