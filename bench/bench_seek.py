"""Cost of finding an old day in the list pages: list-page requests per seek depth.

    .venv/bin/python -m bench.bench_seek [--quick]

A 100k-article replica (5 years, 55 a day; the corpus of bench_replica) over HTTP, S3 over
HTTP. For each depth (1 day, 1 week, 1 month, 6 months, 1 year back from the newest day) the
full crawler (scrapers.stage.crawl, production concurrency 2, no delay) crawls that one KST
day; the replica's access log says which list pages it asked for. List requests are split
into the *seek* (pages outside the day's own pages + the one after) and the *walk*; the seek
is compared with the bound 2*log2(p)+2 (p = first page of the day). The seek is sequential and
deterministic, so one crawl per depth (the walk may differ by a page between runs: it keeps
`concurrency` pages in flight); wall time is indicative. Writes bench/out/seek.md.
"""

from __future__ import annotations

import argparse
import math
from datetime import date, timedelta
from pathlib import Path

from bench.output import write_markdown

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "seek.md"
CORPUS = dict(seed=1, start=date(2019, 7, 1), end=date(2024, 6, 30), per_day=55)
DEPTHS = {"1 day": 1, "1 week": 7, "1 month": 30, "6 months": 182, "1 year": 365}
QUICK_DEPTHS = ("1 day", "1 year")


def bound(pages: int) -> float:
    return 2 * math.log2(max(1, pages)) + 2


def measure(site, settings, label: str, days_back: int) -> dict:
    from devtools.harness.crawl import RequestCounts, list_pages_of, timed_crawl
    from ground.core.timeutil import Window

    corpus = site.corpus
    day = CORPUS["end"] - timedelta(days=days_back)
    wanted = corpus.ids_on(day)
    first_page, last_page = list_pages_of(corpus, wanted)
    site.clear_log()
    stats, seconds = timed_crawl(settings, f"seek_{days_back}d", Window.for_dates(day, day))
    seen = RequestCounts.from_log(site.access_log())
    walk = [n for n in seen.list_pages if first_page <= n <= last_page + 1]
    seek = [n for n in seen.list_pages if n not in walk]
    fetched = set(seen.article_200)
    return {
        "label": label, "day": day, "first_page": first_page, "last_page": last_page,
        "articles": len(wanted), "seek": len(seek), "walk": len(walk), "rss": seen.rss,
        "bound": bound(first_page), "bound_total": bound(corpus.page_count()),
        "repeated": len(seen.list_pages) - len(set(seen.list_pages)),
        "complete": fetched == set(wanted) and stats.items == len(wanted),
        "stray": len(fetched - set(wanted)),
        "spider_seek": int(stats.scrapy_stats.get("yonhap/seek_requests", -1)),
        "spider_walk": int(stats.scrapy_stats.get("yonhap/walk_requests", -1)),
        "seconds": seconds, "probes": seek,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help=f"only {' and '.join(QUICK_DEPTHS)} back")
    args = parser.parse_args()
    depths = {k: v for k, v in DEPTHS.items() if not args.quick or k in QUICK_DEPTHS}

    from devtools.harness.crawl import crawler_settings, replica_site, s3_endpoint

    rows = []
    with s3_endpoint() as endpoint, replica_site(**CORPUS) as site:
        total, pages = len(site.corpus), site.corpus.page_count()
        settings = crawler_settings(site.base_url, endpoint)
        for label, days_back in depths.items():
            rows.append(measure(site, settings, label, days_back))
            r = rows[-1]
            print(f"{label}: seek {r['seek']} (bound {r['bound']:.1f}), walk {r['walk']}, "
                  f"complete={r['complete']}, {r['seconds']:.1f} s", flush=True)

    within = all(r["seek"] <= r["bound"] for r in rows)
    lines = [
        "# List-page seek (bench/bench_seek.py)", "",
        f"Replica of {total:,} articles ({pages:,} list pages of 20, newest first); the full crawler "
        "crawls one KST day at each depth (concurrency 2, delay 0). Counts from the replica's access log.", "",
        "| depth | day | its list pages | articles | seek requests | bound 2·log2(p)+2 | seek / bound | "
        "walk requests | RSS | all articles, none extra | seconds |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['label']} | {r['day']} | {r['first_page']}–{r['last_page']} | {r['articles']} | {r['seek']} | "
            f"{r['bound']:.1f} | {r['seek'] / r['bound']:.2f} | {r['walk']} | {r['rss']} | "
            f"{'yes' if r['complete'] and not r['stray'] else 'NO'} | {r['seconds']:.1f} |")
    lines += [
        "", f"**Seek within 2·log2(p)+2 at every depth: {'yes' if within else 'NO'}** "
        f"(p = the day's first list page; with p = all {pages:,} pages the bound is {bound(pages):.1f}). "
        f"List pages fetched twice: {sum(r['repeated'] for r in rows)}.", "",
        "Seek = list pages outside the day's own pages and the one after it (gallop 1, 2, 4, … then bisect); "
        "walk = the day's pages plus the one that proves the day has ended (the walk may run up to "
        "concurrency−1 pages past it). The spider's own counters (every probe counts as seek there, "
        "so the split differs) give the same totals: "
        + ", ".join(f"{r['label']} {r['spider_seek']}+{r['spider_walk']}"
                    f"{'' if r['spider_seek'] + r['spider_walk'] == r['seek'] + r['walk'] else ' (MISMATCH)'}"
                    for r in rows)
        + ". Probe order at the deepest depth: "
        + ", ".join(str(p) for p in rows[-1]["probes"]) + ".",
    ]
    write_markdown(OUT, lines)


if __name__ == "__main__":
    main()
