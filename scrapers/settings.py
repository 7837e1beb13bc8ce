"""Scrapy settings of the Yonhap crawler.

Politeness and identity come from ground.core.config.Settings (YONHAP_USER_AGENT,
YONHAP_DOWNLOAD_DELAY, YONHAP_CONCURRENCY) through :func:`scrapy_settings`; the constants here
are the fixed part. Never a browser or Scrapy default user agent.
"""

from __future__ import annotations

from typing import Any

BOT_NAME = "yonhap_fr"
SPIDER_MODULES = ["scrapers.spiders"]
NEWSPIDER_MODULE = "scrapers.spiders"

ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False  # the site needs none; a cookie banner is not consent to track
# Scrapy's two ways into a running crawl, both on by default: the telnet console and (since
# 2.19) RemoteControl, an HTTP server on localhost that runs Python code sent to it and
# leaves its token in a job file under ~/.local/state/scrapy. A scheduled crawler needs
# neither; off, nothing listens and nothing is written there.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024  # an article page is ~50 KB; anything huge is not one
DOWNLOAD_WARNSIZE = 1024 * 1024
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 20

# Retries: 5xx, 429 (Retry-After honored, capped), resets and timeouts, with backoff
# (scrapers.middlewares.BackoffRetryMiddleware replaces Scrapy's RetryMiddleware).
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 0.5  # seconds; doubled per attempt, scaled down when DOWNLOAD_DELAY is 0
RETRY_BACKOFF_MAX = 30.0
RETRY_AFTER_MAX = 60.0  # never sleep longer than this on a Retry-After header
TRUNCATED_RETRY_TIMES = 3  # a page without </html> is refetched this often, then parsed as-is

DOWNLOADER_MIDDLEWARES = {
    # robots.txt read as RFC 9309 says (a 5xx or no answer = disallow all); same place in the chain.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "scrapers.middlewares.RfcRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scrapers.middlewares.BackoffRetryMiddleware": 550,
    "scrapers.middlewares.TruncatedHtmlMiddleware": 560,
    # After decompression (590), before retries: every response, including those retried.
    "scrapers.middlewares.WarcArchiveMiddleware": 585,
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,  # COOKIES_ENABLED is off anyway
    # Redirects without Referer handling (RefererMiddleware is off below): no start-up warning.
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "scrapers.middlewares.RedirectWithoutRefererMiddleware": 600,
}
# Spider middlewares that only add work per yielded object here: depth and URL length (we
# follow canonical article links only), Referer headers (the site needs none) and a developer
# check on copied meta keys. Off, they save a few % of crawl CPU (bench_crawl).
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
# The site's pages carry no <meta http-equiv="refresh">, and scanning every page for one cost
# several % of crawl CPU (bench_crawl). HTTP redirects are still followed; a page that did redirect
# by meta tag would fail extraction and be quarantined with its reasons, not lost.
METAREFRESH_ENABLED = False
ITEM_PIPELINES = {
    "scrapers.pipelines.StagingPipeline": 800,
}
EXTENSIONS = {}

AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_MAX_DELAY = 30.0

# Scrapy starts CONCURRENT_ITEMS asyncio tasks per callback result; our callbacks return at
# most ~20 objects and the pipeline is a file append, so a small pool saves CPU per page.
CONCURRENT_ITEMS = 8

LOG_LEVEL = "INFO"
# Every record starts with its level and logger, no time (the caller's log adds it):
# scrapers.stage._record_start reads this prefix to re-log each line at its own level.
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


def scrapy_settings(
    *,
    user_agent: str,
    download_delay: float,
    concurrency: int,
    out_dir: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """This module's settings plus the run's politeness and identity values."""
    values = {k: v for k, v in globals().items() if k.isupper()}
    values.update(
        USER_AGENT=user_agent,
        ROBOTSTXT_USER_AGENT=user_agent,
        DOWNLOAD_DELAY=download_delay,
        DOWNLOAD_DELAY_JITTER=0.5 if download_delay > 0 else 0.0,
        CONCURRENT_REQUESTS_PER_DOMAIN=concurrency,
        CONCURRENT_REQUESTS=max(concurrency, 1),
        # AutoThrottle only ever slows down; with no delay asked for (tests, benchmarks) it is off.
        AUTOTHROTTLE_ENABLED=download_delay > 0,
        AUTOTHROTTLE_START_DELAY=max(download_delay, 0.0),
        AUTOTHROTTLE_TARGET_CONCURRENCY=float(concurrency),
        RETRY_BACKOFF_BASE=RETRY_BACKOFF_BASE if download_delay > 0 else 0.05,
        YONHAP_OUT_DIR=out_dir,
    )
    values.update(extra or {})
    return values
