//! A GGUF model loaded through llama.cpp: its weights, its tokenizer and chat template (from the
//! file's metadata), and its vocabulary as the token constraint needs it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::token::LlamaToken;
use outlines_core::backend::{Message, Role};
use outlines_guide::Vocabulary;

use crate::LocalError;

/// llama.cpp's process-wide state, initialized once; its logs go to `tracing`.
pub(crate) fn backend() -> Result<&'static LlamaBackend, LocalError> {
    static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default());
            LlamaBackend::init().map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| LocalError::Context(format!("llama.cpp could not start: {e}")))
}

/// A loaded model.
pub(crate) struct Model {
    pub(crate) llama: LlamaModel,
    pub(crate) vocab: Vocabulary,
    /// The name requests and replies carry: the file's name without `.gguf`.
    pub(crate) name: String,
    pub(crate) path: PathBuf,
    template: LlamaChatTemplate,
    /// Tokens that end a generation (end of sequence, end of turn).
    end: Vec<LlamaToken>,
    bos: Option<LlamaToken>,
}

impl Model {
    /// Loads the GGUF file at `path` (memory-mapped) and builds its vocabulary.
    pub(crate) fn load(path: &Path) -> Result<Model, LocalError> {
        let load_error = |message: String| LocalError::Load {
            path: path.to_owned(),
            message,
        };
        if !path.is_file() {
            return Err(load_error("no such file".into()));
        }
        let llama = LlamaModel::load_from_file(backend()?, path, &LlamaModelParams::default())
            .map_err(|e| load_error(format!("llama.cpp could not load it as a GGUF model: {e}")))?;
        let vocab = llama.vocab();
        let end: Vec<LlamaToken> = vocab.tokens().filter(|&t| vocab.is_eog(t)).collect();
        // The main end token: end of sequence when it ends a generation, else the first that does.
        let main_end = Some(vocab.eos())
            .filter(|t| end.contains(t))
            .or_else(|| end.first().copied())
            .ok_or_else(|| load_error("its vocabulary has no end-of-generation token".into()))?;
        let main = main_end.0 as u32;
        let mut ends: Vec<u32> = vec![main];
        ends.extend(end.iter().map(|t| t.0 as u32).filter(|&t| t != main));
        let mut bytes = Vec::with_capacity(vocab.n_tokens().max(0) as usize);
        let mut special = Vec::new();
        for token in vocab.tokens() {
            if vocab.is_control(token) {
                special.push(token.0 as u32);
            }
            bytes.push(vocab.token_to_piece(token, true, None));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().trim_end_matches(".gguf").to_owned())
            .unwrap_or_else(|| "local".into());
        let vocabulary = Vocabulary::from_token_bytes(name.clone(), bytes, &special, &ends)
            .map_err(LocalError::Vocabulary)?;
        let bos = vocab.should_add_bos().then(|| vocab.bos());
        let template = match llama.chat_template(None) {
            Ok(template) => template,
            // No template in the file: ChatML, which llama.cpp knows by name.
            Err(_) => LlamaChatTemplate::new("chatml")
                .map_err(|e| load_error(format!("chat template: {e}")))?,
        };
        Ok(Model {
            llama,
            vocab: vocabulary,
            name,
            path: path.to_owned(),
            template,
            end,
            bos,
        })
    }

    /// Whether `token` ends a generation.
    pub(crate) fn ends(&self, token: LlamaToken) -> bool {
        self.end.contains(&token)
    }

    /// The conversation in the model's chat template, ending where the assistant's reply begins.
    pub(crate) fn prompt(&self, system: &str, messages: &[Message]) -> Result<String, String> {
        let turn = |role: &str, content: &str| {
            // llama.cpp takes C strings: a NUL in a message would cut it short, so it goes.
            LlamaChatMessage::new(role.into(), content.replace('\0', "")).map_err(|e| e.to_string())
        };
        let mut chat = Vec::with_capacity(messages.len() + 1);
        if !system.is_empty() {
            chat.push(turn("system", system)?);
        }
        for message in messages {
            let role = match message.role {
                Role::User => "user",
                Role::Assistant => "assistant",
                _ => "user",
            };
            chat.push(turn(role, &message.content)?);
        }
        self.llama
            .apply_chat_template(&self.template, &chat, true)
            .map_err(|e| format!("the model's chat template could not be applied: {e}"))
    }

    /// The tokens of a templated prompt: its chat markers read as special tokens, a beginning of
    /// sequence added when the model asks for one and the template did not write it.
    pub(crate) fn tokenize(&self, prompt: &str) -> Vec<LlamaToken> {
        let mut tokens = self.llama.vocab().tokenize(prompt.as_bytes(), false, true);
        if let Some(bos) = self.bos {
            if tokens.first() != Some(&bos) {
                tokens.insert(0, bos);
            }
        }
        tokens
    }

    /// Appends a generated token's bytes to `bytes` (nothing for a special token), as
    /// [`detokenize`](Self::detokenize) does.
    pub(crate) fn piece_into(&self, token: LlamaToken, bytes: &mut Vec<u8>) {
        let vocab = self.llama.vocab();
        if !vocab.is_control(token) {
            vocab.token_to_piece_into(token, bytes, false, None);
        }
    }

    /// The text of generated tokens (special tokens left out).
    pub(crate) fn detokenize(&self, tokens: &[LlamaToken]) -> String {
        let mut bytes = Vec::new();
        for &token in tokens {
            self.piece_into(token, &mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The number of tokens in the vocabulary (the width of the logits).
    pub(crate) fn n_vocab(&self) -> usize {
        self.llama.n_vocab().max(0) as usize
    }

    /// The context length the model was trained with.
    pub(crate) fn trained_context(&self) -> u32 {
        self.llama.n_ctx_train()
    }
}
