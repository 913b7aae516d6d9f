//! The worker that runs the model: one thread owns the llama.cpp context (its KV cache) and serves
//! generations one after another, each under its token constraint.

use std::num::NonZeroU32;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::token::LlamaToken;
use outlines_core::backend::{BackendError, Delta, Finish, Message, Response, Usage};
use outlines_guide::Guide;
use tokio::sync::{mpsc, oneshot};

use crate::model::{Model, backend};
use crate::sample::{Sampler, Sampling};
use crate::{LocalError, Stats};

/// One generation to run.
pub(crate) struct Job {
    pub(crate) system: String,
    pub(crate) messages: Vec<Message>,
    /// The grammar the reply must follow, if any.
    pub(crate) guide: Option<Guide>,
    pub(crate) max_tokens: usize,
    pub(crate) sampling: Sampling,
    /// Where the reply goes; once its receiver is gone (the request was dropped or timed out),
    /// the generation stops at the next token.
    pub(crate) reply: oneshot::Sender<Result<Response, BackendError>>,
    /// Where the reply's text goes as it is generated, when it is streamed, each piece followed by
    /// the tokens counted so far (so an attempt stopped mid-way still counts what it cost); once
    /// its receiver is gone, the generation stops at the next token, as for `reply`.
    pub(crate) pieces: Option<mpsc::UnboundedSender<Delta>>,
}

impl Job {
    /// Whether nobody waits for the reply any more.
    fn dropped(&self) -> bool {
        self.reply.is_closed() || self.pieces.as_ref().is_some_and(|p| p.is_closed())
    }
}

/// The text of a streamed reply, token by token: a token's bytes may end inside a character, so
/// what does not make whole characters yet waits for the next token.
#[derive(Default)]
struct Pieces {
    pending: Vec<u8>,
    /// Stops after a rewind: the text already sent is no longer the reply's start, and the whole
    /// reply at the end is what counts.
    stopped: bool,
}

/// How many of `bytes` can be sent now: whole characters, and bytes that can never be one (sent
/// as the final text shows them, lossily: the same sequence cut where the lossy decoder resumes),
/// but not a character whose last bytes are still to come.
fn settled(bytes: &[u8]) -> usize {
    let mut whole = 0;
    loop {
        match std::str::from_utf8(&bytes[whole..]) {
            Ok(_) => return bytes.len(),
            Err(e) => match e.error_len() {
                Some(bad) => whole += e.valid_up_to() + bad,
                None => return whole + e.valid_up_to(),
            },
        }
    }
}

impl Pieces {
    /// Takes the reply's next token; `counted` is the usage with it.
    fn push(
        &mut self,
        model: &Model,
        token: LlamaToken,
        counted: Usage,
        to: &mpsc::UnboundedSender<Delta>,
    ) {
        if self.stopped {
            return;
        }
        model.piece_into(token, &mut self.pending);
        let whole = settled(&self.pending);
        if whole > 0 {
            let text = String::from_utf8_lossy(&self.pending[..whole]).into_owned();
            self.pending.drain(..whole);
            let _ = to.send(Delta::Text(text));
            let _ = to.send(Delta::Usage(counted));
        }
    }
}

/// How the context is set up.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EngineOptions {
    pub(crate) context_length: u32,
    pub(crate) threads: i32,
    pub(crate) batch: u32,
}

/// Starts the worker for `model`; returns once its context is ready (or could not be made).
pub(crate) fn spawn(
    model: Arc<Model>,
    options: EngineOptions,
    stats: Arc<Mutex<Stats>>,
) -> Result<Sender<Job>, LocalError> {
    let (jobs, queue) = std::sync::mpsc::channel::<Job>();
    let (ready, started) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("outlines-local".into())
        .spawn(move || serve(&model, options, &stats, &queue, &ready))
        .map_err(|e| LocalError::Context(format!("could not start the model's thread: {e}")))?;
    started
        .recv()
        .map_err(|_| LocalError::Context("the model's thread stopped while starting".into()))??;
    Ok(jobs)
}

