"""History from web archives (`--source archive|auto`), against local archive servers speaking
Common Crawl's and the Wayback Machine's protocols (devtools/replica/webarchive.py), filled with
replica pages: the replica's truth is the truth of every capture.

1. Pure parts: the index queries of a window, which URLs are article pages, which capture per
   id is taken, the client's back-off, the run verdicts.
2. An archive run of 4 KST days (one missing from both archives, overlapping captures, a
   truncated record, a captured redirect to a moved page, non-article rows), field by field
   against a site crawl of the same pages; not one request to the site; the ledger's sources and
   gaps; an index answering 503 then recovering; a rerun that changes nothing; a reprocess.
3. `auto` against a site that answers 403 to every article page; then the site again.
4. An unreachable index fails the run with one line naming it.
5. The backfill DAG's form (`source`: archive) through Airflow's dag.test.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from devtools.harness.runs import cli_env, rows, truth_ids
from ground.core.editions import FR
from ground.core.schema import CrawlStats, GateSummary

REPO = Path(__file__).resolve().parent.parent
CLI = str(Path(sys.executable).parent / "yonhap-pipeline")
REPLICA = dict(start=date(2024, 6, 15), end=date(2024, 6, 22), per_day=12)
COMPARED = ("url", "title", "title_raw", "version_label", "story_id", "duplicate_of", "section", "published_at",
            "updated_at", "dateline", "lead", "body", "author_email", "images", "word_count", "content_hash",
            "byline", "editor_note", "keywords", "is_routine", "is_table", "layout", "field_sources", "etag",
            "last_modified", "edition")
COMPARED_SQL = "SELECT article_id, " + ", ".join(COMPARED) + " FROM yonhap.articles"  # noqa: S608 (constants)
CONTENT_SQL = ("SELECT article_id, " + ", ".join(COMPARED)  # noqa: S608 (constants)
               + ", source, captured_at, fetched_at, first_seen_at, raw_uri FROM yonhap.articles ORDER BY article_id")


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=600, cwd=str(REPO))


def said(proc) -> str:
    return f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}"


# ---------------------------------------------------------------- 1. pure parts


def test_a_window_is_asked_for_by_day_or_by_month_on_both_hosts():
    from scrapers.webarchive.captures import id_prefixes, query_patterns

    three = [date(2024, 6, 18), date(2024, 6, 19), date(2024, 6, 20)]
    assert id_prefixes(three, "AFR") == ["AFR20240618", "AFR20240619", "AFR20240620"]
    june = [date(2024, 6, 1) + timedelta(days=n) for n in range(30)]
    assert id_prefixes([*june, date(2024, 7, 1)], "AFR") == ["AFR202406", "AFR20240701"]
    assert query_patterns(FR, three[:1]) == ["fr.yna.co.kr/view/AFR20240618*", "m-fr.yna.co.kr/view/AFR20240618*"]


def test_the_wayback_is_asked_in_utc_from_the_windows_first_kst_hour():
    from ground.core.timeutil import Window
    from scrapers.webarchive.index import IndexCache, WaybackIndex

    asked = []

    class Cache(IndexCache):
        def get(self, client, archive, url, params, accept=(200,)):
            asked.append(params)
            return type("Answer", (), {"status_code": 200, "text": "0"})()

    window = Window.for_dates(date(2024, 6, 19), date(2024, 6, 19))
    WaybackIndex(None, "http://wayback.invalid", Cache()).query("fr.yna.co.kr/view/AFR20240619*", window.start,
                                                                window.end)
    # 00:00 KST is 15:00 UTC the day before: a capture at 01:00 KST (16:00 UTC) is in
    assert asked[0]["from"] == "20240618150000"


def test_article_pages_are_told_from_other_urls():
    from scrapers.webarchive.captures import article_id_of

    article = "AFR20240619002900884"
    for url in (f"https://fr.yna.co.kr/view/{article}", f"http://m-fr.yna.co.kr/view/{article}?section=nk",
                f"fr.yna.co.kr/view/{article}/", f"https://www.fr.yna.co.kr/view/{article}"):
        assert article_id_of(url, FR) == article, url
    for url in (f"https://fr.yna.co.kr/view/{article}/photo", "https://fr.yna.co.kr/news/3",
                "https://en.yna.co.kr/view/AEN20240619002900320", f"https://example.org/view/{article}",
                f"https://fr.yna.co.kr/view/{article[:-1]}"):
        assert article_id_of(url, FR) is None, url


def test_the_latest_200_capture_of_each_id_is_taken():
    from scrapers.webarchive.captures import Capture, select

    a, b, c = "AFR20240619000100884", "AFR20240619000200884", "AFR20240619000300884"
    rows = [
        Capture("cc", f"https://fr.yna.co.kr/view/{a}", "20240620010000", 200),
        Capture("wayback", f"https://m-fr.yna.co.kr/view/{a}", "20240701000000", 200),  # later: taken
        Capture("wayback", f"https://fr.yna.co.kr/view/{a}", "20240801000000", 404),  # not a page
        Capture("cc", f"https://fr.yna.co.kr/view/{b}", "20240620010000", 200),
        Capture("wayback", f"https://fr.yna.co.kr/view/{b}", "20240620010000", 200),  # a tie: Common Crawl's
        Capture("wayback", f"http://fr.yna.co.kr/view/{b}", "20240901000000", 301),  # b has a page: not followed
        Capture("wayback", f"https://fr.yna.co.kr/view/{c}", "20240620010000", 302),  # c: only a redirect
        Capture("cc", "https://fr.yna.co.kr/view/AFR20240618000100884", "20240620010000", 200),  # another day
        Capture("cc", f"https://fr.yna.co.kr/view/{a}/photo", "20240620010000", 200),  # not an article
    ]
    sel = select(rows, FR, {date(2024, 6, 19)})
    assert {k: (v.archive, v.timestamp) for k, v in sel.chosen.items()} == {
        a: ("wayback", "20240701000000"), b: ("cc", "20240620010000")}
    assert sel.found_in == {a: {"cc", "wayback"}, b: {"cc", "wayback"}}
    assert [r.url for r in sel.redirects] == [f"https://fr.yna.co.kr/view/{c}"]
    assert (sel.not_article, sel.other_days, sel.not_ok, sel.rows) == (1, 1, 1, 9)


class _Flaky(BaseHTTPRequestHandler):
    """503 with Retry-After twice, then 200; records each request's user agent."""

    answers: list[int] = []
    agents: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).agents.append(self.headers.get("User-Agent"))
        status = type(self).answers.pop(0) if type(self).answers else 200
        self.send_response(status)
        if status == 503:
            self.send_header("Retry-After", "7")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def test_the_client_backs_off_on_503_honours_retry_after_and_gives_up_naming_the_archive():
    from scrapers.webarchive.client import ArchiveClient, ArchiveError

    handler = type("Flaky", (_Flaky,), {"answers": [503, 503], "agents": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/collinfo.json"
    slept: list[float] = []
    try:
        client = ArchiveClient("yonhap-pipeline/test (+https://example.org)", 0.0, sleep=slept.append)
        assert client.get("cc-index", url).status_code == 200
        assert slept == [7.0, 14.0]  # Retry-After, then doubled
        assert handler.agents == ["yonhap-pipeline/test (+https://example.org)"] * 3
        assert client.requests["cc-index"] == 3
        handler.answers = [503] * 10
        slept.clear()
        with pytest.raises(ArchiveError) as err:
            ArchiveClient("ua (+https://example.org)", 0.0, attempts=3, sleep=slept.append).get("cc-index", url)
        assert str(err.value) == (f"Common Crawl index (127.0.0.1:{server.server_address[1]}): HTTP 503 "
                                  "on all 3 attempts")
        assert len(slept) == 2
    finally:
        server.shutdown()
        server.server_close()


def test_the_run_verdicts_of_archive_and_auto_runs():
    from storage.runs import loaded_outcome

    gate = GateSummary(run_id="r", success=True, rows_in=1, rows_passed=1, rows_rejected=0)
    base = dict(run_id="r", window_start="2024-06-19T00:00:00+09:00", window_end="2024-06-20T00:00:00+09:00")
    # auto: the site's degraded verdict is covered by the archives' one
    auto = CrawlStats(**base, source="auto", site_health="degraded", site_health_line="site line",
                      archive_health="ok")
    assert loaded_outcome(gate, auto) == ("succeeded", None)
    auto.archive_health, auto.archive_health_line = "degraded", "archive line"
    assert loaded_outcome(gate, auto) == ("failed", "archive line")
    archive = CrawlStats(**base, source="archive", site_health="not_asked", archive_health="quiet")
    assert loaded_outcome(gate, archive) == ("succeeded", None)
    site = CrawlStats(**base, site_health="degraded", site_health_line="site line")
    assert loaded_outcome(gate, site) == ("failed", "site line")


# ---------------------------------------------------------------- 2. an archive run


@pytest.fixture
def site_settings(stack_settings, tmp_path):
    """A second fresh database and bucket: the site crawl an archive run is compared with."""
    from ground.adapters import s3
    from tests.fixtures_stack import TEMPLATE_DB, _create_database, _drop_database, _url_for

    name = f"t_{uuid.uuid4().hex[:16]}"
    server = _url_for(stack_settings.database_url, "postgres")
    url = _create_database(server, name, template=TEMPLATE_DB)
    other = stack_settings.with_(database_url=url, s3_bucket=f"t-{uuid.uuid4().hex[:20]}",
                                 local_dir=tmp_path / "site-local")
    s3.ensure_bucket(other)
    yield other
    _drop_database(server, name)


def _standalone(conn, day: date) -> list[str]:
    """Ids of ``day`` no other row links to (their absence changes no other row's story)."""
    return [r[0] for r in rows(conn, """
        SELECT a.article_id FROM yonhap.articles a
        WHERE a.article_id LIKE %s AND a.story_id = a.article_id AND a.duplicate_of IS NULL
          AND NOT EXISTS (SELECT 1 FROM yonhap.articles o WHERE o.article_id <> a.article_id
                          AND (o.story_id = a.article_id OR o.duplicate_of = a.article_id))
        ORDER BY 1""", (f"AFR{day:%Y%m%d}%",))]


@pytest.mark.slow
def test_an_archive_run_loads_a_window_as_exact_as_a_site_crawl(settings, site_settings, replica, web_archives,
                                                                db_conn):
    from devtools.replica import ReplicaConfig
    from devtools.replica.webarchive import build_plan, latest_captures
    from ground.adapters import db, s3
    from ground.core.timeutil import Window
    from pipeline.run import stages
    from pipeline.run.descriptor import RunDescriptor
    from scrapers.warc import parse_record_uri, read_record

    days = [date(2024, 6, 18) + timedelta(days=n) for n in range(4)]
    compared, missing = days[:3], days[3]
    site = replica(**REPLICA)

    # The reference: a site crawl of the same pages, in a database of its own.
    local = site_settings.with_(base_url=site.base_url, download_delay=0.0, concurrency=4)
    assert stages.run_window(local, RunDescriptor("site_ref", Window.for_dates(compared[0], compared[-1]), "cli")).ok
    ref_conn = db.connect(local)
    try:
        reference = {r[0]: r[1:] for r in rows(ref_conn, COMPARED_SQL)}
        truncated, moved = _standalone(ref_conn, days[1])[0], _standalone(ref_conn, days[2])[0]
    finally:
        ref_conn.close()

    plan = build_plan(ReplicaConfig(**REPLICA), days, missing_days=(missing,), truncated_ids=(truncated,),
                      moved_ids=(moved,))
    archives = web_archives(plan)
    env = cli_env(settings, site.base_url, **archives.env())
    site.clear_log()
    first = run_cli(env, "run", "--from", days[0].isoformat(), "--to", days[-1].isoformat(), "--source", "archive",
                    "--run-id", "arch_1")
    assert first.returncode == 0, said(first)
    assert "web archives" in first.stdout, said(first)
    assert f"no capture anywhere: {missing}" in first.stdout, said(first)  # the run's summary names the gap
    assert site.access_log() == [], "an archive run sent requests to the site"

    # One row per id, from its latest capture; the truncated capture quarantined, the moved
    # page found through its captured redirect; the missing day has nothing.
    truth = truth_ids(site.corpus, compared[0], compared[-1])
    assert truth and not truth_ids(site.corpus, missing, missing) & {r[0] for r in rows(
        db_conn, "SELECT article_id FROM yonhap.articles")}
    latest = latest_captures(plan)
    stored = {r[0]: r[1:] for r in rows(db_conn, "SELECT article_id, source, captured_at FROM yonhap.articles")}
    assert set(stored) == truth - {truncated}
    assert moved in stored
    for article_id, (source, captured_at) in stored.items():
        capture = latest[article_id]
        assert (source, captured_at) == (
            capture["archive"], datetime.strptime(capture["timestamp"], "%Y%m%d%H%M%S").replace(tzinfo=UTC))
    in_both = [i for i in stored if {c["archive"] for c in plan["captures"]
                                     if c["article_id"] == i and c["status"] == 200} == {"cc", "wayback"}]
    assert in_both and {stored[i][0] for i in stored} == {"cc", "wayback"}

    # Every field as a site crawl of the same pages gives it.
    got = {r[0]: r[1:] for r in rows(db_conn, COMPARED_SQL)}
    for article_id in sorted(got):
        assert got[article_id] == reference[article_id], article_id
    (reasons,) = rows(db_conn, "SELECT reasons FROM yonhap.rejected_items WHERE article_id = %s", (truncated,))[0]
    assert any("truncated" in r for r in reasons), reasons

    # The raw archive keeps each capture as a response record with the site's headers and its origin.
    (raw_uri, etag) = rows(db_conn, "SELECT raw_uri, etag FROM yonhap.articles WHERE source = 'cc' LIMIT 1")[0]
    bucket, key, offset, length = parse_record_uri(raw_uri)
    record = read_record(s3.client(settings).get_object(Bucket=bucket, Key=key,
                                                        Range=f"bytes={offset}-{offset + length - 1}")["Body"].read())
    assert record.source == "cc" and record.header("ETag") == etag and record.status == 200

    # The ledger: per day what came from where, and the day missing everywhere.
    ledger = {r[0]: r[1:] for r in rows(db_conn, """
        SELECT kst_date, seen, loaded + duplicates, from_site, from_cc, from_wayback, missing, searched, rejected
        FROM yonhap.daily_completeness WHERE edition = 'fr' ORDER BY 1""")}
    assert set(ledger) == set(days)
    assert ledger[missing] == (0, 0, 0, 0, 0, 0, ["cc", "wayback"], 0)
    for day in compared:
        seen, stored_n, from_site, from_cc, from_wayback, gaps, searched, rejected = ledger[day]
        assert seen == len(truth_ids(site.corpus, day, day)) and searched == ["cc", "wayback"]
        assert from_site == 0 and from_cc + from_wayback == stored_n and gaps == rejected
    assert ledger[days[1]][-1] == 1  # the truncated capture
    sources = dict(rows(db_conn, "SELECT article_id, sources FROM yonhap.seen_articles"))
    for article_id in truth - {moved}:
        held = {c["archive"] for c in plan["captures"] if c["article_id"] == article_id and c["status"] == 200
                and urlkey_is_article(c["url"])}
        assert set(sources[article_id]) == held, article_id
    (stats,) = rows(db_conn, "SELECT stats -> 'crawl' FROM yonhap.crawl_runs WHERE run_id = 'arch_1'")[0]
    figures = stats["archive"]
    assert figures["not_article"] >= 6 and figures["redirects_followed"] == 1, figures
    assert stats["site_health"] == "not_asked" and stats["archive_health"] == "ok"

    # An index answering 503 (then recovering) and a rerun: nothing changes, nothing is fetched again
    # but the quarantined capture (no row holds it) and the redirect leading to the moved page.
    before = rows(db_conn, CONTENT_SQL)
    db_conn.commit()
    archives.log(clear=True)
    archives.fail_next("cc-index", 2, 503, retry_after=0)
    again = run_cli(env, "run", "--from", days[0].isoformat(), "--to", days[-1].isoformat(), "--source", "archive",
                    "--run-id", "arch_2")
    assert again.returncode == 0, said(again)
    assert rows(db_conn, CONTENT_SQL) == before
    log = archives.log()
    assert [e["status"] for e in log if e["server"] == "cc-index"][:2] == [503, 503]
    assert [e["path"] for e in log if e["server"] == "cc-data"] and len(
        [e for e in log if e["server"] == "cc-data"]) == 1
    assert [e["path"] for e in log if e["server"] == "wayback" and e["path"].startswith("/web/")] == [
        f"/web/{c['timestamp']}id_/{c['url']}" for c in plan["captures"]
        if c["kind"] == "redirect" and c["article_id"] == moved]
    (items, unchanged) = rows(db_conn, "SELECT items, (stats #>> '{crawl,archive,unchanged}')::int "
                                       "FROM yonhap.crawl_runs WHERE run_id = 'arch_2'")[0]
    assert (items, unchanged) == (1, len(stored))
    assert site.access_log() == []

    # A reprocess re-reads our raw archive: the same rows, their sources kept.
    day = days[1].isoformat()
    reprocessed = run_cli(env, "reprocess", "--from", day, "--to", day, "--run-id", "arch_reprocess")
    assert reprocessed.returncode == 0, said(reprocessed)
    assert rows(db_conn, CONTENT_SQL) == before


def urlkey_is_article(url: str) -> bool:
    from scrapers.webarchive.captures import article_id_of

    return article_id_of(url, FR) is not None


# ---------------------------------------------------------------- 3. auto


@pytest.mark.slow
def test_auto_takes_from_the_archives_what_a_403ing_site_refuses_and_the_site_later_updates(
        settings, replica, web_archives, db_conn):
    from devtools.replica import ReplicaConfig
    from devtools.replica.webarchive import build_plan, latest_captures

    days = [date(2024, 6, 19), date(2024, 6, 20)]
    site = replica(**REPLICA)
    plan = build_plan(ReplicaConfig(**REPLICA), days, seed=2)
    archives = web_archives(plan)
    env = cli_env(settings, site.base_url, **archives.env())
    site.refuse_articles(403)
    proc = run_cli(env, "run", "--from", days[0].isoformat(), "--to", days[-1].isoformat(), "--source", "auto",
                   "--run-id", "auto_1")
    assert proc.returncode == 0, said(proc)
    truth = truth_ids(site.corpus, *days)
    latest = latest_captures(plan)
    stored = dict(rows(db_conn, "SELECT article_id, source FROM yonhap.articles"))
    assert stored == {i: latest[i]["archive"] for i in truth}
    # The site was asked first: its list pages answered, every article page refused.
    log = site.access_log()
    articles = [e for e in log if e["path"].startswith("/view/")]
    assert {e["status"] for e in articles} == {403} and len({e["path"] for e in articles}) == len(truth)
    assert any(e["path"].startswith(("/news", "/RSS")) and e["status"] == 200 for e in log)
    refused = rows(db_conn, "SELECT article_id, status FROM yonhap.crawl_errors WHERE run_id = 'auto_1'")
    assert {r[0] for r in refused} == truth and {r[1] for r in refused} == {403}
    (status, message, health) = rows(db_conn, "SELECT status, message, stats #>> '{crawl,archive_health}' "
                                              "FROM yonhap.crawl_runs WHERE run_id = 'auto_1'")[0]
    assert (status, message, health) == ("succeeded", None, "ok")
    seen = dict(rows(db_conn, "SELECT article_id, sources FROM yonhap.seen_articles"))
    assert all("list" in seen[i] or "feed" in seen[i] for i in truth)
    assert all(set(seen[i]) & {"cc", "wayback"} for i in truth)
    daily = rows(db_conn, "SELECT kst_date, searched, from_cc + from_wayback, seen FROM yonhap.daily_completeness "
                          "ORDER BY 1")
    assert [(d, s) for d, s, *_ in daily] == [(d, ["cc", "site", "wayback"]) for d in days]
    assert sum(r[2] for r in daily) == len(truth) == sum(r[3] for r in daily)

    # The site lets us in again: its fetch updates each row (same content: no new revision).
    site.refuse_articles(None)
    revisions = rows(db_conn, "SELECT count(*) FROM yonhap.article_revisions")[0][0]
    db_conn.commit()
    proc = run_cli(env, "run", "--from", days[0].isoformat(), "--to", days[-1].isoformat(), "--run-id", "site_1")
    assert proc.returncode == 0, said(proc)
    assert rows(db_conn, "SELECT DISTINCT source, captured_at IS NULL FROM yonhap.articles") == [("site", True)]
    assert rows(db_conn, "SELECT count(*) FROM yonhap.article_revisions")[0][0] == revisions
    assert rows(db_conn, "SELECT count(*) FROM yonhap.crawl_errors WHERE resolved_at IS NULL")[0][0] == 0


# ---------------------------------------------------------------- 4. an unreachable index


def test_an_unreachable_index_fails_the_run_with_one_line_naming_it(settings):
    from devtools.stack.services import free_port
    from ground.core.timeutil import Window
    from pipeline.run import stages
    from pipeline.run.descriptor import RunDescriptor

    port = free_port()
    local = settings.with_(base_url="http://127.0.0.1:9", cc_index_url=f"http://127.0.0.1:{port}",
                           wayback_url=f"http://127.0.0.1:{port}", archive_delay=0.0)
    summary = stages.run_window(local, RunDescriptor("arch_down", Window.for_dates(date(2024, 6, 19), date(2024, 6, 19)),
                                                     "cli", source="archive"))
    assert (summary.status, summary.failed_stage) == ("failed", "crawl")
    assert summary.error == (f"web archives unavailable: Common Crawl index (127.0.0.1:{port}): connection refused "
                             "on all 6 attempts; nothing was fetched (rerun when the archive answers)")
    from ground.adapters import db

    conn = db.connect(settings)
    try:
        assert rows(conn, "SELECT status, message FROM yonhap.crawl_runs WHERE run_id = 'arch_down'") == [
            ("failed", f"crawl: {summary.error}")]
    finally:
        conn.close()


# ---------------------------------------------------------------- 5. the backfill form


@pytest.mark.slow
@pytest.mark.airflow
def test_the_backfill_forms_source_takes_a_day_from_the_archives(airflow_meta, settings, replica, web_archives,
                                                                 db_conn):
    from devtools.replica import ReplicaConfig
    from devtools.replica.webarchive import build_plan, latest_captures
    from tests.fixtures_airflow import airflow_test_env, dag_test

    day = date(2024, 6, 19)
    site = replica(**REPLICA)
    plan = build_plan(ReplicaConfig(**REPLICA), [day], seed=3)
    archives = web_archives(plan)
    env = airflow_test_env(airflow_meta, settings, site.base_url, **archives.env())
    result = dag_test(env, "yonhap_fr_backfill", conf={"from": day.isoformat(), "to": day.isoformat(),
                                                       "source": "archive"})
    assert result["state"] == "success", (result["tasks"], result["output"][-4000:])
    assert site.access_log() == []
    latest = latest_captures(plan)
    assert dict(rows(db_conn, "SELECT article_id, source FROM yonhap.articles")) == {
        i: latest[i]["archive"] for i in truth_ids(site.corpus, day, day)}
    (stats,) = rows(db_conn, "SELECT stats #>> '{crawl,source}' FROM yonhap.crawl_runs")[0]
    assert stats == "archive"
