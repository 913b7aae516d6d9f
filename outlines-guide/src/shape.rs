//! Where a constrained JSON text stands, byte by byte: inside a string or not, which containers are
//! open, the path of the value being written, and where each array item begins and ends. Budget
//! steering reads it to close an array at an item the model finished, to spot an item repeated
//! verbatim, and afterwards to say which values the budget touched.
//!
//! The text is one the grammar allowed: JSON with no whitespace but one space after `,` or `:`
//! (either [`Layout`](crate::Layout)), so a small scanner is exact here.

use std::ops::Range;

use outlines_core::diagnostics::{Path, Segment};

/// The scanner's state after some text.
#[derive(Clone, Debug, Default)]
pub(crate) struct Shape {
    /// Bytes read.
    offset: usize,
    in_string: bool,
    escaped: bool,
    stack: Vec<Frame>,
    /// The key being read, when the string open is an object's key.
    key: Option<Vec<u8>>,
    /// Where the scalar being written began (a string, number or literal), when one is.
    scalar: Option<usize>,
    /// A whole value has been written at the top level.
    complete: bool,
}

#[derive(Clone, Debug)]
enum Frame {
    Object {
        /// The key whose value comes or is being written; `None` before the first key and after
        /// each `,`.
        key: Option<String>,
        /// Where its `{` is.
        open: usize,
    },
    Array {
        /// The item being written (or to come).
        index: usize,
        /// Where that item began, once its first byte is read.
        start: Option<usize>,
        /// The last item finished: where it began and ended.
        last: Option<Range<usize>>,
        /// Where the array was opened: just after its `[`.
        open: usize,
    },
}

/// Something the last byte finished.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Event {
    /// A string, number or literal: its path and its bytes (quotes included).
    Scalar { path: Path, range: Range<usize> },
    /// An object key: the path of its field and the key's bytes (quotes included).
    Key { path: Path, range: Range<usize> },
    /// An object or array opened at `open` and closed by the byte at `at`.
    Closed { path: Path, open: usize, at: usize },
    /// An array item followed by a `,`: the array's path, the item's index and bytes, and the
    /// item before it, if any.
    Item {
        path: Path,
        index: usize,
        range: Range<usize>,
        previous: Option<Range<usize>>,
    },
}

/// An array that is open, innermost first: where it could be closed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct OpenArray {
    /// The array's path.
    pub(crate) path: Path,
    /// How many items it has finished.
    pub(crate) items: usize,
    /// Where its last finished item ends (just after its `[` when it has none): the text up to
    /// there, then `]`, closes it with only what the model wrote.
    pub(crate) boundary: usize,
}

impl Shape {
    /// The state after `text`.
    pub(crate) fn of(text: &[u8]) -> Shape {
        let mut shape = Shape::default();
        shape.read(text, |_| {});
        shape
    }

    /// Reads `text`, reporting what each byte finishes.
    pub(crate) fn read(&mut self, text: &[u8], mut event: impl FnMut(Event)) {
        for &byte in text {
            // A byte can end a number and the container around it at once.
            let (ended, event2) = self.byte(byte);
            ended.into_iter().chain(event2).for_each(&mut event);
        }
    }

    /// Whether the text leaves off inside a string.
    pub(crate) fn in_string(&self) -> bool {
        self.in_string
    }

    /// Whether a whole value has been written.
    pub(crate) fn is_complete(&self) -> bool {
        self.complete
    }

    /// Whether a number or literal is being written (a structural byte would end it).
    pub(crate) fn in_bare_scalar(&self) -> bool {
        !self.in_string && self.scalar.is_some()
    }

    /// Whether an object's key is being written or comes next.
    pub(crate) fn at_key(&self) -> bool {
        self.key.is_some()
            || (!self.in_string
                && matches!(self.stack.last(), Some(Frame::Object { key: None, .. })))
    }

    /// Whether nothing but the top-level value is open (no container).
    pub(crate) fn at_top(&self) -> bool {
        self.stack.is_empty()
    }

    /// The open arrays, innermost first.
    pub(crate) fn open_arrays(&self) -> Vec<OpenArray> {
        let mut arrays = Vec::new();
        for (depth, frame) in self.stack.iter().enumerate().rev() {
            if let Frame::Array {
                index, last, open, ..
            } = frame
            {
                arrays.push(OpenArray {
                    path: path_of(&self.stack[..depth]),
                    items: *index,
                    boundary: last.as_ref().map_or(*open, |last| last.end),
                });
            }
        }
        arrays
    }

    /// The path of the value being written.
    pub(crate) fn path(&self) -> Path {
        path_of(&self.stack)
    }

