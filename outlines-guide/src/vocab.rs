//! Vocabularies: every token's bytes, which ones end a generation, and how text is tokenized — what
//! llguidance needs to turn a grammar into token masks.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use llguidance::ParserFactory;
use toktrie::{ApproximateTokEnv, SimpleVob, TokEnv, TokRxInfo, TokTrie, TokenId};

use crate::GuideError;

/// A model's vocabulary, ready to constrain generations: built once (building the token trie and
/// llguidance's parser factory takes ~0.1–0.7 s for 50k–200k tokens), then cheap to clone and share
/// across threads.
#[derive(Clone)]
pub struct Vocabulary(Arc<Inner>);

struct Inner {
    name: String,
    /// Distinguishes vocabularies in the guide cache.
    id: u64,
    env: TokEnv,
    factory: ParserFactory,
    /// Closing tokens, with the end-of-sequence tokens: outside a string, `]`, `}` and their runs
    /// (then also with `,`, `:` and spaces); inside one, the same after a `"`.
    closing_tiers: [[SimpleVob; 2]; 2],
    /// Tokens that move on to another field or item (a `,` outside any string), read from outside
    /// a string and from inside one.
    movers: [SimpleVob; 2],
}

impl fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vocabulary")
            .field("name", &self.0.name)
            .field("tokens", &self.len())
            .field("eos", &self.eos())
            .finish()
    }
}

impl Vocabulary {
    /// A vocabulary from every token's bytes, indexed by token id (empty for unused ids), the ids
    /// of special tokens (chat markers and the like: never allowed inside a value), and the ids
    /// that end a generation (at least one; the first is the main one). Text is tokenized greedily
    /// over the vocabulary, which is all a constraint needs.
    pub fn from_token_bytes(
        name: impl Into<String>,
        mut tokens: Vec<Vec<u8>>,
        special: &[u32],
        eos: &[u32],
    ) -> Result<Self, GuideError> {
        let bad = |why: String| GuideError::Vocabulary(why);
        let Some(&main_eos) = eos.first() else {
            return Err(bad("no end-of-sequence token".into()));
        };
        let len = tokens.len();
        for &id in special.iter().chain(eos) {
            let token = tokens
                .get_mut(id as usize)
                .ok_or_else(|| bad(format!("token id {id} is beyond the {len} tokens")))?;
            if token.first() != Some(&TokTrie::SPECIAL_TOKEN_MARKER) {
                token.insert(0, TokTrie::SPECIAL_TOKEN_MARKER);
            }
        }
        let env = env(tokens, main_eos, eos, None)?;
        Vocabulary::new(name.into(), env)
    }

    /// A byte-level BPE vocabulary as GGUF files (`tokenizer.ggml.tokens`, `tokenizer.ggml.token_type`
    /// with `tokenizer.ggml.model = "gpt2"`) and Hugging Face `tokenizer.json` files store it: token
    /// text in GPT-2's byte-to-character encoding (`Ġ` for a space). Token types: 3 (control) are
    /// special, 4 (user-defined) are plain text, 5 (unused) are skipped, the rest are byte-encoded.
    pub fn from_gpt2_tokens(
        name: impl Into<String>,
        tokens: &[String],
        token_types: &[i32],
        eos: &[u32],
    ) -> Result<Self, GuideError> {
        let bytes_of = gpt2_char_to_byte();
        let mut special = Vec::new();
        let mut words = Vec::with_capacity(tokens.len());
        for (id, text) in tokens.iter().enumerate() {
            let word = match token_types.get(id).copied().unwrap_or(1) {
                3 => {
                    special.push(id as u32);
                    text.as_bytes().to_vec()
                }
                4 => text.as_bytes().to_vec(),
                5 => Vec::new(),
                _ => text
                    .chars()
                    .map(|c| {
                        bytes_of(c).ok_or_else(|| {
                            GuideError::Vocabulary(format!(
                                "token {id} ({text:?}) has {c:?}, which is not in GPT-2's byte encoding"
                            ))
                        })
                    })
                    .collect::<Result<Vec<u8>, _>>()?,
            };
            words.push(word);
        }
        Vocabulary::from_token_bytes(name, words, &special, eos)
    }

    /// OpenAI's o200k_base (GPT-4o and later), from the rank file shipped in `tiktoken-rs`. Built
    /// once per process; EOS is `<|endoftext|>`.
    #[cfg(feature = "tiktoken")]
    pub fn o200k() -> Result<Self, GuideError> {
        static CACHE: std::sync::OnceLock<Result<Vocabulary, GuideError>> =
            std::sync::OnceLock::new();
        CACHE
            .get_or_init(|| tiktoken::vocabulary("o200k_base", tiktoken_rs::o200k_base_singleton()))
            .clone()
    }

    /// OpenAI's cl100k_base (GPT-4, GPT-3.5), from the rank file shipped in `tiktoken-rs`. Built
    /// once per process; EOS is `<|endoftext|>`.
    #[cfg(feature = "tiktoken")]
    pub fn cl100k() -> Result<Self, GuideError> {
        static CACHE: std::sync::OnceLock<Result<Vocabulary, GuideError>> =
            std::sync::OnceLock::new();
        CACHE
            .get_or_init(|| {
                tiktoken::vocabulary("cl100k_base", tiktoken_rs::cl100k_base_singleton())
            })
            .clone()
    }

