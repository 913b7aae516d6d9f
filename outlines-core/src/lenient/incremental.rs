//! The value of a reply read as it arrives: [`Incremental::feed`] takes each piece of text once and
//! grows a tree of the value so far, in which every string, array and object appears as soon as it
//! opens and grows in place, and numbers, `true`, `false` and `null` appear when whole.
//!
//! It is resumable, not re-run: the state between pieces is the open containers and the token in
//! progress, so the work is linear in the reply however it is cut. Text before the value is passed
//! over as [`candidates`](super::candidates) does — a byte-order mark, prose, a code fence — and text
//! after it is ignored; inside, a trailing comma is read past. Any other slip stops the reading
//! ([`Progress::Stalled`]): the tree keeps what came before, and the whole reply is read by the
//! lenient reader at the end as usual. The tree only ever holds values the reply wrote, never the
//! reader's state. [`Incremental::exact`] says whether the reply was nothing but one strict JSON
//! value (no mark, prose, fence or slip around or inside it): then the tree is the reply's value
//! and need not be read again.
//!
//! A [`Watch`] sees each value begin, grow and end, with the tree, and may stop the reading with a
//! violation: the generation loop uses it to abort a reply that can no longer be valid.

use serde_json::Number;

use crate::diagnostics::Violation;
use crate::partial::{Children, Kind, NONE, Node, NodeRef, Tree};

/// Values nest at most this deep (as in the lenient reader and serde_json).
const MAX_NESTING: usize = 127;
/// A number or literal longer than this is no JSON a model means.
const MAX_SCALAR: usize = 64;

/// Where a value begins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot<'a> {
    /// The reply's value itself.
    Root,
    /// The member with this key of the innermost open object.
    Member(&'a str),
    /// The item at this index of the innermost open array.
    Item(usize),
}

/// What a value that begins looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// `{`
    Object,
    /// `[`
    Array,
    /// `"`
    String,
    /// A number, `true`, `false` or `null`: it appears when whole.
    Scalar,
}

/// Sees the value being read; any method may stop the reading with a violation. Calls nest: each
/// `begin` is matched by one `end` (unless the reading stops first).
pub trait Watch {
    /// A value begins at `slot` of the innermost open container.
    fn begin(&mut self, slot: Slot<'_>, start: Start) -> Result<(), Box<Violation>>;
    /// The innermost open object has a member `key`, whose value comes next.
    fn key(&mut self, key: &str) -> Result<(), Box<Violation>>;
    /// The string being read now is `so_far`, `chars` characters.
    fn grow(&mut self, so_far: &str, chars: usize) -> Result<(), Box<Violation>>;
    /// The value that began last is whole.
    fn end(&mut self, value: NodeRef<'_>) -> Result<(), Box<Violation>>;
}

/// A watch that sees nothing.
pub struct Blind;

impl Watch for Blind {
    fn begin(&mut self, _: Slot<'_>, _: Start) -> Result<(), Box<Violation>> {
        Ok(())
    }
    fn key(&mut self, _: &str) -> Result<(), Box<Violation>> {
        Ok(())
    }
    fn grow(&mut self, _: &str, _: usize) -> Result<(), Box<Violation>> {
        Ok(())
    }
    fn end(&mut self, _: NodeRef<'_>) -> Result<(), Box<Violation>> {
        Ok(())
    }
}

/// Where the reading is.
#[derive(Clone, Debug, PartialEq)]
pub enum Progress {
    /// Reading: more text may grow the value.
    Reading,
    /// The value is whole; what follows is not read.
    Complete,
    /// A slip this reader does not read past: the tree keeps what came before.
    Stalled,
    /// The watch stopped the reading.
    Stopped(Violation),
}

/// Before the value: where it may begin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lead {
    /// At the start: a value may begin at the first non-blank character.
    Start,
    /// Past other text: a value begins at the next `{` or `[`.
    Prose,
    /// Inside the value.
    Value,
}

/// What the innermost open container (or the root) expects next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Value,
    ItemOrClose,
    KeyOrClose,
    Colon,
    CommaOrClose,
}

