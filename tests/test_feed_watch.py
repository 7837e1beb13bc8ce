"""The feed watcher's decisions (scrapers.feed_watch): one request per poll, conditional
requests, robots.txt, Retry-After, staleness fallback to the list page, new/changed ids.

The site is a small scripted fake *here only* because these are decisions over responses; the
same watcher against the replica over HTTP is in tests/test_freshness_airflow.py and
bench/bench_freshness.py."""

from __future__ import annotations

from datetime import datetime

from ground.core.timeutil import KST
from scrapers.feed_watch import (
    FEED,
    LIST,
    ROBOTS,
    WATCHER_TOKEN,
    FeedWatch,
    Response,
    WatchState,
)

BASE = "http://site.test"
UA = "yonhap-pipeline/test (+https://example.invalid)"


def _rss(items: list[tuple[str, str]]) -> bytes:
    body = "".join(f"<item><title>t</title><link>{BASE}/view/{aid}</link><pubDate>{when}</pubDate></item>"
                   for aid, when in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{body}</channel></rss>'.encode()


def _list(items: list[tuple[str, str]]) -> bytes:
    lis = "".join(f'<li><article><strong class="tit"><a href="/view/{aid}">t</a></strong>'
                  f'<span class="date">{when}</span></article></li>' for aid, when in items)
    return f'<html><body><div class="smain-list-type01"><ul>{lis}</ul></div></body></html>'.encode()


class Site:
    """Answers by path from a mutable script; records every request (path, headers)."""

    def __init__(self):
        self.robots = Response(200, b"User-agent: *\nDisallow: /search\n")
        self.feed: list[tuple[str, str]] = []
        self.listing: list[tuple[str, str]] = []
        self.feed_status: int | None = None  # force a status for the feed
        self.retry_after: str | None = None
        self.requests: list[tuple[str, dict]] = []

    def __call__(self, url: str, headers: dict) -> Response:
        path = url[len(BASE):]
        self.requests.append((path, dict(headers)))
        if path == "/robots.txt":
            return self.robots
        if path == "/RSS/news.xml":
            if self.feed_status:
                return Response(self.feed_status, headers={"retry-after": self.retry_after} if self.retry_after else {})
            body, tag = _rss(self.feed), f'"f{len(self.feed)}"'
        elif path == "/news":
            body, tag = _list(self.listing), f'"l{len(self.listing)}"'
        else:
            return Response(404)
        if headers.get("If-None-Match") == tag:
            return Response(304, headers={"etag": tag})
        return Response(200, body, {"etag": tag})


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _watch(site, clock, **kw) -> FeedWatch:
    return FeedWatch(BASE, UA, 60, fetch=site, clock=clock, **kw)


A1, A2, A3 = "AFR20240619000100884", "AFR20240619000200884", "AFR20240619000300884"


def test_first_poll_reads_robots_then_each_poll_sends_one_conditional_request():
    site, clock = Site(), Clock()
    site.feed = [(A1, "Wed, 19 Jun 2024 09:00:00")]
    watch = _watch(site, clock)
    first = watch.poll()
    assert first.source == ROBOTS and site.requests[0][1]["User-Agent"] == f"{UA} {WATCHER_TOKEN}"
    second = watch.poll()
    assert (second.source, second.status, second.ids) == (FEED, 200, [A1])
    assert second.published[A1] == datetime(2024, 6, 19, 9, tzinfo=KST).isoformat()
    assert second.wait_seconds == 60
    clock.now += 60
    third = watch.poll()  # nothing changed: a 304, sent with the validator the feed gave
    assert (third.source, third.status, third.ids) == (FEED, 304, [])
    assert site.requests[-1][1]["If-None-Match"] == '"f1"'
    assert len(site.requests) == 3  # one request per poll


def test_new_and_changed_ids_are_announced_once():
    site, clock = Site(), Clock()
    watch = _watch(site, clock)
    watch.poll()
    site.feed = [(A1, "Wed, 19 Jun 2024 09:00:00")]
    assert watch.poll().ids == [A1]
    site.feed = [(A2, "Wed, 19 Jun 2024 09:05:00"), (A1, "Wed, 19 Jun 2024 09:00:00")]
    clock.now += 60
    assert watch.poll().ids == [A2]
    # A1 re-dated (an update): changed, announced again; A2 unchanged.
    site.feed = [(A1, "Wed, 19 Jun 2024 09:30:00"), (A2, "Wed, 19 Jun 2024 09:05:00"), (A3, "Wed, 19 Jun 2024 09:06:00")]
    clock.now += 60
    assert sorted(watch.poll().ids) == sorted([A1, A3])


def test_the_state_survives_a_restart_as_json():
    import json

    site, clock = Site(), Clock()
    site.feed = [(A1, "Wed, 19 Jun 2024 09:00:00")]
    watch = _watch(site, clock)
    watch.poll()
    watch.poll()
    saved = json.loads(json.dumps(watch.state.to_dict()))
    again = _watch(site, clock, state=WatchState.from_dict(saved))
    clock.now += 60
    poll = again.poll()  # robots still fresh, the feed's validator kept: a 304, nothing re-announced
    assert (poll.source, poll.status, poll.ids) == (FEED, 304, [])
    assert WatchState.from_dict({"nonsense": 1, "seen": {A1: "x"}}).seen == {A1: "x"}
    assert WatchState.from_dict("garbage").seen == {}


def test_retry_after_silences_the_watcher_until_it_expires():
    site, clock = Site(), Clock()
    watch = _watch(site, clock)
    watch.poll()
    site.feed_status, site.retry_after = 429, "300"
    busy = watch.poll()
    assert busy.status == 429 and busy.wait_seconds == 300
    before = len(site.requests)
    clock.now += 100
    quiet = watch.poll()
    assert quiet.source is None and quiet.wait_seconds == 200 and len(site.requests) == before


def test_a_failed_or_stale_feed_sends_the_next_poll_to_the_list_page():
    site, clock = Site(), Clock()
    site.feed = [(A1, "Wed, 19 Jun 2024 09:00:00")]
    site.listing = [(A2, "19.06 09:05"), (A1, "19.06 09:00")]
    watch = _watch(site, clock, stale_seconds=600)
    watch.poll()
    assert watch.poll().source == FEED
    site.feed_status = 503
    clock.now += 60
    assert watch.poll().status == 503
    clock.now += 60
    fallback = watch.poll()  # the feed failed: the list page instead, still one request
    assert (fallback.source, fallback.ids) == (LIST, [A2])
    site.feed_status = None
    # The list knew an id the feed lacked: feed and list alternate until the feed catches up.
    sources = []
    for _ in range(4):
        clock.now += 60
        sources.append(watch.poll().source)
    assert set(sources) == {FEED, LIST}
    # Stale: a feed unchanged for stale_seconds gets one look at the list, then the feed again.
    site.feed = [(A2, "Wed, 19 Jun 2024 09:05:00"), (A1, "Wed, 19 Jun 2024 09:00:00")]
    clock.now += 60
    watch.poll()
    watch.state.feed_lagging = False
    clock.now += 601
    assert watch.poll().source == LIST
    clock.now += 60
    assert watch.poll().source == FEED


def test_robots_rules_are_obeyed():
    site, clock = Site(), Clock()
    site.robots = Response(200, b"User-agent: *\nDisallow: /RSS/\nCrawl-delay: 120\n")
    site.listing = [(A1, "19.06 09:00")]
    watch = _watch(site, clock)
    watch.poll()
    poll = watch.poll()
    assert poll.source == LIST and poll.wait_seconds == 120  # Crawl-delay stretches the interval
    assert all(not path.startswith("/RSS/") for path, _ in site.requests)
    site.robots = Response(200, b"User-agent: *\nDisallow: /\n")
    clock.now += 25 * 3600
    assert watch.poll().source == ROBOTS
    clock.now += 60
    nothing = watch.poll()
    assert nothing.source is None and "disallows" in nothing.note
    # robots.txt unreachable (5xx): no crawling until it answers.
    site.robots = Response(503)
    clock.now += 25 * 3600
    assert watch.poll().source == ROBOTS
    clock.now += 60
    assert watch.poll().source == ROBOTS  # asks robots again, never the feed
    site.robots = Response(404)  # no robots file: no rules
    clock.now += 60
    watch.poll()
    clock.now += 60
    assert watch.poll().source in (FEED, LIST)


def test_against_the_replica_over_http_the_feed_costs_a_304_when_nothing_changed(replica):
    site = replica(start="2024-06-18", end="2024-06-19", per_day=30)
    watch = FeedWatch(site.base_url, UA, 60)
    site.clear_log()
    assert watch.poll().source == ROBOTS
    first = watch.poll()
    newest = [item.article_id for item in site.corpus.latest()]
    assert (first.source, first.status) == (FEED, 200) and first.ids == newest  # the feed, newest first
    again = watch.poll()
    assert (again.source, again.status, again.ids) == (FEED, 304, [])
    log = site.access_log()
    assert [(e["path"], e["status"]) for e in log] == [
        ("/robots.txt", 200), ("/RSS/news.xml", 200), ("/RSS/news.xml", 304)]
    assert all(e["ua"] == f"{UA} {WATCHER_TOKEN}" for e in log) and log[2]["if_none_match"]
    # The list page answers conditionally too.
    watch.state.feed_failed = True
    listed = watch.poll()
    assert (listed.source, listed.status, listed.ids) == (LIST, 200, [])  # same ids as the feed: nothing new
    watch.state.feed_failed = True
    assert watch.poll().status == 304
