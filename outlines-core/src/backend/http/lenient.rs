//! Reading replies defensively: servers that speak a provider's format differ in the details (vLLM
//! sends `null` counts, some servers a number where a string belongs), and a field of the wrong type
//! must not make a whole reply unreadable when the value is elsewhere.

use serde::de::{Deserialize, Deserializer, IgnoredAny};

/// A field read as `T` when it is one, and as absent otherwise (missing, `null`, another type).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Lenient<T>(pub(crate) Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(None)
    }
}

impl<T> Lenient<T> {
    pub(crate) fn into_option(self) -> Option<T> {
        self.0
    }

    pub(crate) fn as_ref(&self) -> Option<&T> {
        self.0.as_ref()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Either<T> {
            Read(T),
            Ignored(IgnoredAny),
        }
        Ok(match Either::deserialize(deserializer)? {
            Either::Read(value) => Lenient(Some(value)),
            Either::Ignored(_) => Lenient(None),
        })
    }
}

/// Text a server may send as a string or as a number (an error `code` of `400`); blank is none.
/// (Only OpenAI-compatible servers do.)
#[cfg(feature = "openai")]
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(untagged)]
pub(crate) enum Text {
    /// A string.
    String(String),
    /// A number, kept as written.
    Number(serde_json::Number),
}

#[cfg(feature = "openai")]
impl Text {
    /// The text, unless blank.
    pub(crate) fn into_text(self) -> Option<String> {
        match self {
            Text::String(s) if s.trim().is_empty() => None,
            Text::String(s) => Some(s),
            Text::Number(n) => Some(n.to_string()),
        }
    }
}

#[cfg(feature = "openai")]
impl Lenient<Text> {
    /// The text, unless absent, blank, or neither a string nor a number.
    pub(crate) fn text(self) -> Option<String> {
        self.0.and_then(Text::into_text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Counts {
        #[serde(default)]
        a: Lenient<u64>,
        #[serde(default)]
        b: Lenient<u64>,
        #[serde(default)]
        c: Lenient<u64>,
        #[serde(default)]
        code: Lenient<Text>,
    }

    #[test]
    fn a_field_of_the_wrong_type_reads_as_absent() {
        let counts: Counts = serde_json::from_str(r#"{"a": 3, "b": null, "code": 400}"#).unwrap();
        assert_eq!((counts.a.0, counts.b.0, counts.c.0), (Some(3), None, None));
        assert_eq!(counts.code.text().as_deref(), Some("400"));
        let counts: Counts = serde_json::from_str(r#"{"a": "3", "b": [1], "code": " "}"#).unwrap();
        assert_eq!((counts.a.0, counts.b.0), (None, None));
        assert_eq!(counts.code.text(), None);
    }
}
