//! Text helpers every layer uses: values shortened for messages, numbers written as people read them.

/// At most this many characters of an offending value are kept in [`Violation::got`](crate::diagnostics::Violation::got).
pub const GOT_LIMIT: usize = 120;

/// Renders a string as a JSON string literal, shortened like the validator renders values.
pub(crate) fn shorten_str(s: &str) -> String {
    let mut out = Capped::default();
    out.push_json_str(s);
    out.finish()
}

/// Text that stops growing at [`GOT_LIMIT`] characters; writing past it is a no-op, so rendering a
/// huge value costs no more than rendering its beginning.
#[derive(Debug, Default)]
pub(crate) struct Capped {
    text: String,
    chars: usize,
    cut: bool,
}

impl Capped {
    pub(crate) fn push_str(&mut self, s: &str) {
        for c in s.chars() {
            self.push(c);
        }
    }

    /// Whether the limit is reached, asked before writing more: the text is then marked cut (it
    /// ends with `…`), and the caller can stop walking whatever it was rendering.
    pub(crate) fn stops(&mut self) -> bool {
        if self.chars == GOT_LIMIT {
            self.cut = true;
        }
        self.cut
    }

    fn push(&mut self, c: char) {
        if self.chars == GOT_LIMIT {
            self.cut = true;
            return;
        }
        self.text.push(c);
        self.chars += 1;
    }

    /// Writes `s` as a JSON string literal (quoted and escaped).
    pub(crate) fn push_json_str(&mut self, s: &str) {
        self.push('"');
        for c in s.chars() {
            if self.cut {
                return;
            }
            match c {
                '"' => self.push_str("\\\""),
                '\\' => self.push_str("\\\\"),
                '\n' => self.push_str("\\n"),
                '\r' => self.push_str("\\r"),
                '\t' => self.push_str("\\t"),
                c if (c as u32) < 0x20 => self.push_str(&format!("\\u{:04x}", c as u32)),
                c => self.push(c),
            }
        }
        self.push('"');
    }

    pub(crate) fn finish(mut self) -> String {
        if self.cut {
            self.text.push('…');
        }
        self.text
    }
}

/// A float as JSON writes it (`2.5`, `1e100`); non-finite values as Rust writes them.
pub(crate) fn float_text(v: f64) -> String {
    serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string())
}

/// An `f32` as the `f64` its decimal form reads as (`0.2`, not `0.20000000298023224`): how a
/// temperature is sent and reported. `None` for a value that is not finite.
pub(crate) fn f32_as_written(value: f32) -> Option<f64> {
    value
        .to_string()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_at_the_limit() {
        let multibyte = shorten_str(&"é".repeat(1000));
        assert_eq!(multibyte.chars().count(), GOT_LIMIT + 1);
        assert!(multibyte.ends_with('…'));
        assert_eq!(shorten_str("a\"b\n"), r#""a\"b\n""#);
    }

    #[test]
    fn numbers_read_as_written() {
        assert_eq!(float_text(2.5), "2.5");
        assert_eq!(f32_as_written(0.2), Some(0.2));
        assert_eq!(f32_as_written(1.0), Some(1.0));
        assert_eq!(f32_as_written(f32::NAN), None);
        assert_eq!(f32_as_written(f32::INFINITY), None);
    }
}
