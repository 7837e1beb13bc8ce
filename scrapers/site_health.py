"""Site health: what the site's answers during one crawl say, as a verdict and one line.

The crawl knows exactly what happened to every request; this turns it into a verdict the run
acts on (docs/operators.md, "Site health"), instead of leaving the volume band to guess:

| verdict | when | the run |
|---|---|---|
| ``unreachable`` | no HTTP answer at all: DNS failure, refused / reset connections, timeouts | red (crawl fails) |
| ``robots_unavailable`` | robots.txt answered 5xx after retries (RFC 9309: disallow all) | red (crawl fails) |
| ``discovery_failed`` | every feed and list-page request failed after retries | red (crawl fails) |
| ``degraded`` | more than ``MAX_FAILED_ARTICLE_SHARE`` of this run's article pages failed | red after the load |
| ``quiet`` | the site answered and nothing new or changed was in the window | green, shown as quiet |
| ``ok`` | the rest (a few failed pages are recorded and retried by the next run) | green |

Pure functions over the spider's output (spider.json: errors and Scrapy stats); no Scrapy.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ground.core.schema import (
    SITE_DEGRADED,
    SITE_DISCOVERY_FAILED,
    SITE_OK,
    SITE_QUIET,
    SITE_ROBOTS_UNAVAILABLE,
    SITE_UNREACHABLE,
)
from scrapers.canonical import page_kind

# Verdicts that fail the crawl stage itself (nothing worth transforming was fetched).
CRAWL_FAILS = frozenset({SITE_UNREACHABLE, SITE_ROBOTS_UNAVAILABLE, SITE_DISCOVERY_FAILED})

# Article pages of this run (retries of earlier failures excluded) that may fail, after their
# own retries, before the run turns red: above 20 %, and at least 3 pages, something is wrong
# with the site rather than with a few pages. Below it failures are recorded in
# yonhap.crawl_errors and retried by the next run, as before.
MAX_FAILED_ARTICLE_SHARE = 0.2
MIN_FAILED_ARTICLES = 3

# Twisted / Scrapy exception names (the start of a CrawlError's text) -> what an operator reads.
_CAUSES = (
    ("DNSLookupError", "DNS lookup failed"),
    ("CannotResolveHostError", "DNS lookup failed"),
    ("ConnectionRefusedError", "connection refused"),
    ("TCPTimedOutError", "connection timed out"),
    ("UserTimeoutError", "timed out"),
    ("TimeoutError", "timed out"),
    ("ResponseNeverReceived", "connection reset before any answer"),
    ("ConnectionLost", "connection lost"),
    ("ConnectionDone", "connection closed"),
    ("ConnectionAborted", "connection aborted"),
    ("ConnectError", "connection failed"),
    ("NoRouteError", "no route to host"),
    ("SSLError", "TLS handshake failed"),
)
_KIND_WORDS = {"robots": "robots.txt", "rss": "feed", "list": "list pages", "article": "articles",
               "other": "other pages"}


def cause_of(error: str) -> str:
    """The operator's words for one failed request's error text ("HTTP 503" stays as it is)."""
    if error.startswith("HTTP "):
        return error.split(":", 1)[0]
    name = error.split(":", 1)[0].strip()
    for marker, words in _CAUSES:
        if marker in name:
            return words
    return name or "error"


def is_transport_failure(error: str) -> bool:
    """No HTTP answer (as opposed to an HTTP error status)."""
    return not error.startswith("HTTP ")


@dataclass(frozen=True)
class SiteHealth:
    verdict: str
    line: str | None = None  # one line for operators (None when all is well)

    @property
    def fails_crawl(self) -> bool:
        return self.verdict in CRAWL_FAILS

    @property
    def fails_run(self) -> bool:
        return self.fails_crawl or self.verdict == SITE_DEGRADED


class SiteUnavailable(RuntimeError):
    """The crawl got no usable answer from the site (a verdict in CRAWL_FAILS). ``str()`` is the
    operator's line; ``figures`` are the crawl's counts for the run row."""

    def __init__(self, health: SiteHealth, figures: dict[str, int] | None = None):
        super().__init__(health.line or health.verdict)
        self.health = health
        self.figures = dict(figures or {})


def _counts(values) -> str:
    """'HTTP 503: 3, timed out: 1' (most frequent first)."""
    return ", ".join(f"{cause}: {n}" for cause, n in Counter(values).most_common())


def _top(values) -> str:
    return Counter(values).most_common(1)[0][0]


def _by_kind(errors: list[dict[str, Any]]) -> str:
    kinds = Counter(page_kind(e.get("url") or "") for e in errors)
    order = list(_KIND_WORDS)  # the crawl's order: robots.txt, feed, list pages, articles
    return ", ".join(f"{_KIND_WORDS.get(k, k)} {n}" for k, n in sorted(kinds.items(), key=lambda kv: order.index(kv[0])))


def assess(base_url: str, spider_out: dict[str, Any], *, targeted: bool = False) -> SiteHealth:
    """The verdict of one crawl (see the module table). ``spider_out``: the spider's hand-off
    (``errors``, ``scrapy_stats``); ``targeted``: an event run (named ids, no feed or list walk)."""
    host = urlsplit(base_url).netloc or base_url
    stats = spider_out.get("scrapy_stats") or {}
    errors = list(spider_out.get("errors") or [])

    robots_status = stats.get("yonhap/robots/status")
    robots_error = stats.get("yonhap/robots/error")
    robots_attempts = int(stats.get("yonhap/requests/robots", 0) or 0)
    if robots_error:
        return SiteHealth(SITE_UNREACHABLE, (
            f"{host} unreachable: {cause_of(robots_error)} on all {robots_attempts or 1} attempts to fetch "
            "robots.txt; nothing else was requested"))
    if robots_status is not None and int(robots_status) >= 500:
        return SiteHealth(SITE_ROBOTS_UNAVAILABLE, (
            f"{host} robots.txt unavailable: HTTP {int(robots_status)} on all {robots_attempts or 1} attempts; "
            "RFC 9309 reads that as disallow-all, so nothing was crawled"))

    answers = int(stats.get("downloader/response_count", 0) or 0)
    if not answers and errors:
        # No HTTP answer from the site during the whole crawl.
        return SiteHealth(SITE_UNREACHABLE, (
            f"{host} unreachable: {_top(cause_of(e['error']) for e in errors)} on {len(errors)} of "
            f"{len(errors)} requests ({_by_kind(errors)})"))

    if not targeted:
        discovery = [e for e in errors if page_kind(e.get("url") or "") in ("rss", "list")]
        answered = int(stats.get("yonhap/answered/rss", 0) or 0) + int(stats.get("yonhap/answered/list", 0) or 0)
        if discovery and not answered:
            return SiteHealth(SITE_DISCOVERY_FAILED, (
                f"{host} gave no feed or list page: {_top(cause_of(e['error']) for e in discovery)} on "
                f"{len(discovery)} of {len(discovery)} requests ({_by_kind(discovery)})"))

    failures = [cause_of(e) for e in spider_out.get("fresh_article_failures") or []]
    failed = len(failures)
    fetched = int(stats.get("yonhap/answered/own_article", 0) or 0)
    total = failed + fetched
    if failed >= MIN_FAILED_ARTICLES and failed > MAX_FAILED_ARTICLE_SHARE * total:
        return SiteHealth(SITE_DEGRADED, (
            f"{host}: {failed} of {total} article pages failed ({_counts(failures)}), above the "
            f"{MAX_FAILED_ARTICLE_SHARE:.0%} limit; the {fetched} others were loaded, the failed ones are "
            "retried by the next run"))

    items = int(stats.get("item_scraped_count", 0) or 0)
    not_modified = int(stats.get("yonhap/not_modified", 0) or 0)
    if not items and not not_modified:
        return SiteHealth(SITE_QUIET, f"quiet: {host} answered ({answers} responses), nothing new or changed in the window")
    return SiteHealth(SITE_OK)