    fn new(name: String, env: TokEnv) -> Result<Self, GuideError> {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        let mut factory =
            ParserFactory::new_simple(&env).map_err(|e| GuideError::Vocabulary(e.to_string()))?;
        // No logging to stderr, and errors without the parser state and the whole grammar.
        factory.quiet();
        factory.limits_mut().verbose_errors = false;
        let trie = env.tok_trie();
        let made_of = |quote: bool, chars: &[u8]| {
            let mut set = trie.eos_token_set();
            for token in 0..trie.vocab_size() as u32 {
                let bytes = trie.token(token);
                let rest = match (quote, bytes.split_first()) {
                    (true, Some((b'"', rest))) => rest,
                    (false, Some(_)) => bytes,
                    _ => continue,
                };
                if rest.iter().all(|b| chars.contains(b)) {
                    set.allow_token(token);
                }
            }
            set
        };
        // The second tier takes spaces too, for the spaced layout's `, ` and `: ` (the compact
        // layout never allows a space outside a string).
        let closing_tiers = [
            [made_of(false, b"]}"), made_of(false, b"]},: ")],
            [made_of(true, b"]}"), made_of(true, b"]},: ")],
        ];
        let moves_on = |in_string: bool| {
            let mut set = trie.alloc_token_set();
            for token in 0..trie.vocab_size() as u32 {
                let mut inside = in_string;
                let mut escaped = false;
                for &b in trie.token(token) {
                    match (inside, escaped, b) {
                        (true, true, _) => escaped = false,
                        (true, false, b'\\') => escaped = true,
                        (_, _, b'"') => inside = !inside,
                        (false, _, b',') => {
                            set.allow_token(token);
                            break;
                        }
                        _ => {}
                    }
                }
            }
            set
        };
        let movers = [moves_on(false), moves_on(true)];
        Ok(Vocabulary(Arc::new(Inner {
            name,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            env,
            factory,
            closing_tiers,
            movers,
        })))
    }

    /// Its name (`o200k_base`, or the one given).
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// How many token ids there are (the width of a mask).
    pub fn len(&self) -> usize {
        self.0.env.tok_trie().vocab_size()
    }

    /// Whether it has no tokens (never true for a vocabulary that was built).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The main end-of-sequence token.
    pub fn eos(&self) -> u32 {
        self.0.env.tok_trie().eos_token()
    }

    /// `text` as tokens.
    pub fn tokenize(&self, text: &str) -> Vec<u32> {
        self.0.env.tokenize(text)
    }

    /// The bytes of `tokens` (special tokens are left out).
    pub fn decode(&self, tokens: &[u32]) -> Vec<u8> {
        self.0.env.tok_trie().decode(tokens)
    }

    /// The bytes of one token (a special token's name after a 0xFF marker).
    pub fn token_bytes(&self, token: u32) -> Vec<u8> {
        self.0.env.tok_trie().token(token).to_vec()
    }

    pub(crate) fn id(&self) -> u64 {
        self.0.id
    }

    /// The llguidance tokenizer environment, for using llguidance directly.
    pub fn token_env(&self) -> &TokEnv {
        &self.0.env
    }

    /// The closing tokens in order of preference, inside a string or outside.
    pub(crate) fn closing_tiers(&self, in_string: bool) -> &[SimpleVob; 2] {
        &self.0.closing_tiers[usize::from(in_string)]
    }

    /// The tokens that move on to another field or item, inside a string or outside.
    pub(crate) fn movers(&self, in_string: bool) -> &SimpleVob {
        &self.0.movers[usize::from(in_string)]
    }

    /// A set of no tokens.
    pub(crate) fn empty_set(&self) -> SimpleVob {
        self.0.env.tok_trie().alloc_token_set()
    }

    pub(crate) fn factory(&self) -> &ParserFactory {
        &self.0.factory
    }
}

/// A token environment over `tokens`, EOS `eos` (plus `more_eos`), tokenizing with `tokenize` when
/// given (canonical) or greedily over the trie.
fn env(
    tokens: Vec<Vec<u8>>,
    eos: TokenId,
    more_eos: &[TokenId],
    tokenize: Option<Tokenizer>,
) -> Result<TokEnv, GuideError> {
    let len = u32::try_from(tokens.len())
        .map_err(|_| GuideError::Vocabulary("more than 2^32 tokens".into()))?;
    if eos >= len {
        return Err(GuideError::Vocabulary(format!(
            "the end-of-sequence token {eos} is beyond the {len} tokens"
        )));
    }
    let trie = TokTrie::from(&TokRxInfo::new(len, eos), &tokens);
    let trie = if more_eos.len() > 1 {
        trie.with_eos_tokens(more_eos)
    } else {
        trie
    };
    Ok(match tokenize {
        Some(tokenize) => Arc::new(Canonical { trie, tokenize }),
        None => Arc::new(ApproximateTokEnv::new(trie)),
    })
}

