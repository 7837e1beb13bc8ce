"""The crawler over real HTTP against the replica (subprocess), S3 over HTTP (moto server).

Small windows, no delay: each crawl takes seconds. Truth comes from the replica's Corpus and
its fault plan; what was requested comes from the replica's access log.
"""

from __future__ import annotations

import logging
import math
import shutil
import tempfile
import uuid
from datetime import date
from pathlib import Path

import pytest

from devtools.replica import faults
from devtools.stack import services as stack
from ground.adapters import s3, staging
from ground.core.config import Settings
from ground.core.timeutil import Window
from scrapers import stage
from scrapers.parsers.base import TRUNCATED
from scrapers.parsers.registry import REPLICA_PARSERS
from scrapers.site_health import SiteUnavailable
from scrapers.warc import parse_record_uri, read_record

DISALLOWED = ("/search", "/print/", "/__replica__/")


@pytest.fixture(scope="module")
def s3_endpoint():
    root = Path(tempfile.mkdtemp(prefix="yonhap-crawler-s3-"))
    try:
        yield {"S3_ENDPOINT_URL": stack.start_s3(root, stack.free_port()), **stack.s3_keys_env(root)}
    finally:
        stack.stop_s3(root)
        shutil.rmtree(root, ignore_errors=True)


def _settings(endpoint: dict[str, str], base_url: str, concurrency: int = 4) -> Settings:
    return Settings.from_env(
        {
            "YONHAP_BASE_URL": base_url,
            "YONHAP_DOWNLOAD_DELAY": "0",
            "YONHAP_CONCURRENCY": str(concurrency),
            **endpoint,  # S3_ENDPOINT_URL and its keys
            "S3_BUCKET": f"crawl-{uuid.uuid4().hex[:12]}",
        }
    )


def _article_paths(log: list[dict]) -> list[dict]:
    return [e for e in log if e["path"].startswith("/view/")]


def _id(path: str) -> str:
    return path.split("?", 1)[0].rsplit("/", 1)[-1]


def test_crawl_with_faults_gets_every_article_and_records_failures(replica, s3_endpoint):
    # Seed 3 puts every fault kind (429, dead, reset, truncated, 503, slow; transient and
    # persistent) on the articles of this window, at the replica's 5% rate.
    site = replica(seed=3, start=date(2024, 6, 1), end=date(2024, 6, 20), per_day=40, fault_rate=0.05,
                   persistent_rate=0.25, slow_delay=0.05, retry_after=1)
    settings = _settings(s3_endpoint, site.base_url)
    window = Window.for_dates(date(2024, 6, 10), date(2024, 6, 11))
    stats = stage.crawl(settings, "faults1", window, timeout=240)

    items = staging.read_jsonl(settings, "faults1", staging.ITEMS)
    errors = staging.read_jsonl(settings, "faults1", staging.CRAWL_ERRORS)
    log = site.access_log()
    wanted = set(site.corpus.ids_on(date(2024, 6, 10)) + site.corpus.ids_on(date(2024, 6, 11)))
    plans = {faults.plan_for(site.config, f"/view/{i}") for i in wanted}
    assert {"429", "dead", "truncated", "reset"} <= {p.kind for p in plans}
    by_id = {i["article_id"]: i for i in items}
    failed_ids = {_id(e["url"]) for e in errors if "/view/" in e["url"]}

    # Nothing vanishes: every in-window article is an item or a recorded failure.
    assert wanted <= set(by_id) | failed_ids
    for article_id in wanted:
        plan = faults.plan_for(site.config, f"/view/{article_id}")
        truth = site.truth(article_id)
        if not plan.persistent or (article_id in by_id and not by_id[article_id]["parse_errors"]):
            item = by_id[article_id]  # transient faults (and "slow" ones) must be ridden out
            assert item["parse_errors"] == [], (article_id, plan, item["parse_errors"])
            assert item["title_raw"] == truth.title_raw and item["paragraphs"] == truth.paragraphs
            assert item["published_at"] == truth.published_at.isoformat()
            assert item["url"] == truth.url and item["raw_uri"].startswith(f"s3://{settings.s3_bucket}/raw/dt=")
        elif article_id in by_id:  # a persistent fault whose last answer was a truncated copy
            assert TRUNCATED in by_id[article_id]["parse_errors"]
        else:
            err = next(e for e in errors if _id(e["url"]) == article_id)
            assert err["attempts"] >= 1 and err["error"]
            if plan.kind == "dead":
                assert err["status"] == 404
    assert stats.items == len(items) and stats.errors == len(errors)

    # Only in-window articles were requested, robots.txt first, never a disallowed path.
    requested = {_id(e["path"]) for e in _article_paths(log)}
    assert requested <= wanted
    assert log[0]["path"] == "/robots.txt"
    assert not [e for e in log if e["path"].startswith(DISALLOWED)]
    assert {e["ua"] for e in log} == {settings.user_agent}
    assert stats.scrapy_stats["robotstxt/request_count"] == 1  # robots.txt obeyed, fetched once

    # 429 answers were honored: the retry came no sooner than Retry-After (1 s).
    assert any(e["status"] == 429 for e in log)
    for i, entry in enumerate(log):
        if entry["status"] == 429:
            later = [e for e in log[i + 1 :] if e["path"] == entry["path"]]
            if later:
                assert later[0]["t"] - entry["t"] >= 0.9


