"""Freshness (migration 0005): articles.loaded_at / loaded_by_run, the yonhap.freshness and
yonhap.freshness_hourly views, and the load's figures (result and crawl_runs row), against a
real PostgreSQL and S3 over HTTP (fixtures_stack)."""

from __future__ import annotations

import math
import shutil
from collections import defaultdict
from datetime import date, datetime, timedelta

import psycopg2
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from psycopg2 import errors

from ground.adapters import s3
from ground.core.timeutil import KST, UTC
from storage import migrate, stage, synthetic
from tests.storage_helpers import one, rows, snapshot, stage_batch

LATER = datetime(2024, 6, 21, 3, 0, tzinfo=UTC)
FIGURES = ("fresh_articles", "freshness_p50_s", "freshness_p95_s")


def _percentile_cont(values: list[float], q: float) -> float:
    """PostgreSQL's percentile_cont: linear interpolation between the closest ranks."""
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _loads(db_conn, ids=None) -> dict[str, tuple]:
    """{article_id: (loaded_at, loaded_by_run)}."""
    got = rows(db_conn, "SELECT article_id, loaded_at, loaded_by_run FROM yonhap.articles")
    return {aid: (at, run) for aid, at, run in got if ids is None or aid in ids}


def _run_finished_at(db_conn, run_id):
    return one(db_conn, "SELECT finished_at FROM yonhap.crawl_runs WHERE run_id = %s", (run_id,))[0]


def _lags_of_run(db_conn, run_id) -> list[float]:
    got = rows(db_conn, "SELECT loaded_at, published_at FROM yonhap.articles "
                        "WHERE loaded_by_run = %s AND published_at IS NOT NULL", (run_id,))
    return [(loaded - published).total_seconds() for loaded, published in got]


def test_loaded_at_is_set_at_first_load_and_never_changes(settings, db_conn):
    batch = [synthetic.make_article(i, "r1") for i in range(5)]
    stage_batch(settings, "r1", batch)
    first = stage.load(settings, "r1")
    loads = _loads(db_conn)
    finished = _run_finished_at(db_conn, "r1")
    # the load transaction's time (crawl_runs.finished_at is now() in the same transaction),
    # not the fetch time that first_seen_at holds
    assert loads == {r.article_id: (finished, "r1") for r in batch}
    assert one(db_conn, "SELECT count(*) FROM yonhap.articles WHERE loaded_at = first_seen_at") == (0,)
    # the curated file carries it, as stored
    (uri,) = first["curated"]
    table = pq.read_table(pa.BufferReader(s3.get_bytes(settings, s3.split_uri(uri)[1])))
    assert dict(zip(table.column("article_id").to_pylist(), zip(table.column("loaded_at").to_pylist(),
                    table.column("loaded_by_run").to_pylist(), strict=True), strict=True)) == loads
    assert table.schema.field("loaded_at").type == pa.timestamp("us", tz="UTC")

    # r2: an edit (new revision), a same-content refetch, a 304 touch and one new article
    edited = synthetic.make_article(1, "r2", body="SEOUL, 19 juin (Yonhap) -- Texte corrigé.", fetched_at=LATER)
    same = synthetic.make_article(2, "r2", fetched_at=LATER)
    new = synthetic.make_article(7, "r2", fetched_at=LATER)
    stage_batch(settings, "r2", [edited, same, new],
                stats=synthetic.stats_for("r2", 3, not_modified_ids=[batch[3].article_id]))
    counts = stage.load(settings, "r2")
    assert (counts["inserted"], counts["updated"], counts["revisions_added"]) == (1, 2, 2)  # edit + new
    assert counts["touched_not_modified"] == 1
    after = _loads(db_conn)
    assert {aid: after[aid] for aid in loads} == loads  # unchanged by the update, revision and touch
    assert after[new.article_id] == (_run_finished_at(db_conn, "r2"), "r2")
    assert one(db_conn, "SELECT run_id FROM yonhap.articles WHERE article_id = %s", (edited.article_id,)) == ("r2",)

    # an older fetch loaded late, and a rerun of r1: nothing moves
    stage_batch(settings, "r0", [synthetic.make_article(1, "r0", fetched_at=LATER - timedelta(days=3))])
    stage.load(settings, "r0")
    stage.load(settings, "r1")
    assert _loads(db_conn) == after


