"""Freshness: how long from Yonhap publishing an article to its row in yonhap.articles.

    .venv/bin/python -m bench.bench_freshness [--scenario clean|faults|both] [--minutes 15]

The replica publishes in live mode (speed 1: a site minute is a real minute; ~4.7 articles a
minute at --per-day 5000) while the whole local Airflow runs as in production: api-server,
scheduler, dag-processor and the triggerer whose feed watcher polls at the default
YONHAP_POLL_SECONDS (60), LocalExecutor, PostgreSQL, S3 over HTTP (devtools/harness/freshness.py).

Scenarios:
- ``clean``: no faults; then a quiet spell (the replica's clock paused) to count idle polls.
- ``faults``: 5% of responses 503 / 429 (Retry-After) / connection reset, on the feed, list
  pages and articles, and the triggerer killed and restarted mid-test.

Reported: articles published in the measured span, loaded, missed (must be 0), p50/p95 lag in
site time, the watcher's requests per minute (access log; the hourly run's own feed and list
requests subtracted), and the event runs' wall time from `plan` start to `fresh` end with the
fast lane's breakdown (crawl, transform, validate, load, and what the GX warm-up left to wait).
Writes bench/out/freshness.md and bench/out/freshness.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import replace
from pathlib import Path

from bench.output import write_markdown
from devtools.harness.freshness import FreshnessConfig, FreshnessResult, run

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "freshness.md"
TARGET_P95_S, TARGET_P50_S, TARGET_FAST_S = 300, 120, 20


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _fmt(value, unit: str = "s") -> str:
    return "—" if value is None else f"{value:.1f} {unit}".strip()


def _fast_rows(result: FreshnessResult) -> list[dict]:
    return [r for r in result.fast_lane if isinstance(r.get("wall_s"), float)
            and isinstance(r.get("targets"), int) and r["targets"] <= 10]


def _lines(name: str, result: FreshnessResult) -> list[str]:
    p50, p95 = result.percentile(50), result.percentile(95)
    per_min = 60 / result.watcher_mean_interval_s if result.watcher_mean_interval_s else None
    idle = 60 / result.idle_mean_interval_s if result.idle_mean_interval_s else None
    fast = _fast_rows(result)
    walls = [r["wall_s"] for r in fast]
    lines = [
        f"### {name}",
        "",
        "| figure | value | target |",
        "|---|---|---|",
        f"| articles published (measured span) | {result.published} | ≥ 60 |",
        f"| loaded / missed / rows for unreleased ids | {result.loaded} / {len(result.missed)} / {result.extra_rows} | all / 0 / 0 |",
        f"| lag p50 (site time) | {_fmt(p50)} | ≤ {TARGET_P50_S} s |",
        f"| lag p95 (site time) | {_fmt(p95)} | ≤ {TARGET_P95_S} s |",
        f"| lag max | {_fmt(max(result.lags.values()) if result.lags else None)} | |",
        f"| watcher requests / minute while publishing (60 / mean spacing; {result.watcher_requests} requests) "
        f"| {_fmt(per_min, '')} | ≤ 1 at poll 60 s |",
        f"| watcher requests / minute idle ({result.idle_requests} requests in {result.idle_minutes:.1f} min) "
        f"| {_fmt(idle, '') if idle is not None else '—'} | ≤ 1 |",
        f"| event runs (failed) | {result.event_runs} ({result.event_runs_failed}) | |",
        f"| faults served | {result.faults_served} | |",
        f"| event runs of ≤ 10 ids: wall `plan` start → load committed, median / max | "
        f"{_fmt(_median(walls))} / {_fmt(max(walls) if walls else None)} ({len(walls)} runs) | ≤ {TARGET_FAST_S} s |",
    ]
    if fast:
        keys = ("crawl", "transform", "gx_wait", "validate", "load")
        medians = {k: _median([r["stages_s"][k] for r in fast if isinstance(r.get("stages_s"), dict) and k in r["stages_s"]])
                   for k in keys}
        gaps = _median([r["gaps_s"] for r in fast if "gaps_s" in r])
        tasks = {k: _median([r[f"{k}_task_s"] for r in fast if f"{k}_task_s" in r]) for k in ("plan", "lane", "fresh")}
        startup = _median([r["fresh_task_s"] - r["stages_s"]["total"] for r in fast
                           if isinstance(r.get("stages_s"), dict) and "total" in r["stages_s"] and "fresh_task_s" in r])
        lines += ["", "Fast lane breakdown (medians over those runs, seconds; *start-up* = the `fresh` task's time "
                  "outside the stage functions: process, imports, settings, XCom):", "",
                  "| plan task | lane task | scheduling gaps | fresh task | start-up | crawl | transform | GX wait | validate | load |",
                  "|---|---|---|---|---|---|---|---|---|---|",
                  "| " + " | ".join(_fmt(v, "") for v in (tasks["plan"], tasks["lane"], gaps, tasks["fresh"], startup,
                                                          *medians.values())) + " |"]
    if result.missed:
        lines += ["", f"Missed: {', '.join(result.missed[:20])}"]
    lines += ["", f"Config: `{json.dumps(result.config)}`", ""]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=("clean", "faults", "both"), default="both")
    parser.add_argument("--minutes", type=float, default=15.0, help="publishing span (site minutes)")
    parser.add_argument("--idle-minutes", type=float, default=5.0)
    parser.add_argument("--per-day", type=int, default=5000)
    parser.add_argument("--poll-seconds", type=int, default=60)
    args = parser.parse_args()
    base = FreshnessConfig(publish_minutes=args.minutes, per_day=args.per_day, poll_seconds=args.poll_seconds)
    scenarios = []
    if args.scenario in ("clean", "both"):
        scenarios.append(("clean: default poll, no faults", replace(base, idle_minutes=args.idle_minutes)))
    if args.scenario in ("faults", "both"):
        scenarios.append(("faults: 5% 503/429/reset, triggerer restarted mid-test",
                          replace(base, fault_rate=0.05, restart_triggerer_at=args.minutes / 2)))
    raw, body, heads = {}, [], []
    for name, cfg in scenarios:
        result = run(cfg)
        raw[name] = result.to_dict()
        body += _lines(name, result)
        walls = [r["wall_s"] for r in _fast_rows(result)]
        heads.append(f"{name.split(':')[0]}: p95 {_fmt(result.percentile(95))} / p50 {_fmt(result.percentile(50))} "
                     f"(targets ≤ {TARGET_P95_S} / ≤ {TARGET_P50_S} s), {len(result.missed)} of {result.published} "
                     f"missed, fast lane median {_fmt(_median(walls))} (target ≤ {TARGET_FAST_S} s)")
    lines = ["## Freshness (bench_freshness)", "",
             "**Lag publish → row in site time, " + "; ".join(heads) + ".**", "",
             "Rerun: `.venv/bin/python -m bench.bench_freshness` (about 25 minutes a scenario).", "", *body]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    (OUT.parent / "freshness.json").write_text(json.dumps(raw, indent=1, default=str))
    write_markdown(OUT, lines)


if __name__ == "__main__":
    main()
