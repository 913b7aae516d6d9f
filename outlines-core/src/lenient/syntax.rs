//! One JSON value read from a reply the way models write it: trailing commas, comments, single or
//! typographic quotes, unquoted keys, Python and JavaScript literals, raw control characters in
//! strings, and a reply cut off after a complete value. Every slip read past is a [`Fix`]; anything
//! else (a missing comma, a bare word, a number cut by the end) stops the read.
//!
//! One pass with an explicit stack: no recursion, each byte looked at a bounded number of times, and
//! the nesting limited like `serde_json`'s, so no input is slow or deep.

use serde_json::{Map, Number, Value};

use super::{Fix, FixKind};
use crate::validate::MAX_DEPTH;

/// A value read from `text[start..end]`.
pub(crate) struct Parsed {
    pub(crate) value: Value,
    pub(crate) end: usize,
    pub(crate) fixes: Vec<Fix>,
}

/// A read that could not go on: not a value, or not one that can be recovered safely.
#[derive(Debug)]
pub(crate) struct Stop;

enum Frame {
    Array(Vec<Value>),
    Object(Map<String, Value>, Option<String>),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// A value (the first, or after `:` or `,` in an array).
    Value,
    /// A value or `]`, just after `[`.
    ValueOrClose,
    /// A key or `}`, just after `{`.
    KeyOrClose,
    /// A key, after `,` in an object.
    Key,
    /// The `:` after a key.
    Colon,
    /// `,` or the closing bracket, after a value.
    CommaOrClose,
}

/// Reads one value starting at `start` (whitespace and comments first), paying for each step and
/// each byte looked at out of `budget`, which the caller shares across candidates: whatever a reply
/// holds, the bytes looked at over all its candidates stay within the budget.
pub(crate) fn parse(text: &str, start: usize, budget: &mut usize) -> Result<Parsed, Stop> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: start,
        seen: start,
        charged: start,
        fixes: Vec::new(),
    };
    let result = reader.value(budget);
    // Paid however the read ended: a failed string or comment may have looked to the end.
    let looked = reader.at.max(reader.seen);
    *budget = budget.saturating_sub(looked.saturating_sub(reader.charged));
    result
}

impl Reader<'_> {
    fn value(&mut self, budget: &mut usize) -> Result<Parsed, Stop> {
        let reader = self;
        let mut stack: Vec<Frame> = Vec::new();
        let mut state = State::Value;
        // Whether the last value read ended at a number the end of the reply may have cut.
        let mut open_number = false;
        loop {
            let cost = 1 + (reader.at - reader.charged);
            reader.charged = reader.at;
            match budget.checked_sub(cost) {
                Some(left) => *budget = left,
                None => {
                    *budget = 0;
                    return Err(Stop);
                }
            }
            reader.skip_blank();
            if reader.at >= reader.bytes.len() {
                return reader.end_of_reply(stack, state, open_number);
            }
            let c = reader.bytes[reader.at];
            let value = match state {
                State::Colon => {
                    if c != b':' {
                        return Err(Stop);
                    }
                    reader.at += 1;
                    state = State::Value;
                    continue;
                }
                State::CommaOrClose => match (c, stack.last()) {
                    (b',', Some(frame)) => {
                        let comma = reader.at;
                        reader.at += 1;
                        reader.skip_blank();
                        let close = reader.bytes.get(reader.at).copied();
                        let closes = matches!(
                            (close, frame),
                            (Some(b']'), Frame::Array(_)) | (Some(b'}'), Frame::Object(..))
                        );
                        if closes {
                            reader.fix(FixKind::TrailingComma, comma, ",", "");
                        } else {
                            state = match frame {
                                Frame::Array(_) => State::Value,
                                Frame::Object(..) => State::Key,
                            };
                        }
                        continue;
                    }
                    (b']', Some(Frame::Array(_))) | (b'}', Some(Frame::Object(..))) => {
                        reader.at += 1;
                        close(&mut stack)
                    }
                    _ => return Err(Stop),
                },
                State::KeyOrClose | State::Key => {
                    if c == b'}' && state == State::KeyOrClose {
                        reader.at += 1;
                        close(&mut stack)
                    } else {
                        let key = reader.key()?;
                        if let Some(Frame::Object(_, pending)) = stack.last_mut() {
                            *pending = Some(key);
                        }
                        state = State::Colon;
                        continue;
                    }
                }
                State::Value | State::ValueOrClose => match c {
                    b']' if state == State::ValueOrClose => {
                        reader.at += 1;
                        close(&mut stack)
                    }
                    b'{' | b'[' => {
                        if stack.len() >= MAX_DEPTH as usize {
                            return Err(Stop);
                        }
                        reader.at += 1;
                        if c == b'{' {
                            stack.push(Frame::Object(Map::new(), None));
                            state = State::KeyOrClose;
                        } else {
                            stack.push(Frame::Array(Vec::new()));
                            state = State::ValueOrClose;
                        }
                        continue;
                    }
                    b'-' | b'0'..=b'9' => {
                        let (number, cut) = reader.number()?;
                        open_number = cut;
                        let value = Value::Number(number);
                        match deliver(&mut stack, value) {
                            Some(value) => return Ok(reader.done(value)),
                            None => {
                                state = State::CommaOrClose;
                                continue;
                            }
                        }
                    }
                    _ if reader.quote().is_some() => Value::String(reader.string()?),
                    _ => reader.literal()?,
                },
            };
            open_number = false;
            match deliver(&mut stack, value) {
                Some(value) => return Ok(reader.done(value)),
                None => state = State::CommaOrClose,
            }
        }
    }
}