def test_load_result_and_run_row_carry_the_runs_freshness_figures(settings, db_conn):
    day = datetime(2024, 6, 19, tzinfo=KST)
    stage_batch(settings, "r1", [synthetic.make_article(i, "r1", day=day) for i in range(9)])
    first = stage.load(settings, "r1")
    lags = _lags_of_run(db_conn, "r1")
    assert first["fresh_articles"] == 9 and len(lags) == 9
    assert first["freshness_p50_s"] == pytest.approx(_percentile_cont(lags, 0.5), abs=1e-3)
    assert first["freshness_p95_s"] == pytest.approx(_percentile_cont(lags, 0.95), abs=1e-3)
    assert one(db_conn, "SELECT freshness_p50_s, freshness_p95_s FROM yonhap.crawl_runs WHERE run_id = 'r1'") == (
        first["freshness_p50_s"], first["freshness_p95_s"])

    # r2 refetches two of r1's articles (not fresh for r2) and first loads three, one of them
    # without a publication time (fresh, but without a lag)
    undated = synthetic.make_article(30, "r2", day=day, published_at=None, fetched_at=LATER)
    batch2 = [synthetic.make_article(i, "r2", day=day, fetched_at=LATER) for i in (0, 1, 20, 21)] + [undated]
    stage_batch(settings, "r2", batch2)
    second = stage.load(settings, "r2")
    lags2 = _lags_of_run(db_conn, "r2")
    assert second["fresh_articles"] == 3 and len(lags2) == 2
    assert second["freshness_p50_s"] == pytest.approx(_percentile_cont(lags2, 0.5), abs=1e-3)
    assert second["freshness_p95_s"] == pytest.approx(_percentile_cont(lags2, 0.95), abs=1e-3)
    run2 = one(db_conn, "SELECT freshness_p50_s, freshness_p95_s FROM yonhap.crawl_runs WHERE run_id = 'r2'")
    assert run2 == (second["freshness_p50_s"], second["freshness_p95_s"])

    # idempotent: rerunning r2 reports the same figures and rewrites nothing
    before = snapshot(db_conn)
    again = stage.load(settings, "r2")
    assert {k: again[k] for k in FIGURES} == {k: second[k] for k in FIGURES}
    assert (again["inserted"], again["updated"], again["run_row_changed"]) == (0, 0, False)
    assert snapshot(db_conn) == before

    # a run that first loads nothing: no figures (NULL on its row)
    stage_batch(settings, "r3", [synthetic.make_article(i, "r3", day=day, fetched_at=LATER) for i in (2, 3)])
    third = stage.load(settings, "r3")
    assert {k: third[k] for k in FIGURES} == {"fresh_articles": 0, "freshness_p50_s": None, "freshness_p95_s": None}
    assert one(db_conn, "SELECT freshness_p50_s, freshness_p95_s FROM yonhap.crawl_runs WHERE run_id = 'r3'") == (
        None, None)
    # nor does a blocked run (its articles do not load)
    stage_batch(settings, "r4", [synthetic.make_article(40, "r4", day=day)],
                gate=synthetic.gate_for("r4", 1, success=False))
    blocked = stage.load(settings, "r4")
    assert blocked["status"] == "blocked" and blocked["fresh_articles"] == 0 and blocked["freshness_p50_s"] is None


def test_freshness_views_match_the_rows(settings, db_conn):
    day = datetime(2024, 6, 19, tzinfo=KST)
    # published over several KST hours (synthetic: n * 7 minutes after midnight), two loads
    stage_batch(settings, "r1", [synthetic.make_article(i, "r1", day=day) for i in range(0, 40, 2)]
                + [synthetic.make_article(99, "r1", day=day, published_at=None)])
    stage.load(settings, "r1")
    stage_batch(settings, "r2", [synthetic.make_article(i, "r2", day=day, fetched_at=LATER) for i in range(1, 40, 2)])
    stage.load(settings, "r2")

    stored = rows(db_conn, "SELECT article_id, published_at, first_seen_at, loaded_at, loaded_by_run "
                           "FROM yonhap.articles WHERE published_at IS NOT NULL ORDER BY article_id")
    assert len(stored) == 40  # the undated article is not in the views
    view = rows(db_conn, "SELECT article_id, published_at, first_seen_at, loaded_at, loaded_by_run, lag, lag_seconds "
                         "FROM yonhap.freshness ORDER BY article_id")
    expected = [(*r, r[3] - r[1], (r[3] - r[1]).total_seconds()) for r in stored]
    assert [v[:6] for v in view] == [e[:6] for e in expected]
    assert [v[6] for v in view] == pytest.approx([e[6] for e in expected], abs=1e-6)

    by_hour: dict[datetime, list[float]] = defaultdict(list)
    for _, published, _, loaded, _ in stored:
        hour = published.astimezone(KST).replace(minute=0, second=0, microsecond=0)
        by_hour[hour].append((loaded - published).total_seconds())
    hourly = rows(db_conn, "SELECT hour, articles, p50_lag_seconds, p95_lag_seconds, max_lag_seconds "
                           "FROM yonhap.freshness_hourly ORDER BY hour")
    assert [h[0] for h in hourly] == sorted(by_hour) and len(by_hour) > 3
    for hour, articles, p50, p95, top in hourly:
        lags = by_hour[hour]
        assert articles == len(lags)
        assert (p50, p95, top) == pytest.approx(
            (_percentile_cont(lags, 0.5), _percentile_cont(lags, 0.95), max(lags)), abs=1e-6)

    # A backfill's loads (old articles, lags of days or years) are named in yonhap.freshness
    # and left out of freshness_hourly, which stays as it was.
    from ground.core.timeutil import Window
    from storage import runs

    runs.start_run(db_conn, "b1", Window.for_dates(date(2022, 1, 3), date(2022, 1, 3)), "backfill")
    db_conn.commit()
    old = datetime(2022, 1, 3, tzinfo=KST)
    stage_batch(settings, "b1", [synthetic.make_article(i, "b1", day=old) for i in range(50, 53)])
    stage.load(settings, "b1")
    assert rows(db_conn, "SELECT run_kind, ingest, count(*) FROM yonhap.freshness GROUP BY 1, 2 ORDER BY 1") == [
        ("backfill", False, 3), ("stages", False, 40)]
    assert rows(db_conn, "SELECT hour, articles, p50_lag_seconds, p95_lag_seconds, max_lag_seconds "
                         "FROM yonhap.freshness_hourly ORDER BY hour") == hourly


