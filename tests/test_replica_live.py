"""The replica's live mode: a clock publishes the corpus over time.

Unit tests drive the clock with a ManualTime (no sleeping), in process and through an
in-process server over real HTTP; one test runs `python -m devtools.replica --live` in a
subprocess at speed 600 and watches articles appear over real time. Expected values always come
from the corpus truth (every article's `published_at`), never hard-coded.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

import pytest
import typer
from lxml import etree
from lxml import html as lxml_html
from typer.testing import CliRunner

from devtools.replica import Corpus, ReplicaConfig, ReplicaConfigError, faults
from devtools.replica.clock import LiveClock, ManualTime
from devtools.replica.config import TRANSIENT_FAULTS
from devtools.replica.corpus import PAGE_SIZE, RSS_ITEMS
from devtools.replica.server import EMPTY_MODIFIED, bound_url, make_server
from ground.core.timeutil import KST

LIVE = dict(seed=11, start="2024-06-18", end="2024-06-20", per_day=120, live=True,
            live_start="2024-06-19T08:00", speed=60.0)
UNKNOWN_ID = "AFR20240619999900884"


# ---------------------------------------------------------------- helpers
def manual_corpus(**overrides) -> tuple[Corpus, ManualTime]:
    cfg = ReplicaConfig(**{**LIVE, **overrides})
    t = ManualTime()
    return Corpus(cfg, clock=LiveClock.for_config(cfg, t)), t


def site_time(corpus: Corpus, elapsed_wall: float) -> datetime:
    return corpus.config.live_start + timedelta(seconds=corpus.config.speed * elapsed_wall)


def wall_for(corpus: Corpus, at: datetime) -> float:
    """Wall seconds after the clock's start at which site time reaches `at`."""
    return (at - corpus.config.live_start).total_seconds() / corpus.config.speed


class Truth:
    """Every article of a config, newest first, with its published_at (the truth)."""

    def __init__(self, corpus: Corpus):
        self.ids = list(corpus.ids_newest_first(include_unreleased=True))
        self.pub = {i: corpus.truth(i, edited=False).published_at for i in self.ids}

    def released(self, at: datetime) -> list[str]:
        return [i for i in self.ids if self.pub[i] <= at]

    def next_after(self, at: datetime) -> datetime | None:
        later = [p for p in self.pub.values() if p > at]
        return min(later) if later else None


@pytest.fixture(scope="module")
def truth() -> Truth:
    return Truth(Corpus(ReplicaConfig(**LIVE)))


def fetch(base_url: str, path: str, headers: dict | None = None):
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def admin(base_url: str, path: str):
    status, _, body = fetch(base_url, "/__replica__/" + path)
    return status, json.loads(body)


@contextmanager
def serving(t: ManualTime | None = None, **overrides):
    """An in-process replica server; live configs run on a LiveClock over the ManualTime `t`."""
    cfg = ReplicaConfig(**{**LIVE, **overrides})
    clock = LiveClock.for_config(cfg, t) if cfg.live else None
    server = make_server(cfg, clock=clock)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield bound_url(server), server.replica_state.corpus
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def list_ids(body: bytes) -> list[str]:
    doc = lxml_html.fromstring(body)
    hrefs = [a.get("href") for a in doc.cssselect("div.smain-list-type01 > ul > li strong.tit a")]
    return [urlsplit(h).path.rsplit("/", 1)[1] for h in hrefs]


def feed_ids(body: bytes) -> list[str]:
    return [item.findtext("guid") for item in etree.fromstring(body).findall("./channel/item")]


def http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC), usegmt=True)


# ---------------------------------------------------------------- config and CLI
def test_live_config_defaults_and_site_time_parsing():
    plain = ReplicaConfig()
    assert (plain.live, plain.speed, plain.live_start) == (False, 1.0, None)
    live = ReplicaConfig(live=True, start="2024-06-18")
    assert live.live_start == datetime(2024, 6, 18, tzinfo=KST) and live.live_start.utcoffset() == timedelta(hours=9)
    a = ReplicaConfig(live=True, live_start="2024-06-19T08:00")
    b = ReplicaConfig(live=True, live_start="2024-06-19T08:00:00+09:00")
    c = ReplicaConfig(live=True, live_start="2024-06-18T23:00:00+00:00")
    d = ReplicaConfig(live=True, live_start=datetime(2024, 6, 19, 8, 0))
    assert a.live_start == b.live_start == c.live_start == d.live_start
    assert a.live_start.isoformat() == "2024-06-19T08:00:00+09:00"
    assert ReplicaConfig(**a.to_dict()) == a
    assert a.to_dict()["live_start"] == "2024-06-19T08:00:00+09:00"


