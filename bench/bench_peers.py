"""Extraction side by side: our layered parser vs trafilatura vs newspaper4k, on the same pages.

    .venv/bin/python -m bench.bench_peers [--pages 1000] [--runs 3] [--quick]

The pages (evenly spread over a 6-month replica corpus, alternating yna-cms (the real template) and redesign
layout) are rendered once with ``Corpus.render_article`` into a temp dir. Each tool then runs
``--runs`` times, each run a fresh worker process (``bench/peers_worker.py``) pinned to one
core: ours and trafilatura in ``.venv``, newspaper4k in ``.venv-peers`` (created on first use;
see bench/peers_env.py). Reports median pages/s, peak RSS (VmHWM of the worker) and the share
of pages whose field equals the replica truth after whitespace normalisation. Writes
bench/out/peers.md.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path

from bench.output import write_markdown

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "peers.md"
CORPUS = dict(seed=1, start=date(2024, 1, 1), end=date(2024, 6, 30), per_day=60)
TOOLS = ("ours", "trafilatura", "newspaper4k")
FLOOR = "lxml"  # timed like a tool, never scored: lxml.html.fromstring of the same pages
LABELS = {"ours": "ours {v} (lxml, layered)", "trafilatura": "trafilatura {v} extract",
          "newspaper4k": "newspaper4k {v} (parse, no nlp)", FLOOR: "parse floor: lxml {v} html.fromstring only"}
FIELDS = ("title", "published_at", "published_date", "paragraphs", "section", "lead",
          "author_email", "image_urls", "captions", "keywords")
WORKER_TIMEOUT = 600


def norm(text: str | None) -> str | None:
    """The replica truth's spelling: single spaces, no U+00A0 (pages use &#160;)."""
    if text is None:
        return None
    return " ".join(str(text).replace("\xa0", " ").split())


def render_pages(directory: Path, count: int):
    """Render `count` pages spread over the corpus; returns [(article_id, layout, truth)]."""
    from devtools.replica import Corpus

    corpus = Corpus(**CORPUS)
    step = len(corpus) / count
    chosen, manifest = [], []
    for k in range(count):
        article_id = corpus.id_at(int(k * step))
        layout = "yna-cms" if k % 2 == 0 else "redesign"
        name = f"{k:05d}_{article_id}_{layout}.html"
        (directory / name).write_bytes(corpus.render_article(article_id, layout))
        truth = corpus.truth(article_id)
        manifest.append({"file": name, "url": truth.url})
        chosen.append((article_id, layout, truth))
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return chosen


def _instant(iso: str | None) -> datetime | None:
    from ground.core.timeutil import KST

    if not iso:
        return None
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=KST)  # the site's times are KST wall-clock


def _tokens(paragraphs) -> collections.Counter:
    return collections.Counter(" ".join(paragraphs or []).split())


def token_f1(got: list[str] | None, want: list[str]) -> float:
    g, w = _tokens(got), _tokens(want)
    common = sum((g & w).values())
    if not common:
        return 0.0
    precision, recall = common / sum(g.values()), common / sum(w.values())
    return 2 * precision * recall / (precision + recall)


def field_hits(record: dict, truth) -> dict[str, bool]:
    """Per field: does the tool's value equal the truth (normalised)?"""
    want_paragraphs = [norm(p) for p in truth.paragraphs]
    got_paragraphs = [norm(p) for p in record.get("paragraphs") or []]
    got_urls = sorted(record.get("image_urls") or [])
    captions = record.get("captions")
    return {
        "title": norm(record.get("title")) == norm(truth.title_raw),
        "published_at": _instant(record.get("published_at")) == truth.published_at,
        "published_date": record.get("published_date") == truth.published_at.date().isoformat(),
        "paragraphs": got_paragraphs == want_paragraphs,
        "section": norm(record.get("section")) == norm(truth.section),
        "lead": norm(record.get("lead")) == norm(truth.lead),
        "author_email": record.get("author_email") == truth.author_email,
        "image_urls": got_urls == sorted(i["url"] for i in truth.images),
        "captions": captions is not None
        and [norm(c) for c in captions] == [norm(i["caption"]) for i in truth.images],
        # tags as a set: newspaper4k keeps no order
        "keywords": sorted(norm(k) for k in record.get("keywords") or []) == sorted(truth.keywords),
    }


