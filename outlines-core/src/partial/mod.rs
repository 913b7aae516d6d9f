//! Partial values: what a reply has written so far.
//!
//! The incremental reader ([`lenient::incremental`](crate::lenient::incremental)) grows a [`Tree`]
//! of the value as the reply arrives: every string, array and object appears as soon as it opens
//! and grows in place; numbers, `true`, `false` and `null` appear when whole. Each
//! [`Structured`](crate::Structured) type reads its partial form from that tree
//! ([`Structured::partial`](crate::Structured::partial), [`Partial<T>`](crate::Partial)): for a
//! `#[derive(Structured)]` struct (generic or not), a struct of the same fields, each
//! `Option<Part<…>>` (absent until the reply writes its key), and for a newtype its field's; for a
//! tagged enum with data (externally, internally or adjacently), its variant once the variant's
//! name is whole and its content has begun, with the variant's fields partial. Strings grow, arrays
//! and maps gain items, nested structs are partial in turn; numbers, booleans, other enums and
//! other values appear once whole. [`Part::complete`] says whether a part is whole, so a user
//! interface can render it as final. An explicit `null` in an `Option` field is
//! `Some(Part { value: None, .. })`, not an absent field.
//!
//! A partial only ever holds what the reply wrote, never the reader's state; rules run on whole
//! values only — a `min = 3` string is no error while it is being written.

mod de;

use std::fmt;

use serde_json::{Map, Number, Value};

/// A part of a partial value: what is there so far, and whether it is whole.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Part<P> {
    /// The value so far.
    pub value: P,
    /// Whether the reply has finished writing this part.
    pub complete: bool,
}

/// The value so far: nodes in an arena, and every string's and key's text in one buffer.
///
/// Nothing is allocated per value: a container links its children, and a string is a range of
/// `text` (only one string is ever open, and it is always the last one written, so it grows in
/// place).
#[derive(Clone, Debug, Default)]
pub struct Tree {
    pub(crate) nodes: Vec<Node>,
    pub(crate) text: String,
}

/// No node: the end of a list of children.
pub(crate) const NONE: usize = usize::MAX;

#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    pub(crate) complete: bool,
    /// The key it is written under, as a range of `text` (empty outside an object).
    pub(crate) key: (usize, usize),
    /// The next item or member of the same container.
    pub(crate) next: usize,
}

impl Node {
    /// Its children, if it is a container.
    fn children(&self) -> Option<Children> {
        match self.kind {
            Kind::Array(children) | Kind::Object(children) => Some(children),
            _ => None,
        }
    }

    /// How many children it has (none, if it is not a container).
    pub(crate) fn len(&self) -> usize {
        self.children().map_or(0, |c| c.len)
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Kind {
    Null,
    Bool(bool),
    Number(Number),
    /// A range of `text`.
    String(usize, usize),
    Array(Children),
    Object(Children),
}

/// A container's children: the first and last, linked by `next`, and how many.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Children {
    pub(crate) first: usize,
    pub(crate) last: usize,
    pub(crate) len: usize,
}

impl Children {
    pub(crate) const EMPTY: Children = Children {
        first: NONE,
        last: NONE,
        len: 0,
    };
}

/// One value in a [`Tree`]: what it is so far and whether it is whole.
#[derive(Clone, Copy)]
pub struct NodeRef<'a> {
    pub(crate) tree: &'a Tree,
    pub(crate) id: usize,
}