@pytest.mark.parametrize("bad, option", [
    (dict(speed=0), "--speed"), (dict(speed=-1), "--speed"), (dict(speed=3601), "--speed"),
    (dict(speed="fast"), "--speed"), (dict(speed=float("nan")), "--speed"),
    (dict(live=True, live_start="June 19"), "--live-start"),
    (dict(live=True, live_start="2024-06-19T25:00"), "--live-start"),
])
def test_bad_live_options_name_the_option(bad, option):
    with pytest.raises(ReplicaConfigError) as err:
        ReplicaConfig(**bad)
    assert option in str(err.value)


def test_live_flags_round_trip_through_both_clis(monkeypatch):
    from devtools.replica import cli
    from pipeline.cli.app import app as pipeline_app

    served: list[ReplicaConfig] = []
    monkeypatch.setattr(cli, "serve", lambda config, **kw: served.append(config))
    replica_app = typer.Typer()
    replica_app.command()(cli.replica)
    cfg = ReplicaConfig(**{**LIVE, "speed": 600.0, "fault_rate": 0.1})
    runner = CliRunner()
    assert runner.invoke(replica_app, cfg.to_args()).exit_code == 0
    assert runner.invoke(pipeline_app, ["replica", *cfg.to_args()]).exit_code == 0
    assert served == [cfg, cfg]
    result = runner.invoke(pipeline_app, ["replica", "--live", "--speed", "0"])
    assert result.exit_code == 2 and "--speed" in result.output
    assert ReplicaConfig(**{**LIVE, "live": False}).to_args()[-1] != "--live"


# ---------------------------------------------------------------- the clock
def test_live_clock_runs_at_speed_from_live_start():
    start = datetime(2024, 6, 19, 8, tzinfo=KST)
    t = ManualTime(1000.0)
    clock = LiveClock(start, 60.0, t)
    assert clock.now() == start
    t.advance(1.5)
    assert clock.elapsed() == 1.5 and clock.now() == start + timedelta(seconds=90)
    clock.reset()
    assert clock.now() == start
    t.advance(3600)
    assert clock.now() == start + timedelta(hours=60)
    with pytest.raises(ValueError):
        LiveClock(start, 0)
    with pytest.raises(ValueError):
        LiveClock(datetime(2024, 6, 19, 8), 1.0)


def test_corpus_now_follows_the_clock_at_its_speed_and_stops_at_the_end():
    for speed in (1.0, 60.0, 3600.0):
        corpus, t = manual_corpus(speed=speed)
        assert corpus.now == corpus.config.live_start
        t.advance(10)
        assert corpus.now == corpus.config.live_start + timedelta(seconds=10 * speed)
    corpus, t = manual_corpus(speed=3600.0)
    t.advance(10**6)
    assert corpus.now == corpus.end == datetime(2024, 6, 21, tzinfo=KST)
    assert Corpus(ReplicaConfig(**{**LIVE, "live": False})).now == corpus.end
    with pytest.raises(ValueError):
        Corpus(ReplicaConfig(), clock=LiveClock(corpus.end, 1.0, ManualTime()))