fn serve(
    model: &Model,
    options: EngineOptions,
    stats: &Mutex<Stats>,
    queue: &Receiver<Job>,
    ready: &SyncSender<Result<(), LocalError>>,
) {
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(options.context_length))
        .with_n_batch(options.batch)
        .with_n_threads(options.threads)
        .with_n_threads_batch(options.threads);
    let context = backend().and_then(|backend| {
        model
            .llama
            .new_context(backend, params)
            .map_err(|e| LocalError::Context(format!("llama.cpp could not make a context: {e}")))
    });
    let mut engine = match context {
        Ok(context) => Engine {
            model,
            batch: LlamaBatch::new(options.batch as usize, 1),
            context,
            cached: Vec::new(),
            last: 0,
            logits: Vec::with_capacity(model.n_vocab()),
            batch_size: options.batch as usize,
        },
        Err(error) => {
            let _ = ready.send(Err(error));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    // Ends when every handle to the backend is gone.
    while let Ok(job) = queue.recv() {
        if job.dropped() {
            continue;
        }
        let result = match catch_unwind(AssertUnwindSafe(|| engine.run(&job))) {
            Ok(Ok((response, run))) => {
                *stats.lock().unwrap_or_else(PoisonError::into_inner) += run;
                Ok(response)
            }
            Ok(Err(error)) => Err(error),
            Err(panic) => {
                engine.reset();
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Err(BackendError::other(
                    "local",
                    format!("inference panicked: {what}"),
                ))
            }
        };
        let _ = job.reply.send(result);
    }
}

struct Engine<'m> {
    model: &'m Model,
    context: LlamaContext<'m>,
    batch: LlamaBatch<'static>,
    batch_size: usize,
    /// The tokens whose keys and values are in the context's cache, in order: a prompt that
    /// starts the same way (the system prompt of the same type, a repair of the same request)
    /// reuses them.
    cached: Vec<LlamaToken>,
    /// The index in the last batch whose logits are the next token's.
    last: i32,
    /// Scratch: the logits of one step.
    logits: Vec<f32>,
}

fn engine_error(what: &str, error: impl std::fmt::Display) -> BackendError {
    BackendError::other("local", format!("{what}: {error}"))
}

