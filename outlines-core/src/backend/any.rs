//! A backend chosen at run time, from configuration or the environment.

use std::fmt;

#[cfg(feature = "anthropic")]
use super::anthropic::Anthropic;
use super::http::public_url;
#[cfg(feature = "openai")]
use super::openai::OpenAi;
use super::{Backend, BackendError, BackendFuture, BackendStream, Request};

/// One of the HTTP backends, chosen at run time: clone it, print it, match on it, hand it to
/// `T::generate` like any backend. [`from_env`] picks one from the environment.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum AnyBackend {
    /// OpenAI or an OpenAI-compatible server (Ollama, vLLM, llama.cpp, LM Studio).
    #[cfg(feature = "openai")]
    OpenAi(OpenAi),
    /// Anthropic's Messages API.
    #[cfg(feature = "anthropic")]
    Anthropic(Anthropic),
}

impl AnyBackend {
    fn inner(&self) -> &dyn Backend {
        match self {
            #[cfg(feature = "openai")]
            AnyBackend::OpenAi(backend) => backend,
            #[cfg(feature = "anthropic")]
            AnyBackend::Anthropic(backend) => backend,
        }
    }
}

impl Backend for AnyBackend {
    fn provider(&self) -> &str {
        self.inner().provider()
    }
    fn model(&self) -> &str {
        self.inner().model()
    }
    fn complete<'a>(&'a self, request: &'a Request) -> BackendFuture<'a> {
        self.inner().complete(request)
    }
    fn stream<'a>(&'a self, request: &'a Request) -> BackendStream<'a> {
        self.inner().stream(request)
    }
    fn strict_reading(&self) -> bool {
        self.inner().strict_reading()
    }
}

/// `openai · gpt-4o-mini · https://api.openai.com/v1/chat/completions`: provider, model, endpoint
/// (without any user name, password or query the URL carries).
impl fmt::Display for AnyBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let endpoint = match self {
            #[cfg(feature = "openai")]
            AnyBackend::OpenAi(backend) => backend.endpoint().ok(),
            #[cfg(feature = "anthropic")]
            AnyBackend::Anthropic(backend) => reqwest::Url::parse(&backend.url()).ok(),
        };
        let endpoint = endpoint.map_or_else(|| "(an invalid URL)".into(), |url| public_url(&url));
        write!(f, "{} · {} · {endpoint}", self.provider(), self.model())
    }
}

#[cfg(feature = "openai")]
impl From<OpenAi> for AnyBackend {
    fn from(backend: OpenAi) -> Self {
        AnyBackend::OpenAi(backend)
    }
}

#[cfg(feature = "anthropic")]
impl From<Anthropic> for AnyBackend {
    fn from(backend: Anthropic) -> Self {
        AnyBackend::Anthropic(backend)
    }
}

/// What [`from_env`] says when the environment names no backend.
const NOTHING_SET: &str = "no backend configured: set OPENAI_API_KEY (OpenAI), OPENAI_BASE_URL (an \
    OpenAI-compatible server, e.g. http://localhost:11434/v1 for Ollama, http://localhost:8080/v1 for \
    llama.cpp) or ANTHROPIC_API_KEY (Anthropic); OUTLINES_MODEL names the model. Without any, an \
    embedded model runs in-process: outlines::local (the `local` feature)";

/// The backend the environment names.
///
/// - `OUTLINES_BACKEND` = `openai` or `anthropic` picks one outright (`local` names none of these:
///   see [`from_env_if_set`]);
/// - otherwise `OPENAI_API_KEY` or `OPENAI_BASE_URL` selects the OpenAI-compatible backend (a local
///   server such as Ollama or llama.cpp needs only the URL),
/// - otherwise `ANTHROPIC_API_KEY` (and `ANTHROPIC_BASE_URL`) selects Anthropic.
///
/// `OUTLINES_MODEL` names the model for either. Blank variables count as unset. Fails with
/// [`BackendError::Config`] naming the variables to set when none is, or when a value is unusable.
///
/// ```no_run
/// use outlines_core::Generate;
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let backend = outlines_core::backend::from_env()?;
/// println!("using {backend}"); // openai · gpt-4o-mini · https://api.openai.com/v1/chat/completions
/// let n = u8::generate(&backend, "A prime below 10?").await?;
/// # Ok(()) }
/// ```
pub fn from_env() -> Result<AnyBackend, BackendError> {
    from_lookup(|name| std::env::var(name).ok())?
        .ok_or_else(|| BackendError::Config(NOTHING_SET.into()))
}

/// Like [`from_env`], but `Ok(None)` when the environment names no remote backend (nothing set, or
/// `OUTLINES_BACKEND=local`): the place to fall back on an embedded model (`outlines::local`).
/// A backend that is named but misconfigured is still an error.
///
/// ```no_run
/// # fn run() -> Result<(), outlines_core::backend::BackendError> {
/// match outlines_core::backend::from_env_if_set()? {
///     Some(remote) => println!("using {remote}"),
///     None => println!("nothing configured: using a local model"),
/// }
/// # Ok(()) }
/// ```
pub fn from_env_if_set() -> Result<Option<AnyBackend>, BackendError> {
    from_lookup(|name| std::env::var(name).ok())
}

fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Option<AnyBackend>, BackendError> {
    let set = |name: &str| var(name).is_some_and(|v| !v.trim().is_empty());
    let chosen = var("OUTLINES_BACKEND").map(|v| v.trim().to_ascii_lowercase());
    match chosen.as_deref().filter(|v| !v.is_empty()) {
        Some("openai") => openai(&var).map(Some),
        Some("anthropic") => anthropic(&var).map(Some),
        Some("local") => Ok(None),
        Some(other) => Err(BackendError::Config(format!(
            "OUTLINES_BACKEND is {other:?}: expected \"openai\", \"anthropic\" or \"local\""
        ))),
        None if set("OPENAI_API_KEY") || set("OPENAI_BASE_URL") => openai(&var).map(Some),
        None if set("ANTHROPIC_API_KEY") => anthropic(&var).map(Some),
        None => Ok(None),
    }
}

fn openai(var: &impl Fn(&str) -> Option<String>) -> Result<AnyBackend, BackendError> {
    #[cfg(feature = "openai")]
    return OpenAi::from_lookup(var).map(AnyBackend::OpenAi);
    #[cfg(not(feature = "openai"))]
    {
        let _ = var;
        Err(BackendError::Config(
            "the OpenAI backend is not compiled in: enable the `openai` feature".into(),
        ))
    }
}

fn anthropic(var: &impl Fn(&str) -> Option<String>) -> Result<AnyBackend, BackendError> {
    #[cfg(feature = "anthropic")]
    return Anthropic::from_lookup(var).map(AnyBackend::Anthropic);
    #[cfg(not(feature = "anthropic"))]
    {
        let _ = var;
        Err(BackendError::Config(
            "the Anthropic backend is not compiled in: enable the `anthropic` feature".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        let vars = vars.to_vec();
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn chosen(vars: &[(&'static str, &'static str)]) -> Result<String, String> {
        from_lookup(env(vars))
            .and_then(|b| b.ok_or_else(|| BackendError::Config(NOTHING_SET.into())))
            .map(|b| b.to_string())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn nothing_set_names_the_variables_to_set() {
        let err = chosen(&[("OPENAI_API_KEY", "  ")]).unwrap_err();
        for name in ["OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY"] {
            assert!(err.contains(name), "{err}");
        }
    }

    #[test]
    fn nothing_set_or_local_leaves_room_for_a_local_model() {
        assert!(from_lookup(env(&[])).unwrap().is_none());
        assert!(
            from_lookup(env(&[("OPENAI_BASE_URL", " ")]))
                .unwrap()
                .is_none()
        );
        let local = [("OUTLINES_BACKEND", "local"), ("OPENAI_API_KEY", "sk-1")];
        assert!(from_lookup(env(&local)).unwrap().is_none());
        // Named but misconfigured is still an error.
        assert!(from_lookup(env(&[("OUTLINES_BACKEND", "anthropic")])).is_err());
    }

    #[test]
    fn openai_comes_first_then_anthropic() {
        assert_eq!(
            chosen(&[("OPENAI_API_KEY", "sk-1"), ("ANTHROPIC_API_KEY", "sk-ant")]).unwrap(),
            "openai · gpt-4o-mini · https://api.openai.com/v1/chat/completions"
        );
        assert_eq!(
            chosen(&[
                ("ANTHROPIC_API_KEY", "sk-ant"),
                ("OUTLINES_MODEL", "claude-x")
            ])
            .unwrap(),
            "anthropic · claude-x · https://api.anthropic.com/v1/messages"
        );
    }

    #[test]
    fn a_local_server_needs_only_its_url() {
        assert_eq!(
            chosen(&[
                ("OPENAI_BASE_URL", "http://localhost:11434/v1"),
                ("OUTLINES_MODEL", "qwen2.5:0.5b"),
            ])
            .unwrap(),
            "openai · qwen2.5:0.5b · http://localhost:11434/v1/chat/completions"
        );
    }

    #[test]
    fn outlines_backend_picks_outright() {
        let vars = [
            ("OUTLINES_BACKEND", " Anthropic "),
            ("OPENAI_API_KEY", "sk-1"),
            ("ANTHROPIC_API_KEY", "sk-ant"),
        ];
        assert!(chosen(&vars).unwrap().starts_with("anthropic · "));
        let err = chosen(&[("OUTLINES_BACKEND", "gemini")]).unwrap_err();
        assert!(err.contains("\"gemini\""), "{err}");
        // Picked but not configured: the backend's own message says what is missing.
        let err = chosen(&[("OUTLINES_BACKEND", "anthropic")]).unwrap_err();
        assert!(err.contains("ANTHROPIC_API_KEY is not set"), "{err}");
    }

    #[test]
    fn credentials_in_a_url_are_not_shown() {
        let shown =
            chosen(&[("OPENAI_BASE_URL", "https://user:s3cret@gateway.example/v1")]).unwrap();
        assert_eq!(
            shown,
            "openai · gpt-4o-mini · https://gateway.example/v1/chat/completions"
        );
    }

    #[test]
    fn keys_stay_out_of_debug_and_display() {
        let backend = from_lookup(env(&[("OPENAI_API_KEY", "sk-very-secret")]))
            .unwrap()
            .unwrap();
        assert!(!format!("{backend:?} {backend}").contains("sk-very-secret"));
        let backend = from_lookup(env(&[("ANTHROPIC_API_KEY", "sk-ant-secret")]))
            .unwrap()
            .unwrap();
        assert!(!format!("{backend:?} {backend}").contains("sk-ant-secret"));
    }
}
