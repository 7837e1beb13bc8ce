"""Benchmark: transform_batch (clean + normalize + dedupe + story linking + revisions).

    .venv/bin/python -m bench.bench_transform [--sizes 10000,30000,100000] [--repeat 3]

Each size runs in a fresh subprocess. Inputs are replica-like: CrawledArticles built from the
replica corpus truth (60 articles a day, routine items, URGENT/LD chains, re-sent duplicates),
generated before the timer starts. Reported per size: median wall seconds of ``repeat`` runs,
µs per article, CPU seconds, and the process's peak RSS (inputs included: the stage holds them
in memory too). Writes bench/out/transform.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "transform.md"
PER_DAY = 60
BUDGET_SECONDS_100K = 60.0
BUDGET_RSS_MB = 2048.0


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def child(size: int, repeat: int) -> dict:
    import gc

    from devtools.harness.transforms import corpus, item_from_truth, truths
    from transforms.pipeline import transform_batch

    days = size // PER_DAY + 2
    items = [item_from_truth(t) for t in sorted(truths(corpus(days=days, per_day=PER_DAY)).values(),
                                                 key=lambda t: (t.published_at, t.article_id))][:size]
    transform_batch(items[:50], [])  # warm-up: imports (datasketch pulls scipy) are not timed
    rss_inputs = _peak_rss_mb()
    walls, cpus, counts = [], [], {}
    for _ in range(repeat):
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        result = transform_batch(items, [])
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        counts = result.counts
        del result
    return {
        "size": len(items),
        "walls": walls,
        "cpus": cpus,
        "rss_inputs_mb": rss_inputs,
        "peak_rss_mb": _peak_rss_mb(),
        "counts": counts,
    }


def run(sizes: list[int], repeat: int) -> list[dict]:
    repo = Path(__file__).resolve().parent.parent
    results = []
    for size in sizes:
        cmd = [sys.executable, "-m", "bench.bench_transform", "--child", str(size), "--repeat", str(repeat)]
        done = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(repo)})
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"bench child for {size} failed")
        res = json.loads(done.stdout.strip().splitlines()[-1])
        res["median"] = statistics.median(res["walls"])
        res["median_cpu"] = statistics.median(res["cpus"])
        results.append(res)
        print(f"{res['size']:>7} articles: median {res['median']:.2f} s wall ({res['median_cpu']:.2f} s CPU), "
              f"{res['median'] / res['size'] * 1e6:.0f} µs/article, peak RSS {res['peak_rss_mb']:.0f} MB "
              f"(inputs {res['rss_inputs_mb']:.0f} MB)", flush=True)
    return results


def report(results: list[dict], repeat: int) -> str:
    base = results[0]
    load = os.getloadavg()[0]
    lines = [
        "# Transform benchmark (`python -m bench.bench_transform`)",
        "",
        f"transform_batch on replica-like articles ({PER_DAY}/day from the replica truth), "
        f"median of {repeat} runs, one fresh process per size; {os.cpu_count()} CPUs, "
        f"load average {load:.1f} at the end (the machine is shared).",
        "",
        "| articles | median wall s | CPU s | µs/article | time ratio | size ratio | peak RSS MB | duplicates | stories joined |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['size']:,} | {r['median']:.2f} | {r['median_cpu']:.2f} | {r['median'] / r['size'] * 1e6:.0f} | "
            f"{r['median'] / base['median']:.2f} | {r['size'] / base['size']:.2f} | {r['peak_rss_mb']:.0f} | "
            f"{r['counts'].get('duplicates', 0):,} | {r['counts'].get('stories_joined', 0):,} |"
        )
    big = max(results, key=lambda r: r["size"])
    if big["size"] >= 100_000:
        def verdict(ok: bool) -> str:
            return "met" if ok else "NOT met"

        lines += [
            "",
            f"Budget for 100k: ≤ {BUDGET_SECONDS_100K:.0f} s wall → "
            f"{verdict(big['median'] <= BUDGET_SECONDS_100K)} ({big['median']:.1f} s); "
            f"CPU {big['median_cpu']:.1f} s (what the wall time is on an otherwise idle core); "
            f"≤ {BUDGET_RSS_MB:.0f} MB → {verdict(big['peak_rss_mb'] <= BUDGET_RSS_MB)} "
            f"({big['peak_rss_mb']:.0f} MB).",
        ]
    if len(results) > 1:
        per = [r["median_cpu"] / r["size"] * 1e6 for r in results]
        lines += ["", "CPU µs/article by size: " + ", ".join(
            f"{r['size']:,}: {p:.0f}" for r, p in zip(results, per, strict=True))
            + " (flat = linear growth; wall time also carries the machine's load)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,30000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.repeat)))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = run(sizes, args.repeat)
    base = results[0]
    for r in results[1:]:
        print(f"{r['size']:>7} vs {base['size']}: wall x{r['median'] / base['median']:.2f}, "
              f"CPU x{r['median_cpu'] / base['median_cpu']:.2f} for size x{r['size'] / base['size']:.2f}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(report(results, args.repeat), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