impl Engine<'_> {
    /// The reply, and what it took (one generation's [`Stats`]).
    fn run(&mut self, job: &Job) -> Result<(Response, Stats), BackendError> {
        let started = Instant::now();
        let prompt = self
            .model
            .prompt(&job.system, &job.messages)
            .map_err(BackendError::Config)?;
        let tokens = self.model.tokenize(&prompt);
        let room = self.context.n_ctx() as usize;
        if tokens.is_empty() || tokens.len() + job.max_tokens > room {
            return Err(BackendError::Config(format!(
                "the prompt ({} tokens) and up to {} reply tokens do not fit the model's context of {room} \
                 tokens: shorten the prompt, lower max_tokens, or raise the context length",
                tokens.len(),
                job.max_tokens
            )));
        }
        let reused = self.prefill(&tokens)?;
        let prefill = started.elapsed();
        let mut run = Stats {
            generations: 1,
            prompt_tokens: tokens.len() as u64,
            reused_tokens: reused as u64,
            prefill,
            ..Stats::default()
        };
        let mut constraint = job
            .guide
            .as_ref()
            .map(|guide| guide.constraint_within(job.max_tokens));
        let mut sampler = Sampler::new(job.sampling);
        let mut out: Vec<LlamaToken> = Vec::new();
        let mut pieces = Pieces::default();
        let mut finish = Finish::Length;
        while out.len() < job.max_tokens {
            if job.dropped() {
                return Err(BackendError::other(
                    "local",
                    "the request was dropped mid-generation",
                ));
            }
            let step = Instant::now();
            let rewind = match constraint.as_mut() {
                Some(constraint) => constraint
                    .rewind()
                    .map_err(|e| engine_error("token constraint", e))?,
                None => None,
            };
            run.constraint += step.elapsed();
            if let Some(back) = rewind {
                // The budget ends an array at the last item the model finished: drop what came
                // after it, from the reply and from the cache (whose last kept token is decoded
                // again, for the logits that follow it).
                out.truncate(out.len() - back);
                pieces.stopped = true;
                let step = Instant::now();
                self.prefill(&[tokens.as_slice(), &out].concat())?;
                run.forward += step.elapsed();
            }
            self.logits.clear();
            self.logits
                .extend_from_slice(self.context.get_logits_ith(self.last));
            let step = Instant::now();
            if let Some(constraint) = constraint.as_mut() {
                let mask = constraint
                    .mask()
                    .map_err(|e| engine_error("token constraint", e))?;
                mask.apply(&mut self.logits);
            }
            run.constraint += step.elapsed();
            let token = sampler.pick(&self.logits).ok_or_else(|| {
                BackendError::other(
                    "local",
                    "no token is allowed next (the logits are not numbers)",
                )
            })?;
            let llama_token = LlamaToken(token as i32);
            if self.model.ends(llama_token) {
                finish = Finish::Stop;
                break;
            }
            out.push(llama_token);
            if let Some(to) = &job.pieces {
                let counted = Usage {
                    input_tokens: tokens.len() as u64,
                    output_tokens: out.len() as u64,
                };
                pieces.push(self.model, llama_token, counted, to);
            }
            if let Some(constraint) = constraint.as_mut() {
                let step = Instant::now();
                constraint
                    .advance(token)
                    .map_err(|e| engine_error("token constraint", e))?;
                run.constraint += step.elapsed();
                if constraint.is_finished() {
                    finish = Finish::Stop;
                    break;
                }
            }
            if out.len() == job.max_tokens {
                break;
            }
            let step = Instant::now();
            self.decode(&[llama_token])?;
            run.forward += step.elapsed();
        }
        let forced = constraint
            .as_ref()
            .map(|constraint| constraint.forced())
            .unwrap_or_default();
        if !forced.is_empty() {
            // The budget, not the model, ended the value.
            finish = Finish::Length;
        }
        run.output_tokens = out.len() as u64;
        run.total = started.elapsed();
        tracing::debug!(
            target: "outlines::local",
            prompt_tokens = run.prompt_tokens,
            reused_tokens = run.reused_tokens,
            output_tokens = run.output_tokens,
            prefill_ms = run.prefill.as_secs_f64() * 1e3,
            forward_ms = run.forward.as_secs_f64() * 1e3,
            constraint_ms = run.constraint.as_secs_f64() * 1e3,
            finish = finish.as_str(),
            forced = %forced,
            "generated",
        );
        let response = Response::text(self.model.detokenize(&out))
            .with_finish(finish)
            .with_usage(tokens.len() as u64, out.len() as u64)
            .with_model(self.model.name.clone())
            .with_forced(forced);
        Ok((response, run))
    }

    /// Brings the cache to `tokens`: keeps the longest prefix it shares with them (all but the
    /// last token at most, whose logits are needed) and decodes the rest. Returns how many tokens
    /// were reused.
    fn prefill(&mut self, tokens: &[LlamaToken]) -> Result<usize, BackendError> {
        let shared = self
            .cached
            .iter()
            .zip(tokens)
            .take_while(|(a, b)| a == b)
            .count();
        let mut keep = shared.min(tokens.len() - 1);
        if keep < self.cached.len() {
            let removed = self
                .context
                .clear_kv_cache_seq(Some(0), Some(keep as u32), None)
                .unwrap_or(false);
            if !removed {
                self.context.clear_kv_cache();
                keep = 0;
            }
            self.cached.truncate(keep);
        }
        for chunk in tokens[keep..].chunks(self.batch_size) {
            self.decode(chunk)?;
        }
        Ok(keep)
    }

    /// Decodes `tokens` after the cached ones, with logits for the last.
    fn decode(&mut self, tokens: &[LlamaToken]) -> Result<(), BackendError> {
        self.batch.clear();
        let start = self.cached.len();
        for (i, &token) in tokens.iter().enumerate() {
            self.batch
                .add(token, (start + i) as i32, &[0], i + 1 == tokens.len())
                .map_err(|e| engine_error("batch", e))?;
        }
        if let Err(error) = self.context.decode(&mut self.batch) {
            // What the cache holds is in doubt now.
            self.reset();
            return Err(engine_error("llama.cpp could not decode", error));
        }
        self.cached.extend_from_slice(tokens);
        self.last = tokens.len() as i32 - 1;
        Ok(())
    }

    /// Forgets the cache, after a failure left it in doubt.
    fn reset(&mut self) {
        self.context.clear_kv_cache();
        self.cached.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::settled;

    #[test]
    fn only_whole_characters_are_sent() {
        // "a", a byte that is never UTF-8, then the first two bytes of "€".
        assert_eq!(settled(&[b'a', 0xFF, 0xE2, 0x82]), 2);
        assert_eq!(settled(&[b'a', 0xFF, 0xE2, 0x82, 0xAC]), 5);
        assert_eq!(settled(&[0xE2]), 0);
        assert_eq!(settled(b"plain"), 5);
    }
}
