"""History from the web archives: a year of articles from local Common Crawl and Wayback servers.

    .venv/bin/python -m bench.bench_archive [--days 365] [--per-day 41] [--quick]

The local archive servers (devtools/replica/webarchive.py: a CC index server with collinfo.json and
paginated CDX APIs, a data server answering Range requests on gzip-member WARC files, a Wayback
CDX server with ``id_`` replays) hold captures of the replica's pages: each article in Common
Crawl (75%, a second later capture for 20% of those) and/or the Wayback Machine (60%, and every
article Common Crawl lacks), 10% on the mobile host, plus a photo page and a 404 per day (not
articles). CDX pages of 3,000 rows. The pipeline (``run --source archive``: stages.run_window,
the same composition as the CLI) loads the days one calendar month at a time (a run covers at
most 31 days), into an embedded PostgreSQL and the local S3 endpoint, with no delay between
requests (our own servers; the polite default is 1 s per archive host). The replica runs
beside it, to prove the site gets no request. Writes bench/out/archive.md.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from bench.output import write_markdown

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "archive.md"
START = date(2023, 7, 1)
PAGE_SIZE = 3000


def months(first: date, last: date) -> list[tuple[date, date]]:
    out, day = [], first
    while day <= last:
        nxt = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        out.append((day, min(last, nxt - timedelta(days=1))))
        day = nxt
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=41, help="articles a day (41 x 365 = about 15k)")
    parser.add_argument("--quick", action="store_true", help="one month (30 days)")
    args = parser.parse_args()
    days = 30 if args.quick else args.days
    last = START + timedelta(days=days - 1)

    from devtools.harness.archives import start_archives
    from devtools.harness.crawl import replica_site
    from devtools.harness.runs import truth_ids
    from devtools.replica import ReplicaConfig
    from devtools.replica.webarchive import build_plan, latest_captures
    from devtools.stack import services as stack
    from ground.adapters import db, s3
    from ground.core.config import Settings
    from ground.core.timeutil import Window
    from pipeline.run import stages
    from pipeline.run.descriptor import RunDescriptor

    config = dict(start=START, end=last, per_day=args.per_day)
    root = Path(tempfile.mkdtemp(prefix="yonhap-bench-archive-"))
    archives = None
    rows: list[dict] = []
    try:
        pg_url = stack.start_postgres(root / "pg", stack.free_port(), durable=False)
        endpoint = stack.start_s3(root, stack.free_port())
        began = time.perf_counter()
        plan = build_plan(ReplicaConfig(**config), [START + timedelta(days=n) for n in range(days)],
                          page_size=PAGE_SIZE)
        archives = start_archives(root, plan, timeout=1800)
        setup_s = time.perf_counter() - began
        print(f"archives up in {setup_s:.0f} s: {len(plan['captures'])} captures", flush=True)
        with replica_site(**config) as site:
            settings = Settings.from_env({
                "DATABASE_URL": pg_url, "S3_ENDPOINT_URL": endpoint, "S3_BUCKET": "bench-archive",
                "YONHAP_LOCAL_DIR": str(root), "YONHAP_BASE_URL": site.base_url, **stack.s3_keys_env(root),
                **archives.env(),
            })
            s3.ensure_bucket(settings)
            site.clear_log()
            archives.log(clear=True)
            total_began = time.perf_counter()
            for first, end in months(START, last):
                t0 = time.perf_counter()
                run_id = f"archive_{first:%Y%m}"
                summary = stages.run_window(settings, RunDescriptor(run_id, Window.for_dates(first, end), "cli", source="archive"))
                seconds = time.perf_counter() - t0
                assert summary.ok, (run_id, summary.status, summary.error)
                sent = Counter(e["server"] for e in archives.log(clear=True))
                rows.append({"month": f"{first:%Y-%m}", "items": summary.crawl["items"],
                             "loaded": summary.load.get("loaded", 0), "seconds": seconds,
                             "crawl_s": summary.durations.get("crawl", 0.0), **sent})
                print(rows[-1], flush=True)
            total_s = time.perf_counter() - total_began
            site_requests = len(site.access_log())
        truth = truth_ids(site.corpus, START, last)
        expected = set(latest_captures(plan))
        conn = db.connect(settings)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT article_id, source FROM yonhap.articles")
                stored = dict(cur.fetchall())
                cur.execute("SELECT article_id, reasons FROM yonhap.rejected_items")
                rejected = dict(cur.fetchall())
        finally:
            conn.close()
    finally:
        if archives is not None:
            archives.stop()
        stack.stop_postgres(root / "pg")
        stack.stop_s3(root)
        shutil.rmtree(root, ignore_errors=True)

    articles = sum(r["loaded"] for r in rows)
    sent = Counter()
    for r in rows:
        sent.update({k: r.get(k, 0) for k in ("cc-index", "cc-data", "wayback")})
    per = {k: v / max(1, articles) for k, v in sent.items()}
    exact = set(stored) == expected == truth
    if not exact:
        for name, ids in (("not loaded", truth - set(stored)), ("loaded, not in the truth", set(stored) - truth),
                          ("no capture", truth - expected)):
            print(f"{name}: {len(ids)}: " + ", ".join(f"{i} {rejected.get(i, '')}" for i in sorted(ids)[:10]))
    by_source = Counter(stored.values())
    lines = [
        "# History from the web archives (bench/bench_archive.py)", "",
        f"{days} KST days from {START} ({args.per_day} articles planned a day; {len(truth)} articles), captured "
        f"in local Common Crawl and Wayback servers ({len(plan['captures'])} captures, CDX pages of {PAGE_SIZE} rows); "
        "loaded with `run --source archive` one calendar month per run (stages.run_window: index queries, "
        "fetches, parse, transform, quality gate, load), no delay between requests (our own servers). "
        f"Building the archives (rendering and compressing every capture) took {setup_s:.0f} s, not counted.", "",
        "| month | articles loaded | seconds (run) | of which crawl stage | CC index requests | CC data requests | "
        "Wayback requests |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['month']} | {r['loaded']} | {r['seconds']:.1f} | {r['crawl_s']:.1f} | "
                     f"{r.get('cc-index', 0)} | {r.get('cc-data', 0)} | {r.get('wayback', 0)} |")
    lines += [
        "",
        f"**{articles:,} articles ({len(rows)} monthly runs) in {total_s:.0f} s ({articles / total_s:.0f} articles/s); "
        f"requests per article: Common Crawl index {per.get('cc-index', 0):.2f}, data {per.get('cc-data', 0):.2f}, "
        f"Wayback {per.get('wayback', 0):.2f} (CDX and replays); requests to the site: {site_requests}; loaded ids = "
        f"the archives' = the replica's: {'yes' if exact else 'NO'}.**",
        "",
        f"Rows by source: {', '.join(f'{k} {v}' for k, v in sorted(by_source.items()))}. A data request is one "
        "capture read (a Range request, or a Wayback replay); the index requests are collinfo.json, then per "
        "crawl that may hold the month's pages and per host (desktop, mobile) one showNumPages and its pages. "
        "At the polite default of 1 s between two requests to one archive host, the fetches alone would take "
        f"about {max(sent.get('cc-data', 0), sent.get('wayback', 0)) / 3600:.1f} h for the year (the two "
        "archives are read at once, each at its own pace).",
    ]
    write_markdown(OUT, lines)


if __name__ == "__main__":
    main()