def test_seek_cost_one_year_back_in_100k_articles(replica, s3_endpoint):
    site = replica(start=date(2021, 9, 1), end=date(2024, 6, 30), per_day=100)
    corpus = site.corpus
    assert len(corpus) >= 100_000
    pages = corpus.page_count()
    day = date(2023, 6, 30)
    settings = _settings(s3_endpoint, site.base_url)
    stats = stage.crawl(settings, "seek1", Window.for_dates(day, day), timeout=240)

    wanted = set(corpus.ids_on(day))
    # Truth: the list pages that hold the day.
    newest = max(wanted)
    lo, hi = 0, len(corpus) - 1  # newest-first positions; find the day's newest id
    while lo < hi:
        mid = (lo + hi) // 2
        if corpus.id_at(mid) > newest:
            lo = mid + 1
        else:
            hi = mid
    first_page = lo // 20 + 1
    last_page = (lo + len(wanted) - 1) // 20 + 1

    log = site.access_log()
    list_pages = [e["path"] for e in log if e["path"].startswith("/news")]
    numbers = [1 if p == "/news" else int(p.rsplit("/", 1)[1]) for p in list_pages]
    walk = {n for n in numbers if first_page <= n <= last_page + 1}
    locate = [n for n in numbers if n not in walk]
    assert len(locate) <= 2 * math.log2(pages) + 2, (locate, pages)
    assert len(numbers) == len(set(numbers)), "a list page was fetched twice"
    assert {_id(e["path"]) for e in _article_paths(log)} == wanted
    assert stats.items == len(wanted)


def _window_with_one_edit(corpus) -> date:
    day = corpus.config.start
    while day <= corpus.config.end:
        if sum(corpus.truth(i, edited=False).has_edit for i in corpus.ids_on(day)) == 1:
            return day
        day = date.fromordinal(day.toordinal() + 1)
    raise AssertionError("no day with exactly one edited article")


