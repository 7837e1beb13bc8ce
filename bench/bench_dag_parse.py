"""DAG file parse time: what the dag-processor pays for each of our DAG files.

    .venv/bin/python -m bench.bench_dag_parse [--runs 7]

Each measurement is a fresh interpreter (like a dag-processor child) that first imports the
Airflow SDK pieces every TaskFlow DAG uses (a dag-processor has them loaded already), then
times executing one DAG file, and reports which heavy modules that import pulled in. A
minimal one-task TaskFlow DAG is measured the same way as the baseline. Prints per-file
medians against the 0.5 s budget and the ratio to the baseline; writes bench/out/dag_parse.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "dag_parse.md"
BUDGET_S = 0.5
HEAVY = ("scrapy", "great_expectations", "boto3", "botocore", "pyarrow", "pandas", "psycopg2")

PROBE = r"""
import importlib.util, json, sys, time
t0 = time.perf_counter()
# What a dag-processor child has loaded already (it forks from a process that parsed DAGs).
from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, get_current_context, task, task_group  # noqa: F401
import airflow.sdk.definitions.mappedoperator  # noqa: F401
t1 = time.perf_counter()
spec = importlib.util.spec_from_file_location("bench_dag", sys.argv[1])
spec.loader.exec_module(importlib.util.module_from_spec(spec))
t2 = time.perf_counter()
print(json.dumps({"sdk": t1 - t0, "dag": t2 - t1,
                  "heavy": sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules)}))
"""


BASELINE_DAG = """
from airflow.sdk import dag, task

@dag(dag_id="baseline", schedule=None)
def baseline():
    @task
    def one():
        return 1
    one()

baseline()
"""


def measure(path: Path, env: dict[str, str]) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), json.dumps(HEAVY)],
        env=env, capture_output=True, text=True, timeout=300, cwd=str(ROOT), check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="bench-dag-parse-")
    baseline = Path(home) / "baseline_dag.py"
    baseline.write_text(BASELINE_DAG)
    files = [baseline, *sorted((ROOT / "dags").glob("yonhap_fr_*.py"))]
    env = dict(os.environ, AIRFLOW_HOME=home, AIRFLOW__CORE__LOAD_EXAMPLES="False")
    rows = []
    for path in files:
        samples = [measure(path, env) for _ in range(args.runs)]
        dag_s = statistics.median(s["dag"] for s in samples)
        sdk_s = statistics.median(s["sdk"] for s in samples)
        heavy = sorted({m for s in samples for m in s["heavy"]})
        base_s = rows[0][1] if rows else dag_s
        rows.append((path.name, dag_s, sdk_s, heavy, dag_s / base_s))
        print(f"{path.name:<26} parse median {dag_s * 1000:7.1f} ms  (budget {BUDGET_S * 1000:.0f} ms, "
              f"{dag_s / BUDGET_S:5.1%} of it)  x{dag_s / base_s:5.1f} baseline  "
              f"[sdk import {sdk_s * 1000:7.1f} ms]  heavy: {', '.join(heavy) or 'none'}")

    OUT.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "## DAG parse time",
        "",
        f"Fresh interpreter per sample, {args.runs} samples per file; the Airflow SDK pieces every",
        "TaskFlow DAG uses are imported first (a dag-processor has them). Budget per file: 0.5 s.",
        "",
        "| DAG file | parse median (ms) | share of budget | ratio to baseline | SDK import before (ms) | heavy modules imported |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, dag_s, sdk_s, heavy, ratio in rows:
        lines.append(f"| `{name}` | {dag_s * 1000:.1f} | {dag_s / BUDGET_S:.1%} | {ratio:.1f} | "
                     f"{sdk_s * 1000:.1f} | {', '.join(heavy) or 'none'} |")
    lines += ["", f"Load average while measuring: {os.getloadavg()[0]:.1f} (2 shared cores)."]
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")
    if any(dag_s > BUDGET_S or heavy for _, dag_s, _, heavy, _ in rows[1:]):
        sys.exit(1)


if __name__ == "__main__":
    main()