/// The token in progress.
#[derive(Clone, Debug)]
enum Token {
    None,
    /// A string; `node` is its node (none for a key, whose range of the tree's text is `key`).
    String {
        node: Option<usize>,
        escape: Escape,
        high: Option<u32>,
    },
    /// A number or literal: its characters so far are in `Incremental::scalar`.
    Scalar,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Escape {
    None,
    Backslash,
    Hex { digits: u8, code: u32 },
}

/// The reader. Feed it the reply piece by piece; the [`Tree`] holds the value so far.
#[derive(Clone, Debug)]
pub struct Incremental {
    tree: Tree,
    /// Open containers, innermost last.
    open: Vec<usize>,
    expect: Expect,
    lead: Lead,
    token: Token,
    /// The key of the member whose value comes next: a range of the tree's text.
    key: (usize, usize),
    /// The number or literal being read.
    scalar: String,
    /// Characters in the string being read.
    chars: usize,
    progress: Progress,
    read: usize,
    /// The value began after other text: the watch does not see it.
    after_prose: bool,
    /// The start of the text before the value.
    prose: String,
    /// Nothing read so far is beyond strict JSON (a byte-order mark, other space, a trailing
    /// comma, a raw control character in a string, prose).
    strict: bool,
    /// Where in the reply the value ended.
    end: Option<usize>,
    /// How many times the value so far changed (a value began, grew or ended).
    changes: usize,
}

impl Default for Incremental {
    fn default() -> Self {
        Incremental {
            tree: Tree::default(),
            open: Vec::new(),
            expect: Expect::Value,
            lead: Lead::Start,
            token: Token::None,
            key: (0, 0),
            scalar: String::new(),
            chars: 0,
            progress: Progress::Reading,
            read: 0,
            after_prose: false,
            prose: String::new(),
            strict: true,
            end: None,
            changes: 0,
        }
    }
}

impl Incremental {
    /// A reader at the start of a reply.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value so far.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// Where the reading is.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// Bytes of the reply taken in so far.
    pub fn bytes_read(&self) -> usize {
        self.read
    }

    /// Whether `reply` — all this reader was fed — is exactly the value read, in strict JSON, with
    /// at most white space around it: then the tree is what a strict reading of `reply` gives,
    /// and it need not be read again.
    pub fn exact(&self, reply: &str) -> bool {
        self.strict
            && self.progress == Progress::Complete
            && self.read == reply.len()
            && self
                .end
                .and_then(|end| reply.get(end..))
                .is_some_and(|rest| rest.trim().is_empty())
    }

    /// How many times the value so far has changed: a value began, a string grew, a value ended.
    /// A piece that only wrote a key, punctuation or space leaves it as it was, and a partial value
    /// read from the tree is then the same as before.
    pub fn changes(&self) -> usize {
        self.changes
    }

    /// Takes in the next piece of the reply. Returns the progress after it.
    pub fn feed<W: Watch + ?Sized>(&mut self, piece: &str, watch: &mut W) -> &Progress {
        // A piece that only continues an open string, the most common, is read at once (as the
        // general loop below would read it).
        if let Token::String {
            node,
            escape: Escape::None,
            high: None,
        } = self.token
        {
            if self.continues_string(piece) {
                self.read += piece.len();
                let before = self.tree.text.len();
                self.tree.text.push_str(piece);
                let grown = match self.after_prose {
                    true => self.grown(node, before, &mut Blind),
                    false => self.grown(node, before, watch),
                };
                if let Err(violation) = grown {
                    self.stopped(*violation);
                }
                return &self.progress;
            }
        }
        let start = self.read;
        self.read += piece.len();
        if matches!(self.progress, Progress::Reading) && !piece.is_empty() {
            let at = self.feed_watched(piece, watch);
            if self.end.is_none() && matches!(self.progress, Progress::Complete) {
                // What the piece had left when the value ended is not read.
                self.end = Some(start + at);
            }
        }
        &self.progress
    }