# ---------------------------------------------------------------- release, in process
def check_site_against_truth(corpus: Corpus, truth: Truth, at: datetime) -> list[str]:
    expected = truth.released(at)
    assert len(corpus) == len(expected)
    assert list(corpus.ids_newest_first()) == expected
    assert corpus.page_count() == max(1, -(-len(expected) // PAGE_SIZE))
    pages = [[i.article_id for i in corpus.list_page(n)] for n in range(1, corpus.page_count() + 2)]
    assert [i for p in pages for i in p] == expected and pages[-1] == []
    assert all(len(p) == PAGE_SIZE for p in pages[:-2])
    assert [i.article_id for i in corpus.latest()] == expected[:RSS_ITEMS]
    if expected:
        assert corpus.id_at(0) == expected[0] and corpus.id_at(len(expected) - 1) == expected[-1]
    with pytest.raises(IndexError):
        corpus.id_at(len(expected))
    assert [i for i in truth.ids if corpus.released(i)] == expected
    return expected


def test_release_follows_the_clock_and_matches_truth(truth):
    corpus, t = manual_corpus()
    live_start = corpus.config.live_start
    times = [live_start, live_start + timedelta(hours=4, minutes=34),
             datetime(2024, 6, 19, 23, 59, tzinfo=KST), datetime(2024, 6, 20, tzinfo=KST),
             datetime(2024, 6, 20, 0, 1, tzinfo=KST), datetime(2024, 6, 20, 13, 0, 30, tzinfo=KST),
             datetime(2024, 6, 21, tzinfo=KST), datetime(2024, 6, 22, tzinfo=KST)]
    seen = []
    for at in times:
        t.t = wall_for(corpus, at)
        seen.append(check_site_against_truth(corpus, truth, at))
        assert corpus.now == min(at, corpus.end)
    counts = [len(s) for s in seen]
    assert counts == sorted(counts) and 0 < counts[0] < counts[-1] == len(truth.ids)
    # days before the clock's day are all out, days after all hidden
    t.t = wall_for(corpus, live_start)
    assert all(corpus.released(i) for i in corpus.ids_on("2024-06-18"))
    assert not any(corpus.released(i) for i in corpus.ids_on("2024-06-20"))
    day = corpus.ids_on("2024-06-19")
    released = [i for i in day if corpus.released(i)]
    assert 0 < len(released) < len(day) and released == day[:len(released)]


def test_release_order_minute_by_minute(truth):
    corpus, t = manual_corpus(speed=60.0)  # one wall second = one site minute
    previous, prev_at = list(corpus.ids_newest_first()), corpus.now
    released_order: list[str] = []
    for minute in range(1, 18 * 60):
        t.t = float(minute)
        at = corpus.now
        view = corpus.view()
        new = [view.id_at(i) for i in range(len(view) - len(previous))]
        assert set(new) == {i for i in truth.ids if prev_at < truth.pub[i] <= at}
        assert [view.id_at(i) for i in range(len(new), min(len(view), len(new) + 3))] == previous[:3]
        released_order += reversed(new)
        previous, prev_at = new + previous, at
    pubs = [truth.pub[i] for i in released_order]
    assert pubs == sorted(pubs) and len(released_order) > 50
    assert released_order == [i for i in reversed(truth.ids)
                              if corpus.config.live_start < truth.pub[i] <= prev_at]


def test_a_clock_before_the_range_shows_an_empty_site(truth):
    corpus, t = manual_corpus(live_start="2024-06-17T12:00")
    assert (len(corpus), corpus.page_count(), corpus.list_page(1), corpus.latest()) == (0, 1, [], [])
    assert not corpus.released(truth.ids[-1]) and corpus.truth(truth.ids[-1]).article_id == truth.ids[-1]
    t.t = wall_for(corpus, datetime(2024, 6, 18, tzinfo=KST) + timedelta(hours=8))
    check_site_against_truth(corpus, truth, corpus.now)


def test_view_at_any_instant_works_without_a_clock(truth):
    plain = Corpus(ReplicaConfig(**{**LIVE, "live": False}))
    assert len(plain) == len(truth.ids) and plain.view().hidden == 0
    for at in (datetime(2024, 6, 19, 14, 7, tzinfo=KST), datetime(2024, 6, 20, 7, 0)):  # naive = KST
        view = plain.view(at)
        assert list(view.ids_newest_first()) == truth.released(at.replace(tzinfo=KST))


# ---------------------------------------------------------------- the site over HTTP (manual clock)
def test_article_is_404_before_its_release_and_200_after(truth):
    t = ManualTime()
    with serving(t) as (url, corpus):
        later = [i for i in reversed(truth.ids) if truth.pub[i] > corpus.config.live_start + timedelta(hours=1)]
        article_id = later[0]
        not_found = fetch(url, f"/view/{UNKNOWN_ID}")
        status, headers, body = fetch(url, f"/view/{article_id}")
        assert (status, body) == (404, not_found[2]) and "etag" not in headers
        status, data = admin(url, f"truth/{article_id}")  # the truth exists before the release
        assert status == 200 and data == json.loads(json.dumps(corpus.truth(article_id).to_dict()))
        t.t = wall_for(corpus, truth.pub[article_id] - timedelta(minutes=1))
        assert fetch(url, f"/view/{article_id}")[0] == 404
        t.t = wall_for(corpus, truth.pub[article_id])  # released at published_at exactly
        status, headers, body = fetch(url, f"/view/{article_id}")
        assert status == 200 and body == corpus.render_article(article_id) and headers["etag"]
        assert [e["status"] for e in admin(url, "log")[1]] == [404, 404, 404, 200]


def test_list_pages_and_feed_over_http_match_truth_at_the_clock(truth):
    t = ManualTime()
    with serving(t) as (url, corpus):
        for at in (corpus.config.live_start, datetime(2024, 6, 19, 15, 41, tzinfo=KST),
                   datetime(2024, 6, 20, 9, 3, tzinfo=KST)):
            t.t = wall_for(corpus, at)
            expected = truth.released(at)
            pages = []
            for n in range(1, -(-len(expected) // PAGE_SIZE) + 2):
                status, _, body = fetch(url, "/news" if n == 1 else f"/news/{n}")
                assert status == 200
                pages.append(list_ids(body))
            assert [i for p in pages for i in p] == expected and pages[-1] == []
            status, headers, body = fetch(url, "/RSS/news.xml")
            assert status == 200 and feed_ids(body) == expected[:RSS_ITEMS]
            build = etree.fromstring(body).findtext("./channel/lastBuildDate")
            assert datetime.strptime(build, "%a, %d %b %Y %H:%M:%S").replace(tzinfo=KST) == truth.pub[expected[0]]
            assert admin(url, "health")[1]["articles"] == len(expected)


def test_admin_clock_ids_and_released_filter(truth):
    t = ManualTime()
    with serving(t, speed=120.0) as (url, corpus):
        t.advance(30)  # one site hour
        at = corpus.config.live_start + timedelta(hours=1)
        status, clock = admin(url, "clock")
        assert status == 200
        assert clock == {"live": True, "site_now": at.isoformat(), "speed": 120.0,
                         "live_start": corpus.config.live_start.isoformat(),
                         "released": len(truth.released(at)), "total": len(truth.ids), "paused": False}
        # Paused, site time stands still (a quiet site) and runs on from there when resumed.
        assert admin(url, "clock?pause=1")[1]["paused"] is True
        t.advance(30)
        assert admin(url, "clock")[1]["site_now"] == at.isoformat()
        assert admin(url, "clock?pause=0")[1]["paused"] is False
        t.advance(30)
        assert admin(url, "clock")[1]["site_now"] == (at + timedelta(hours=1)).isoformat()
        t.advance(-30)
        day = corpus.ids_on("2024-06-19")
        assert admin(url, "ids?date=2024-06-19")[1] == day
        released = admin(url, "ids?date=2024-06-19&released=1")[1]
        assert released == [i for i in day if truth.pub[i] <= at] and 0 < len(released) < len(day)
        assert admin(url, "ids?date=2024-06-20&released=1")[1] == []
        assert admin(url, "ids?date=2024-06-20&released=maybe")[0] == 400
    with serving(live=False) as (url, corpus):
        clock = admin(url, "clock")[1]
        assert clock == {"live": False, "site_now": corpus.end.isoformat(), "speed": 60.0,
                         "live_start": "2024-06-19T08:00:00+09:00", "released": len(truth.ids),
                         "total": len(truth.ids), "paused": False}
        assert admin(url, "clock?pause=1")[0] == 400  # no clock to pause
        assert admin(url, "ids?date=2024-06-20&released=1")[1] == corpus.ids_on("2024-06-20")


# ---------------------------------------------------------------- conditional requests
def check_conditional(url: str, path: str, newest: datetime) -> str:
    status, headers, body = fetch(url, path)
    assert status == 200
    etag = headers["etag"]
    assert etag == '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'  # strong hash of the body
    assert headers["last-modified"] == http_date(newest)
    assert parsedate_to_datetime(headers["last-modified"]) == newest
    s, h, b = fetch(url, path, {"If-None-Match": etag})
    assert (s, b) == (304, b"") and h["etag"] == etag and "content-length" not in h
    assert fetch(url, path, {"If-Modified-Since": headers["last-modified"]})[:3:2] == (304, b"")
    older = http_date(newest - timedelta(seconds=1))
    assert fetch(url, path, {"If-Modified-Since": older})[2] == body
    assert fetch(url, path, {"If-None-Match": '"other"', "If-Modified-Since": headers["last-modified"]})[0] == 200
    return etag


def test_feed_and_list_pages_answer_304_until_a_new_article_is_released(truth):
    t = ManualTime()
    with serving(t) as (url, corpus):
        at = datetime(2024, 6, 19, 12, 0, tzinfo=KST)
        t.t = wall_for(corpus, at)
        expected = truth.released(at)
        paths = {"/RSS/news.xml": expected[0], "/news": expected[0], "/news/2": expected[PAGE_SIZE]}
        etags = {p: check_conditional(url, p, truth.pub[first]) for p, first in paths.items()}
        following = truth.next_after(at)
        t.t = wall_for(corpus, following - timedelta(seconds=1))  # the clock moves, nothing new
        for path, etag in etags.items():
            assert fetch(url, path, {"If-None-Match": etag})[0] == 304
        t.t = wall_for(corpus, following)
        for path, etag in etags.items():
            status, headers, _ = fetch(url, path, {"If-None-Match": etag})
            assert status == 200 and headers["etag"] != etag
        assert fetch(url, "/news", {"If-None-Match": etags["/news"]})[1]["last-modified"] == http_date(following)
        log = admin(url, "log")[1]
        not_modified = [e for e in log if e["status"] == 304]
        assert len(not_modified) >= 3 * len(paths)
        assert {e["path"] for e in not_modified} == set(paths)
        assert all(e["if_none_match"] or e["if_modified_since"] for e in not_modified)
        # an empty page (past the end) has a fixed early Last-Modified
        status, headers, body = fetch(url, "/news/999")
        assert status == 200 and list_ids(body) == []
        assert headers["last-modified"] == http_date(EMPTY_MODIFIED)
        assert fetch(url, "/news/999", {"If-Modified-Since": headers["last-modified"]})[0] == 304


def test_non_live_feed_and_list_pages_carry_validators_too(truth):
    with serving(live=False) as (url, corpus):
        for path, first in (("/RSS/news.xml", truth.ids[0]), ("/news/1", truth.ids[0]),
                            ("/news/3", truth.ids[2 * PAGE_SIZE])):
            check_conditional(url, path, truth.pub[first])
        status, headers, body = fetch(url, "/news")
        assert body == fetch(url, "/news/1")[2] and headers["etag"] == fetch(url, "/news/1")[1]["etag"]


# ---------------------------------------------------------------- faults in live mode
def test_live_faults_are_per_attempt_rate_shaped_and_transient_only():
    cfg = ReplicaConfig(**LIVE, fault_rate=0.3)  # all kinds, "dead" included
    transient = [k for k in cfg.fault_kinds if k in TRANSIENT_FAULTS]
    n = 5000
    for path in ("/RSS/news.xml", "/news", "/news/2"):
        got = [faults.fault_for_attempt(cfg, path, a) for a in range(1, n + 1)]
        assert got == [faults.live_fault(cfg, path, a) for a in range(1, n + 1)]  # pure and deterministic
        kinds = Counter(k for k in got if k)
        assert abs(sum(kinds.values()) / n - cfg.fault_rate) < 0.03
        assert set(kinds) == set(transient) and "dead" not in kinds
        late = [a for a, k in enumerate(got, 1) if k and a > 2]
        assert len(late) > n * 0.2  # faulty attempts keep coming, not only the first ones
    assert faults.fault_for_attempt(cfg, "/news?x=1", 7) == faults.fault_for_attempt(cfg, "/news", 7)
    # the kinds follow fault_kinds; "dead" alone means no live fault on polled paths
    only = ReplicaConfig(**LIVE, fault_rate=1.0, fault_kinds="503,dead")
    assert {faults.live_fault(only, "/news", a) for a in range(1, 200)} == {"503"}
    dead = ReplicaConfig(**LIVE, fault_rate=1.0, fault_kinds="dead")
    assert {faults.fault_for_attempt(dead, "/RSS/news.xml", a) for a in range(1, 50)} == {None}
    assert faults.live_fault(ReplicaConfig(**LIVE), "/news", 1) is None  # fault_rate 0
    # article pages keep the per-path plan (as when not live); not live, polled paths keep it too
    plain = ReplicaConfig(**{**LIVE, "live": False}, fault_rate=0.3)
    articles = [f"/view/{i}" for i in Corpus(plain).ids_on("2024-06-19")[:60]]
    plans = [[faults.fault_for_attempt(cfg, p, a) for a in range(1, 6)] for p in articles]
    assert plans == [[faults.fault_for_attempt(plain, p, a) for a in range(1, 6)] for p in articles]
    assert any(k == "dead" for plan in plans for k in plan)
    assert all(plan[2:] in ([None] * 3, ["dead"] * 3) for plan in plans)  # persistent_rate 0
    for path in ("/news", "/RSS/news.xml"):
        assert {faults.fault_for_attempt(plain, path, a) for a in range(3, 40)} == {None}


def test_live_faults_over_http_follow_the_pure_function():
    t = ManualTime()
    with serving(t, fault_rate=0.4, fault_kinds="503,429,truncated", retry_after=3) as (url, corpus):
        cfg = corpus.config
        for path in ("/RSS/news.xml", "/news"):
            for attempt in range(1, 31):
                expected = faults.fault_for_attempt(cfg, path, attempt)
                status, headers, body = fetch(url, path)
                if expected == "503":
                    assert status == 503
                elif expected == "429":
                    assert status == 429 and headers["retry-after"] == "3"
                elif expected == "truncated":
                    assert status == 200 and b"</html>" not in body[-20:] and "etag" not in headers
                else:
                    assert status == 200 and headers["etag"]
        log = admin(url, "log")[1]
        assert [e["fault"] for e in log] == [faults.fault_for_attempt(cfg, p, a)
                                             for p in ("/RSS/news.xml", "/news") for a in range(1, 31)]
        assert {e["fault"] for e in log} == {"503", "429", "truncated", None}


# ---------------------------------------------------------------- real time, subprocess
def parse_feed(body: bytes) -> list[str]:
    return feed_ids(body)


def test_live_replica_publishes_articles_over_real_time(replica):
    handle = replica(seed=13, start="2024-06-19", end="2024-06-19", per_day=1440, live=True,
                     live_start="2024-06-19T09:00", speed=600)
    truth = Truth(Corpus(ReplicaConfig(**{**handle.config.to_dict(), "live": False})))
    clock = handle.admin("clock")
    assert clock["live"] is True and clock["speed"] == 600.0
    assert clock["live_start"] == "2024-06-19T09:00:00+09:00" and clock["total"] == len(truth.ids)
    assert handle.admin("ids?date=2024-06-19") == handle.corpus.ids_on("2024-06-19") == truth.ids[::-1]

    def site_now() -> datetime:
        return datetime.fromisoformat(handle.admin("clock")["site_now"])

    first_now = site_now()
    # an article due ~5 site minutes (0.5 s) from now: 404, then 200 once the clock passes it
    due = next(i for i in reversed(truth.ids) if truth.pub[i] > first_now + timedelta(minutes=5))
    status = fetch(handle.base_url, f"/view/{due}")[0]
    assert status == 404 or site_now() >= truth.pub[due]
    counts = []
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        for path, size, parse in (("/RSS/news.xml", RSS_ITEMS, parse_feed), ("/news", PAGE_SIZE, list_ids)):
            before = site_now()
            status, _, body = fetch(handle.base_url, path)
            after = site_now()
            assert status == 200
            ids = parse(body)
            assert ids, path
            newest = truth.pub[ids[0]]
            # what the server showed is the truth at one instant between the two clock readings
            assert newest <= after
            assert ids == truth.released(newest)[:size]
            following = truth.next_after(newest)
            assert following is None or following > before
            counts.append(len(truth.released(newest)))
        time.sleep(0.2)
    assert counts == sorted(counts)
    assert len(truth.released(site_now())) > len(truth.released(first_now))
    assert counts[-1] > counts[0]  # new articles appeared while we watched
    while site_now() < truth.pub[due]:
        time.sleep(0.1)
    status, _, body = fetch(handle.base_url, f"/view/{due}")
    assert status == 200 and body == handle.corpus.render_article(due)
    released = handle.admin("ids?date=2024-06-19&released=1")
    assert released == truth.ids[::-1][:len(released)] and due in released
