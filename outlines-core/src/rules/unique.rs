//! `unique`: no two items of a collection are equal.

use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::Arc;

use crate::diagnostics::ErrorKind;
use crate::validate::{Cx, Seg};

/// Collections whose items can be compared for `#[outline(unique)]`.
#[diagnostic::on_unimplemented(
    message = "`unique` needs a list whose items implement `PartialEq`, not `{Self}`",
    label = "`unique` applies to `Vec`, `VecDeque` and arrays of comparable items",
    note = "sets (`HashSet`, `BTreeSet`) reject duplicates already and need no `unique`"
)]
pub trait Unique {
    /// The positions of the first pair of equal items, if any.
    fn first_duplicate(&self) -> Option<(usize, usize)>;
}

fn first_duplicate<'a, T: PartialEq + 'a>(
    items: impl Iterator<Item = &'a T> + Clone,
) -> Option<(usize, usize)> {
    for (i, a) in items.clone().enumerate() {
        if let Some(j) = items.clone().skip(i + 1).position(|b| a == b) {
            return Some((i, i + 1 + j));
        }
    }
    None
}

impl<T: PartialEq> Unique for Vec<T> {
    fn first_duplicate(&self) -> Option<(usize, usize)> {
        first_duplicate(self.iter())
    }
}

impl<T: PartialEq> Unique for VecDeque<T> {
    fn first_duplicate(&self) -> Option<(usize, usize)> {
        first_duplicate(self.iter())
    }
}

impl<T: PartialEq, const N: usize> Unique for [T; N] {
    fn first_duplicate(&self) -> Option<(usize, usize)> {
        first_duplicate(self.iter())
    }
}

impl<T: Unique> Unique for Option<T> {
    fn first_duplicate(&self) -> Option<(usize, usize)> {
        self.as_ref().and_then(Unique::first_duplicate)
    }
}

macro_rules! through_pointer {
    ($($ptr:ident),*) => {$(
        impl<T: Unique + ?Sized> Unique for $ptr<T> {
            fn first_duplicate(&self) -> Option<(usize, usize)> {
                (**self).first_duplicate()
            }
        }
    )*};
}

through_pointer!(Box, Rc, Arc);

/// Records an error at the later duplicate; `true` when all items are distinct.
pub fn check<T: Unique + ?Sized>(value: &T, cx: &mut Cx<'_>) -> bool {
    let Some((first, second)) = value.first_duplicate() else {
        return true;
    };
    cx.at(Seg::Index(second), |cx| {
        cx.error(
            ErrorKind::Constraint,
            "array with no duplicate items",
            None,
            format!("duplicate of item {first}"),
        );
    });
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_first_pair() {
        assert_eq!(vec![1, 2, 3, 2, 1].first_duplicate(), Some((0, 4)));
        assert_eq!(vec![1, 2, 3].first_duplicate(), None);
        assert_eq!(Some([1.0, 1.0]).first_duplicate(), Some((0, 1)));
        assert_eq!(Vec::<u8>::new().first_duplicate(), None);
    }
}
