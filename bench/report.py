"""Run every benchmark and assemble bench/REPORT.md (``make bench``).

    .venv/bin/python -m bench.report [--quick] [--only replica,seek] [--collect] [--no-summary]

Each ``bench/bench_*.py`` runs as its own subprocess (``python -m bench.bench_NAME``), one
after the other (2 shared cores: benchmarks must not compete), each with its own timeout; a
failure or timeout is written into the report and the next one runs. Every bench writes
``bench/out/NAME.md``; the report is a machine header, a summary table, then those fragments.
Finally docs/measurements.md's text between ``<!-- performance:start -->`` and
``<!-- performance:end -->`` is regenerated from the report (a full run of every bench only, unless
``--summary``; ``--readme`` / ``--no-readme`` are the older names of the two flags: the summary
lived in the README until the README became a front door).

``--quick`` passes smaller sizes (only the flags a bench's ``--help`` lists). ``--collect``
runs nothing and assembles what bench/out already holds. A quick, partial or collected report
goes to bench/out/REPORT.md, so only a full run replaces bench/REPORT.md. Logs:
bench/out/logs/NAME.log.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
OUT_DIR = BENCH_DIR / "out"
LOG_DIR = OUT_DIR / "logs"
REPORT = BENCH_DIR / "REPORT.md"  # a full run of every bench only (committed)
SUITE_HISTORY = BENCH_DIR / "suite_history.md"  # `make test` wall time per round (appended to the report)
PARTIAL_REPORT = OUT_DIR / "REPORT.md"  # --quick / --only / --collect: never overwrites the full one
SUMMARY = ROOT / "docs" / "measurements.md"  # the latest figures; the README links it
START_MARK, END_MARK = "<!-- performance:start -->", "<!-- performance:end -->"
GRACE_SECONDS = 30  # after SIGINT on timeout, so the bench's finally blocks stop its servers


@dataclass(frozen=True)
class Bench:
    name: str  # bench/bench_NAME.py writes bench/out/NAME.md
    what: str
    full: tuple[str, ...] = ()
    quick: tuple[str, ...] = ()
    timeout: float = 600.0
    deterministic: bool = False  # request counts: no medians needed


# Run order: cheapest first, so a late timeout costs the least.
KNOWN = (
    Bench("replica", "replica site throughput (100k-article corpus)", quick=("--seconds", "2"), timeout=300),
    Bench("extract", "extraction speed and accuracy: ours vs trafilatura, beside the lxml parse floor", quick=("--pages", "200"), timeout=600),
    Bench("peers", "extraction side by side: ours, trafilatura, newspaper4k", quick=("--quick",), timeout=900),
    Bench("crawl", "crawl throughput: full crawler vs bare Scrapy", quick=("--runs", "1"), timeout=900),
    Bench("seek", "list-page seek cost per depth", quick=("--quick",), timeout=600, deterministic=True),
    Bench("incremental", "requests per new article on incremental runs", quick=("--quick",), timeout=600,
          deterministic=True),
    # 10k (baseline) and 100k (the budgeted size) keep the scaling ratio; 30k costs ~2 min more.
    Bench("transform", "transform_batch time and memory", full=("--sizes", "10000,100000"),
          quick=("--sizes", "10000"), timeout=1200),
    Bench("load", "load stage and full-text search", quick=("--rows", "5000", "--queries", "5"), timeout=1200),
    Bench("gate", "quality gate (GX) cold start and validation", quick=("--rows", "2000", "--runs", "1"),
          timeout=600),
    Bench("dag_parse", "Airflow DAG file parse time", quick=("--runs", "3"), timeout=600),
    # A year (~15k articles) from the local Common Crawl and Wayback servers: ~8 min.
    Bench("archive", "history from the web archives: a year from local Common Crawl and Wayback servers",
          quick=("--quick",), timeout=2400),
    Bench("s3", "local S3 endpoint: durable vs in-memory moto, restart with 10k objects",
          quick=("--objects", "2000", "--runs", "1"), timeout=900),
    # Two fresh Celery stacks (1 and 2 workers) and a 14-day backfill on each: ~10 min.
    Bench("backfill", "scale-out: 14-day backfill on the CeleryExecutor, 1 vs 2 workers",
          quick=("--days", "4"), timeout=2400),
    # Real time by design (a live site, the real scheduler and triggerer): ~25 min a scenario.
    Bench("freshness", "freshness: publish → row, event-driven through the triggerer",
          quick=("--scenario", "clean", "--minutes", "4", "--idle-minutes", "1"), timeout=4200),
)


def discover() -> list[Bench]:
    """The known benches in run order, then any other bench/bench_*.py (default args)."""
    present = {p.stem[len("bench_"):] for p in BENCH_DIR.glob("bench_*.py")}
    known = [b for b in KNOWN if b.name in present]
    extra = [Bench(name, "(not described in bench/report.py)") for name in sorted(present - {b.name for b in KNOWN})]
    return known + extra


@dataclass
class Outcome:
    bench: Bench
    status: str  # ok | failed | timeout | not run | missing
    seconds: float = 0.0
    args: list[str] = field(default_factory=list)
    detail: str = ""
    fragment: str | None = None
    fragment_time: datetime | None = None


# -- machine -------------------------------------------------------------------------------
def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else ""


def machine() -> dict[str, str]:
    cpu = re.search(r"^model name\s*:\s*(.+)$", _read("/proc/cpuinfo"), re.M)
    mem = re.search(r"^MemTotal:\s*(\d+)\s*kB", _read("/proc/meminfo"), re.M)
    os_name = re.search(r'^PRETTY_NAME="?([^"\n]+)', _read("/etc/os-release"), re.M)
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    commit = _git("rev-parse", "--short=12", "HEAD")
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu.group(1).strip() if cpu else platform.processor() or "unknown",
        "cores": f"{usable} usable of {os.cpu_count()}",
        "ram": f"{int(mem.group(1)) / 1024 / 1024:.1f} GiB" if mem else "unknown",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{os_name.group(1) if os_name else platform.system()} (kernel {platform.release()})",
        "load": " / ".join(f"{x:.2f}" for x in load),
        "commit": (commit + (" + uncommitted changes" if dirty else "")) if commit else "unknown",
    }


# -- running -------------------------------------------------------------------------------
def supported_args(bench: Bench, wanted: tuple[str, ...]) -> list[str]:
    """The flags of `wanted` (each with its value, if any) that the bench's --help lists."""
    if not wanted:
        return []
    done = subprocess.run([sys.executable, "-m", f"bench.bench_{bench.name}", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    known = set(re.findall(r"--[\w-]+", done.stdout))
    out, i = [], 0
    while i < len(wanted):
        flag = wanted[i]
        value = wanted[i + 1] if i + 1 < len(wanted) and not wanted[i + 1].startswith("--") else None
        if flag in known:
            out += [flag] + ([value] if value is not None else [])
        i += 2 if value is not None else 1
    return out


def _stop_group(proc: subprocess.Popen) -> None:
    """Interrupt the bench's process group (it started it), then kill what is left."""
    for sig, wait in ((signal.SIGINT, GRACE_SECONDS), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            if sig == signal.SIGINT:
                try:  # the leader exited; children of the group may linger
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            return
        except subprocess.TimeoutExpired:
            continue


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def run_bench(bench: Bench, quick: bool) -> Outcome:
    args = supported_args(bench, bench.quick if quick else bench.full)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"{bench.name}.log"
    cmd = [sys.executable, "-m", f"bench.bench_{bench.name}", *args]
    print(f"== {bench.name}: {' '.join(cmd[1:])} (timeout {bench.timeout:.0f} s, log {_shown(log_path)})",
          flush=True)
    started_wall = datetime.now(UTC)
    started = time.perf_counter()
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            rc = proc.wait(timeout=bench.timeout)
            status = "ok" if rc == 0 else "failed"
            detail = "" if rc == 0 else f"exit {rc}"
        except subprocess.TimeoutExpired:
            _stop_group(proc)
            status, detail = "timeout", f"no result after {bench.timeout:.0f} s"
        except KeyboardInterrupt:
            _stop_group(proc)
            raise
    outcome = Outcome(bench, status, time.perf_counter() - started, args, detail)
    fragment = OUT_DIR / f"{bench.name}.md"
    if fragment.exists():
        mtime = datetime.fromtimestamp(fragment.stat().st_mtime, UTC)
        if mtime >= started_wall.replace(microsecond=0):
            outcome.fragment, outcome.fragment_time = fragment.read_text(encoding="utf-8"), mtime
        elif status == "ok":
            outcome.status, outcome.detail = "failed", f"exited 0 but did not write {_shown(fragment)}"
    elif status == "ok":
        outcome.status, outcome.detail = "failed", f"exited 0 but wrote no {_shown(fragment)}"
    if outcome.status != "ok":
        tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-25:]
        outcome.detail += "\n\n```\n" + "\n".join(tail) + "\n```"
    print(f"   {outcome.status} in {outcome.seconds:.0f} s {outcome.detail.splitlines()[0] if outcome.detail else ''}",
          flush=True)
    return outcome


def collect(bench: Bench) -> Outcome:
    """Use the fragment already in bench/out (no run)."""
    fragment = OUT_DIR / f"{bench.name}.md"
    if not fragment.exists():
        return Outcome(bench, "missing", detail=f"no {_shown(fragment)} (not run yet)")
    mtime = datetime.fromtimestamp(fragment.stat().st_mtime, UTC)
    return Outcome(bench, "collected", fragment=fragment.read_text(encoding="utf-8"), fragment_time=mtime)


# -- reading the fragments -----------------------------------------------------------------
def _is_table(line: str) -> bool:
    return line.lstrip().startswith("|")


def checks(outcome: Outcome) -> list[str]:
    """Gaps in what a fragment reports: medians of repeated runs and in-run ratios."""
    text = outcome.fragment or ""
    gaps = []
    if not outcome.bench.deterministic and not re.search(r"median", text, re.I):
        gaps.append("no median of repeated runs")
    if not re.search(r"ratio|target|\d\s*x\b|/ ?bound|vs ", text, re.I):
        gaps.append("no ratio against a baseline or target")
    return gaps


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


def headline(fragment: str) -> str:
    """One line for the summary, best first: a bold statement about a ratio or target, any
    statement about a ratio, target or budget, a bold table row, any bold statement, the first
    data row of the first table (table rows are labelled with their column names)."""
    in_code = False
    prose: list[str] = []  # paragraphs, wrapped lines joined
    rows: list[str] = []  # "header: value; ..." for each data row, in order
    table: list[str] = []
    paragraph: list[str] = []
    for ln in [raw.strip() for raw in fragment.splitlines()] + [""]:
        if table and not _is_table(ln):
            header = _cells(table[0])
            rows += ["; ".join(f"{h}: {v}" if h else v for h, v in zip(header, _cells(r), strict=False))
                     for r in table[2:]]
            table = []
        if paragraph and (not ln or _is_table(ln) or ln.startswith(("#", "```"))):
            prose.append(" ".join(paragraph))
            paragraph = []
        if ln.startswith("```"):
            in_code = not in_code
        elif in_code or not ln or ln.startswith("#"):
            continue
        elif _is_table(ln):
            table.append(ln)
        else:
            paragraph.append(ln)
    aims = re.compile(r"ratio|target|budget|within|bound|\d\s*x\b", re.I)
    for candidates, test in (
        (prose, lambda ln: "**" in ln and aims.search(ln)),
        (prose, lambda ln: aims.search(ln)),
        (rows, lambda ln: "**" in ln),
        (prose, lambda ln: "**" in ln),
        (rows, lambda ln: True),
    ):
        for ln in candidates:
            if test(ln):
                return ln
    return prose[0] if prose else ""


def _demote(fragment: str) -> str:
    """Fragment headings two levels down: they sit under the report's "## name" sections."""
    out, in_code = [], False
    for ln in fragment.rstrip().splitlines():
        if ln.startswith("```"):
            in_code = not in_code
        out.append("##" + ln if ln.startswith("#") and not in_code else ln)
    return "\n".join(out)


def _cell(text: str, limit: int = 220) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_report(outcomes: list[Outcome], info: dict[str, str], mode: str, load_end: str, total_s: float) -> str:
    lines = [
        "# Benchmark report", "",
        "Generated by `make bench` (`.venv/bin/python -m bench.report`); how to read each number: "
        "[docs/performance.md](../docs/performance.md).", "",
        "| machine | |", "|---|---|",
        f"| date | {info['date']} |", f"| mode | {mode} |", f"| CPU | {info['cpu']} |",
        f"| cores | {info['cores']} |", f"| RAM | {info['ram']} |", f"| Python | {info['python']} |",
        f"| OS | {info['os']} |", f"| load average at start (1/5/15 min) | {info['load']} |",
        f"| load average at end | {load_end} |", f"| git commit | {info['commit']} |",
        f"| total wall time | {total_s / 60:.1f} min |", "",
        "The machine is shared (other jobs may run): figures are indicative; ratios measured in the same "
        "run are the robust part.", "",
        "## Summary", "",
        "| benchmark | status | seconds | headline | gaps |", "|---|---|---:|---|---|",
    ]
    for o in outcomes:
        gaps = ", ".join(checks(o)) if o.fragment else ""
        head = headline(o.fragment) if o.fragment and o.status in ("ok", "collected") else o.detail.split("\n")[0]
        secs = f"{o.seconds:.0f}" if o.seconds else "—"
        lines.append(f"| [{o.bench.name}](#{o.bench.name}) | {o.status} | {secs} | {_cell(head)} | {gaps or '—'} |")
    for o in outcomes:
        lines += ["", f'<a id="{o.bench.name}"></a>', "", f"## {o.bench.name}: {o.bench.what}", ""]
        cmd = " ".join([".venv/bin/python -m", f"bench.bench_{o.bench.name}", *o.args])
        if o.status == "collected":
            lines += [f"Collected from bench/out/{o.bench.name}.md written {o.fragment_time:%Y-%m-%d %H:%M UTC} "
                      "(not re-run by this report).", ""]
        elif o.status != "missing":
            lines += [f"`{cmd}` — {o.status}, {o.seconds:.0f} s.", ""]
        if o.status not in ("ok", "collected"):
            lines += [f"**{o.status.upper()}**: {o.detail}", ""]
        if o.fragment and o.status in ("ok", "collected"):
            gaps = checks(o)
            if gaps:
                lines += [f"*Report check:* {'; '.join(gaps)}.", ""]
            lines.append(_demote(o.fragment))
    if SUITE_HISTORY.exists():  # kept by hand after each measured `make test`: growth stays visible
        lines += ["", '<a id="suite"></a>', "", SUITE_HISTORY.read_text(encoding="utf-8").strip()]
    return "\n".join(lines).rstrip() + "\n"


def summary_section(outcomes: list[Outcome], info: dict[str, str], mode: str) -> str:
    lines = [
        "## Performance", "",
        f"Measured by `make bench` ({mode}) on {info['date']}: {info['cpu']}, {info['cores']} cores, "
        f"{info['ram']} RAM, {info['python']}, commit {info['commit']}. Full report: "
        "[bench/REPORT.md](../bench/REPORT.md); what each number means: [performance.md](performance.md).",
        "",
        "| benchmark | result |", "|---|---|",
    ]
    for o in outcomes:
        result = headline(o.fragment) if o.fragment and o.status in ("ok", "collected") else f"**{o.status}**"
        lines.append(f"| {o.bench.what} | {_cell(result)} |")
    return "\n".join(lines)


def update_summary(section: str, path: Path = SUMMARY) -> None:
    """Replace the text between the markers; append markers + section when absent."""
    text = path.read_text(encoding="utf-8")
    block = f"{START_MARK}\n{section}\n{END_MARK}"
    start, end = text.find(START_MARK), text.find(END_MARK)
    if start != -1 and end > start:
        text = text[:start] + block + text[end + len(END_MARK):]
    elif start == -1 and end == -1:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    else:
        raise SystemExit(f"{path.name}: only one of the performance markers is present; fix it by hand")
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run of every bench)")
    parser.add_argument("--only", help="comma-separated bench names (e.g. seek,incremental)")
    parser.add_argument("--collect", action="store_true", help="run nothing; assemble bench/out/*.md")
    parser.add_argument("--summary", "--readme", dest="summary", action="store_true",
                        help="update docs/measurements.md even for --quick/--only/--collect")
    parser.add_argument("--no-summary", "--no-readme", dest="no_summary", action="store_true",
                        help="leave docs/measurements.md alone")
    args = parser.parse_args(argv)

    benches = discover()
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = sorted(set(wanted) - {b.name for b in benches})
        if unknown:
            parser.error(f"unknown bench(es) {unknown}; present: {', '.join(b.name for b in benches)}")
        benches = [b for b in benches if b.name in wanted]
    info = machine()
    mode = "collected outputs" if args.collect else ("quick (smaller sizes)" if args.quick else "full")
    if args.only:
        mode += f", only {args.only}"
    print(f"bench report: {mode}; {info['cpu']}, {info['cores']} cores, load {info['load']}", flush=True)

    started = time.perf_counter()
    outcomes = [collect(b) if args.collect else run_bench(b, args.quick) for b in benches]
    total = time.perf_counter() - started
    load_end = " / ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"

    full_run = not (args.quick or args.only or args.collect)
    target = REPORT if full_run else PARTIAL_REPORT
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_report(outcomes, info, mode, load_end, total), encoding="utf-8")
    print(f"wrote {_shown(target)} ({total / 60:.1f} min)")
    if not args.no_summary and (full_run or args.summary):
        update_summary(summary_section(outcomes, info, mode))
        print(f"updated the Performance section of {_shown(SUMMARY)}")
    failed = [o.bench.name for o in outcomes if o.status in ("failed", "timeout")]
    if failed:
        print(f"FAILED: {', '.join(failed)} (see the report)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
