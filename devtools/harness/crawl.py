"""What bench_seek and bench_incremental share: a replica over HTTP, an S3 endpoint over HTTP
(moto server), crawler settings for them, and request counts read from the replica's access log.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

CRAWL_TIMEOUT = 300.0
_KEYS: dict[str, dict[str, str]] = {}  # endpoint -> the only key pair its server accepts


@contextlib.contextmanager
def s3_endpoint():
    from devtools.stack import services as stack

    root = Path(tempfile.mkdtemp(prefix="bench-s3-"))
    try:
        endpoint = stack.start_s3(root, stack.free_port())
        _KEYS[endpoint] = stack.s3_keys_env(root)
        yield endpoint
    finally:
        stack.stop_s3(root)
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def replica_site(**config):
    """A replica subprocess (tests/fixtures_replica.start_replica); stopped on exit."""
    from devtools.harness.replica import start_replica

    tmp = Path(tempfile.mkdtemp(prefix="bench-replica-"))
    site = start_replica(tmp, **config)
    try:
        yield site
    finally:
        site.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def crawler_settings(base_url: str, endpoint: str, bucket: str | None = None, concurrency: int = 2):
    """The production default concurrency (2), no delay (the replica is local)."""
    from ground.core.config import Settings

    return Settings.from_env({
        "YONHAP_BASE_URL": base_url, "YONHAP_DOWNLOAD_DELAY": "0", "YONHAP_CONCURRENCY": str(concurrency),
        "S3_ENDPOINT_URL": endpoint, "S3_BUCKET": bucket or f"bench-{uuid.uuid4().hex[:12]}",
        **_KEYS[endpoint], "AWS_DEFAULT_REGION": "us-east-1",
    })


def timed_crawl(settings, run_id: str, window, validators: dict | None = None):
    """stage.crawl with Scrapy's log at WARNING; returns (CrawlStats, seconds)."""
    from scrapers import stage

    logging.basicConfig(level=logging.WARNING)  # stage streams the subprocess log through logging
    started = time.perf_counter()
    stats = stage.crawl(settings, run_id, window, validators=validators,
                        scrapy_overrides={"LOG_LEVEL": "WARNING"}, timeout=CRAWL_TIMEOUT)
    return stats, time.perf_counter() - started


def article_id_of(path: str) -> str:
    return path.split("?", 1)[0].rsplit("/", 1)[-1]


def list_page_number(path: str) -> int:
    path = path.split("?", 1)[0].rstrip("/")
    return 1 if path == "/news" else int(path.rsplit("/", 1)[1])


@dataclass
class RequestCounts:
    """One crawl's requests as the site saw them (replica access log)."""

    total: int
    robots: int
    rss: int
    list_pages: list[int]  # page numbers in request order
    article_200: list[str]  # article ids answered 200
    article_304: list[str]
    article_other: Counter  # status -> count

    @classmethod
    def from_log(cls, log: list[dict]) -> RequestCounts:
        counts = cls(len(log), 0, 0, [], [], [], Counter())
        for entry in log:
            path = entry["path"]
            if path.startswith("/robots.txt"):
                counts.robots += 1
            elif path.startswith("/RSS/"):
                counts.rss += 1
            elif path == "/news" or path.startswith(("/news/", "/news?")):
                counts.list_pages.append(list_page_number(path))
            elif path.startswith("/view/"):
                if entry["status"] == 200:
                    counts.article_200.append(article_id_of(path))
                elif entry["status"] == 304:
                    counts.article_304.append(article_id_of(path))
                else:
                    counts.article_other[entry["status"]] += 1
        return counts

    @property
    def discovery(self) -> int:
        """Requests spent finding articles (feed + list pages)."""
        return self.rss + len(self.list_pages)


def newest_first_position(corpus, article_id: str) -> int:
    """Index of an id in the newest-first listing (ids sort by publication order)."""
    lo, hi = 0, len(corpus) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if corpus.id_at(mid) > article_id:
            lo = mid + 1
        else:
            hi = mid
    return lo


def list_pages_of(corpus, ids: list[str]) -> tuple[int, int]:
    """First and last list page (1-based) holding the given ids, from the replica's truth."""
    from devtools.replica.corpus import PAGE_SIZE

    first = newest_first_position(corpus, max(ids))
    last = newest_first_position(corpus, min(ids))
    return first // PAGE_SIZE + 1, last // PAGE_SIZE + 1
