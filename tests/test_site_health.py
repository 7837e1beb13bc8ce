"""Site health verdicts from what the spider hands off (scrapers.site_health): pure functions,
one case per row of the module's table, with the spider's own stat and error shapes."""

from __future__ import annotations

from ground.core.schema import (
    SITE_DEGRADED,
    SITE_DISCOVERY_FAILED,
    SITE_OK,
    SITE_QUIET,
    SITE_ROBOTS_UNAVAILABLE,
    SITE_UNREACHABLE,
)
from scrapers import site_health as sh

BASE = "https://fr.yna.co.kr"
DNS = "DNSLookupError: DNS lookup failed: no results for hostname lookup: fr.yna.co.kr."


def _error(url: str, error: str) -> dict:
    return {"url": url, "error": error, "attempts": 5, "at": "2026-12-06T10:00:00+00:00"}


def test_no_answer_to_robots_txt_is_unreachable_with_host_cause_and_counts():
    out = {"scrapy_stats": {"yonhap/robots/error": DNS, "yonhap/requests/robots": 5}, "errors": []}
    health = sh.assess(BASE, out)
    assert health.verdict == SITE_UNREACHABLE and health.fails_crawl
    assert health.line == ("fr.yna.co.kr unreachable: DNS lookup failed on all 5 attempts to fetch robots.txt; "
                           "nothing else was requested")


def test_robots_txt_5xx_is_disallow_all_and_fails_the_crawl():
    out = {"scrapy_stats": {"yonhap/robots/status": 503, "yonhap/requests/robots": 5,
                            "downloader/response_count": 5}, "errors": []}
    health = sh.assess(BASE, out)
    assert health.verdict == SITE_ROBOTS_UNAVAILABLE and health.fails_crawl
    assert "HTTP 503 on all 5 attempts" in health.line and "RFC 9309" in health.line


def test_robots_txt_404_means_no_rules_not_a_failure():
    out = {"scrapy_stats": {"yonhap/robots/status": 404, "downloader/response_count": 3,
                            "yonhap/answered/rss": 1, "item_scraped_count": 2}, "errors": []}
    assert sh.assess(BASE, out).verdict == SITE_OK


def test_every_request_failing_without_any_answer_is_unreachable():
    errors = [_error(f"{BASE}/RSS/news.xml", "ConnectionRefusedError: Connection was refused by other side: 111"),
              _error(f"{BASE}/news", "ConnectionRefusedError: Connection was refused by other side: 111"),
              _error(f"{BASE}/news/2", "TCPTimedOutError: TCP connection timed out: 110")]
    health = sh.assess(BASE, {"scrapy_stats": {}, "errors": errors})
    assert health.verdict == SITE_UNREACHABLE
    assert health.line == ("fr.yna.co.kr unreachable: connection refused on 3 of 3 requests "
                           "(feed 1, list pages 2)")


def test_feed_and_list_pages_all_failing_is_a_discovery_failure():
    errors = [_error(f"{BASE}/RSS/news.xml", "HTTP 503"), _error(f"{BASE}/news", "HTTP 503")]
    stats = {"yonhap/robots/status": 200, "downloader/response_count": 11}
    health = sh.assess(BASE, {"scrapy_stats": stats, "errors": errors})
    assert health.verdict == SITE_DISCOVERY_FAILED and health.fails_crawl
    assert health.line == "fr.yna.co.kr gave no feed or list page: HTTP 503 on 2 of 2 requests (feed 1, list pages 1)"
    # An event run walks no list: the same errors say nothing about discovery there.
    assert sh.assess(BASE, {"scrapy_stats": stats, "errors": errors}, targeted=True).verdict != SITE_DISCOVERY_FAILED


def test_article_failures_above_the_share_turn_the_run_red_below_stay_green():
    def run(failed: int, ok: int):
        out = {"scrapy_stats": {"downloader/response_count": 40, "yonhap/answered/rss": 1, "item_scraped_count": ok,
                                "yonhap/answered/own_article": ok},
               "errors": [], "fresh_article_failures": ["HTTP 503"] * (failed - 1) + ["TimeoutError: timed out"]}
        return sh.assess(BASE, out)

    red = run(failed=5, ok=15)  # 25 % > 20 %
    assert red.verdict == SITE_DEGRADED and red.fails_run and not red.fails_crawl
    assert red.line.startswith("fr.yna.co.kr: 5 of 20 article pages failed (HTTP 503: 4, timed out: 1), above the 20% limit")
    assert run(failed=4, ok=16).verdict == SITE_OK  # exactly 20 %: recorded, retried next run
    assert run(failed=2, ok=1).verdict == SITE_OK  # fewer than 3 failures never turn a run red


def test_retries_of_earlier_failures_do_not_count_against_the_run():
    # Two persistent dead pages retried every run: errors, but not this run's own articles.
    out = {"scrapy_stats": {"downloader/response_count": 6, "yonhap/answered/rss": 1, "item_scraped_count": 3,
                            "yonhap/answered/own_article": 3},
           "errors": [_error(f"{BASE}/view/AFR20240618000100884", "HTTP 404")] * 2, "fresh_article_failures": []}
    assert sh.assess(BASE, out).verdict == SITE_OK


def test_an_answering_site_with_nothing_new_is_quiet_and_green():
    out = {"scrapy_stats": {"downloader/response_count": 3, "yonhap/answered/rss": 1, "yonhap/answered/list": 1},
           "errors": []}
    health = sh.assess(BASE, out)
    assert health.verdict == SITE_QUIET and not health.fails_run
    assert health.line == "quiet: fr.yna.co.kr answered (3 responses), nothing new or changed in the window"
    # 304s are answers about known articles: not quiet, not new either -- an ordinary run.
    out["scrapy_stats"]["yonhap/not_modified"] = 4
    assert sh.assess(BASE, out).verdict == SITE_OK


def test_causes_read_as_words():
    assert sh.cause_of("HTTP 429") == "HTTP 429"
    assert sh.cause_of(DNS) == "DNS lookup failed"
    assert sh.cause_of("ResponseNeverReceived: [<twisted.python.failure.Failure …>]") == \
        "connection reset before any answer"
    assert sh.cause_of("WeirdError: x") == "WeirdError"
