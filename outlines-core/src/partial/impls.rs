//! [`Streamable`] for the standard types.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::hash::{BuildHasher, Hash};
use std::rc::Rc;
use std::sync::Arc;

use serde_json::Value;

use super::{NodeRef, Part, Streamable, part, whole};
use crate::structured::Structured;

/// Types that appear only when whole.
macro_rules! whole {
    ($($t:ty),* $(,)?) => {$(
        impl Streamable for $t {
            type Partial = $t;

            fn partial(node: NodeRef<'_>) -> Option<$t> {
                whole(node)
            }
        }
    )*};
}

whole!(
    bool,
    (),
    char,
    u8,
    u16,
    u32,
    u64,
    usize,
    u128,
    i8,
    i16,
    i32,
    i64,
    isize,
    i128,
    f32,
    f64
);

/// A string grows as it is written.
impl Streamable for String {
    type Partial = String;

    fn partial(node: NodeRef<'_>) -> Option<String> {
        node.as_str().map(str::to_owned)
    }
}

/// Any JSON: what has been written so far, open strings and containers included.
impl Streamable for Value {
    type Partial = Value;

    fn partial(node: NodeRef<'_>) -> Option<Value> {
        Some(node.to_value())
    }
}

/// `None` is an explicit `null`; an absent field is no part at all.
impl<T: Streamable> Streamable for Option<T> {
    type Partial = Option<T::Partial>;

    fn partial(node: NodeRef<'_>) -> Option<Self::Partial> {
        if node.is_null() {
            return Some(None);
        }
        T::partial(node).map(Some)
    }
}

/// Items so far, each with whether it is whole.
fn items<T: Streamable>(node: NodeRef<'_>) -> Option<Vec<Part<T::Partial>>> {
    Some(
        node.items()?
            .filter_map(|item| part::<T>(Some(item)))
            .collect(),
    )
}

macro_rules! sequence {
    ($($ty:ident<T $(, $h:ident)?> $(+ $bound:path)*;)*) => {$(
        impl<T: Streamable $(+ $bound)* $(, $h: BuildHasher + Default + 'static)?> Streamable
            for $ty<T $(, $h)?>
        {
            type Partial = Vec<Part<T::Partial>>;

            fn partial(node: NodeRef<'_>) -> Option<Self::Partial> {
                items::<T>(node)
            }
        }
    )*};
}

sequence! {
    Vec<T>;
    VecDeque<T>;
    HashSet<T, H> + Eq + Hash;
    BTreeSet<T> + Ord;
}

impl<T: Streamable, const N: usize> Streamable for [T; N] {
    type Partial = Vec<Part<T::Partial>>;

    fn partial(node: NodeRef<'_>) -> Option<Self::Partial> {
        items::<T>(node)
    }
}

macro_rules! map {
    ($($ty:ident $(, $h:ident)?;)*) => {$(
        impl<V: Streamable $(, $h: BuildHasher + Default + 'static)?> Streamable for $ty<String, V $(, $h)?> {
            /// Entries in the order written.
            type Partial = Vec<(String, Part<V::Partial>)>;

            fn partial(node: NodeRef<'_>) -> Option<Self::Partial> {
                Some(
                    node.members()?
                        .filter_map(|(key, value)| Some((key.to_owned(), part::<V>(Some(value))?)))
                        .collect(),
                )
            }
        }
    )*};
}

map! {
    HashMap, H;
    BTreeMap;
}

macro_rules! pointer {
    ($($ptr:ident),*) => {$(
        impl<T: Streamable> Streamable for $ptr<T> {
            type Partial = Box<T::Partial>;

            fn partial(node: NodeRef<'_>) -> Option<Self::Partial> {
                T::partial(node).map(Box::new)
            }
        }
    )*};
}

pointer!(Box, Arc, Rc);

macro_rules! tuple {
    ($($t:ident),+) => {
        impl<$($t: Structured + Send),+> Streamable for ($($t,)+) {
            type Partial = ($($t,)+);

            fn partial(node: NodeRef<'_>) -> Option<Self::Partial> {
                whole(node)
            }
        }
    };
}

tuple!(A);
tuple!(A, B);
tuple!(A, B, C);
tuple!(A, B, C, D);