/// Closes the innermost container: its value.
fn close(stack: &mut Vec<Frame>) -> Value {
    match stack.pop() {
        Some(Frame::Array(items)) => Value::Array(items),
        Some(Frame::Object(map, _)) => Value::Object(map),
        None => Value::Null,
    }
}

/// Puts a finished value in its container; the value itself when it is the outermost.
fn deliver(stack: &mut [Frame], value: Value) -> Option<Value> {
    match stack.last_mut() {
        None => Some(value),
        Some(Frame::Array(items)) => {
            items.push(value);
            None
        }
        Some(Frame::Object(map, pending)) => {
            map.insert(pending.take().unwrap_or_default(), value);
            None
        }
    }
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// Where the read is.
    at: usize,
    /// The furthest byte a failed token looked at (a string scanned to the end of the reply).
    seen: usize,
    /// Up to where the budget has been paid.
    charged: usize,
    fixes: Vec<Fix>,
}

/// Typographic quotes used as JSON quotes: the opening one and the closing ones it accepts.
const SMART: [(char, [char; 2]); 2] = [
    ('\u{201C}', ['\u{201D}', '\u{201C}']),
    ('\u{2018}', ['\u{2019}', '\u{2018}']),
];

impl<'a> Reader<'a> {
    fn done(&mut self, value: Value) -> Parsed {
        Parsed {
            value,
            end: self.at,
            fixes: std::mem::take(&mut self.fixes),
        }
    }

    fn fix(&mut self, kind: FixKind, at: usize, before: &str, after: &str) {
        super::record(&mut self.fixes, Fix::at_offset(kind, at, before, after));
    }

    /// Skips whitespace and comments (`//` to the end of the line, `/* … */`).
    fn skip_blank(&mut self) {
        loop {
            while self.at < self.bytes.len() && self.bytes[self.at].is_ascii_whitespace() {
                self.at += 1;
            }
            let rest = &self.bytes[self.at..];
            let end = if rest.starts_with(b"//") {
                rest.iter()
                    .position(|&b| b == b'\n')
                    .map_or(self.bytes.len(), |n| self.at + n)
            } else if rest.starts_with(b"/*") {
                find(&rest[2..], b"*/").map_or(self.bytes.len(), |n| self.at + 2 + n + 2)
            } else {
                return;
            };
            let comment = &self.text[self.at..end];
            self.fix(FixKind::Comment, self.at, comment, "");
            self.at = end;
        }
    }

    /// The quote that opens a string here, if one does: `"`, `'` or a typographic one.
    fn quote(&self) -> Option<char> {
        let c = self.text[self.at..].chars().next()?;
        (c == '"' || c == '\'' || SMART.iter().any(|(open, _)| *open == c)).then_some(c)
    }

    /// A key: a string, or a bare identifier.
    fn key(&mut self) -> Result<String, Stop> {
        if self.quote().is_some() {
            return self.string();
        }
        let start = self.at;
        let word = self.word();
        if word.is_empty() || word.as_bytes()[0].is_ascii_digit() {
            return Err(Stop);
        }
        let word = word.to_owned();
        self.fix(FixKind::UnquotedKeys, start, &word, &format!("\"{word}\""));
        Ok(word)
    }

