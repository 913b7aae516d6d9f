//! `outlines extract`: one generation per row of a JSONL file, results appended to another as
//! they come, so an interrupted run resumes where it stopped.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use outlines::backend::Backend;
use outlines::generate::{Generation, Template};
use outlines_server::AnyOutput;
use serde_json::{Value, json};

/// How rows become prompts, and how generations run.
pub(crate) struct Job {
    /// What each row must become.
    pub(crate) wanted: AnyOutput,
    /// A template rendered with each row as its context; else the row's `field`.
    pub(crate) template: Option<Template>,
    pub(crate) field: String,
    pub(crate) system: Option<String>,
    pub(crate) max_tokens: Option<u32>,
    pub(crate) attempts: usize,
    pub(crate) concurrency: usize,
}

/// What a run did.
#[derive(Default)]
pub(crate) struct Summary {
    pub(crate) done: usize,
    pub(crate) skipped: usize,
    /// Failures by cause (`invalid`, `backend`, `prompt`, ...).
    pub(crate) failed: Vec<(String, usize)>,
    pub(crate) input_tokens: u64,
    pub(crate) output_tokens: u64,
}

impl Summary {
    fn fail(&mut self, cause: &str) {
        match self.failed.iter_mut().find(|(c, _)| c == cause) {
            Some((_, n)) => *n += 1,
            None => self.failed.push((cause.to_owned(), 1)),
        }
    }

    pub(crate) fn failures(&self) -> usize {
        self.failed.iter().map(|(_, n)| n).sum()
    }
}

/// A row: its id (its `id` field, else its line number) and its prompt, or why it has none.
struct Row {
    id: Value,
    prompt: Result<String, String>,
}

pub(crate) async fn run(
    backend: Arc<dyn Backend>,
    job: &Job,
    input: &Path,
    output: &Path,
) -> Result<Summary, Box<dyn std::error::Error>> {
    let began = Instant::now();
    let done = done_ids(output)?;
    let reader = BufReader::new(
        File::open(input).map_err(|e| format!("cannot read {}: {e}", input.display()))?,
    );
    let mut rows = Vec::new();
    let mut summary = Summary::default();
    for (i, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let row = parse_row(job, i + 1, &line);
        if done.contains(&row.id.to_string()) {
            summary.skipped += 1;
            continue;
        }
        rows.push(row);
    }
    let mut out = OpenOptions::new()
        .create(true)
        .append(true)
        .open(output)
        .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
    // A line an interruption cut short is ended, so the next result starts a line of its own.
    let existing = std::fs::read(output)?;
    if existing.last().is_some_and(|&b| b != b'\n') {
        writeln!(out)?;
    }
    let bar = ProgressBar::new(rows.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows · {elapsed} · eta {eta} · {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let results = futures_util::stream::iter(rows.into_iter().map(|row| {
        let backend = Arc::clone(&backend);
        async move {
            let outcome = match &row.prompt {
                Ok(prompt) => generate(&*backend, job, prompt.clone()).await,
                Err(why) => Err(("prompt".to_owned(), json!({"message": why}), (0, 0))),
            };
            (row.id, outcome)
        }
    }))
    .buffer_unordered(job.concurrency.max(1));
    futures_util::pin_mut!(results);
    while let Some((id, outcome)) = results.next().await {
        let line = match outcome {
            Ok((value, (input, output))) => {
                summary.done += 1;
                summary.input_tokens += input;
                summary.output_tokens += output;
                json!({"id": id, "value": value})
            }
            Err((cause, error, (input, output))) => {
                summary.fail(&cause);
                summary.input_tokens += input;
                summary.output_tokens += output;
                json!({"id": id, "error": error})
            }
        };
        writeln!(out, "{line}")?;
        out.flush()?;
        bar.inc(1);
        bar.set_message(format!("{} failed", summary.failures()));
    }
    bar.finish_and_clear();
    eprintln!(
        "{} done, {} failed{}, {} skipped (already in {}) · {} tokens in, {} out · {:.1?}",
        summary.done,
        summary.failures(),
        if summary.failed.is_empty() {
            String::new()
        } else {
            // The commonest cause first, so the line reads the same however rows finished.
            let mut failed = summary.failed.clone();
            failed.sort_by(|(a, m), (b, n)| n.cmp(m).then_with(|| a.cmp(b)));
            let causes: Vec<String> = failed.iter().map(|(c, n)| format!("{n} {c}")).collect();
            format!(" ({})", causes.join(", "))
        },
        summary.skipped,
        output.display(),
        summary.input_tokens,
        summary.output_tokens,
        began.elapsed()
    );
    Ok(summary)
}

type Tokens = (u64, u64);

async fn generate(
    backend: &dyn Backend,
    job: &Job,
    prompt: String,
) -> Result<(Value, Tokens), (String, Value, Tokens)> {
    let mut generation =
        Generation::from_shared(Arc::clone(&job.wanted), prompt).max_attempts(job.attempts);
    if let Some(system) = &job.system {
        generation = generation.system(system.clone());
    }
    if let Some(n) = job.max_tokens {
        generation = generation.max_tokens(n);
    }
    match generation.report(backend).await {
        Ok(report) => Ok((
            report.value,
            (report.usage.input_tokens, report.usage.output_tokens),
        )),
        Err(error) => {
            let usage = error.usage();
            let errors: Vec<Value> = error
                .errors()
                .iter()
                .map(|e| json!({"path": e.path().to_string(), "message": e.message()}))
                .collect();
            Err((
                error.cause().kind().to_owned(),
                json!({"message": error.to_string(), "errors": errors, "attempts": error.attempts().len()}),
                (usage.input_tokens, usage.output_tokens),
            ))
        }
    }
}

fn parse_row(job: &Job, number: usize, line: &str) -> Row {
    let row: Value = match serde_json::from_str(line) {
        Ok(row) => row,
        Err(e) => {
            return Row {
                id: number.into(),
                prompt: Err(format!("line {number} is not JSON: {e}")),
            };
        }
    };
    let id = row.get("id").cloned().unwrap_or_else(|| number.into());
    let prompt = match (&job.template, &row) {
        (Some(template), _) => template
            .render_for(&*job.wanted, &row)
            .map_err(|e| e.to_string()),
        (None, Value::String(text)) => Ok(text.clone()),
        (None, _) => row
            .get(&job.field)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("line {number} has no string field {:?}", job.field)),
    };
    Row { id, prompt }
}

/// The ids already in the output (a resumed run skips them).
fn done_ids(output: &Path) -> Result<HashSet<String>, Box<dyn std::error::Error>> {
    let Ok(file) = File::open(output) else {
        return Ok(HashSet::new());
    };
    let mut ids = HashSet::new();
    for line in BufReader::new(file).lines() {
        // A line cut by an interruption has no id to skip: that row runs again.
        if let Ok(Value::Object(row)) = serde_json::from_str::<Value>(&line?) {
            if let Some(id) = row.get("id") {
                ids.insert(id.to_string());
            }
        }
    }
    Ok(ids)
}

/// The output file for `input` when none is given: `<input>.out.jsonl`.
pub(crate) fn default_output(input: &Path) -> PathBuf {
    input.with_extension("out.jsonl")
}