impl<'a> NodeRef<'a> {
    fn node(&self) -> &'a Node {
        &self.tree.nodes[self.id]
    }

    /// Whether the value is whole: a closed string or container, or any number or literal.
    pub fn complete(&self) -> bool {
        self.node().complete
    }

    /// Whether the value is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.node().kind, Kind::Null)
    }

    /// The string so far.
    pub fn as_str(&self) -> Option<&'a str> {
        match self.node().kind {
            Kind::String(from, to) => Some(&self.tree.text[from..to]),
            _ => None,
        }
    }

    /// The boolean, if the value is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self.node().kind {
            Kind::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The number, if the value is one.
    pub fn as_number(&self) -> Option<&'a Number> {
        match &self.node().kind {
            Kind::Number(n) => Some(n),
            _ => None,
        }
    }

    /// How many items or members the value has so far, if it is an array or an object.
    pub fn count(&self) -> Option<usize> {
        self.node().children().map(|c| c.len)
    }

    fn children(&self) -> Siblings<'a> {
        let children = self.node().children().unwrap_or(Children::EMPTY);
        let (next, left) = (children.first, children.len);
        Siblings {
            tree: self.tree,
            next,
            left,
        }
    }

    /// The items so far, if the value is an array.
    pub fn items(&self) -> Option<impl Iterator<Item = NodeRef<'a>> + 'a> {
        matches!(self.node().kind, Kind::Array(_)).then(|| self.children())
    }

    /// The members so far, in the order written, if the value is an object.
    pub fn members(&self) -> Option<impl Iterator<Item = (&'a str, NodeRef<'a>)> + 'a> {
        matches!(self.node().kind, Kind::Object(_))
            .then(|| self.children().map(|node| (node.key(), node)))
    }

    /// The key this value is written under, in its object (empty elsewhere).
    fn key(&self) -> &'a str {
        let (from, to) = self.node().key;
        &self.tree.text[from..to]
    }

    /// A copy of this container without `child`, one of its items or members: an internally tagged
    /// enum's content is its object without the tag. `None` if `child` is not one of them.
    ///
    /// A copy, not a view, so that reading a tree (every type's partial, the final value) pays
    /// nothing for this rare need.
    pub fn without(&self, child: NodeRef<'_>) -> Option<Tree> {
        let mut children = self.children();
        if !children.any(|c| c.id == child.id && std::ptr::eq(c.tree, child.tree)) {
            return None;
        }
        let mut copy = Tree::default();
        self.copy_into(&mut copy, &mut |c| c.id != child.id);
        Some(copy)
    }

    /// A copy of this object with only the members whose key `keep` accepts (a flattened field's:
    /// those no other field claims), or `None` if it is not an object. A copy, as for
    /// [`without`](Self::without).
    pub fn members_where(&self, mut keep: impl FnMut(&str) -> bool) -> Option<Tree> {
        let _ = self.members()?;
        let mut copy = Tree::default();
        self.copy_into(&mut copy, &mut |c| keep(c.key()));
        Some(copy)
    }

    /// Copies this value into `into` (its key too, below the root), with only the children `keep`
    /// accepts (theirs all); returns its node there. Recursive: a tree nests at most as deep as the
    /// reader allows.
    fn copy_into(&self, into: &mut Tree, keep: &mut dyn FnMut(NodeRef<'a>) -> bool) -> usize {
        let node = self.node();
        let mut text = |(from, to): (usize, usize)| {
            let at = into.text.len();
            into.text.push_str(&self.tree.text[from..to]);
            (at, into.text.len())
        };
        let key = match into.nodes.is_empty() {
            true => (0, 0),
            false => text(node.key),
        };
        let kind = match &node.kind {
            Kind::String(from, to) => {
                let (from, to) = text((*from, *to));
                Kind::String(from, to)
            }
            Kind::Array(_) => Kind::Array(Children::EMPTY),
            Kind::Object(_) => Kind::Object(Children::EMPTY),
            other => other.clone(),
        };
        let id = into.nodes.len();
        into.nodes.push(Node {
            kind,
            complete: node.complete,
            key,
            next: NONE,
        });
        for child in self.children().filter(|&c| keep(c)) {
            let copied = child.copy_into(into, &mut |_| true);
            into.link(id, copied);
        }
        id
    }

    /// The member `key`, if the value is an object that has it (the last, if written twice).
    pub fn get(&self, key: &str) -> Option<NodeRef<'a>> {
        self.members()?
            .filter(|(k, _)| *k == key)
            .last()
            .map(|(_, node)| node)
    }

    /// The value so far as JSON: open strings as far as written, open containers with what they hold.
    pub fn to_value(&self) -> Value {
        match &self.node().kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Number(n) => Value::Number(n.clone()),
            Kind::String(..) => Value::String(self.as_str().unwrap_or_default().to_owned()),
            Kind::Array(_) => Value::Array(self.children().map(|n| n.to_value()).collect()),
            Kind::Object(_) => {
                let mut map = Map::new();
                for node in self.children() {
                    map.insert(node.key().to_owned(), node.to_value());
                }
                Value::Object(map)
            }
        }
    }
}

/// The children of a container, in order.
struct Siblings<'a> {
    tree: &'a Tree,
    next: usize,
    left: usize,
}

impl<'a> Iterator for Siblings<'a> {
    type Item = NodeRef<'a>;

    fn next(&mut self) -> Option<NodeRef<'a>> {
        let id = self.next;
        let node = self.tree.nodes.get(id)?;
        self.next = node.next;
        self.left = self.left.saturating_sub(1);
        Some(NodeRef {
            tree: self.tree,
            id,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Siblings<'_> {}

impl Tree {
    /// The value, once it has begun.
    pub fn root(&self) -> Option<NodeRef<'_>> {
        (!self.nodes.is_empty()).then_some(NodeRef { tree: self, id: 0 })
    }

    /// A tree of one open string: the text of a reply that is not JSON, as far as written.
    pub fn text(text: &str) -> Tree {
        Tree {
            nodes: vec![Node {
                kind: Kind::String(0, text.len()),
                complete: false,
                key: (0, 0),
                next: NONE,
            }],
            text: text.to_owned(),
        }
    }

    /// Links `child` as the last child of the container `parent`.
    pub(crate) fn link(&mut self, parent: usize, child: usize) {
        let last = match &mut self.nodes[parent].kind {
            Kind::Array(children) | Kind::Object(children) => {
                let last = children.last;
                if children.len == 0 {
                    children.first = child;
                }
                children.last = child;
                children.len += 1;
                last
            }
            _ => return,
        };
        if let Some(node) = self.nodes.get_mut(last) {
            node.next = child;
        }
    }
}

/// `Debug` for a generated partial's field, whatever its type: `(&&Show(&x)).show(f)` prints `x`
/// with `Debug` when it has it ([`ShowDebug`], found first by autoref) and `…` otherwise.
#[doc(hidden)]
pub struct Show<'a, T>(pub &'a T);

#[doc(hidden)]
pub trait ShowDebug {
    fn show(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl<T: fmt::Debug> ShowDebug for &Show<'_, T> {
    fn show(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

#[doc(hidden)]
pub trait ShowOpaque {
    fn show(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl<T> ShowOpaque for Show<'_, T> {
    fn show(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("…")
    }
}

/// `Debug` by a closure.
#[doc(hidden)]
pub struct DebugWith<F>(pub F);

impl<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result> fmt::Debug for DebugWith<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.0)(f)
    }
}
