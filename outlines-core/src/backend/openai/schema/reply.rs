//! Reading a reply to a wrapped schema: the exact text of the `value` member.

use std::borrow::Cow;
use std::ops::Range;

use serde_json::Value;

use super::WRAPPER_KEY;

/// The value inside a reply to a [wrapped](super::wrap) schema: the exact text of the `value` member of
/// `{"value": ...}`. A reply that is not such an object (not JSON, or the bare value) comes back
/// unchanged, so the validator reports what is wrong with it.
pub fn unwrap_reply(text: &str) -> Cow<'_, str> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text.trim()) else {
        return Cow::Borrowed(text);
    };
    let Some(value) = map.get(WRAPPER_KEY) else {
        return Cow::Borrowed(text);
    };
    // The exact text keeps what re-serializing would change: integers beyond 64 bits, number
    // spelling, key order.
    match member_span(text, WRAPPER_KEY).and_then(|span| text.get(span)) {
        Some(exact) => Cow::Borrowed(exact),
        None => Cow::Owned(value.to_string()),
    }
}

/// The byte range of the value of the top-level member `key` of the JSON object `text` (the last one,
/// as a parser keeps it). `None` if `text` is not an object this scanner can follow.
fn member_span(text: &str, key: &str) -> Option<Range<usize>> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    let mut found = None;
    loop {
        i = skip_ws(b, i);
        match b.get(i)? {
            b'}' => return found,
            b',' => {
                i += 1;
                continue;
            }
            b'"' => {}
            _ => return None,
        }
        let key_end = string_end(b, i)?;
        let name: String = serde_json::from_str(text.get(i..key_end)?).ok()?;
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        let end = value_end(b, i)?;
        if name == key {
            found = Some(i..end);
        }
        i = end;
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The index just past the string starting at `start` (a `"`).
fn string_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while let Some(c) = b.get(i) {
        match c {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The index just past the JSON value starting at `start`.
fn value_end(b: &[u8], start: usize) -> Option<usize> {
    match b.get(start)? {
        b'"' => string_end(b, start),
        b'{' | b'[' => {
            let mut depth = 0_usize;
            let mut i = start;
            while let Some(c) = b.get(i) {
                match c {
                    b'"' => {
                        i = string_end(b, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => {
            let mut i = start;
            while let Some(c) = b.get(i) {
                if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                i += 1;
            }
            (i > start).then_some(i)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_unwrapped_to_the_exact_text() {
        assert_eq!(unwrap_reply(r#"{"value": [1, 2.50, 3]}"#), "[1, 2.50, 3]");
        assert_eq!(
            unwrap_reply(" {\"value\" : 170141183460469231731687303715884105727 } "),
            "170141183460469231731687303715884105727"
        );
        assert_eq!(
            unwrap_reply(r#"{"x": {"value": 1, "s": "}\"]"}, "value": {"a": "b\\"}}"#),
            r#"{"a": "b\\"}"#
        );
        assert_eq!(unwrap_reply(r#"{"value": "é \u00e9"}"#), r#""é \u00e9""#);
        // Not the wrapper: unchanged, so the validator reports what is wrong.
        assert_eq!(unwrap_reply(r#"{"value": [1, 2"#), r#"{"value": [1, 2"#);
        assert_eq!(unwrap_reply("[1, 2]"), "[1, 2]");
        assert_eq!(unwrap_reply(r#"{"other": 1}"#), r#"{"other": 1}"#);
    }

    #[test]
    fn member_span_follows_nesting_and_strings() {
        let text = r#"{"a": [{"b": "]"}], "value": true}"#;
        let span = member_span(text, "value").unwrap();
        assert_eq!(&text[span], "true");
        assert_eq!(member_span("[1]", "value"), None);
        assert_eq!(member_span(r#"{"a": 1}"#, "value"), None);
    }
}
