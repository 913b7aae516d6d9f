//! Batch throughput over real HTTP: N tasks at concurrency C against an OpenAI-compatible server on
//! 127.0.0.1 that answers every request after a fixed latency L, a fraction of first answers invalid
//! (so those tasks need one repair). For each C it reports the wall time against the ideal ⌈N/C⌉·L,
//! the client's CPU time per request, and the client's peak memory.
//!
//! Run with `cargo bench --bench batch`. `OUTLINES_BENCH_N` (tasks, default 2000), `OUTLINES_BENCH_L`
//! (latency in ms, default 50), `OUTLINES_BENCH_C` (concurrencies, default `1,16,128,512`) and
//! `OUTLINES_BENCH_INVALID` (share of invalid first answers, default 0.05) change the setup.
//!
//! The baseline, measured in the same run: a bare client (reqwest, the same runtime) sending an
//! equivalent body at the same concurrency and parsing each reply (envelope and content) into
//! `serde_json::Value` — the HTTP floor, with no schema, validation, repair or batch bookkeeping.
//!
//! The server and each client run in processes of their own (this binary, started again with
//! `OUTLINES_BENCH_ROLE`), so the client's CPU time and memory are its own: CPU is the sum over the
//! client's threads of `/proc/self/task/*/schedstat` across the batch, memory is `VmHWM` (peak
//! resident set) from `/proc/self/status`, against `VmRSS` just before the batch. The server's CPU
//! per request is read the same way from its `/proc/<pid>`. Linux only.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};
use outlines::Structured;
use outlines::backend::openai::OpenAi;
use outlines::batch::Batch;
use serde_json::{Value, json};

#[path = "../tests/support/chat_server.rs"]
mod chat_server;

/// How a sales lead was found.
#[derive(Debug, Structured)]
#[serde(rename_all = "snake_case")]
enum Stage {
    Cold,
    Contacted,
    Qualified,
    Proposal,
    Won,
    Lost,
}

/// A product the lead asked about.
#[derive(Debug, Structured)]
#[allow(dead_code)] // built and validated, never read: the bench measures that
struct Interest {
    #[outline(pattern = r"^[A-Z]{3}-[0-9]{3}$")]
    sku: String,
    #[outline(min = 1, max = 10000)]
    quantity: u32,
}

/// Where the lead is.
#[derive(Debug, Structured)]
#[allow(dead_code)] // built and validated, never read: the bench measures that
struct Location {
    #[outline(min = 1, max = 80)]
    city: String,
    /// ISO 3166-1 alpha-2.
    #[outline(pattern = r"^[A-Z]{2}$")]
    country: String,
}

/// A sales lead in a note: the benchmark's mid-size type (10 fields, two nested types, an enum,
/// lengths, ranges, patterns).
#[derive(Debug, Structured)]
#[allow(dead_code)] // built and validated, never read: the bench measures that
struct Lead {
    #[outline(min = 1, max = 80)]
    name: String,
    #[outline(pattern = r"^[^@\s]+@[^@\s]+\.[a-z]+$")]
    email: Option<String>,
    #[outline(min = 1, max = 80)]
    company: String,
    title: Option<String>,
    #[outline(min = 1, max = 100000)]
    seats: u32,
    #[outline(min = 0)]
    budget_usd: f64,
    stage: Stage,
    #[outline(max = 5)]
    interests: Vec<Interest>,
    location: Location,
    #[outline(max = 500)]
    notes: Option<String>,
}

fn valid_reply() -> String {
    json!({
        "name": "Dana Whitfield",
        "email": "dana.whitfield@northwind.io",
        "company": "Northwind Traders",
        "title": "Head of Operations",
        "seats": 240,
        "budget_usd": 58000.0,
        "stage": "qualified",
        "interests": [{"sku": "OPS-101", "quantity": 240}, {"sku": "SEC-220", "quantity": 12}],
        "location": {"city": "Rotterdam", "country": "NL"},
        "notes": "Wants a pilot in Q3; procurement needs a security review first."
    })
    .to_string()
}

/// Three errors: a seat count of 0, an unknown stage, a lower-case country.
fn invalid_reply() -> String {
    valid_reply()
        .replace("\"seats\":240", "\"seats\":0")
        .replace("\"qualified\"", "\"warm\"")
        .replace("\"NL\"", "\"nl\"")
}

fn prompt(i: usize) -> String {
    format!(
        "Extract the lead from CRM note #{i}: Met Dana Whitfield (Head of Operations, Northwind \
         Traders, Rotterdam NL) at the expo. 240 seats, budget around $58k, interested in OPS-101 \
         for everyone and SEC-220 for the security team. Wants a pilot in Q3; procurement needs a \
         security review first. Email dana.whitfield@northwind.io."
    )
}

/// A number from the environment, or the default.
fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn latency() -> Duration {
    Duration::from_millis(env_or("OUTLINES_BENCH_L", 50))
}