    /// Reads one byte: the scalar it ended, if any, and what else it finished.
    fn byte(&mut self, byte: u8) -> (Option<Event>, Option<Event>) {
        let at = self.offset;
        self.offset += 1;
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if byte == b'\\' {
                self.escaped = true;
            } else if byte == b'"' {
                self.in_string = false;
                return (self.end_string(at), None);
            }
            if let Some(key) = &mut self.key {
                key.push(byte);
            }
            return (None, None);
        }
        let mut ended = None;
        if let Some(start) = self.scalar {
            if matches!(byte, b',' | b']' | b'}' | b' ' | b':') {
                self.scalar = None;
                ended = Some(Event::Scalar {
                    path: self.path(),
                    range: start..at,
                });
                self.value_done();
            }
        }
        let event = match byte {
            b'"' => {
                self.item_begins(at);
                self.in_string = true;
                if matches!(self.stack.last(), Some(Frame::Object { key: None, .. })) {
                    self.key = Some(Vec::new());
                } else {
                    self.scalar = Some(at);
                }
                None
            }
            b'{' => {
                self.item_begins(at);
                self.stack.push(Frame::Object {
                    key: None,
                    open: at,
                });
                None
            }
            b'[' => {
                self.item_begins(at);
                self.stack.push(Frame::Array {
                    index: 0,
                    start: None,
                    last: None,
                    open: at + 1,
                });
                None
            }
            b'}' | b']' => {
                let open = match self.stack.pop() {
                    Some(Frame::Object { open, .. }) => open,
                    Some(Frame::Array { open, .. }) => open - 1,
                    None => at,
                };
                let event = Event::Closed {
                    path: self.path(),
                    open,
                    at,
                };
                self.value_done();
                Some(event)
            }
            b',' => {
                let parent = path_of(&self.stack[..self.stack.len().saturating_sub(1)]);
                match self.stack.last_mut() {
                    Some(Frame::Object { key, .. }) => {
                        *key = None;
                        None
                    }
                    Some(Frame::Array {
                        index, start, last, ..
                    }) => {
                        let range = start.take().unwrap_or(at)..at;
                        let previous = last.replace(range.clone());
                        let item = *index;
                        *index += 1;
                        Some(Event::Item {
                            path: parent,
                            index: item,
                            range,
                            previous,
                        })
                    }
                    None => None,
                }
            }
            b':' | b' ' => None,
            _ => {
                if self.scalar.is_none() {
                    self.item_begins(at);
                    self.scalar = Some(at);
                }
                None
            }
        };
        (ended, event)
    }

    /// A string closed at `at`: a key, or a value.
    fn end_string(&mut self, at: usize) -> Option<Event> {
        if let Some(key) = self.key.take() {
            let start = at - key.len() - 1;
            let name = String::from_utf8_lossy(&key).into_owned();
            if let Some(Frame::Object { key, .. }) = self.stack.last_mut() {
                *key = Some(name);
            }
            return Some(Event::Key {
                path: self.path(),
                range: start..at + 1,
            });
        }
        let start = self.scalar.take().unwrap_or(at);
        let event = Event::Scalar {
            path: self.path(),
            range: start..at + 1,
        };
        self.value_done();
        Some(event)
    }

    /// A value began at `at`: if it is an array item, the item begins there.
    fn item_begins(&mut self, at: usize) {
        if let Some(Frame::Array { start, .. }) = self.stack.last_mut() {
            start.get_or_insert(at);
        }
    }

    /// A value ended: at the top level, the whole text is written.
    fn value_done(&mut self) {
        if self.stack.is_empty() {
            self.complete = true;
        }
    }
}

fn path_of(stack: &[Frame]) -> Path {
    let segments = stack
        .iter()
        .filter_map(|frame| match frame {
            Frame::Object { key, .. } => key.clone().map(Segment::Key),
            Frame::Array { index, .. } => Some(Segment::Index(*index)),
        })
        .collect();
    Path::from_segments(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Vec<Event> {
        let mut out = Vec::new();
        Shape::default().read(text.as_bytes(), |e| out.push(e));
        out
    }

    #[test]
    fn paths_and_ranges_of_scalars_keys_and_items() {
        let text = r#"{"a": [{"b": 12}, {"b": 12}, "x\"y"], "c": true}"#;
        let events = events(text);
        let scalars: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                Event::Scalar { path, range } => Some((path.to_string(), &text[range.clone()])),
                _ => None,
            })
            .collect();
        assert_eq!(
            scalars,
            [
                ("a[0].b".to_owned(), "12"),
                ("a[1].b".to_owned(), "12"),
                ("a[2]".to_owned(), r#""x\"y""#),
                ("c".to_owned(), "true"),
            ]
        );
        let items: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                Event::Item {
                    path,
                    index,
                    range,
                    previous,
                } => Some((
                    path.to_string(),
                    *index,
                    &text[range.clone()],
                    previous.clone().map(|p| &text[p]),
                )),
                _ => None,
            })
            .collect();
        assert_eq!(
            items,
            [
                ("a".to_owned(), 0, r#"{"b": 12}"#, None),
                ("a".to_owned(), 1, r#"{"b": 12}"#, Some(r#"{"b": 12}"#)),
            ]
        );
        assert!(events.contains(&Event::Key {
            path: Path::from_segments(vec![Segment::Key("c".into())]),
            range: 38..41,
        }));
    }

    #[test]
    fn one_byte_ends_a_number_and_its_array() {
        let events = events("[7]");
        assert_eq!(
            events,
            [
                Event::Scalar {
                    path: Path::from_segments(vec![Segment::Index(0)]),
                    range: 1..2,
                },
                Event::Closed {
                    path: Path::root(),
                    open: 0,
                    at: 2,
                },
            ]
        );
    }

    #[test]
    fn open_arrays_know_their_last_boundary() {
        let text = r#"{"items": [{"q": 1}, {"q": 2}, {"q": "#;
        let shape = Shape::of(text.as_bytes());
        let arrays = shape.open_arrays();
        assert_eq!(arrays.len(), 1);
        assert_eq!(arrays[0].path.to_string(), "items");
        assert_eq!(arrays[0].items, 2);
        assert_eq!(
            &text[..arrays[0].boundary],
            r#"{"items": [{"q": 1}, {"q": 2}"#
        );
        let empty = Shape::of(br#"{"tags": ["ab"#);
        assert_eq!(empty.open_arrays()[0].boundary, br#"{"tags": ["#.len());
        assert!(empty.in_string());
        assert!(!empty.is_complete());
        assert!(Shape::of(b"[1, 2]").is_complete());
        assert!(Shape::of(b"\"ab\"").is_complete());
    }
}
