//! Tuples: fixed-length arrays with a type per position.

use serde::Deserializer;
use serde::de::SeqAccess;

use crate::partial::NodeRef;
use crate::schema::expected::expected;
use crate::schema::{Constraints, Kind, Schema};
use crate::structured::{Structured, whole};
use crate::validate::Cx;
use crate::validate::seq::{TupleReader, TupleShape, deserialize_tuple};

macro_rules! tuple {
    ($len:expr => $($t:ident $v:ident),+) => {
        impl<$($t: Structured),+> Structured for ($($t,)+) {
            /// A tuple appears when whole.
            type Partial = Self;

            fn partial(node: NodeRef<'_>) -> Option<Self> {
                whole(node)
            }

            fn schema() -> Schema {
                Schema::new(Kind::Tuple(vec![$($t::schema()),+]))
            }

            fn __deserialize<'de, De: Deserializer<'de>>(
                de: De,
                cx: &mut Cx<'_>,
                c: &'static Constraints,
            ) -> Result<Option<Self>, De::Error> {
                deserialize_tuple::<Self, De>(de, cx, c)
            }
        }

        impl<$($t: Structured),+> TupleShape for ($($t,)+) {
            type Out = Self;
            const LEN: usize = $len;

            fn expected() -> String {
                expected(&Self::schema())
            }

            fn visit<'de, Sa: SeqAccess<'de>>(
                reader: &mut TupleReader<'_, '_, '_, Sa>,
                _: &'static Constraints,
            ) -> Result<Option<Self>, Sa::Error> {
                $(let $v = reader.next::<$t>(Constraints::none())?;)+
                Ok(match ($($v,)+) {
                    ($(Some($v),)+) => Some(($($v,)+)),
                    _ => None,
                })
            }
        }
    };
}

tuple!(1 => A a);
tuple!(2 => A a, B b);
tuple!(3 => A a, B b, C c);
tuple!(4 => A a, B b, C c, D d);
tuple!(5 => A a, B b, C c, D d, E e);
tuple!(6 => A a, B b, C c, D d, E e, F f);
tuple!(7 => A a, B b, C c, D d, E e, F f, G g);
tuple!(8 => A a, B b, C c, D d, E e, F f, G g, H h);
tuple!(9 => A a, B b, C c, D d, E e, F f, G g, H h, I i);
tuple!(10 => A a, B b, C c, D d, E e, F f, G g, H h, I i, J j);
tuple!(11 => A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k);
tuple!(12 => A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l);

#[cfg(test)]
mod tests {
    use crate::structured::Structured;

    #[test]
    fn tuples_read_positions() {
        assert_eq!(
            <(u8, String)>::from_json(r#"[1, "a"]"#).unwrap(),
            (1, "a".into())
        );
        let err = <(u8, String)>::from_json(r#"[1, 2]"#).unwrap_err();
        assert_eq!(err.errors()[0].path().to_string(), "[1]");
        let err = <(u8, String)>::from_json(r#"[1]"#).unwrap_err();
        assert_eq!(err.errors()[0].message(), "expected exactly 2 items");
    }
}