def test_incremental_rerun_costs_304s_and_one_edit_costs_one_page(replica, s3_endpoint, caplog):
    site = replica(start=date(2024, 6, 1), end=date(2024, 6, 30), per_day=30)
    day = _window_with_one_edit(site.corpus)
    window = Window.for_dates(day, day)
    settings = _settings(s3_endpoint, site.base_url)
    caplog.set_level(logging.INFO)
    first = stage.crawl(settings, "inc1", window, timeout=120)
    # The crawler's warnings come through its relay (scrapers.stage._relog); none about Referer
    # handling on redirects, which Scrapy's own RedirectMiddleware logged on every crawl.
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and "Referer" in r.getMessage()]
    items = staging.read_jsonl(settings, "inc1", staging.ITEMS)
    assert first.items == len(site.corpus.ids_on(day))
    # as storage.queries.validators_for gives them: with the raw_uri of the archived page
    validators = {i["article_id"]: {"etag": i["etag"], "last_modified": i["last_modified"],
                                    "raw_uri": i["raw_uri"]} for i in items}

    site.clear_log()
    second = stage.crawl(settings, "inc2", window, validators=validators, timeout=120)
    views = _article_paths(site.access_log())
    assert [e for e in views if e["status"] == 200] == []
    assert second.items == 0 and second.not_modified == len(validators)
    assert sorted(second.not_modified_ids) == sorted(validators)

    site.set_edits(True)
    site.clear_log()
    third = stage.crawl(settings, "inc3", window, validators=validators, timeout=120)
    full = [e for e in _article_paths(site.access_log()) if e["status"] == 200]
    edited = [i for i in site.corpus.ids_on(day) if site.truth(i).updated_at is not None]
    assert len(edited) == 1 and [_id(e["path"]) for e in full] == edited
    changed = staging.read_jsonl(settings, "inc3", staging.ITEMS)
    assert [c["article_id"] for c in changed] == edited
    assert changed[0]["paragraphs"] == site.truth(edited[0]).paragraphs
    assert changed[0]["updated_at"] == site.truth(edited[0]).updated_at.isoformat()
    assert third.not_modified == len(validators) - 1


def test_archive_reprocess_and_retry_urls(replica, s3_endpoint):
    site = replica(start=date(2024, 6, 1), end=date(2024, 6, 10), per_day=20)
    day = date(2024, 6, 5)
    window = Window.for_dates(day, day)
    settings = _settings(s3_endpoint, site.base_url)
    outside = site.corpus.ids_on(date(2024, 6, 2))[0]
    retry = [f"{site.base_url}/view/{outside}?input=1195m", f"{site.base_url}/search?query=x",
             f"{site.base_url}/print/{outside}"]
    stage.crawl(settings, "arch1", window, retry_urls=retry, timeout=120)
    items = staging.read_jsonl(settings, "arch1", staging.ITEMS)
    log = site.access_log()
    assert not [e for e in log if e["path"].startswith(DISALLOWED)]
    assert outside in {i["article_id"] for i in items}  # an earlier failure is fetched again

    # The raw archive: article records under their publication date, others under fetch date.
    keys = s3.list_keys(settings, "raw/")
    assert f"raw/dt={day.isoformat()}/arch1.warc.gz" in keys
    assert all(k.endswith("/arch1.warc.gz") for k in keys)
    one = next(i for i in items if i["article_id"] != outside)
    bucket, key, offset, length = parse_record_uri(one["raw_uri"])
    record = read_record(s3.get_range(settings, key, offset, length))
    assert bucket == settings.s3_bucket and record.status == 200
    assert record.url.endswith(one["article_id"]) and b"</html>" in record.body
    assert record.header("ETag") == one["etag"]

    # Reprocess: same items from the archive, no site traffic.
    site.clear_log()
    stats = stage.reprocess(settings, "arch2", window)
    assert site.access_log() == []
    again = {i["article_id"]: i for i in staging.read_jsonl(settings, "arch2", staging.ITEMS)}
    in_window = {i["article_id"]: i for i in items if i["article_id"] != outside}
    assert set(again) == set(in_window) and stats.items == len(in_window)
    for article_id, item in in_window.items():
        redo = again[article_id]
        for name in ("title_raw", "paragraphs", "images", "published_at", "lead", "author_email", "raw_uri"):
            assert redo[name] == item[name], name
        assert redo["run_id"] == "arch2"

    # Idempotent: the same run again replaces its outputs (same keys, same items).
    stage.crawl(settings, "arch1", window, timeout=120)
    assert sorted(s3.list_keys(settings, "raw/")) == sorted(keys)
    assert {i["article_id"] for i in staging.read_jsonl(settings, "arch1", staging.ITEMS)} == set(in_window)