    /// Whether `piece`, read while a plain string is open (the caller checks the token), only
    /// continues it (the most common piece): it is then read at once, without the general loop.
    #[inline(always)]
    fn continues_string(&self, piece: &str) -> bool {
        matches!(self.progress, Progress::Reading)
            && !piece.is_empty()
            && plain_run(piece.as_bytes()) == piece.len()
    }

    /// Reads `piece` while reading goes on; returns where in it the reading stopped.
    fn feed_watched<W: Watch + ?Sized>(&mut self, piece: &str, watch: &mut W) -> usize {
        let mut at = 0;
        if self.lead != Lead::Value {
            let mut rest = piece;
            while self.lead != Lead::Value && !rest.is_empty() {
                rest = self.lead_in(rest);
            }
            at = piece.len() - rest.len();
            if rest.is_empty() {
                return at;
            }
            // The value begins: room for a reply of a few kilobytes at once, rather than
            // growing by doubling.
            self.tree.nodes.reserve(64);
            self.tree.text.reserve(512);
        }
        // A value that began after prose is not watched.
        let read = match self.after_prose {
            true => self.read_value(piece, at, &mut Blind),
            false => self.read_value(piece, at, watch),
        };
        match read {
            Ok(at) => at,
            Err(Stop::Slip) => {
                self.progress = Progress::Stalled;
                piece.len()
            }
            Err(Stop::Watch(violation)) => {
                self.stopped(*violation);
                piece.len()
            }
        }
    }

    /// The watch stopped the reading (a value after prose is not watched: it only stalls).
    #[cold]
    fn stopped(&mut self, violation: Violation) {
        self.progress = match self.after_prose {
            true => Progress::Stalled,
            false => Progress::Stopped(violation),
        };
    }

    /// Takes in the reply's end: a number or literal at the very end of a bare value is whole.
    pub fn finish<W: Watch + ?Sized>(&mut self, watch: &mut W) -> &Progress {
        if matches!(self.progress, Progress::Reading)
            && self.open.is_empty()
            && matches!(self.token, Token::Scalar)
        {
            // (A value after prose begins with a bracket: it is never a bare scalar.)
            let result = self.end_scalar(watch);
            self.end = Some(self.read);
            self.progress = match result {
                Ok(true) => Progress::Complete,
                Ok(false) => Progress::Stalled,
                Err(v) => Progress::Stopped(*v),
            };
        }
        &self.progress
    }

