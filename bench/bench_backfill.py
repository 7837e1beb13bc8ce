"""Scale-out: one backfill through Airflow's CeleryExecutor with 1 worker vs 2 workers.

    .venv/bin/python -m bench.bench_backfill [--days 14] [--per-day 12] [--workers 1,2] [--runs 1]

Each measurement is a fresh `yonhap-pipeline stack up --airflow --executor celery` (embedded
PostgreSQL, S3 over HTTP, Redis broker on 127.0.0.1:6379, results in PostgreSQL) with
YONHAP_CELERY_WORKERS workers of 2 slots each, crawling a replica at site delay 0, then a
backfill of ``--days`` days (one partition per day) triggered through the REST API. Wall time
is trigger → run success (the scheduler's own run start/end); per stage, the summed and
median task durations show where the time goes and which stages gain from a second worker
(the crawl is capped at one at a time by pool `yonhap_site` whatever the workers; the
transform, the GX gate and the load are CPU-bound Python and compete for the machine's cores).
Writes bench/out/backfill.md and bench/out/backfill.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

from bench.output import write_markdown
from devtools.harness.local_stack import (
    local_stack,  # the product's own stack, as the tests start it
)

ROOT = Path(__file__).resolve().parent.parent

OUT = ROOT / "bench" / "out" / "backfill.md"
DAG_ID = "yonhap_fr_backfill"
STAGES = ("plan", "day.crawl", "day.transform", "day.validate", "day.load", "summary")
LAST_DAY = date(2024, 6, 20)


def _seconds(ti: dict) -> float:
    return (datetime.fromisoformat(ti["end_date"]) - datetime.fromisoformat(ti["start_date"])).total_seconds()


def measure(workers: int, days: int, per_day: int) -> dict:
    first = LAST_DAY - timedelta(days=days - 1)
    env = {"YONHAP_CELERY_QUEUE": f"yonhap_bench_{uuid.uuid4().hex[:8]}", "YONHAP_CELERY_WORKERS": str(workers)}
    with local_stack(first, LAST_DAY, per_day=per_day, executor="celery", extra_env=env) as stack:
        assert stack.api("PATCH", f"/dags/{DAG_ID}", {"is_paused": False})[0] == 200
        run_id = f"bench_{workers}w"
        status, body = stack.api("POST", f"/dags/{DAG_ID}/dagRuns", {
            "logical_date": None, "dag_run_id": run_id, "conf": {"from": first.isoformat(), "to": LAST_DAY.isoformat()}})
        assert status == 200, body
        run = stack.wait_run(DAG_ID, run_id, timeout=3600)
        assert run["state"] == "success", (run, stack.task_states(DAG_ID, run_id))
        status, body = stack.api("GET", stack.run_path(DAG_ID, run_id) + "/taskInstances?limit=200")
        tis = body["task_instances"]
        loaded = stack.query("SELECT count(*) FROM yonhap.articles")[0][0]
    wall = (datetime.fromisoformat(run["end_date"]) - datetime.fromisoformat(run["start_date"])).total_seconds()
    stages = {}
    for stage in STAGES:
        durations = [_seconds(t) for t in tis if t["task_id"] == stage and t["start_date"] and t["end_date"]]
        stages[stage] = {"tasks": len(durations), "sum_s": round(sum(durations), 2),
                         "median_s": round(statistics.median(durations), 2) if durations else None}
    hosts = sorted({t["hostname"] for t in tis if t["hostname"]})
    return {"workers": workers, "wall_s": round(wall, 2), "articles": loaded, "stages": stages, "hosts": hosts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--per-day", type=int, default=12)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--runs", type=int, default=1, help="measurements per worker count (median reported)")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    results: dict[int, list[dict]] = {n: [] for n in counts}
    for _ in range(args.runs):
        for n in counts:  # interleaved: drift in machine load hits every count alike
            started = time.monotonic()
            results[n].append(measure(n, args.days, args.per_day))
            print(f"{n} worker(s): wall {results[n][-1]['wall_s']} s (measured in {time.monotonic() - started:.0f} s "
                  "with stack up/down)", flush=True)
    median = {n: statistics.median(r["wall_s"] for r in results[n]) for n in counts}
    base = median[counts[0]]
    lines = [
        f"{args.days}-day backfill (`yonhap_fr_backfill`, {args.per_day} articles/day, site delay 0) on the "
        f"CeleryExecutor, Redis broker; {os.cpu_count()} cores; {args.runs} run(s) per count, medians.",
        "",
        "| workers (× 2 slots) | wall, trigger → success | ratio to "
        f"{counts[0]} worker | articles | " + " | ".join(f"`{s}` Σ / median" for s in STAGES[1:5]) + " |",
        "|---|---|---|---|" + "---|" * 4,
    ]
    for n in counts:
        last = results[n][-1]
        cells = [f"{last['stages'][s]['sum_s']:.0f} s / {last['stages'][s]['median_s']:.1f} s" for s in STAGES[1:5]]
        lines.append(f"| {n} | {median[n]:.0f} s | {median[n] / base:.2f} | {last['articles']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Crawls run one at a time (pool `yonhap_site`, 1 slot) with either count: the crawl column is a "
        "floor no worker count lowers. A day's transform waits in its task until the two days before it "
        "have loaded (story links look back 48 h at stored rows), so the transform column is mostly that "
        "wait: transform → validate → load is a chain across days, and what a second worker adds is "
        "running it beside the crawls and the task start-ups instead of queueing behind them. The "
        "CPU-bound stages are validate (GX: import and validation, ~5 s a day) and transform (Python "
        "cleaning and linking); load is COPY-bound. On 2 cores the gain is bounded by the cores, not the "
        "workers. Task durations include each task's process start (the Task SDK's supervisor, imports).",
        "",
        f"Rerun: `.venv/bin/python -m bench.bench_backfill --days {args.days} --per-day {args.per_day} "
        f"--workers {args.workers} --runs {args.runs}`",
    ]
    write_markdown(OUT, lines)
    OUT.with_suffix(".json").write_text(json.dumps({str(n): r for n, r in results.items()}, indent=2))


if __name__ == "__main__":
    main()
