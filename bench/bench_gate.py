"""Quality gate speed on a 10k-row batch (replica truth rows, yna-cms layout).

    .venv/bin/python -m bench.bench_gate [--rows 10000] [--runs 3]

Each run is a fresh process, so every figure includes a cold start: importing GX, setting up
the ephemeral context (datasource, suite, validation definition), then validating the batch
(target: set-up + validation <= 10 s), then a second validation that also builds the Data
Docs site. Prints medians and writes bench/out/gate.md.

Imports: a normal install has a bytecode cache; this build machine sets
PYTHONDONTWRITEBYTECODE=1, which makes every GX import compile ~500 modules from source. By
default the trials use a bytecode cache in a temp dir (PYTHONPYCACHEPREFIX, warmed once, the
venv untouched); ``--no-bytecode-cache`` measures the environment as it is.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "gate.md"
TARGET_SECONDS = 10.0
FIRST_DAY = date(2024, 6, 1)
PER_DAY = 1000


def _trial(rows_wanted: int) -> dict:
    """One cold run in this process; returns timings in seconds."""
    from devtools.harness.gate import row_from_truth
    from devtools.replica.corpus import Corpus
    from ground.core.timeutil import Window

    days = -(-rows_wanted // PER_DAY) + 1  # the replica plans slightly fewer than per_day
    last = FIRST_DAY + timedelta(days=days - 1)
    corpus = Corpus(start=FIRST_DAY, end=last, per_day=PER_DAY)
    rows = [row_from_truth(corpus.truth(i)) for d in range(days)
            for i in corpus.ids_on(FIRST_DAY + timedelta(days=d))][:rows_wanted]
    window = Window.for_dates(FIRST_DAY, last)
    # earlier runs of the same length and weekday, so the volume band is learned, not cold
    history = [{"run_id": f"h{k}", "window_start": window.start - timedelta(days=7 * k),
                "window_end": window.end - timedelta(days=7 * k), "items": len(rows),
                "status": "succeeded"} for k in range(1, 6)]

    c0, t0 = time.process_time(), time.perf_counter()
    import great_expectations  # noqa: F401  (timed on its own)

    from expectations import gate

    c1, t1 = time.process_time(), time.perf_counter()
    gate.runtime()
    t2 = time.perf_counter()
    result = gate.check_batch(rows, window, history, "bench")
    c3, t3 = time.process_time(), time.perf_counter()
    with tempfile.TemporaryDirectory() as docs:
        gate.check_batch(rows, window, history, "bench_docs", docs_dir=Path(docs))
        docs_files = sum(1 for p in Path(docs).rglob("*") if p.is_file())
    t4 = time.perf_counter()
    return {
        "rows": len(rows),
        "import_s": t1 - t0,
        "setup_s": t2 - t1,
        "validate_s": t3 - t2,
        "validate_with_docs_s": t4 - t3,
        # CPU seconds: what the gate costs, whatever else the shared machine is doing
        "import_cpu_s": c1 - c0,
        "setup_validate_cpu_s": c3 - c1,
        "success": result.summary.success,
        "passed": result.summary.rows_passed,
        "docs_files": docs_files,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="keep the environment's PYTHONDONTWRITEBYTECODE behaviour")
    parser.add_argument("--trial", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.trial:
        print(json.dumps(_trial(args.rows)))
        return

    env = dict(os.environ)
    cache_dir = None
    if not args.no_bytecode_cache:
        cache_dir = tempfile.TemporaryDirectory(prefix="bench-gate-pycache-")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cache_dir.name
        subprocess.run([sys.executable, "-c", "import great_expectations, expectations.gate"],
                       cwd=ROOT, env=env, check=True, capture_output=True)  # warm the cache
    bytecode = "no bytecode cache (PYTHONDONTWRITEBYTECODE=1)" if cache_dir is None else "bytecode cache warm"

    trials = []
    for n in range(args.runs):
        proc = subprocess.run(
            [sys.executable, "-m", "bench.bench_gate", "--trial", "--rows", str(args.rows)],
            cwd=ROOT, capture_output=True, text=True, check=True, env=env,
        )
        trials.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"run {n + 1}: {trials[-1]}", flush=True)

    def med(key):
        return statistics.median(t[key] for t in trials)

    gate_s = statistics.median(t["setup_s"] + t["validate_s"] for t in trials)
    cold_s = statistics.median(t["import_s"] + t["setup_s"] + t["validate_s"] for t in trials)
    rows = trials[0]["rows"]
    load = os.getloadavg()[0]
    lines = [
        "# Quality gate benchmark",
        "",
        f"{rows} replica rows (yna-cms layout, all valid), median of {len(trials)} fresh processes, "
        f"{bytecode}.",
        "",
        "| step | median s |",
        "|---|---|",
        f"| import great_expectations + gate | {med('import_s'):.2f} |",
        f"| context set-up (datasource, suite, validation definition) | {med('setup_s'):.2f} |",
        f"| validate {rows} rows (GX run + rejects + summary) | {med('validate_s'):.2f} |",
        f"| **set-up + validation** (target <= {TARGET_SECONDS:.0f} s) | **{gate_s:.2f}** |",
        f"| cold start incl. import | {cold_s:.2f} |",
        f"| validate again + build Data Docs ({trials[0]['docs_files']} files) | {med('validate_with_docs_s'):.2f} |",
        f"| CPU: import | {med('import_cpu_s'):.2f} |",
        f"| CPU: set-up + validation | {med('setup_validate_cpu_s'):.2f} |",
        "",
        f"Wall times depend on the shared machine: 1-min load average at the end was {load:.1f} "
        f"on {os.cpu_count()} cores; the CPU rows do not.",
        "",
        f"Ratio set-up+validation / target: {gate_s / TARGET_SECONDS:.2f} "
        f"({'within' if gate_s <= TARGET_SECONDS else 'OVER'} target). "
        f"Throughput: {rows / med('validate_s'):.0f} rows/s. "
        f"Gate verdict on the clean batch: success={trials[0]['success']}, passed={trials[0]['passed']}.",
        "",
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    print(f"wrote {OUT.relative_to(ROOT)}")
    if cache_dir is not None:
        cache_dir.cleanup()


if __name__ == "__main__":
    main()