    /// Reads the value from `at` in `text`, token after token in one loop: returns where the
    /// reading stopped (the text's end, unless the value ended or nests too deep).
    fn read_value<W: Watch + ?Sized>(
        &mut self,
        text: &str,
        mut at: usize,
        watch: &mut W,
    ) -> Result<usize, Stop> {
        let bytes = text.as_bytes();
        // The token the last piece left open.
        match self.token {
            Token::None => {}
            Token::String { node, escape, high } => {
                at = match (escape, high) {
                    (Escape::None, None) => self.string(text, at, node, watch)?,
                    _ => self.escaped(text, at, node, escape, high, watch)?,
                };
                if self.open.is_empty() {
                    return Ok(at);
                }
            }
            Token::Scalar => {
                let end = scalar_end(bytes, at);
                self.scalar.push_str(&text[at..end]);
                if self.scalar.len() > MAX_SCALAR {
                    return Err(Stop::Slip);
                }
                if end == bytes.len() {
                    return Ok(end);
                }
                if !self.end_scalar(watch)? {
                    return Err(Stop::Slip);
                }
                at = end;
                if self.open.is_empty() {
                    return Ok(at);
                }
            }
        }
        while let Some(&b) = bytes.get(at) {
            at += 1;
            match b {
                b' ' | b'\n' | b'\r' | b'\t' => {}
                b'"' => match self.expect {
                    Expect::KeyOrClose => {
                        let here = self.tree.text.len();
                        self.key = (here, here);
                        at = self.string(text, at, None, watch)?;
                    }
                    Expect::Value | Expect::ItemOrClose => {
                        self.begin(Start::String, watch)?;
                        let here = self.tree.text.len();
                        let id = self.attach(Kind::String(here, here), false);
                        self.chars = 0;
                        at = self.string(text, at, Some(id), watch)?;
                        if self.open.is_empty() {
                            return Ok(at);
                        }
                    }
                    _ => return Err(Stop::Slip),
                },
                b':' if self.expect == Expect::Colon => self.expect = Expect::Value,
                b',' if self.expect == Expect::CommaOrClose => {
                    let &top = self.open.last().ok_or(Stop::Slip)?;
                    self.expect = match self.tree.nodes[top].kind {
                        Kind::Object(_) => Expect::KeyOrClose,
                        _ => Expect::ItemOrClose,
                    };
                }
                b'}' | b']' if self.expect != Expect::Value && self.expect != Expect::Colon => {
                    let &top = self.open.last().ok_or(Stop::Slip)?;
                    let node = &mut self.tree.nodes[top];
                    let is_object = matches!(node.kind, Kind::Object(_));
                    if is_object != (b == b'}') {
                        return Err(Stop::Slip);
                    }
                    if self.expect != Expect::CommaOrClose && node.len() > 0 {
                        // A trailing comma.
                        self.strict = false;
                    }
                    node.complete = true;
                    self.open.pop();
                    self.ended(top, watch)?;
                    if self.open.is_empty() {
                        return Ok(at);
                    }
                }
                // Only what can start a value begins one (a comment or a stray bracket is a slip).
                b'{' | b'[' if matches!(self.expect, Expect::Value | Expect::ItemOrClose) => {
                    let object = b == b'{';
                    let (start, kind) = match object {
                        true => (Start::Object, Kind::Object(Children::EMPTY)),
                        false => (Start::Array, Kind::Array(Children::EMPTY)),
                    };
                    self.begin(start, watch)?;
                    let id = self.attach(kind, false);
                    if self.open.len() >= MAX_NESTING {
                        self.progress = Progress::Stalled;
                        return Ok(at);
                    }
                    self.open.push(id);
                    self.expect = match object {
                        true => Expect::KeyOrClose,
                        false => Expect::ItemOrClose,
                    };
                }
                b'-' | b'0'..=b'9' | b't' | b'f' | b'n'
                    if matches!(self.expect, Expect::Value | Expect::ItemOrClose) =>
                {
                    self.begin(Start::Scalar, watch)?;
                    let from = at - 1;
                    let end = scalar_end(bytes, at);
                    if end == bytes.len() {
                        // It may go on in the next piece.
                        self.token = Token::Scalar;
                        self.scalar.clear();
                        self.scalar.push_str(&text[from..]);
                        if self.scalar.len() > MAX_SCALAR {
                            return Err(Stop::Slip);
                        }
                        return Ok(end);
                    }
                    // Whole in this piece: read in place.
                    let kind = match end - from > MAX_SCALAR {
                        true => None,
                        false => scalar(&text[from..end]),
                    };
                    let id = self.attach(kind.ok_or(Stop::Slip)?, true);
                    self.ended(id, watch)?;
                    at = end;
                    if self.open.is_empty() {
                        return Ok(at);
                    }
                }
                0x0b | 0x0c => {
                    // A vertical tab or form feed is space to Rust and to lenient reading, not
                    // to JSON.
                    self.strict = false;
                }
                0x80.. => {
                    // Other space is read past, as before the value; any other character is a slip.
                    self.strict = false;
                    let c = text[at - 1..].chars().next().ok_or(Stop::Slip)?;
                    if !c.is_whitespace() {
                        return Err(Stop::Slip);
                    }
                    at += c.len_utf8() - 1;
                }
                _ => return Err(Stop::Slip),
            }
        }
        Ok(at)
    }