/// A vocabulary's own tokenizer.
type Tokenizer = Box<dyn Fn(&str) -> Vec<TokenId> + Send + Sync>;

/// A token environment with the vocabulary's own tokenizer.
struct Canonical {
    trie: TokTrie,
    tokenize: Tokenizer,
}

impl toktrie::TokenizerEnv for Canonical {
    fn tok_trie(&self) -> &TokTrie {
        &self.trie
    }

    /// The tokenizer's own tokens for valid UTF-8; the trie's greedy ones for stray bytes.
    fn tokenize_bytes(&self, bytes: &[u8]) -> Vec<TokenId> {
        self.trie
            .tokenize_with_greedy_fallback(bytes, |text| (self.tokenize)(text))
    }
}

/// GPT-2's byte-level encoding, reversed: printable bytes stand for themselves, the other 68
/// (control bytes, space, DEL, NBSP, soft hyphen...) are U+0100 onwards, in byte order.
fn gpt2_char_to_byte() -> impl Fn(char) -> Option<u8> {
    let printable = |b: u8| matches!(b, 33..=126 | 161..=172 | 174..=255);
    let mut shifted = [0u8; 68];
    let mut next = 0;
    for b in 0..=255u8 {
        if !printable(b) {
            shifted[next] = b;
            next += 1;
        }
    }
    move |c: char| {
        let code = u32::from(c);
        match u8::try_from(code) {
            Ok(b) if printable(b) => Some(b),
            _ => code
                .checked_sub(256)
                .and_then(|i| shifted.get(i as usize).copied()),
        }
    }
}

#[cfg(feature = "tiktoken")]
mod tiktoken {
    use tiktoken_rs::CoreBPE;

    use super::{Vocabulary, env};
    use crate::GuideError;

    /// A tiktoken encoding's vocabulary. Its maps are private, so tokens are read back one id at a
    /// time: special tokens by encoding their names, the others by decoding their rank.
    pub(super) fn vocabulary(name: &str, bpe: &'static CoreBPE) -> Result<Vocabulary, GuideError> {
        let mut special: Vec<(u32, &str)> = Vec::new();
        for token in bpe.special_tokens() {
            if let [id] = bpe.encode_with_special_tokens(token)[..] {
                special.push((id, token));
            }
        }
        let last = special.iter().map(|(id, _)| *id).max().unwrap_or(0);
        let mut tokens = Vec::with_capacity(last as usize + 1);
        for id in 0..=last {
            tokens.push(match special.iter().find(|(s, _)| *s == id) {
                Some((_, name)) => name.as_bytes().to_vec(),
                // Unused ids (between the ordinary and special ranges) stay empty.
                None => bpe.decode_bytes(&[id]).unwrap_or_default(),
            });
        }
        let eos = special
            .iter()
            .find(|(_, name)| *name == "<|endoftext|>")
            .map(|(id, _)| *id)
            .ok_or_else(|| GuideError::Vocabulary(format!("{name} has no <|endoftext|>")))?;
        for (id, _) in &special {
            tokens[*id as usize].insert(0, toktrie::TokTrie::SPECIAL_TOKEN_MARKER);
        }
        let env = env(
            tokens,
            eos,
            &[],
            Some(Box::new(move |text| bpe.encode_ordinary(text))),
        )?;
        Vocabulary::new(name.to_owned(), env)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpt2_encoding_maps_every_byte_once() {
        let bytes_of = gpt2_char_to_byte();
        assert_eq!(bytes_of('a'), Some(b'a'));
        assert_eq!(bytes_of('Ġ'), Some(b' '));
        assert_eq!(bytes_of('Ċ'), Some(b'\n'));
        assert_eq!(bytes_of('\u{100}'), Some(0));
        assert_eq!(bytes_of(' '), None, "a raw space is not in the encoding");
        let mut seen = [false; 256];
        for code in (0..=255).chain(256..256 + 68) {
            if let Some(b) = char::from_u32(code).and_then(&bytes_of) {
                assert!(!seen[b as usize], "byte {b} twice");
                seen[b as usize] = true;
            }
        }
        assert!(seen.iter().all(|s| *s));
    }

    #[test]
    fn a_vocabulary_from_bytes_marks_specials_and_checks_ids() {
        let tokens = ["<eos>", "{", "}", "\"", "a", "1"]
            .map(|t| t.as_bytes().to_vec())
            .to_vec();
        let vocab = Vocabulary::from_token_bytes("tiny", tokens.clone(), &[], &[0]).unwrap();
        assert_eq!((vocab.len(), vocab.eos()), (6, 0));
        assert_eq!(vocab.token_bytes(0), b"\xff<eos>");
        assert_eq!(vocab.decode(&vocab.tokenize("{a}")), b"{a}");
        let error = Vocabulary::from_token_bytes("tiny", tokens, &[], &[9]).unwrap_err();
        assert!(error.to_string().contains("9"), "{error}");
    }
}