def score(records: list[dict], chosen) -> dict:
    hits = collections.Counter()
    by_layout = collections.defaultdict(collections.Counter)
    f1 = []
    found = wanted = kept = returned = 0  # paragraph-level recall and precision
    for record, (_, layout, truth) in zip(records, chosen, strict=True):
        for name, ok in field_hits(record, truth).items():
            hits[name] += ok
            by_layout[layout][name] += ok
        by_layout[layout]["pages"] += 1
        want = [norm(p) for p in truth.paragraphs]
        got = [norm(p) for p in record.get("paragraphs") or []]
        f1.append(token_f1(got, want))
        found += sum(p in got for p in want)
        wanted += len(want)
        kept += sum(p in want for p in got)
        returned += len(got)
    n = len(records)
    return {
        "paragraph_recall": found / max(1, wanted),
        "paragraph_precision": kept / max(1, returned),
        "fields": {name: hits[name] / n for name in FIELDS},
        "all_fields": sum(hits[name] for name in FIELDS) / (n * len(FIELDS)),
        "body_token_f1": statistics.mean(f1),
        "by_layout": {layout: {name: c[name] / c["pages"] for name in FIELDS} for layout, c in by_layout.items()},
    }


def run_worker(tool: str, python: Path, pages_dir: Path, out: Path, records: bool, core: int | None) -> dict:
    cmd = [str(python), "-m", "bench.peers_worker", "--tool", tool, "--pages", str(pages_dir), "--out", str(out)]
    if not records:
        cmd.append("--no-records")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    pin = (lambda: os.sched_setaffinity(0, {core})) if core is not None else None
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=WORKER_TIMEOUT,
                          preexec_fn=pin, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{tool} worker failed (exit {done.returncode}): {done.stderr[-2000:]}")
    return json.loads(out.read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="200 pages (still 3 runs)")
    args = parser.parse_args()
    if args.quick:
        args.pages = min(args.pages, 200)

    from bench import peers_env

    pythons = {"ours": Path(sys.executable), "trafilatura": Path(sys.executable), "newspaper4k": peers_env.ensure(),
               FLOOR: Path(sys.executable)}
    core = sorted(os.sched_getaffinity(0))[-1] if hasattr(os, "sched_getaffinity") else None
    tmp = Path(tempfile.mkdtemp(prefix="bench-peers-"))
    try:
        pages_dir = tmp / "pages"
        pages_dir.mkdir()
        chosen = render_pages(pages_dir, args.pages)
        runs: dict[str, list[dict]] = {tool: [] for tool in (*TOOLS, FLOOR)}
        for k in range(args.runs):  # interleaved, so a noisy neighbour hits every tool alike
            for tool in (*TOOLS, FLOOR):
                result = run_worker(tool, pythons[tool], pages_dir, tmp / f"{tool}-{k}.json", k == 0, core)
                runs[tool].append(result)
                print(f"run {k + 1}/{args.runs} {tool}: {result['pages'] / result['seconds']:.0f} pages/s, "
                      f"peak {result['rss_peak_kib'] / 1024:.0f} MiB", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    scores = {tool: score(runs[tool][0]["records"], chosen) for tool in TOOLS}
    timed = (*TOOLS, FLOOR)
    speed = {tool: statistics.median(r["pages"] / r["seconds"] for r in runs[tool]) for tool in timed}
    peak = {tool: statistics.median(r["rss_peak_kib"] for r in runs[tool]) / 1024 for tool in timed}
    ready = {tool: statistics.median(r["rss_ready_kib"] for r in runs[tool]) / 1024 for tool in timed}
    not_produced = {tool: set(runs[tool][0]["not_produced"]) for tool in TOOLS}

    def cell(tool: str, name: str, value: float) -> str:
        return "n/a" if name in not_produced[tool] else f"{value:.3f}"

    n = len(chosen)
    lines = [
        "# Extraction side by side (bench/bench_peers.py)", "",
        f"{n} replica pages (evenly spread over a 6-month corpus, half yna-cms (the real template), half redesign layout), "
        f"the same bytes for every tool; each run a fresh process pinned to one core; median of {args.runs} runs.",
        "",
        "| extractor | pages/s | ms/page | speed vs ours | RSS ready (MiB) | peak RSS (MiB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for tool in timed:
        label = LABELS[tool].format(v=runs[tool][0]["version"])
        lines.append(f"| {label} | {speed[tool]:,.0f} | {1000 / speed[tool]:.2f} | "
                     f"{speed[tool] / speed['ours']:.2f}x | {ready[tool]:.0f} | {peak[tool]:.0f} |")
    lines += [
        "", f"**Ours: {speed['ours'] / speed['trafilatura']:.1f}x the speed of trafilatura and "
        f"{speed['ours'] / speed['newspaper4k']:.1f}x newspaper4k; all-fields accuracy "
        + " / ".join(f"{scores[t]['all_fields']:.2f}" for t in TOOLS) + " (ours / trafilatura / newspaper4k); "
        f"ours at {speed['ours'] / speed[FLOOR]:.0%} of the lxml parse floor of the same pages "
        f"({speed[FLOOR]:,.0f} pages/s; goal >= 50%).**",
        "", "Runs (pages/s): " + "; ".join(
            f"{tool} " + ", ".join(f"{r['pages'] / r['seconds']:,.0f}" for r in runs[tool]) for tool in timed),
        "", "Field accuracy: share of pages whose value equals the replica truth (whitespace normalised; "
        "n/a = the tool has no such output, counted as a miss in *all fields*):", "",
        "| field | " + " | ".join(TOOLS) + " |", "|---|" + "---:|" * len(TOOLS),
    ]
    for name in FIELDS:
        lines.append(f"| {name} | " + " | ".join(cell(t, name, scores[t]["fields"][name]) for t in TOOLS) + " |")
    lines.append("| body paragraphs found (recall) | "
                 + " | ".join(f"{scores[t]['paragraph_recall']:.3f}" for t in TOOLS) + " |")
    lines.append("| returned paragraphs that are body (precision) | "
                 + " | ".join(f"{scores[t]['paragraph_precision']:.3f}" for t in TOOLS) + " |")
    lines.append("| body token F1 (mean) | " + " | ".join(f"{scores[t]['body_token_f1']:.3f}" for t in TOOLS) + " |")
    lines.append("| **all fields** | " + " | ".join(f"**{scores[t]['all_fields']:.3f}**" for t in TOOLS) + " |")
    lines += ["", "Body paragraphs exact, by layout:", "", "| layout | " + " | ".join(TOOLS) + " |",
              "|---|" + "---:|" * len(TOOLS)]
    for layout in ("yna-cms", "redesign"):
        lines.append(f"| {layout} | " + " | ".join(
            f"{scores[t]['by_layout'][layout]['paragraphs']:.3f}" for t in TOOLS) + " |")
    lines += [
        "",
        "published_at is the exact instant (a zone-less time is read as KST), published_date the KST day. "
        "trafilatura is asked for a full timestamp (htmldate `outputformat`), its `categories` are taken as "
        "the section and `image` (og:image) as its image list; newspaper4k's `images` are the `<img>` sources "
        "it finds, `meta_description` its lead. RSS figures are per process (interpreter included).",
    ]
    write_markdown(OUT, lines)


if __name__ == "__main__":
    main()