    /// Before the value: passes over a character of the text before it, or finds where it begins.
    fn lead_in<'t>(&mut self, text: &'t str) -> &'t str {
        let Some(c) = text.chars().next() else {
            return text;
        };
        let rest = &text[c.len_utf8()..];
        match self.lead {
            _ if c.is_whitespace() => rest,
            _ if c == '\u{feff}' => {
                self.strict = false;
                rest
            }
            Lead::Start if matches!(c, '{' | '[' | '"' | '-' | '0'..='9') => {
                self.lead = Lead::Value;
                text
            }
            Lead::Prose if matches!(c, '{' | '[') => {
                // A value after other text may be an example or a draft, not the answer: it is
                // read, but not watched (whole reading picks the candidate that validates). A
                // code fence's opening line alone is not such text.
                self.lead = Lead::Value;
                self.after_prose = !fence_line(&self.prose);
                text
            }
            _ => {
                self.lead = Lead::Prose;
                self.strict = false;
                // Pass over the prose at once, up to the next bracket (its start kept, to tell a
                // fence from prose).
                let skip = rest.find(['{', '[']).unwrap_or(rest.len());
                let passed = &text[..c.len_utf8() + skip];
                if self.prose.len() <= 32 {
                    let mut end = passed.len().min(40);
                    while !passed.is_char_boundary(end) {
                        end -= 1;
                    }
                    self.prose.push_str(&passed[..end]);
                }
                &rest[skip..]
            }
        }
    }

    /// A value begins: tell the watch where.
    #[inline]
    fn begin<W: Watch + ?Sized>(&mut self, start: Start, watch: &mut W) -> Result<(), Stop> {
        let slot = match self.open.last().map(|&top| &self.tree.nodes[top].kind) {
            None => Slot::Root,
            Some(Kind::Array(items)) => Slot::Item(items.len),
            Some(_) => Slot::Member(&self.tree.text[self.key.0..self.key.1]),
        };
        Ok(watch.begin(slot, start)?)
    }

    /// Adds a node where the next value goes.
    ///
    /// Inlined, and the node pushed here rather than by a helper taking it: a `Kind` passed through
    /// memory is stored in parts and loaded whole, which stalls.
    #[inline(always)]
    fn attach(&mut self, kind: Kind, complete: bool) -> usize {
        let parent = self.open.last().copied();
        let key = match parent.map(|top| &self.tree.nodes[top].kind) {
            Some(Kind::Object(_)) => self.key,
            _ => (0, 0),
        };
        self.changes += 1;
        let id = self.tree.nodes.len();
        self.tree.nodes.push(Node {
            kind,
            complete,
            key,
            next: NONE,
        });
        if let Some(parent) = parent {
            self.tree.link(parent, id);
        }
        id
    }

    /// The value `id` is whole: tell the watch, and expect what follows it.
    #[inline]
    fn ended<W: Watch + ?Sized>(&mut self, id: usize, watch: &mut W) -> Result<(), Box<Violation>> {
        self.changes += 1;
        watch.end(NodeRef {
            tree: &self.tree,
            id,
        })?;
        if self.open.is_empty() {
            self.progress = Progress::Complete;
        } else {
            self.expect = Expect::CommaOrClose;
        }
        Ok(())
    }

    /// The number or literal in progress ended: `false` if it is none.
    fn end_scalar<W: Watch + ?Sized>(&mut self, watch: &mut W) -> Result<bool, Box<Violation>> {
        if !matches!(
            std::mem::replace(&mut self.token, Token::None),
            Token::Scalar
        ) {
            return Ok(false);
        }
        let Some(kind) = scalar(&self.scalar) else {
            return Ok(false);
        };
        let id = self.attach(kind, true);
        self.ended(id, watch)?;
        Ok(true)
    }

    /// Reads a string's plain characters from `at` in `text` onto the tree's text, to the closing
    /// quote (returns where it stopped: past it, or the text's end); escapes and control
    /// characters go the long way, [`escaped`](Self::escaped).
    #[inline(always)]
    fn string<W: Watch + ?Sized>(
        &mut self,
        text: &str,
        at: usize,
        node: Option<usize>,
        watch: &mut W,
    ) -> Result<usize, Stop> {
        let bytes = text.as_bytes();
        let end = at + plain_run(&bytes[at..]);
        let before = self.tree.text.len();
        match bytes.get(end) {
            Some(b'"') => {
                // A piece often begins with the quote: nothing to copy.
                if end > at {
                    self.tree.text.push_str(&text[at..end]);
                }
                self.grown(node, before, watch)?;
                self.close(node, watch)?;
                Ok(end + 1)
            }
            None => {
                // (A piece often ends at the quote that opens a string.)
                if end > at {
                    self.tree.text.push_str(&text[at..end]);
                }
                self.grown(node, before, watch)?;
                // It goes on in the next piece (the state is set afresh: no escape is pending).
                self.token = Token::String {
                    node,
                    escape: Escape::None,
                    high: None,
                };
                Ok(end)
            }
            Some(_) => self.escaped(text, at, node, Escape::None, None, watch),
        }
    }

    /// The string being read grew: the tree's text from `before` on is new (a key only gathers).
    #[inline(always)]
    fn grown<W: Watch + ?Sized>(
        &mut self,
        node: Option<usize>,
        before: usize,
        watch: &mut W,
    ) -> Result<(), Box<Violation>> {
        let end = self.tree.text.len();
        let Some(id) = node else {
            self.key.1 = end;
            return Ok(());
        };
        if end == before {
            return Ok(());
        }
        self.changes += 1;
        if let Kind::String(from, to) = &mut self.tree.nodes[id].kind {
            *to = end;
            // Characters are the bytes that do not continue one (inline: a run is short).
            let grown = &self.tree.text.as_bytes()[before..end];
            self.chars += grown.iter().filter(|&&b| b as i8 >= -0x40).count();
            watch.grow(&self.tree.text[*from..end], self.chars)?;
        }
        Ok(())
    }

    /// The string being read closed.
    #[inline]
    fn close<W: Watch + ?Sized>(
        &mut self,
        node: Option<usize>,
        watch: &mut W,
    ) -> Result<(), Box<Violation>> {
        self.token = Token::None;
        match node {
            None => {
                self.expect = Expect::Colon;
                watch.key(&self.tree.text[self.key.0..self.key.1])
            }
            Some(id) => {
                self.tree.nodes[id].complete = true;
                self.ended(id, watch)
            }
        }
    }

    /// Reads string characters from `at` in `text`, in the state the string was left in (an
    /// escape under way, a high surrogate waiting for its low half), like [`string`](Self::string).
    #[inline(never)]
    fn escaped<W: Watch + ?Sized>(
        &mut self,
        text: &str,
        at: usize,
        node: Option<usize>,
        mut escape: Escape,
        mut high: Option<u32>,
        watch: &mut W,
    ) -> Result<usize, Stop> {
        let bytes = text.as_bytes();
        let before = self.tree.text.len();
        let out = &mut self.tree.text;
        let mut i = at;
        let mut closed = false;
        let mut slip = false;
        while i < bytes.len() {
            match escape {
                Escape::None => {
                    // A run of plain characters at once (a raw control character is read, but
                    // is not strict JSON).
                    let run = plain_run(&bytes[i..]);
                    if high.is_some() && run > 0 {
                        slip = true;
                        break;
                    }
                    out.push_str(&text[i..i + run]);
                    i += run;
                    if i == bytes.len() {
                        break;
                    }
                    if bytes[i] < 0x20 {
                        if high.is_some() {
                            slip = true;
                            break;
                        }
                        self.strict = false;
                        out.push(bytes[i] as char);
                        i += 1;
                        continue;
                    }
                    if bytes[i] == b'"' {
                        if high.is_some() {
                            slip = true;
                            break;
                        }
                        closed = true;
                        i += 1;
                        break;
                    }
                    escape = Escape::Backslash;
                    i += 1;
                }
                Escape::Backslash => {
                    let b = bytes[i];
                    i += 1;
                    if b == b'u' {
                        escape = Escape::Hex { digits: 0, code: 0 };
                        continue;
                    }
                    if high.is_some() {
                        slip = true;
                        break;
                    }
                    let c = match b {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        _ => {
                            slip = true;
                            break;
                        }
                    };
                    out.push(c);
                    escape = Escape::None;
                }
                Escape::Hex { digits, code } => {
                    let Some(d) = (bytes[i] as char).to_digit(16) else {
                        slip = true;
                        break;
                    };
                    i += 1;
                    let code = code * 16 + d;
                    if digits < 3 {
                        escape = Escape::Hex {
                            digits: digits + 1,
                            code,
                        };
                        continue;
                    }
                    escape = Escape::None;
                    let c = match (high.take(), code) {
                        (None, 0xD800..=0xDBFF) => {
                            high = Some(code);
                            continue;
                        }
                        (Some(h), 0xDC00..=0xDFFF) => {
                            char::from_u32(0x10000 + ((h - 0xD800) << 10) + (code - 0xDC00))
                        }
                        (None, _) => char::from_u32(code),
                        (Some(_), _) => None,
                    };
                    match c {
                        Some(c) => out.push(c),
                        None => {
                            slip = true;
                            break;
                        }
                    }
                }
            }
        }
        self.grown(node, before, watch)?;
        if slip {
            return Err(Stop::Slip);
        }
        if !closed {
            self.token = Token::String { node, escape, high };
            return Ok(i);
        }
        self.close(node, watch)?;
        Ok(i)
    }
}