def test_hostile_pages_over_http(replica, s3_endpoint):
    """A 20 MB page exceeds DOWNLOAD_MAXSIZE: a recorded failure, not a hang or a crash; the
    other hostile pages become items equal to the truth."""
    site = replica(start=date(2024, 6, 1), end=date(2024, 6, 3), per_day=8, hostile=True)
    day = date(2024, 6, 1)
    settings = _settings(s3_endpoint, site.base_url)
    stats = stage.crawl(settings, "hostile1", Window.for_dates(day, day), timeout=180)
    items = {i["article_id"]: i for i in staging.read_jsonl(settings, "hostile1", staging.ITEMS)}
    errors = staging.read_jsonl(settings, "hostile1", staging.CRAWL_ERRORS)
    for article_id in site.corpus.ids_on(day):
        truth = site.truth(article_id)
        if truth.hostile == "huge":
            assert article_id not in items
            assert [e for e in errors if _id(e["url"]) == article_id]
        else:
            item = items[article_id]
            assert item["title_raw"] == truth.title_raw and item["paragraphs"] == truth.paragraphs
            assert item["published_at"] == truth.published_at.isoformat()
    assert stats.errors == len(errors) == 1


def test_site_down_fails_the_crawl_naming_the_host_and_stages_its_figures(s3_endpoint):
    port = stack.free_port()
    settings = _settings(s3_endpoint, f"http://127.0.0.1:{port}")  # nothing listens
    with pytest.raises(SiteUnavailable) as raised:
        stage.crawl(settings, "down1", Window.for_dates(date(2024, 6, 1), date(2024, 6, 1)),
                    scrapy_overrides={"RETRY_TIMES": 1}, timeout=120)
    line = (f"127.0.0.1:{port} unreachable: connection refused on all 2 attempts to fetch robots.txt; "
            "nothing else was requested")  # RETRY_TIMES + 1; RFC 9309: no robots.txt, no crawl
    assert str(raised.value) == line and raised.value.figures == {"pages": 0, "items": 0, "errors": 0,
                                                                 "not_modified": 0}
    stats = staging.read_json(settings, "down1", staging.CRAWL_STATS)
    assert (stats["site_health"], stats["site_health_line"]) == ("unreachable", line)
    assert staging.read_jsonl(settings, "down1", staging.CRAWL_ERRORS) == []


def test_crawl_fails_loudly(s3_endpoint):
    settings = _settings(s3_endpoint, f"http://127.0.0.1:{stack.free_port()}")
    window = Window.for_dates(date(2024, 6, 1), date(2024, 6, 1))
    with pytest.raises(ValueError, match="unknown parser"):
        stage.crawl(settings, "bad1", window, parsers=["no-such-layout"])
    with pytest.raises(stage.CrawlFailed, match="exceeded"):
        stage.crawl(settings, "slow1", window, timeout=0.2)


def test_redesigned_site_over_http(replica, s3_endpoint):
    site = replica(start=date(2024, 6, 1), end=date(2024, 6, 5), per_day=12)
    site.set_layout("redesign")
    day = date(2024, 6, 3)
    settings = _settings(s3_endpoint, site.base_url)
    replica_layouts = [p.layout for p in REPLICA_PARSERS]  # the redesign parser is never a default
    stage.crawl(settings, "redesign1", Window.for_dates(day, day), parsers=replica_layouts, timeout=120)
    items = staging.read_jsonl(settings, "redesign1", staging.ITEMS)
    assert sorted(i["article_id"] for i in items) == sorted(site.corpus.ids_on(day))
    for item in items:
        truth = site.truth(item["article_id"])
        assert item["layout"] == "redesign-v1" and item["parse_errors"] == []
        assert item["paragraphs"] == truth.paragraphs and item["images"] == truth.images
        assert item["author_email"] == truth.author_email
    # With only the real template's parser registered the drift is visible, not silent.
    stats = stage.crawl(settings, "redesign2", Window.for_dates(day, day), parsers=["yna-cms-v1"], timeout=120)
    old = staging.read_jsonl(settings, "redesign2", staging.ITEMS)
    assert {i["layout"] for i in old} == {"unrecognized"}
    assert all(i["field_sources"].get("paragraphs") == "generic" for i in old)
    assert stats.scrapy_stats["yonhap/field_source/paragraphs/generic"] == len(old)


