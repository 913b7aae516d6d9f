#!/usr/bin/env python3
"""The server's load test: a fixed rate against the canned server, beside an axum baseline.

For each route it starts the server on its own, drives it with oha at a fixed rate for a fixed
time (latency corrected for coordinated omission), and reads the server's CPU time from
/proc/PID/stat before and after. It prints requests per second, server CPU per request, p50 and
p99, and the ratios against the baseline (axum alone, reading a JSON body and answering a fixed
value) measured in the same run.

    cargo build --release -p outlines-server --example canned --example hello
    python3 outlines-server/load/bench.py [--rate 1000 | --rate 0] [--seconds 10] [--oha PATH]

Needs oha (`cargo install oha`). Not run by the tests: figures belong in a quiet machine's run.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TICKS = os.sysconf("SC_CLK_TCK")

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "age": {"type": "integer", "minimum": 0, "maximum": 120},
    },
    "required": ["name", "age"],
    "additionalProperties": False,
}
CHAT = {
    "model": "canned",
    "messages": [
        {"role": "system", "content": "You extract people."},
        {"role": "user", "content": "John is 25."},
    ],
    "response_format": {
        "type": "json_schema",
        "json_schema": {"name": "Person", "strict": True, "schema": SCHEMA},
    },
}
GENERATE = {"prompt": "John is 25.", "output": {"type": "json_schema", "schema": SCHEMA}}

# (name, example, path, body)
TARGETS = [
    ("baseline (axum alone)", "hello", "/", GENERATE),
    ("/v1/chat/completions", "canned", "/v1/chat/completions", CHAT),
    ("/generate", "canned", "/generate", GENERATE),
]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def wait_up(url, body):
    data = json.dumps(body).encode()
    for _ in range(200):
        try:
            request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
            with urllib.request.urlopen(request) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{url} did not answer")


def run(oha, name, example, path, body, rate, seconds, port, workers):
    binary = os.path.join(ROOT, "target", "release", "examples", example)
    command = [binary, f"127.0.0.1:{port}"] + ([str(workers)] if workers else [])
    server = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}{path}"
        wait_up(url, body)  # the first request also fills the compiled-schema cache
        before = cpu_seconds(server.pid)
        pace = ["-q", str(rate), "--latency-correction"] if rate else []
        out = subprocess.run(
            [oha, "--no-tui", "--output-format", "json", *pace, "-z", f"{seconds}s",
             "-c", "16", "-m", "POST", "-T", "application/json", "-d", json.dumps(body), url],
            check=True, capture_output=True, text=True,
        ).stdout
        cpu = cpu_seconds(server.pid) - before
    finally:
        server.kill()
        server.wait()
    report = json.loads(out)
    summary = report["summary"]
    statuses = report.get("statusCodeDistribution", {})
    ok = int(statuses.get("200", 0))
    total = sum(int(v) for v in statuses.values())
    percentiles = report["latencyPercentiles"]
    return {
        "name": name,
        "rps": summary["requestsPerSec"],
        "ok": ok,
        "total": total,
        "cpu_us": cpu / max(total, 1) * 1e6,
        "p50_ms": percentiles["p50"] * 1e3,
        "p99_ms": percentiles["p99"] * 1e3,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=1000, help="requests per second; 0: as fast as it goes")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--oha", default=shutil.which("oha") or "oha")
    parser.add_argument(
        "--workers", default="0,1",
        help="the runtimes to measure, comma-separated worker-thread counts (0: one per core)",
    )
    args = parser.parse_args()
    pace = f"{args.rate} requests/s" if args.rate else "as fast as it goes"
    print(f"{pace} for {args.seconds} s, 16 connections, on {os.cpu_count()} cores")
    for workers in [int(w) for w in args.workers.split(",")]:
        rows = [
            run(args.oha, name, example, path, body, args.rate, args.seconds, 18090 + i, workers)
            for i, (name, example, path, body) in enumerate(TARGETS)
        ]
        base = rows[0]
        threads = f"{workers} worker thread(s)" if workers else "one worker thread per core"
        print(f"\n{threads}:\n")
        print("| route | req/s | 200s | server CPU/request | × baseline | p50 | p99 | × baseline |")
        print("|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(
                f"| {r['name']} | {r['rps']:.0f} | {r['ok']}/{r['total']} | {r['cpu_us']:.1f} µs "
                f"| {r['cpu_us'] / base['cpu_us']:.2f} | {r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms "
                f"| {r['p99_ms'] / base['p99_ms']:.2f} |"
            )


if __name__ == "__main__":
    main()
