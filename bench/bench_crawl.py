"""Crawl throughput: the full crawler (discovery, retries, WARC archive, parsing, staging
upload) vs a bare Scrapy spider downloading the same article URLs.

    .venv/bin/python -m bench.bench_crawl [--runs 5] [--concurrency 8]

The replica (subprocess) serves a window of 2,000 articles, delay 0; S3 is a moto server over
HTTP. One unmeasured pass warms the replica's caches, then bare and full runs alternate. Each
measurement runs in a fresh worker process (``--one ours|bare``) that reports its
wall time and peak RSS (ours: the Scrapy subprocess; bare: the worker itself). Prints medians
and the throughput ratio (target >= 0.6) and writes bench/out/crawl.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from bench.output import write_markdown

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "crawl.md"
CORPUS = dict(start=date(2024, 6, 1), end=date(2024, 6, 14), per_day=200)
WINDOW = (date(2024, 6, 1), date(2024, 6, 10))  # 2,000 articles, not the newest (seek + walk)


def _ours(base_url: str, endpoint: str, concurrency: int) -> dict:
    from ground.core.config import Settings
    from ground.core.timeutil import Window
    from scrapers import stage

    settings = Settings.from_env({
        "YONHAP_BASE_URL": base_url, "YONHAP_DOWNLOAD_DELAY": "0", "YONHAP_CONCURRENCY": str(concurrency),
        "S3_ENDPOINT_URL": endpoint, "S3_BUCKET": f"bench-{uuid.uuid4().hex[:10]}",
        "AWS_ACCESS_KEY_ID": os.environ["AWS_ACCESS_KEY_ID"], "AWS_SECRET_ACCESS_KEY": os.environ["AWS_SECRET_ACCESS_KEY"],
    })
    import logging

    logging.basicConfig(level=logging.WARNING)  # keep the subprocess's log lines out of the way
    start = time.perf_counter()
    stats = stage.crawl(settings, f"bench_{uuid.uuid4().hex[:8]}", Window.for_dates(*WINDOW),
                        scrapy_overrides={"LOG_LEVEL": "WARNING"})
    seconds = time.perf_counter() - start
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    me = resource.getrusage(resource.RUSAGE_SELF)
    return {"seconds": seconds, "items": stats.items, "requests": stats.pages,
            "peak_rss_kib": children.ru_maxrss,
            "cpu_seconds": children.ru_utime + children.ru_stime + me.ru_utime + me.ru_stime}


def _bare(base_url: str, ids: list[str], concurrency: int) -> dict:
    # Timed from before Scrapy is imported, as ours is (its Scrapy process starts inside the
    # measured call): both sides pay the import and the crawler set-up.
    start = time.perf_counter()
    import scrapy
    from scrapy.crawler import CrawlerProcess

    counter = {"n": 0}

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self):
            for article_id in ids:
                yield scrapy.Request(f"{base_url}/view/{article_id}", callback=self.parse)

        def parse(self, response):
            counter["n"] += 1

    process = CrawlerProcess({
        "LOG_LEVEL": "WARNING", "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency, "DOWNLOAD_DELAY": 0,
        "USER_AGENT": "yonhap-pipeline-bench (+https://example.invalid)",
        # Both consoles off, as in ours (scrapers.settings): neither side pays for a listener.
        "TELNETCONSOLE_ENABLED": False, "REMOTE_CONTROL_ENABLED": False,
    })
    process.crawl(BareSpider)
    process.start()
    seconds = time.perf_counter() - start
    me = resource.getrusage(resource.RUSAGE_SELF)
    return {"seconds": seconds, "items": counter["n"], "requests": counter["n"],
            "peak_rss_kib": me.ru_maxrss, "cpu_seconds": me.ru_utime + me.ru_stime}


def _worker(kind: str, base_url: str, endpoint: str, concurrency: int) -> dict:
    cmd = [sys.executable, "-m", "bench.bench_crawl", "--one", kind, "--base-url", base_url,
           "--endpoint", endpoint, "--concurrency", str(concurrency)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} worker failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)  # a shared VM: more samples, steadier median
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--one", choices=("ours", "bare"))
    parser.add_argument("--base-url")
    parser.add_argument("--endpoint")
    args = parser.parse_args()

    if args.one:  # worker mode
        from devtools.replica.corpus import Corpus

        if args.one == "ours":
            result = _ours(args.base_url, args.endpoint, args.concurrency)
        else:
            corpus = Corpus(**CORPUS)
            ids = [i for d in range(WINDOW[0].toordinal(), WINDOW[1].toordinal() + 1)
                   for i in corpus.ids_on(date.fromordinal(d))]
            result = _bare(args.base_url, ids, args.concurrency)
        print(json.dumps(result))
        return

    from devtools.harness.replica import start_replica
    from devtools.stack import services as stack

    tmp = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    site = start_replica(tmp, **CORPUS)
    endpoint = stack.start_s3(tmp / "s3", stack.free_port())
    os.environ.update(stack.s3_keys_env(tmp / "s3"))  # the workers (subprocesses) sign with them
    try:
        results = {"ours": [], "bare": []}
        # Warm the replica's page caches once, unmeasured, so neither side pays the cold start.
        _worker("bare", site.base_url, endpoint, args.concurrency)
        for _ in range(args.runs):
            for kind in ("bare", "ours"):
                results[kind].append(_worker(kind, site.base_url, endpoint, args.concurrency))
                print(kind, results[kind][-1], flush=True)
    finally:
        site.stop()
        stack.stop_s3(tmp / "s3")
        shutil.rmtree(tmp, ignore_errors=True)

    def med(kind, key):
        return statistics.median(r[key] for r in results[kind])

    articles = results["ours"][0]["items"]
    rate_ours = articles / med("ours", "seconds")
    rate_bare = results["bare"][0]["items"] / med("bare", "seconds")
    lines = [
        "# Crawl benchmark", "",
        f"{articles} replica articles (window {WINDOW[0]}..{WINDOW[1]}), delay 0, concurrency "
        f"{args.concurrency}, median of {args.runs} runs; wall time includes Scrapy's import and set-up on both sides (ours: its Scrapy subprocess's start).", "",
        "| crawler | seconds | articles/s | CPU s | requests | peak RSS (MiB) |",
        "|---|---:|---:|---:|---:|---:|",
        f"| full crawler (stage.crawl) | {med('ours', 'seconds'):.1f} | {rate_ours:.0f} | "
        f"{med('ours', 'cpu_seconds'):.1f} | {med('ours', 'requests'):.0f} | {med('ours', 'peak_rss_kib') / 1024:.0f} |",
        f"| bare Scrapy, same article URLs | {med('bare', 'seconds'):.1f} | {rate_bare:.0f} | "
        f"{med('bare', 'cpu_seconds'):.1f} | {med('bare', 'requests'):.0f} | {med('bare', 'peak_rss_kib') / 1024:.0f} |",
        "", f"**Throughput ratio: {rate_ours / rate_bare:.2f}x** of bare Scrapy (target >= 0.6); "
        f"CPU per article ratio {med('bare', 'cpu_seconds') / med('ours', 'cpu_seconds'):.2f} "
        "(bare / ours; the wall-time ratio depends on machine load, the CPU ratio much less).", "",
        "The full crawler also does discovery (feed, list-page seek and walk), robots.txt, the WARC "
        "archive, parsing, and the S3 upload of archive and staging files.",
    ]
    write_markdown(OUT, lines)


if __name__ == "__main__":
    main()