fn main() {
    match std::env::var("OUTLINES_BENCH_ROLE").as_deref() {
        Ok("server") => server(),
        Ok("client") => client(),
        _ => parent(),
    }
}

/// Serves until killed, printing its port first.
fn server() {
    let invalid = env_or("OUTLINES_BENCH_INVALID", 0.05);
    chat_server::Config::mostly_valid(valid_reply(), invalid_reply(), invalid)
        .latency(latency())
        .run(|server| {
            println!("{}", server.addr().port());
            std::io::stdout().flush().expect("stdout");
        })
}

/// CPU time of every thread of a process (`self` or a pid) so far, in nanoseconds.
fn cpu_ns(process: &str) -> u64 {
    std::fs::read_dir(format!("/proc/{process}/task"))
        .expect("/proc/<pid>/task (Linux)")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// A `VmHWM`/`VmRSS`-style line of `/proc/self/status`, in KiB.
fn status_kib(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status (Linux)");
    status
        .lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// What a client measured.
struct Measured {
    wall: Duration,
    cpu_ns: u64,
    requests: usize,
    ok: usize,
    failed: usize,
}

/// Runs one batch (or the baseline) and prints what it measured as one JSON line.
fn client() {
    let n: usize = env_or("OUTLINES_BENCH_N", 2000);
    let c: usize = env_or("OUTLINES_BENCH_C", 16);
    let port: u16 = env_or("OUTLINES_BENCH_PORT", 0);
    let base_url = format!("http://127.0.0.1:{port}/v1");
    let runtime = match std::env::var("OUTLINES_BENCH_RUNTIME").as_deref() {
        Ok("current_thread") => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    }
    .enable_all()
    .build()
    .expect("a tokio runtime");
    let prompts: Vec<String> = (0..n).map(prompt).collect();
    // The schema is built once per type, whatever the batch does; build it before measuring.
    let _ = Lead::json_schema();
    let rss_before = status_kib("VmRSS");
    let measured = if std::env::var("OUTLINES_BENCH_CLIENT").as_deref() == Ok("bare") {
        runtime.block_on(bare(&base_url, prompts, c))
    } else {
        runtime.block_on(batch(&base_url, prompts, c))
    };
    let line = json!({
        "wall_ms": measured.wall.as_secs_f64() * 1e3,
        "cpu_ns": measured.cpu_ns,
        "requests": measured.requests,
        "ok": measured.ok,
        "failed": measured.failed,
        "rss_before_kib": rss_before,
        "hwm_kib": status_kib("VmHWM"),
    });
    println!("{line}");
}

/// The batch: `Batch::<Lead>` over the OpenAI backend.
async fn batch(base_url: &str, prompts: Vec<String>, c: usize) -> Measured {
    let backend = OpenAi::new("bench-model")
        .base_url(base_url)
        .api_key("sk-bench");
    let cpu_start = cpu_ns("self");
    let start = Instant::now();
    let report = Batch::<Lead>::new(prompts)
        .max_concurrency(c)
        .report(&backend)
        .await;
    let wall = start.elapsed();
    let cpu_ns = cpu_ns("self") - cpu_start;
    let summary = &report.summary;
    if summary.failed > 0 {
        let first = report.results.iter().find_map(|r| r.as_ref().err());
        eprintln!("{} tasks failed; the first: {first:?}", summary.failed);
    }
    Measured {
        wall,
        cpu_ns,
        requests: summary.total_attempts(),
        ok: summary.succeeded,
        failed: summary.failed,
    }
}

/// The baseline: the same requests with reqwest alone, their bodies (the prompt, the strict schema
/// and the type's description, as the backend sends them) encoded before the clock starts; each
/// reply is parsed twice (envelope, then content) into `Value`. Invalid first answers are not
/// repaired. What is left is the cost of HTTP itself: reqwest, hyper, tokio and the kernel.
async fn bare(base_url: &str, prompts: Vec<String>, c: usize) -> Measured {
    let client = reqwest::Client::new();
    let url = format!("{base_url}/chat/completions");
    let schema = outlines::backend::openai::schema::strict(&Lead::json_schema())
        .expect("a strict form")
        .schema;
    let system = format!(
        "Reply with a JSON value of this type:\n{}",
        Lead::describe()
    );
    let bodies: Vec<Vec<u8>> = prompts
        .iter()
        .map(|prompt| {
            let body = json!({
                "model": "bench-model",
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": prompt},
                ],
                "response_format": {"type": "json_schema", "json_schema": {
                    "name": "Lead", "strict": true, "schema": schema,
                }},
            });
            serde_json::to_vec(&body).expect("a body")
        })
        .collect();
    let cpu_start = cpu_ns("self");
    let start = Instant::now();
    let results: Vec<bool> = stream::iter(bodies)
        .map(|body| {
            let request = client
                .post(&url)
                .bearer_auth("sk-bench")
                .header("content-type", "application/json")
                .body(body);
            async move {
                let Ok(response) = request.send().await else {
                    return false;
                };
                let Ok(text) = response.text().await else {
                    return false;
                };
                let envelope: Value = serde_json::from_str(&text).unwrap_or_default();
                envelope["choices"][0]["message"]["content"]
                    .as_str()
                    .and_then(|content| serde_json::from_str::<Value>(content).ok())
                    .is_some()
            }
        })
        .buffer_unordered(c)
        .collect()
        .await;
    let wall = start.elapsed();
    let ok = results.iter().filter(|ok| **ok).count();
    Measured {
        wall,
        cpu_ns: cpu_ns("self") - cpu_start,
        requests: results.len(),
        ok,
        failed: results.len() - ok,
    }
}

/// One HTTP/1.1 request to the server's stats endpoints, answered as JSON.
fn stats(port: u16, method: &str, path: &str) -> Value {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the bench server");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    serde_json::from_str(body).expect("stats as JSON")
}

/// Kills the server when the bench ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn parent() {
    let n: usize = env_or("OUTLINES_BENCH_N", 2000);
    let latency = latency();
    let concurrencies: Vec<usize> = std::env::var("OUTLINES_BENCH_C")
        .unwrap_or_else(|_| "1,16,128,512".into())
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .filter(|&c| c > 0)
        .collect();
    let exe = std::env::current_exe().expect("this binary's path");

    let mut server = Server(
        Command::new(&exe)
            .env("OUTLINES_BENCH_ROLE", "server")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the bench server"),
    );
    let mut port_line = String::new();
    BufReader::new(server.0.stdout.take().expect("server stdout"))
        .read_line(&mut port_line)
        .expect("the server's port");
    let port: u16 = port_line.trim().parse().expect("a port number");

    let latency_ms = latency.as_secs_f64() * 1e3;
    let server_pid = server.0.id().to_string();
    // One client run: its JSON line, the server's peak in flight, the server's CPU during it.
    let run = |kind: &str, c: usize| {
        stats(port, "POST", "/stats/reset");
        let server_cpu = cpu_ns(&server_pid);
        let output = Command::new(&exe)
            .env("OUTLINES_BENCH_ROLE", "client")
            .env("OUTLINES_BENCH_CLIENT", kind)
            .env("OUTLINES_BENCH_C", c.to_string())
            .env("OUTLINES_BENCH_N", n.to_string())
            .env("OUTLINES_BENCH_PORT", port.to_string())
            .stderr(Stdio::inherit())
            .output()
            .expect("run a bench client");
        let server_cpu = cpu_ns(&server_pid) - server_cpu;
        let peak = stats(port, "GET", "/stats")["peak_in_flight"].clone();
        let line = String::from_utf8_lossy(&output.stdout)
            .lines()
            .rev()
            .find_map(|line| serde_json::from_str::<Value>(line).ok());
        if line.is_none() {
            eprintln!("the {kind} client at C = {c} failed ({})", output.status);
        }
        Some((line?, peak, server_cpu))
    };

    println!(
        "batch: N = {n} tasks, server latency L = {latency_ms:.0} ms, OpenAI backend over HTTP/1.1 on 127.0.0.1"
    );
    println!(
        "| C | client | wall | ideal ⌈N/C⌉·L | wall/ideal | ideal for its requests | wall/that | requests | server peak in flight | client CPU/request | vs bare | server CPU/request | client peak RSS (Δ during run) | ok/failed |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for c in concurrencies {
        let mut bare_cpu = None;
        for kind in ["bare", "batch"] {
            let Some((result, peak, server_cpu)) = run(kind, c) else {
                continue;
            };
            let number = |key: &str| result[key].as_f64().unwrap_or(0.0);
            let wall = number("wall_ms");
            let requests = number("requests");
            let ideal = n.div_ceil(c) as f64 * latency_ms;
            let ideal_requests = (requests as usize).div_ceil(c) as f64 * latency_ms;
            let cpu_us = number("cpu_ns") / 1e3 / requests.max(1.0);
            let server_us = server_cpu as f64 / 1e3 / requests.max(1.0);
            let vs_bare = match bare_cpu {
                Some(bare) => format!("{:.2}×", cpu_us / bare),
                None => "1×".into(),
            };
            bare_cpu.get_or_insert(cpu_us);
            let hwm = number("hwm_kib") / 1024.0;
            let delta = (number("hwm_kib") - number("rss_before_kib")) / 1024.0;
            println!(
                "| {c} | {kind} | {wall:.0} ms | {ideal:.0} ms | {:.3} | {ideal_requests:.0} ms | {:.3} | {requests} | {peak} | {cpu_us:.1} µs | {vs_bare} | {server_us:.1} µs | {hwm:.1} MiB (+{delta:.1}) | {}/{} |",
                wall / ideal,
                wall / ideal_requests,
                result["ok"],
                result["failed"],
            );
        }
    }
}
