"""The Yonhap French spider: feed + list pages for discovery, article pages for items.

Only in-window article pages are requested; navigation, related, search and off-site links are
never followed (discovery reads the list block and the feed only). Stored articles are
re-validated with conditional requests, so an unchanged article costs a 304 and no parse.
"""

from __future__ import annotations

import collections
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from ground.core.schema import CrawlError
from ground.core.timeutil import Window
from scrapers.canonical import (
    article_id_from_url,
    article_url,
    canonicalize,
    is_followable,
    list_page_url,
    page_kind,
    rss_url,
)
from scrapers.discovery import ListSeek, feed_covers, parse_list_page, parse_rss
from scrapers.parsers.registry import Registry, build_item

logger = logging.getLogger(__name__)


class YonhapFrSpider(scrapy.Spider):
    name = "yonhap_fr"

    def __init__(self, config: dict[str, Any], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.base_url: str = config["base_url"].rstrip("/")
        self.run_id: str = config["run_id"]
        self.window = Window(
            datetime.fromisoformat(config["window_start"]), datetime.fromisoformat(config["window_end"])
        )
        self.validators: dict[str, dict] = config.get("validators") or {}
        self.retry_urls: list[str] = config.get("retry_urls") or []
        self.use_feed: bool = config.get("use_feed", True)
        # An event run names its ids: fetch exactly those (and its days' earlier failures,
        # retry_urls), no feed, no list walk.
        self.targets: list[str] = list(config.get("targets") or [])
        # Broken pages of earlier runs: fetched once, no retries; or (ingest back-off) not at all.
        self.fetch_once: set[str] = set(config.get("fetch_once_ids") or [])
        self.skip_ids: set[str] = set(config.get("skip_ids") or [])
        self.registry = Registry.from_names(config.get("parsers"))
        self.out_dir = Path(config["out_dir"])
        # Walk lookahead = the per-site concurrency: discovery keeps pace with downloads.
        self.seek = ListSeek(self.window, lookahead=max(1, int(config.get("concurrency", 1))))
        self.crawl_errors: list[CrawlError] = []
        self.not_modified_ids: list[str] = []
        self.robots_denied: list[str] = []
        # Error texts of this run's own article requests that failed after retries (site health
        # weighs their share against yonhap/answered/own_article: scrapers.site_health).
        self.fresh_article_failures: list[str] = []
        # article id -> (shown time or None, sources): every id this run meant to fetch, for
        # the completeness ledger (seen = loaded + rejected + failed + ...; a gap shows).
        self.seen: dict[str, tuple[datetime | None, set[str]]] = {}
        self.field_source_counts: collections.Counter = collections.Counter()  # (field, layer)
        self.allowed_domains = []  # off-site requests are refused by canonical.is_followable

    # -- requests ---------------------------------------------------------------------------
    async def start(self):
        if self.targets:
            for article_id in self.targets:
                self._see(article_id, None, "announced")
                yield self._article_request(article_id, reason="announced")
            self.seek.phase = "done"
        elif self.use_feed:
            yield scrapy.Request(
                rss_url(self.base_url), callback=self.parse_feed, errback=self.feed_failed, priority=10
            )
        else:
            for request in self._next_list_requests():
                yield request
        for url in self.retry_urls:
            article_id = article_id_from_url(canonicalize(url, self.base_url))
            if article_id:
                yield self._article_request(article_id, reason="retry")
            else:
                logger.info("not retrying %s: only article pages are retried (discovery re-covers lists)", url)

    def _article_request(self, article_id: str, reason: str = "discovered") -> scrapy.Request:
        headers = {}
        known = self.validators.get(article_id) or {}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        return scrapy.Request(
            article_url(article_id, self.base_url),
            headers=headers,
            callback=self.parse_article,
            errback=self.fetch_failed,
            meta={"handle_httpstatus_list": [304], "article_id": article_id, "reason": reason,
                  "dont_retry": article_id in self.fetch_once},
        )

    def _next_list_requests(self) -> list[scrapy.Request]:
        requests = [
            scrapy.Request(
                list_page_url(page, self.base_url),
                callback=self.parse_list,
                errback=self.list_failed,
                meta={"page": page},
                dont_filter=True,  # the seek decides; a failed page may be asked again
                priority=5,
            )
            for page in self.seek.next_pages()
        ]
        if self.seek.done and not self.seek.inflight:
            self._record_seek()
        return requests

    def _requests_for(self, entries, source: str) -> list[scrapy.Request]:
        out = []
        for entry in entries:
            if entry.may_be_in(self.window) and is_followable(entry.url, self.base_url):
                self._see(entry.article_id, entry.published, source)
                if entry.article_id not in self.skip_ids:
                    out.append(self._article_request(entry.article_id))
        return out

    def _see(self, article_id: str, listed_at: datetime | None, source: str) -> None:
        shown, sources = self.seen.get(article_id, (None, set()))
        self.seen[article_id] = (shown or listed_at, sources | {source})

    # -- discovery --------------------------------------------------------------------------
    # Callbacks return lists, not generators: Scrapy inspects the source of generator
    # callbacks on every call (a measurable cost at thousands of pages).
    def parse_feed(self, response) -> list:
        self.crawler.stats.inc_value("yonhap/answered/rss")
        entries = parse_rss(response.body, self.base_url)
        out: list = self._requests_for(entries, "feed")
        if feed_covers(entries, self.window):
            self.crawler.stats.set_value("yonhap/feed_covered_window", True)
            self.seek.phase = "done"
            return out
        return out + self._next_list_requests()

    def feed_failed(self, failure) -> list:
        self._record_failure(failure)
        return self._next_list_requests()

    def parse_list(self, response) -> list:
        self.crawler.stats.inc_value("yonhap/answered/list")
        page = response.meta["page"]
        entries = parse_list_page(response.body, self.base_url)
        return self._requests_for(self.seek.observe(page, entries), "list") + self._next_list_requests()

    def list_failed(self, failure) -> list:
        self._record_failure(failure)
        page = failure.request.meta["page"]
        return self._requests_for(self.seek.observe(page, None), "list") + self._next_list_requests()

    def _record_seek(self) -> None:
        stats = self.crawler.stats
        stats.set_value("yonhap/seek_located_page", self.seek.located)
        stats.set_value("yonhap/seek_requests", self.seek.seek_requests)
        stats.set_value("yonhap/walk_requests", self.seek.walk_requests)

    # -- articles ---------------------------------------------------------------------------
    def parse_article(self, response) -> list:
        article_id = response.meta["article_id"]
        if _own_article_request(response.meta):
            self.crawler.stats.inc_value("yonhap/answered/own_article")
        if response.status == 304:
            self.not_modified_ids.append(article_id)
            self.crawler.stats.inc_value("yonhap/not_modified")
            return []
        extraction = self.registry.extract(response.body, response.url, _headers(response))
        item = build_item(
            extraction,
            requested_url=response.request.url if response.request else response.url,
            base_url=self.base_url,
            http_status=response.status,
            fetched_at=response.meta.get("fetched_at") or datetime.now(UTC).isoformat(),
            run_id=self.run_id,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            raw_uri=response.meta.get("raw_uri"),
        )
        if item.parse_errors:
            self.crawler.stats.inc_value("yonhap/items_with_parse_errors")
        for pair in item.field_sources.items():
            self.field_source_counts[pair] += 1
        return [item]

    def fetch_failed(self, failure):
        self._record_failure(failure)

    def _record_failure(self, failure) -> None:
        request = failure.request
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            # robots.txt (or another policy) refused it: not a fetch failure.
            self.robots_denied.append(request.url)
            return
        status = None
        if failure.check(HttpError):
            status = failure.value.response.status
            error = f"HTTP {status}"
        else:
            error = failure.type.__name__ if failure.type else "error"
            if failure.value is not None and str(failure.value):
                error = f"{error}: {str(failure.value)[:200]}"
        self.crawl_errors.append(
            CrawlError(
                run_id=self.run_id,
                url=request.url,
                error=error,
                attempts=request.meta.get("retry_times", 0) + 1,
                at=datetime.now(UTC).isoformat(),
                status=status,
                article_id=request.meta.get("article_id"),
            )
        )
        self.crawler.stats.inc_value(f"yonhap/errors/{page_kind(request.url)}")
        if _own_article_request(request.meta):
            self.fresh_article_failures.append(error)

    # -- hand-off ---------------------------------------------------------------------------
    def closed(self, reason):
        self._record_seek()
        for (name, layer), count in sorted(self.field_source_counts.items()):
            self.crawler.stats.set_value(f"yonhap/field_source/{name}/{layer}", count)
        stats = self.crawler.stats.get_stats()
        out = {
            "reason": reason,
            "errors": [e.to_dict() for e in self.crawl_errors],
            "not_modified_ids": self.not_modified_ids,
            "robots_denied": self.robots_denied,
            "fresh_article_failures": self.fresh_article_failures,
            "seen": [
                {"article_id": aid, "listed_at": shown.isoformat() if shown else None, "sources": sorted(src)}
                for aid, (shown, src) in sorted(self.seen.items())
            ],
            "scrapy_stats": stats,
        }
        self.out_dir.mkdir(parents=True, exist_ok=True)
        (self.out_dir / "spider.json").write_text(json.dumps(out, default=str, ensure_ascii=False))


def _own_article_request(meta) -> bool:
    """An article this run found or was told about (not a retry of an earlier run's failure)."""
    return "article_id" in meta and meta.get("reason") != "retry"


def _header(response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _headers(response) -> dict[str, str]:
    return {k.decode("latin-1"): v[-1].decode("latin-1") for k, v in response.headers.items() if v}
