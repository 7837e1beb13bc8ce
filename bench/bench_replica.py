"""Replica throughput and memory at a ~100k-article corpus.

    .venv/bin/python -m bench.bench_replica [--seconds 5] [--runs 3] [--threads 4]

The server runs in its own process pinned to one core; a load client in another process
(threads, http.client keep-alive) requests random article pages (distinct pages, so mostly
cache misses: on-the-fly generation is what is measured). Prints medians and writes
bench/out/replica.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import urlsplit

from bench.output import write_markdown

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "replica.md"
CORPUS = dict(seed=1, start="2019-07-01", end="2024-06-30", per_day=55)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def _load(base_url: str, paths: list[str], seconds: float, threads: int, out) -> None:
    """Client process: keep-alive GET loop in `threads` threads; reports (count, errors, bytes)."""
    parts = urlsplit(base_url)
    counts = [0] * threads
    errors = [0] * threads
    sizes = [0] * threads
    deadline = time.monotonic() + seconds

    def worker(k: int) -> None:
        rng = random.Random(k)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        while time.monotonic() < deadline:
            try:
                conn.request("GET", rng.choice(paths))
                resp = conn.getresponse()
                body = resp.read()
                if resp.status == 200:
                    counts[k] += 1
                    sizes[k] += len(body)
                else:
                    errors[k] += 1
            except (OSError, http.client.HTTPException):
                errors[k] += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        conn.close()

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put((sum(counts), sum(errors), sum(sizes), time.monotonic() - started))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    from devtools.replica import Corpus, ReplicaConfig

    config = ReplicaConfig(**CORPUS)
    cores = sorted(os.sched_getaffinity(0))
    server_core, client_cores = cores[0], (cores[1:] or cores)
    proc = subprocess.Popen(
        [sys.executable, "-m", "devtools.replica", "--port", "0", *config.to_args()],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
        preexec_fn=lambda: os.sched_setaffinity(0, {server_core}),
    )
    try:
        base_url = proc.stdout.readline().strip()
        rss_start = rss_kib(proc.pid)
        t0 = time.perf_counter()
        urllib.request.urlopen(base_url + "/news/2500", timeout=120).read()
        first_list = time.perf_counter() - t0
        t0 = time.perf_counter()
        for n in (1, 777, 4000):
            urllib.request.urlopen(f"{base_url}/news/{n}", timeout=30).read()
        warm_list = (time.perf_counter() - t0) / 3
        corpus = Corpus(config)
        total = len(corpus)
        rng = random.Random(0)
        paths = [f"/view/{corpus.id_at(rng.randrange(total))}" for _ in range(20000)]

        ctx = get_context("fork")
        rates, mean_sizes = [], []
        for _ in range(args.runs):
            queue = ctx.Queue()
            client = ctx.Process(target=_load, args=(base_url, paths, args.seconds, args.threads, queue))
            client.start()
            os.sched_setaffinity(client.pid, set(client_cores))
            count, errors, size, elapsed = queue.get()
            client.join()
            if errors:
                raise SystemExit(f"{errors} failed requests during the benchmark")
            rates.append(count / elapsed)
            mean_sizes.append(size / max(1, count))
        rss_end = rss_kib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    # in-process generation cost (no HTTP), same corpus
    fresh = Corpus(config)
    sample = paths[:2000]
    t0 = time.perf_counter()
    for p in sample:
        fresh.render_article(p[len("/view/"):])
    render_ms = (time.perf_counter() - t0) / len(sample) * 1000

    median = statistics.median(rates)
    lines = [
        "# Replica benchmark",
        "",
        f"Corpus: seed {config.seed}, {config.start}..{config.end}, per_day {config.per_day} "
        f"-> **{total:,} articles** (pages generated on the fly).",
        f"Server pinned to core {server_core}; load client: {args.threads} keep-alive threads in "
        f"another process; {args.runs} runs x {args.seconds:.0f} s; random article pages.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| article pages/s, median of {args.runs} (one server core) | **{median:,.0f}** |",
        f"| runs (pages/s) | {', '.join(f'{r:,.0f}' for r in rates)} |",
        f"| ratio to the 500 pages/s target | {median / 500:.2f}x |",
        f"| mean page size | {statistics.mean(mean_sizes) / 1024:.1f} KiB |",
        f"| render only, in-process, cold | {render_ms:.2f} ms/page |",
        f"| first list page (builds per-day prefix sums) | {first_list * 1000:,.0f} ms |",
        f"| later list pages | {warm_list * 1000:.1f} ms |",
        f"| server RSS at start / after load | {rss_start / 1024:.1f} / {rss_end / 1024:.1f} MiB |",
        "",
        "Machine is shared (2 cores, other jobs running): figures are indicative.",
    ]
    write_markdown(OUT, lines)


if __name__ == "__main__":
    main()