def test_reader_role_reads_both_views_and_cannot_write(settings, db_conn):
    stage_batch(settings, "r1", [synthetic.make_article(i, "r1") for i in range(3)])
    stage.load(settings, "r1")
    with db_conn.cursor() as cur:
        cur.execute("SET ROLE yonhap_reader")
        cur.execute("SELECT count(*) FROM yonhap.freshness")
        assert cur.fetchone() == (3,)
        cur.execute("SELECT sum(articles) FROM yonhap.freshness_hourly")
        assert cur.fetchone() == (3,)
        cur.execute("SAVEPOINT s")
        with pytest.raises(errors.InsufficientPrivilege):
            cur.execute("UPDATE yonhap.articles SET loaded_at = now()")
        cur.execute("ROLLBACK TO SAVEPOINT s")
    db_conn.rollback()
    for view in ("yonhap.freshness", "yonhap.freshness_hourly"):
        assert one(db_conn, "SELECT has_table_privilege('yonhap_reader', %s, 'SELECT')", (view,)) == (True,)


def test_migration_backfills_rows_loaded_before_it(empty_database_url, tmp_path, monkeypatch):
    before = [m for m in migrate.available() if m.name < "0005"]
    for m in before:
        shutil.copy(migrate.MIGRATIONS_DIR / m.name, tmp_path / m.name)
    conn = psycopg2.connect(empty_database_url)
    try:
        with monkeypatch.context() as patch:  # the schema as of 0004: its views only
            patch.setattr(migrate, "READER_SURFACE",
                          tuple(n for n in migrate.READER_SURFACE if not n.startswith("freshness")))
            assert migrate.upgrade_conn(conn, tmp_path) == [m.name for m in before]
        seen = datetime(2024, 6, 20, 1, 0, tzinfo=UTC)
        with conn, conn.cursor() as cur:
            for aid, run in (("AFR20240619000000001", "old_run"), ("AFR20240619000000002", None)):
                cur.execute(
                    "INSERT INTO yonhap.articles (article_id, url, title, title_raw, story_id, body, word_count, "
                    "content_hash, first_seen_at, last_seen_at, run_id, published_at) "
                    "VALUES (%s, %s, 't', 't', %s, 'b', 1, 'h', %s, %s, 'later_run', %s)",
                    (aid, f"https://x/{aid}", aid, seen, seen + timedelta(days=1), seen - timedelta(hours=1)),
                )
                if run:  # the loader always wrote revision 1 in the run that inserted the row
                    cur.execute("INSERT INTO yonhap.article_revisions VALUES (%s, 1, 'h', 't', 'b', %s, %s)",
                                (aid, seen, run))
        assert migrate.upgrade_conn(conn) == [m.name for m in migrate.available() if m.name >= "0005"]
        assert rows(conn, "SELECT article_id, loaded_at, loaded_by_run FROM yonhap.articles ORDER BY 1") == [
            ("AFR20240619000000001", seen, "old_run"), ("AFR20240619000000002", seen, None)]
        assert one(conn, "SELECT lag_seconds FROM yonhap.freshness WHERE article_id = 'AFR20240619000000001'") == (
            3600.0,)
        assert one(conn, "SELECT is_nullable, column_default FROM information_schema.columns WHERE "
                         "table_schema = 'yonhap' AND table_name = 'articles' AND column_name = 'loaded_at'") == (
            "NO", "now()")
    finally:
        conn.close()