/// How many bytes from the start of `bytes` are plain string characters: not a quote, a backslash
/// or a control character.
#[inline]
fn plain_run(bytes: &[u8]) -> usize {
    let plain = |b: &u8| *b != b'"' && *b != b'\\' && *b >= 0x20;
    if bytes.len() < 16 {
        // A piece's few bytes.
        return bytes.iter().take_while(|b| plain(b)).count();
    }
    // A long run (a string read whole): eight bytes at a time, then the rest one by one.
    let mut at = 0;
    while let Some(eight) = bytes.get(at..at + 8) {
        let found = special(eight.try_into().map_or(0, u64::from_le_bytes));
        if found != 0 {
            return at + found.trailing_zeros() as usize / 8;
        }
        at += 8;
    }
    at + bytes[at..].iter().take_while(|b| plain(b)).count()
}

/// Each byte's lowest bit, and each byte's highest.
const LOW: u64 = u64::from_le_bytes([1; 8]);
const HIGH: u64 = LOW << 7;

/// The high bit of the bytes of `w` that are a quote, a backslash or a control character: exact
/// for the lowest such byte (a borrow only carries upwards from one).
#[inline(always)]
fn special(w: u64) -> u64 {
    let zero = |v: u64| v.wrapping_sub(LOW) & !v & HIGH;
    let control = w.wrapping_sub(LOW * 0x20) & !w & HIGH;
    zero(w ^ (LOW * u64::from(b'"'))) | zero(w ^ (LOW * u64::from(b'\\'))) | control
}

