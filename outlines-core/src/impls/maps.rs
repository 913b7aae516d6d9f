//! Maps with string keys: `HashMap<String, V>` and `BTreeMap<String, V>`.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use serde::Deserializer;

use crate::partial::{NodeRef, Part};
use crate::schema::{Constraints, Kind, Schema};
use crate::structured::{Structured, part};
use crate::validate::Cx;
use crate::validate::object::{Flatten, MapLike, MapSlots, deserialize_map};

macro_rules! string_map {
    ($ty:ident $(, $h:ident)?) => {
        impl<V: Structured $(, $h: BuildHasher + Default + 'static)?> Structured for $ty<String, V $(, $h)?> {
            /// Entries so far, in the order written.
            type Partial = Vec<(String, Part<V::Partial>)>;

            fn partial(node: NodeRef<'_>) -> Option<Self::Partial> {
                let entries = node.members()?;
                Some(entries.filter_map(|(key, value)| Some((key.to_owned(), part::<V>(Some(value))?))).collect())
            }

            fn schema() -> Schema {
                Schema::new(Kind::Map(Box::new(V::schema())))
            }

            fn __deserialize<'de, D: Deserializer<'de>>(
                de: D,
                cx: &mut Cx<'_>,
                c: &'static Constraints,
            ) -> Result<Option<Self>, D::Error> {
                deserialize_map::<Self, D>(de, cx, c)
            }
        }

        impl<V: Structured $(, $h: BuildHasher + Default + 'static)?> MapLike for $ty<String, V $(, $h)?> {
            type Value = V;

            fn empty() -> Self {
                $ty::default()
            }

            fn put(&mut self, key: String, value: V) {
                // A repeated key keeps the last value, as serde does.
                self.insert(key, value);
            }
        }

        impl<V: Structured $(, $h: BuildHasher + Default + 'static)?> Flatten for $ty<String, V $(, $h)?> {
            type Shape = MapSlots<Self>;
        }
    };
}

string_map!(HashMap, H);
string_map!(BTreeMap);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_check_values_with_key_paths() {
        let err = BTreeMap::<String, u8>::from_json(r#"{"a": 1, "b c": -1}"#).unwrap_err();
        assert_eq!(err.errors()[0].path().to_string(), "[\"b c\"]");
        let ok = HashMap::<String, u8>::from_json(r#"{"a": 1}"#).unwrap();
        assert_eq!(ok["a"], 1);
    }
}
