//! Arrays: `Vec`, `VecDeque`, `[T; N]`, and the sets `HashSet`, `BTreeSet` (unique items).

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::hash::{BuildHasher, Hash};

use serde::Deserializer;

use crate::partial::{NodeRef, Part};
use crate::schema::{ArrayInfo, Constraints, Kind, Schema};
use crate::structured::Structured;
use crate::structured::part;
use crate::validate::Cx;
use crate::validate::seq::{ArrayShape, Collection, deserialize_collection, deserialize_tuple};

/// The items of the array at `node` so far, each with whether it is whole.
fn items<T: Structured>(node: NodeRef<'_>) -> Option<Vec<Part<T::Partial>>> {
    let items = node.items()?;
    // Room for them all at once (a filtered iterator would grow the vector by doubling).
    let mut out = Vec::with_capacity(node.count().unwrap_or_default());
    out.extend(items.filter_map(|item| part::<T>(Some(item))));
    Some(out)
}

macro_rules! collection {
    ($ty:ident<T $(, $h:ident)?>, set: $set:expr, bounds: [$($bound:tt)*],
     new: |$n:ident| $new:expr, add: |$c:ident, $item:ident| $add:expr) => {
        impl<T: Structured $($bound)* $(, $h: BuildHasher + Default + 'static)?> Structured for $ty<T $(, $h)?> {
            /// Items so far, each with whether it is whole.
            type Partial = Vec<Part<T::Partial>>;

            fn partial(node: NodeRef<'_>) -> Option<Self::Partial> {
                items::<T>(node)
            }

            fn schema() -> Schema {
                let info = ArrayInfo { len: None, set: $set };
                Schema::new(Kind::Array(Box::new(T::schema()), info))
            }

            fn __deserialize<'de, D: Deserializer<'de>>(
                de: D,
                cx: &mut Cx<'_>,
                c: &'static Constraints,
            ) -> Result<Option<Self>, D::Error> {
                deserialize_collection::<Self, D>(de, cx, c)
            }
        }

        impl<T: Structured $($bound)* $(, $h: BuildHasher + Default + 'static)?> Collection for $ty<T $(, $h)?> {
            type Item = T;

            fn with_capacity($n: usize) -> Self {
                $new
            }

            fn add(&mut self, $item: T) -> bool {
                let $c = self;
                $add
            }
        }
    };
}

collection!(Vec<T>, set: false, bounds: [], new: |n| Vec::with_capacity(n), add: |v, item| {
    v.push(item);
    true
});
collection!(VecDeque<T>, set: false, bounds: [], new: |n| VecDeque::with_capacity(n), add: |v, item| {
    v.push_back(item);
    true
});
collection!(HashSet<T, H>, set: true, bounds: [+ Eq + Hash],
    new: |n| HashSet::with_capacity_and_hasher(n, H::default()), add: |set, item| set.insert(item));
collection!(BTreeSet<T>, set: true, bounds: [+ Ord], new: |_n| BTreeSet::new(), add: |set, item| set.insert(item));

impl<T: Structured, const N: usize> Structured for [T; N] {
    type Partial = Vec<Part<T::Partial>>;

    fn partial(node: NodeRef<'_>) -> Option<Self::Partial> {
        items::<T>(node)
    }

    fn schema() -> Schema {
        let info = ArrayInfo {
            len: Some(N),
            set: false,
        };
        Schema::new(Kind::Array(Box::new(T::schema()), info))
    }

    fn __deserialize<'de, D: Deserializer<'de>>(
        de: D,
        cx: &mut Cx<'_>,
        c: &'static Constraints,
    ) -> Result<Option<Self>, D::Error> {
        deserialize_tuple::<ArrayShape<T, N>, D>(de, cx, c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::ErrorKind;

    #[test]
    fn vec_collects_every_item_error() {
        let err = Vec::<u8>::from_json(r#"[1, "x", 300, 4]"#).unwrap_err();
        let paths: Vec<String> = err.errors().iter().map(|e| e.path().to_string()).collect();
        assert_eq!(paths, ["[1]", "[2]"]);
        assert_eq!(Vec::<u8>::from_json("[1, 2]").unwrap(), vec![1, 2]);
    }

    #[test]
    fn sets_reject_duplicates() {
        let err = HashSet::<u8>::from_json("[1, 2, 1]").unwrap_err();
        assert_eq!(err.errors()[0].path().to_string(), "[2]");
        assert_eq!(err.errors()[0].kind(), ErrorKind::Constraint);
        assert_eq!(BTreeSet::<u8>::from_json("[2, 1]").unwrap().len(), 2);
    }

    #[test]
    fn fixed_arrays_check_length() {
        assert_eq!(<[u8; 2]>::from_json("[1, 2]").unwrap(), [1, 2]);
        let err = <[u8; 2]>::from_json("[1, 2, 3]").unwrap_err();
        assert_eq!(err.errors()[0].message(), "expected exactly 2 items");
        assert_eq!(err.errors()[0].got(), Some("3 items"));
        assert!(<[u8; 2]>::from_json("[1]").is_err());
    }

    #[test]
    fn deque() {
        assert_eq!(VecDeque::<bool>::from_json("[true]").unwrap().len(), 1);
    }
}