def test_crawl_opens_no_console_or_remote_control(replica, s3_endpoint, caplog, tmp_path, monkeypatch):
    """Scrapy 2.19 starts a code-running HTTP server (RemoteControl) and a telnet console unless
    told not to; the crawler's log says whether either listened, and RemoteControl's job file
    would land under XDG_STATE_HOME."""
    site = replica(start=date(2024, 6, 1), end=date(2024, 6, 2), per_day=5)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    with caplog.at_level(logging.DEBUG, logger="scrapers.crawl"):  # Scrapy's start-up lines are DEBUG
        stats = stage.crawl(_settings(s3_endpoint, site.base_url), "quiet1",
                            Window.for_dates(date(2024, 6, 1), date(2024, 6, 1)), timeout=120)
    log = "\n".join(r.getMessage() for r in caplog.records if r.name == "scrapers.crawl")
    assert stats.items == 5 and "Spider opened" in log  # the crawler's own log was captured
    assert "Remote control" not in log and "Telnet console listening" not in log
    assert not (tmp_path / "state" / "scrapy").exists()


def test_crawl_log_lines_keep_their_level_and_scrapy_chatter_is_debug(replica, s3_endpoint, caplog):
    """A task log at INFO shows our lines and every warning, not Scrapy's ~130 lines of
    versions, settings, middlewares and stats; multi-line records keep their record's level."""
    # Pages cut off on every attempt: Scrapy gives up retrying them at WARNING.
    site = replica(start=date(2024, 6, 1), end=date(2024, 6, 2), per_day=10, fault_rate=0.3,
                   fault_kinds="truncated", persistent_rate=1.0)
    with caplog.at_level(logging.DEBUG, logger="scrapers.crawl"):
        stats = stage.crawl(_settings(s3_endpoint, site.base_url), "levels1",
                            Window.for_dates(date(2024, 6, 1), date(2024, 6, 1)),
                            scrapy_overrides={"TRUNCATED_RETRY_TIMES": 1}, timeout=120)
    records = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "scrapers.crawl"]
    shown = [m for level, m in records if level >= logging.INFO]
    summary = f"crawl levels1: {stats.items} items, 0 not modified, {stats.errors} errors"
    assert stats.items > 0 and any(level == logging.INFO and m.startswith(summary) for level, m in records), shown
    for chatter in ("Scrapy 2.", "Versions:", "Overridden settings:", "Enabled extensions:",
                    "Enabled downloader middlewares:", "Enabled item pipelines:", "Spider opened",
                    "Crawled 0 pages", "Dumping Scrapy stats:", "'downloader/request_count'", "Spider closed"):
        assert not any(chatter in m for m in shown), (chatter, shown)
        assert any(chatter in m for level, m in records if level == logging.DEBUG), chatter
    cut = {e["path"] for e in _article_paths(site.access_log())
           if faults.plan_for(site.config, e["path"]).kind == "truncated"}
    gave_up = [(level, m) for level, m in records if "Gave up retrying" in m]
    assert cut and {level for level, _ in gave_up} == {logging.WARNING}, (cut, gave_up)
    for path in cut:
        [(level, line)] = [(level, m) for level, m in gave_up if f"{path}>" in m]
        assert level == logging.WARNING and line.startswith("scrapy.downloadermiddlewares.retry: ")
    # The stats dump's continuation lines carry no prefix and stay at its level.
    dump = next(i for i, (_, m) in enumerate(records) if "Dumping Scrapy stats:" in m)
    assert records[dump + 1][1].startswith("{") and records[dump + 1][0] == logging.DEBUG
