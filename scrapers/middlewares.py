"""Downloader middlewares: robots.txt as RFC 9309 reads it, retries with backoff, truncated-page
retries, the raw WARC archive."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path

from scrapy import signals
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.response import response_status_message

from ground.core.timeutil import retry_after_seconds
from scrapers.canonical import page_kind
from scrapers.parsers.base import html_complete
from scrapers.warc import LocalWarcArchive

logger = logging.getLogger(__name__)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry policy plus a pause before each retry: exponential backoff, and for a
    429 at least the server's Retry-After (capped at RETRY_AFTER_MAX)."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 0.5)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 30.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 60.0)

    def backoff(self, request, response=None) -> float:
        attempt = request.meta.get("retry_times", 0)
        delay = min(self.backoff_base * (2**attempt), self.backoff_max)
        if response is not None and response.status == 429:
            asked = retry_after_seconds(response.headers.get(b"Retry-After"))
            if asked is not None:
                delay = max(delay, min(asked, self.retry_after_max))
        return delay

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self.crawler.stats.inc_value("yonhap/retry_pause_seconds", round(seconds, 3))
            await asyncio.sleep(seconds)

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await self._pause(self.backoff(request, response))
        return retry

    async def process_exception(self, request, exception, spider=None):
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await self._pause(self.backoff(request))
        return retry


class RfcRobotsTxtMiddleware(RobotsTxtMiddleware):
    """robots.txt as RFC 9309 reads it. Scrapy's middleware crawls everything when robots.txt
    cannot be fetched; the RFC says a server error or no answer at all means *disallow all*
    (a 4xx means there are no rules). The outcome goes into the stats (``yonhap/robots/status``
    or ``yonhap/robots/error``) for scrapers.site_health, which turns it into the run's verdict."""

    DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"

    async def _parse_robots(self, response, netloc, request) -> None:
        self._stats.set_value("yonhap/robots/status", response.status)
        if 400 <= response.status < 500:  # "unavailable": no rules apply
            response = response.replace(body=b"")
        elif not 200 <= response.status < 300:  # "unreachable" (5xx after retries, or worse)
            logger.warning("robots.txt of %s answered HTTP %d: disallowing everything (RFC 9309)",
                           netloc, response.status)
            response = response.replace(body=self.DISALLOW_ALL)
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc, netloc) -> None:
        self._stats.set_value("yonhap/robots/error", f"{type(exc).__name__}: {exc}"[:300])
        logger.warning("robots.txt of %s not fetched (%s): disallowing everything (RFC 9309)",
                       netloc, type(exc).__name__)
        parser = build_from_crawler(self._parserimpl, self.crawler, self.DISALLOW_ALL)
        waiting = self._parsers[netloc]
        self._parsers[netloc] = parser
        waiting.callback(parser)  # the requests that waited for robots.txt get the same answer


class _WithoutTraceback(logging.Filter):
    """Scrapy logs a failed robots.txt download with its traceback; the cause (a DNS failure, a
    refused connection) fits on the line, and the retry middleware has said it already."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_WithoutTraceback())


class RedirectWithoutRefererMiddleware(RedirectMiddleware):
    """Scrapy's HTTP redirects, for a crawler that sends no Referer header (RefererMiddleware is
    off: the site needs none). Scrapy's own class looks for RefererMiddleware when the engine
    starts and logs a WARNING on every crawl when it is absent; there is nothing to hand over."""

    def handle_referer(self, request, response) -> None:
        request.headers.pop("Referer", None)

    def _engine_started(self) -> None:  # the look-up that warns; nothing to look up here
        return None


class TruncatedHtmlMiddleware:
    """An HTML page without ``</html>`` was cut off in transit: refetch it a few times; after
    that it goes on as-is and the parser reports it (``truncated: no </html>``)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.max_times = crawler.settings.getint("TRUNCATED_RETRY_TIMES", 3)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        ctype = response.headers.get(b"Content-Type", b"").lower()
        if response.status != 200 or b"html" not in ctype or request.meta.get("dont_retry"):
            return response
        if html_complete(response.body):
            return response
        self.crawler.stats.inc_value("yonhap/truncated_responses")
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason="truncated_html",
            max_retry_times=self.max_times,
            give_up_log_level=logging.WARNING,
        )
        return retry or response


class WarcArchiveMiddleware:
    """Writes every response (articles, list pages, feed, robots.txt, errors) as a WARC record
    and puts the record's URI in ``request.meta['raw_uri']``; counts requests per page kind."""

    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.archive = LocalWarcArchive(
            Path(settings.get("YONHAP_OUT_DIR")) / "warc",
            bucket=settings.get("YONHAP_S3_BUCKET", "yonhap-fr"),
            run_id=settings.get("YONHAP_RUN_ID", "run"),
        )

    @classmethod
    def from_crawler(cls, crawler):
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def spider_closed(self, spider=None):
        self.archive.close()

    def process_request(self, request, spider=None):
        self.crawler.stats.inc_value(f"yonhap/requests/{page_kind(request.url)}")
        return None

    def process_response(self, request, response, spider=None):
        fetched_at = datetime.now(UTC)
        headers = [
            (k.decode("latin-1"), v.decode("latin-1")) for k, values in response.headers.items() for v in values
        ]
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        uri = self.archive.write(response.url, response.status, reason, headers, response.body, fetched_at)
        request.meta["raw_uri"] = uri
        request.meta["fetched_at"] = fetched_at.isoformat()
        kind = page_kind(response.url)
        self.crawler.stats.inc_value(f"yonhap/responses/{kind}")
        self.crawler.stats.inc_value(f"yonhap/responses/{kind}/status_{response.status}")
        return response