    /// `[A-Za-z0-9_$]*` from here.
    fn word(&mut self) -> &'a str {
        let text: &'a str = self.text;
        let start = self.at;
        while self.at < self.bytes.len()
            && (self.bytes[self.at].is_ascii_alphanumeric()
                || matches!(self.bytes[self.at], b'_' | b'$'))
        {
            self.at += 1;
        }
        &text[start..self.at]
    }

    /// `true`, `false`, `null`, or a Python or JavaScript spelling of one.
    fn literal(&mut self) -> Result<Value, Stop> {
        let start = self.at;
        let word = self.word();
        let (value, foreign) = match word {
            "true" => (Value::Bool(true), false),
            "false" => (Value::Bool(false), false),
            "null" => (Value::Null, false),
            "True" => (Value::Bool(true), true),
            "False" => (Value::Bool(false), true),
            "None" | "undefined" => (Value::Null, true),
            _ => return Err(Stop),
        };
        if foreign {
            let word = word.to_owned();
            self.fix(FixKind::PythonLiteral, start, &word, &value.to_string());
        }
        Ok(value)
    }

    /// A JSON number; whether it ran to the end of the reply (where more digits may have been cut).
    fn number(&mut self) -> Result<(Number, bool), Stop> {
        let start = self.at;
        let b = self.bytes;
        // Paid for up to the end of the run of number characters, however far the read gets.
        let run = b[start..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
            .count();
        self.seen = self.seen.max(start + run);
        let mut i = start;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let digits = |i: &mut usize| {
            let from = *i;
            while *i < b.len() && b[*i].is_ascii_digit() {
                *i += 1;
            }
            *i - from
        };
        let whole = digits(&mut i);
        if whole == 0 || (whole > 1 && b[i - whole] == b'0') {
            return Err(Stop);
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if digits(&mut i) == 0 {
                return Err(Stop);
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if digits(&mut i) == 0 {
                return Err(Stop);
            }
        }
        // What follows a number must end it.
        if b.get(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_'))
        {
            return Err(Stop);
        }
        let number = serde_json::from_str::<Number>(&self.text[start..i]).map_err(|_| Stop)?;
        self.at = i;
        Ok((number, i == b.len()))
    }

    /// A string from its opening quote to its closing one.
    fn string(&mut self) -> Result<String, Stop> {
        let start = self.at;
        let Some(open) = self.quote() else {
            return Err(Stop);
        };
        let closers: &[char] = match open {
            '"' => &['"'],
            '\'' => &['\''],
            smart => SMART
                .iter()
                .find(|(o, _)| *o == smart)
                .map_or(&['"'][..], |(_, closers)| &closers[..]),
        };
        match open {
            '"' => {}
            '\'' => self.fix(FixKind::SingleQuotes, start, "'", "\""),
            _ => self.fix(FixKind::SmartQuotes, start, &open.to_string(), "\""),
        }
        self.at += open.len_utf8();
        let mut out = String::new();
        let mut chars = self.text[self.at..].char_indices();
        while let Some((offset, c)) = chars.next() {
            let here = self.at + offset;
            if closers.contains(&c) {
                self.at = here + c.len_utf8();
                return Ok(out);
            }
            match c {
                '\\' => {
                    self.seen = here;
                    let Some((_, escaped)) = chars.next() else {
                        break;
                    };
                    match escaped {
                        '"' | '\\' | '/' => out.push(escaped),
                        '\'' if open != '"' => out.push('\''),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        'u' => {
                            let code = Self::unicode_escape(&mut chars)?;
                            out.push(code);
                        }
                        _ => return Err(Stop),
                    }
                }
                c if (c as u32) < 0x20 => {
                    let shown = format!("{c:?}");
                    self.fix(
                        FixKind::UnescapedControl,
                        here,
                        &shown[1..shown.len() - 1],
                        &format!("{:?}", c.to_string()),
                    );
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        // The reply ended inside the string: where it would have ended is anyone's guess.
        self.seen = self.bytes.len();
        Err(Stop)
    }

    /// The character of a `\uXXXX` escape (a surrogate pair takes two).
    fn unicode_escape(chars: &mut std::str::CharIndices<'_>) -> Result<char, Stop> {
        let hex = |chars: &mut std::str::CharIndices<'_>| -> Option<u32> {
            let mut code = 0;
            for _ in 0..4 {
                code = code * 16 + chars.next()?.1.to_digit(16)?;
            }
            Some(code)
        };
        let first = hex(chars).ok_or(Stop)?;
        if (0xD800..0xDC00).contains(&first) {
            let rest = chars.as_str();
            if !rest.starts_with("\\u") {
                return Err(Stop);
            }
            chars.next();
            chars.next();
            let second = hex(chars).ok_or(Stop)?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(Stop);
            }
            let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            return char::from_u32(code).ok_or(Stop);
        }
        char::from_u32(first).ok_or(Stop)
    }

    /// The reply ended with `stack` open: closed when the last thing read was a whole value that
    /// the end cannot have cut (not a number, a key, a `:` or a `,`), and marked truncated.
    fn end_of_reply(
        &mut self,
        mut stack: Vec<Frame>,
        state: State,
        open_number: bool,
    ) -> Result<Parsed, Stop> {
        if stack.is_empty() || state != State::CommaOrClose || open_number {
            return Err(Stop);
        }
        let closing: String = stack
            .iter()
            .rev()
            .map(|frame| match frame {
                Frame::Array(_) => ']',
                Frame::Object(..) => '}',
            })
            .collect();
        self.fix(FixKind::Truncated, self.bytes.len(), "", &closing);
        let mut value = close(&mut stack);
        loop {
            match deliver(&mut stack, value) {
                Some(whole) => return Ok(self.done(whole)),
                None => value = close(&mut stack),
            }
        }
    }
}

/// Where `needle` first occurs in `haystack`.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
