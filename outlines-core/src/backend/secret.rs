//! An API key that never shows itself: `Debug` and `Display` print `ApiKey(***)`, so a key cannot
//! leak into logs, spans or error messages by accident.

use std::fmt;

/// A secret credential.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(key.into())
    }

    /// The key from the environment variable `name`, if it is set and not empty.
    pub fn from_env(name: &str) -> Option<Self> {
        std::env::var(name)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| ApiKey(v.trim().to_owned()))
    }

    /// The key itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<&str> for ApiKey {
    fn from(key: &str) -> Self {
        ApiKey::new(key)
    }
}

impl From<String> for ApiKey {
    fn from(key: String) -> Self {
        ApiKey::new(key)
    }
}

#[cfg(feature = "http")]
impl super::BackendError {
    /// The error with every occurrence of `key` masked, in case a server echoes it back.
    pub(crate) fn without_key(self, key: Option<&ApiKey>) -> Self {
        let Some(key) = key.map(ApiKey::expose).filter(|k| !k.is_empty()) else {
            return self;
        };
        let mask = |text: String| {
            if text.contains(key) {
                text.replace(key, "***")
            } else {
                text
            }
        };
        match self {
            Self::Status {
                provider,
                status,
                code,
                message,
            } => Self::Status {
                provider,
                status,
                code: code.map(mask),
                message: mask(message),
            },
            Self::Transport {
                provider,
                message,
                source,
            } => Self::Transport {
                provider,
                message: mask(message),
                source,
            },
            Self::Malformed {
                provider,
                message,
                body,
            } => Self::Malformed {
                provider,
                message: mask(message),
                body: mask(body),
            },
            Self::Config(message) => Self::Config(mask(message)),
            // Not an HTTP backend's: it never saw the key.
            other @ Self::Other { .. } => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(feature = "http")]
    use crate::backend::BackendError;

    #[test]
    fn never_shows_itself() {
        let key = ApiKey::new("sk-secret-123");
        assert_eq!(format!("{key:?}"), "ApiKey(***)");
        assert_eq!(key.to_string(), "***");
        assert_eq!(key.expose(), "sk-secret-123");
        assert!(!format!("{:?}", Some(&key)).contains("secret"));
    }

    #[test]
    #[cfg(feature = "http")]
    fn an_echoed_key_is_masked() {
        let key = ApiKey::new("sk-echoed-123");
        let error = BackendError::Status {
            provider: "openai".into(),
            status: 401,
            code: Some("sk-echoed-123".into()),
            message: "bad key sk-echoed-123".into(),
        }
        .without_key(Some(&key));
        assert_eq!(error.to_string(), "openai answered HTTP 401: bad key ***");
        assert!(!format!("{error:?}").contains("sk-echoed"));
        let error = BackendError::Malformed {
            provider: "p".into(),
            message: "m".into(),
            body: "{\"key\": \"sk-echoed-123\"}".into(),
        }
        .without_key(Some(&key));
        assert!(!format!("{error:?}").contains("sk-echoed"));
    }
}