/// Why the reading stops inside a piece.
enum Stop {
    /// A slip this reader does not read past.
    Slip,
    /// The watch stopped the reading.
    Watch(Box<Violation>),
}

impl From<Box<Violation>> for Stop {
    fn from(violation: Box<Violation>) -> Self {
        Stop::Watch(violation)
    }
}

/// Where the run of number and literal characters from `at` ends.
#[inline]
fn scalar_end(bytes: &[u8], at: usize) -> usize {
    bytes[at..]
        .iter()
        .position(|&b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E' | b'a'..=b'z'))
        .map_or(bytes.len(), |run| at + run)
}

/// A whole number or literal's node.
#[inline]
fn scalar(text: &str) -> Option<Kind> {
    let literal = |word: &str, kind: Kind| (text == word).then_some(kind);
    match text.as_bytes().first()? {
        b't' => literal("true", Kind::Bool(true)),
        b'f' => literal("false", Kind::Bool(false)),
        b'n' => literal("null", Kind::Null),
        _ => number(text).map(Kind::Number),
    }
}

/// Whether `text` (what came before the value) is a code fence's opening line and nothing else:
/// ```` ``` ```` or `~~~`, an info string, the line's end.
fn fence_line(text: &str) -> bool {
    let line = text.trim();
    let Some(info) = line
        .strip_prefix("```")
        .or_else(|| line.strip_prefix("~~~"))
    else {
        return false;
    };
    text.len() <= 32
        && info
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A JSON number's text as a number, exactly as serde_json reads it: plain integers and short
/// decimals at once, the rest by serde_json.
fn number(text: &str) -> Option<Number> {
    let negative = text.starts_with('-');
    let digits = &text.as_bytes()[usize::from(negative)..];
    let point = digits.iter().position(|&b| b == b'.');
    let (whole, fraction) = match point {
        Some(point) => (&digits[..point], &digits[point + 1..]),
        None => (digits, &digits[digits.len()..]),
    };
    let plain = |part: &[u8]| part.iter().all(u8::is_ascii_digit);
    let canonical = !whole.is_empty()
        && plain(whole)
        && (whole.len() == 1 || whole[0] != b'0')
        && plain(fraction);
    // At most 18 digits fit an i64.
    let value =
        |part: &[u8], from: u64| part.iter().fold(from, |n, &d| n * 10 + u64::from(d - b'0'));
    // `-0` is serde_json's -0.0, not 0.
    if canonical && fraction.is_empty() && whole.len() <= 18 && text != "-0" {
        if point.is_some() {
            // `1.` is no number.
            return None;
        }
        let n = value(whole, 0) as i64;
        return Some(Number::from(if negative { -n } else { n }));
    }
    // At most 15 digits: serde_json divides the digits, an exact integer, by an exact power of
    // ten, rounding once (the correctly rounded value); so does this.
    if canonical && !fraction.is_empty() && whole.len() + fraction.len() <= 15 {
        let x = value(fraction, value(whole, 0)) as f64 / POWERS_OF_TEN[fraction.len()];
        return Number::from_f64(if negative { -x } else { x });
    }
    if !text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        return None;
    }
    serde_json::from_str(text).ok()
}

/// 10⁰ to 10¹⁵, each exact in an f64.
const POWERS_OF_TEN: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

#[cfg(test)]
mod tests {
    use super::number;
    use serde_json::Number;

    #[test]
    fn numbers_read_as_serde_json_reads_them() {
        let mut texts: Vec<String> = [
            "0",
            "-0",
            "7",
            "-12",
            "0.1",
            "-0.0",
            "1.50",
            "3.14159",
            "1e3",
            "1.",
            "01",
            "-",
            "123456789012345678",
            "1234567890123456789",
            "0.30000000000000004",
            "9007199254740993",
            "12345678.1234567",
            "1234567.12345678",
            "2.2250738585072014e-308",
        ]
        .map(String::from)
        .to_vec();
        // Decimals of every length around the short path's limit, from a fixed sequence.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 10u64.pow(1 + (x >> 60) as u32 % 17)).to_string();
            let point = 1 + (x >> 40) as usize % digits.len().max(1);
            let (whole, fraction) = digits.split_at(point.min(digits.len()));
            let sign = if x & 1 == 0 { "" } else { "-" };
            texts.push(format!(
                "{sign}{whole}.{}",
                if fraction.is_empty() { "5" } else { fraction }
            ));
        }
        for text in &texts {
            let expected = serde_json::from_str::<Number>(text).ok();
            assert_eq!(number(text), expected, "{text}");
        }
    }
}
