"""The loader against a real PostgreSQL and S3 over HTTP (fixtures_stack)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta

import pytest

from ground.adapters import s3
from ground.core.schema import CrawlError, RejectedItem
from ground.core.timeutil import UTC
from storage import stage, synthetic
from storage.load import PAUSE_AFTER_COPY_ENV, PAUSE_MARKER, LoadError
from tests.storage_helpers import one, rows, snapshot, stage_batch

LATER = datetime(2024, 6, 21, 3, 0, tzinfo=UTC)


def _article_values(conn, article_id):
    with conn.cursor() as cur:
        cur.execute(
            "SELECT title, title_raw, body, lead, images, field_sources, content_hash, url, run_id "
            "FROM yonhap.articles WHERE article_id = %s",
            (article_id,),
        )
        row = cur.fetchone()
    conn.rollback()
    return row


def test_load_matches_staged_rows_and_reload_is_a_true_noop(settings, db_conn):
    batch = [synthetic.make_article(i, "r1") for i in range(25)]
    rejects = [RejectedItem("r1", "AFR20240619999000001", "https://x/1", ["body is empty"], {"body": ""})]
    errors = [CrawlError("r1", "https://fr.yna.co.kr/view/AFR20240619999000002", "HTTP 503", 3,
                         "2024-06-20T00:58:00+00:00", 503)]
    stage_batch(settings, "r1", batch, rejects=rejects, errors=errors)

    first = stage.load(settings, "r1")
    assert (first["inserted"], first["updated"], first["revisions_added"]) == (25, 0, 25)
    assert first["loaded"] == 25 and first["rejected"] == 1 and first["status"] == "succeeded"
    for row in batch[:3]:
        title, title_raw, body, lead, images, sources, chash, url, run_id = _article_values(db_conn, row.article_id)
        assert (title, title_raw, body, lead, chash, url) == (
            row.title, row.title_raw, row.body, row.lead, row.content_hash, row.url)
        assert images == row.images and sources == row.field_sources and run_id == "r1"
    run = one(db_conn, "SELECT status, items, loaded, rejected, errors, quality_success, quality_report_uri, "
                       "curated_written FROM yonhap.crawl_runs WHERE run_id = 'r1'")
    assert run == ("succeeded", 25, 25, 1, 1, True, "s3://bucket/quality/r1/index.html", True)
    before = snapshot(db_conn)

    second = stage.load(settings, "r1")
    assert (second["inserted"], second["updated"], second["revisions_added"]) == (0, 0, 0)
    assert (second["rejects_changed"], second["errors_changed"], second["run_row_changed"]) == (0, 0, False)
    assert snapshot(db_conn) == before  # same rows, same xmin: nothing was rewritten


def test_new_content_wins_keeps_first_seen_and_appends_revision(settings, db_conn):
    stage_batch(settings, "r1", [synthetic.make_article(i, "r1") for i in range(5)])
    stage.load(settings, "r1")
    first_seen = one(db_conn, "SELECT first_seen_at FROM yonhap.articles WHERE article_id = %s",
                     (synthetic.make_article(1).article_id,))[0]

    edited = synthetic.make_article(1, "r2", body="SEOUL, 19 juin (Yonhap) -- Texte corrigé.", fetched_at=LATER)
    same = synthetic.make_article(2, "r2", fetched_at=LATER)
    stage_batch(settings, "r2", [edited, same])
    counts = stage.load(settings, "r2")
    assert counts["updated"] == 2 and counts["revisions_added"] == 1
    got = one(db_conn, "SELECT body, first_seen_at, last_seen_at, run_id FROM yonhap.articles WHERE article_id = %s",
              (edited.article_id,))
    assert got == (edited.body, first_seen, LATER, "r2")
    revs = rows(db_conn, "SELECT revision, content_hash, run_id FROM yonhap.article_revisions "
                         "WHERE article_id = %s ORDER BY revision", (edited.article_id,))
    assert [r[0] for r in revs] == [1, 2] and revs[1][1:] == (edited.content_hash, "r2")

    # An older fetch loaded late (backfill) must not overwrite newer content.
    stale = synthetic.make_article(1, "r0", body="Ancienne version.", fetched_at=LATER - timedelta(days=3))
    stage_batch(settings, "r0", [stale])
    assert stage.load(settings, "r0")["updated"] == 0
    assert one(db_conn, "SELECT body FROM yonhap.articles WHERE article_id = %s", (edited.article_id,)) == (edited.body,)


def test_tag_or_byline_only_edit_updates_in_place_without_a_revision(settings, db_conn):
    row = synthetic.make_article(1, "r1", keywords=["Japon"], byline=None)
    stage_batch(settings, "r1", [row])
    stage.load(settings, "r1")
    retagged = synthetic.make_article(1, "r2", keywords=["Japon", "diplomatie"], byline="Kim Min-ji",
                                      fetched_at=LATER)
    assert retagged.content_hash == row.content_hash  # the hash is the text's (transforms.clean)
    stage_batch(settings, "r2", [retagged])
    counts = stage.load(settings, "r2")
    assert (counts["updated"], counts["revisions_added"]) == (1, 0)
    assert one(db_conn, "SELECT keywords, byline FROM yonhap.articles WHERE article_id = %s", (row.article_id,)) == (
        ["Japon", "diplomatie"], "Kim Min-ji")


def test_keywords_that_are_not_a_list_of_strings_are_a_clear_error(settings, db_conn):
    bad = synthetic.make_article(1, "r1", keywords=["ok", 3])
    stage_batch(settings, "r1", [bad])
    with pytest.raises(LoadError, match=f"article {bad.article_id} keywords must be a list of strings"):
        stage.load(settings, "r1")
    assert one(db_conn, "SELECT count(*) FROM yonhap.articles") == (0,)


STALE_VECTORS = "SELECT count(*) FROM yonhap.articles WHERE search_vector IS DISTINCT FROM yonhap.search_vector_of(title, body)"


def test_search_vector_is_always_the_french_vector_of_title_and_body(settings, db_conn):
    stage_batch(settings, "r1", [synthetic.make_article(i, "r1") for i in range(6)])
    assert stage.load(settings, "r1")["search_vectors"] == 6
    edited = synthetic.make_article(1, "r2", title="Exportations record", body="Les exportations augmentent.",
                                    fetched_at=LATER)
    moved = synthetic.make_article(2, "r2", section="culture", fetched_at=LATER)  # same text, new section
    stage_batch(settings, "r2", [edited, moved])
    counts = stage.load(settings, "r2")
    assert (counts["updated"], counts["search_vectors"]) == (2, 1)  # only changed text is re-vectorised
    assert one(db_conn, STALE_VECTORS) == (0,)
    assert one(db_conn, "SELECT article_id FROM yonhap.articles "
                        "WHERE search_vector @@ websearch_to_tsquery('french', 'exportation record')") == (
        edited.article_id,)
    assert one(db_conn, "SELECT count(*) FROM pg_tables WHERE schemaname = 'yonhap_load'") == (0,)
    # The load left no search-index entries in the GIN pending list: it merged them after commit.
    assert one(db_conn, "SELECT gin_clean_pending_list('yonhap.articles_search_idx'::regclass)") == (0,)
    db_conn.commit()

    # Any other writer gets the vector computed, whatever it supplies -- as with a generated column.
    with db_conn, db_conn.cursor() as cur:
        cur.execute("UPDATE yonhap.articles SET body = 'Typhon sur Jeju.' WHERE article_id = %s",
                    (moved.article_id,))
        cur.execute("UPDATE yonhap.articles SET search_vector = 'faux'::tsvector WHERE article_id = %s",
                    (edited.article_id,))
        cur.execute("SET LOCAL yonhap.search_vector_from_loader = 'on'")
        cur.execute("UPDATE yonhap.articles SET title = 'Neige', search_vector = NULL WHERE article_id = %s",
                    (synthetic.make_article(3).article_id,))
    assert one(db_conn, STALE_VECTORS) == (0,)
    assert one(db_conn, "SELECT count(*) FROM yonhap.articles WHERE search_vector @@ to_tsquery('french', 'typhon')") == (1,)


def test_rows_are_searchable_before_the_index_merge_and_the_merge_is_idempotent(settings, db_conn):
    from storage.load import LoadBatch, load_batch, merge_search_index

    rows_ = [synthetic.make_article(i, "rs", body=f"Le typhon numéro {i} approche de Jeju.") for i in range(3)]
    load_batch(db_conn, LoadBatch("rs", synthetic.gate_for("rs", 3), rows_, stats=synthetic.stats_for("rs", 3)))
    search = "SELECT count(*) FROM yonhap.articles WHERE search_vector @@ to_tsquery('french', 'typhon')"
    assert one(db_conn, search) == (3,)  # still in the pending list: found all the same
    db_conn.commit()
    assert merge_search_index(db_conn) > 0
    assert merge_search_index(db_conn) == 0
    assert one(db_conn, search) == (3,)


def test_search_vectors_can_be_computed_by_parallel_workers(db_conn):
    """The point of migration 0002: the vector query must stay parallel-safe (a function marked
    PARALLEL UNSAFE, or a temp staging table, would silently make it serial)."""
    from storage.load import SEARCH_VECTORS_SQL, _create_stage_tables

    with db_conn.cursor() as cur:
        _create_stage_tables(cur)
        cur.execute("INSERT INTO yonhap_load.stage_articles (article_id, url, title, title_raw, body, story_id, word_count, "
                    "content_hash, run_id) SELECT 'a' || n, 'u' || n, 't', 't', 'corps', 's', 1, 'h', 'r' "
                    "FROM generate_series(1, 100) n")
        cur.execute("ANALYZE yonhap_load.stage_articles")
        for setting in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0"):
            cur.execute(f"SET LOCAL {setting}")
        cur.execute("EXPLAIN " + SEARCH_VECTORS_SQL)
        plan = "\n".join(r[0] for r in cur.fetchall())
    db_conn.rollback()
    assert "Gather" in plan and "Parallel Seq Scan on stage_articles" in plan, plan


def test_gate_blocked_loads_rejects_errors_and_run_row_only(settings, db_conn):
    batch = [synthetic.make_article(i, "rb") for i in range(4)]
    rejects = [RejectedItem("rb", batch[0].article_id, batch[0].url, ["title missing"], {"x": 1})]
    errors = [CrawlError("rb", "https://fr.yna.co.kr/news/3", "TimeoutError", 3, "2024-06-20T00:59:00+00:00")]
    stage_batch(settings, "rb", batch, rejects=rejects, errors=errors,
                gate=synthetic.gate_for("rb", 4, success=False, rejected=1))
    counts = stage.load(settings, "rb")
    assert counts["status"] == "blocked" and counts["loaded"] == 0
    assert one(db_conn, "SELECT count(*) FROM yonhap.articles") == (0,)
    assert one(db_conn, "SELECT count(*) FROM yonhap.article_revisions") == (0,)
    assert one(db_conn, "SELECT reasons FROM yonhap.rejected_items WHERE run_id = 'rb'") == (["title missing"],)
    assert one(db_conn, "SELECT error FROM yonhap.crawl_errors WHERE run_id = 'rb'") == ("TimeoutError",)
    status, success, message = one(db_conn, "SELECT status, quality_success, message FROM yonhap.crawl_runs "
                                            "WHERE run_id = 'rb'")
    assert (status, success) == ("blocked", False) and "below the expected band" in message
    assert s3.list_keys(settings, "curated/") == []


def test_same_url_under_another_id_is_rejected_not_crashing(settings, db_conn):
    owner = synthetic.make_article(1, "r1")
    stage_batch(settings, "r1", [owner])
    stage.load(settings, "r1")
    intruder = synthetic.make_article(2, "r2", url=owner.url)
    fine = synthetic.make_article(3, "r2")
    stage_batch(settings, "r2", [intruder, fine])
    counts = stage.load(settings, "r2")
    assert counts["url_conflicts"] == 1 and counts["loaded"] == 1 and counts["inserted"] == 1
    reasons, stage_name = one(db_conn, "SELECT reasons, stage FROM yonhap.rejected_items WHERE article_id = %s",
                              (intruder.article_id,))
    assert stage_name == "load" and owner.article_id in reasons[0]
    assert one(db_conn, "SELECT article_id FROM yonhap.articles WHERE url = %s", (owner.url,)) == (owner.article_id,)


def test_rerun_replaces_the_runs_rejects_and_errors(settings, db_conn):
    def reject(n):
        return RejectedItem("rr", f"AFR20240619000000{n:03d}", None, [f"reason {n}"], {"n": n}, "validate")

    def error(n):
        return CrawlError("rr", f"https://fr.yna.co.kr/news/{n}", "HTTP 500", 2, "2024-06-20T00:50:00+00:00", 500)

    stage_batch(settings, "rr", [], rejects=[reject(1), reject(2)], errors=[error(1), error(2)])
    stage.load(settings, "rr")
    stage_batch(settings, "rr", [], rejects=[reject(2), reject(3)], errors=[error(2)])
    stage.load(settings, "rr")
    assert rows(db_conn, "SELECT reasons[1] FROM yonhap.rejected_items WHERE run_id = 'rr' ORDER BY 1") == [
        ("reason 2",), ("reason 3",)]
    assert rows(db_conn, "SELECT url FROM yonhap.crawl_errors WHERE run_id = 'rr'") == [
        ("https://fr.yna.co.kr/news/2",)]


def test_later_success_resolves_crawl_errors_and_304_touches_last_seen(settings, db_conn):
    from storage import queries

    a, b = synthetic.make_article(1, "r1"), synthetic.make_article(2, "r1")
    failed = CrawlError("r1", a.url + "?utm_source=x", "HTTP 503", 3, "2024-06-20T00:59:00+00:00", 503,
                        article_id=a.article_id)  # the spider names the article it asked for
    stage_batch(settings, "r1", [b], errors=[failed])
    stage.load(settings, "r1")
    assert queries.pending_error_urls(db_conn) == [failed.url]

    stats = synthetic.stats_for("r2", 1, not_modified_ids=[b.article_id])
    stats.finished_at = LATER.isoformat()
    stage_batch(settings, "r2", [synthetic.make_article(1, "r2", fetched_at=LATER)], stats=stats)
    counts = stage.load(settings, "r2")
    assert counts["errors_resolved"] == 1 and counts["touched_not_modified"] == 1
    assert queries.pending_error_urls(db_conn) == []
    assert one(db_conn, "SELECT last_seen_at FROM yonhap.articles WHERE article_id = %s", (b.article_id,)) == (LATER,)


HOSTILE = [
    "l'été \"guillemets\" «français» — ‘apostrophes’",
    "'); DROP TABLE yonhap.articles; -- %s %(x)s {0} $1 $$",
    "backslash \\ \\N \\. \\t end\\",
    "\\.\nline with only a backslash-dot above",
    "tabs\tand\r\nCRLF\rCR and control \x01\x02\x07\x08\x0b\x0c\x1b\x1f chars",
    "emoji 🇰🇷🚀👩‍👩‍👧 and combining e\u0301 and RTL \u202e",
]


def test_hostile_strings_round_trip_byte_exact(settings, db_conn, tmp_path):
    import duckdb
    import pyarrow.parquet as pq
    from psycopg2 import sql

    from storage.parquet import COLUMNS

    big = ("Un paragraphe très long. " * 44000)[:1_000_000] + "🚀"
    batch = []
    for n, text in enumerate(HOSTILE):
        batch.append(synthetic.make_article(
            n, "rh", title=text, body=text + "\n\n" + text, lead=text, dateline=text,
            images=[{"url": "https://img.example.org/a.jpg", "caption": text, "alt": text}],
            field_sources={"title": text}, etag=text, section=text, byline=text, editor_note=text,
            keywords=[text, "", 'a"b\\c', "{x,y}", "NULL", text],
        ))
    # empty strings are not NULLs, anywhere (the curated file is read from CSV, where they differ by quoting)
    batch.append(synthetic.make_article(98, "rh", lead="", dateline="", etag="", version_label=None,
                                        section="\\N", author_email=" "))
    batch.append(synthetic.make_article(99, "rh", body=big))
    stage_batch(settings, "rh", batch)
    counts = stage.load(settings, "rh")
    assert counts["loaded"] == len(batch)
    for row in batch:
        got = one(db_conn, "SELECT title, body, lead, dateline, images, field_sources, etag, section, "
                           "byline, editor_note, keywords FROM yonhap.articles WHERE article_id = %s",
                  (row.article_id,))
        assert got == (row.title, row.body, row.lead, row.dateline, row.images, row.field_sources, row.etag,
                       row.section, row.byline, row.editor_note, row.keywords)
    rev = one(db_conn, "SELECT body FROM yonhap.article_revisions WHERE article_id = %s", (batch[-1].article_id,))
    assert rev == (big,)

    # and through the curated Parquet file, read by DuckDB
    (uri,) = counts["curated"]
    path = tmp_path / "c.parquet"
    path.write_bytes(s3.get_bytes(settings, s3.split_uri(uri)[1]))
    got = duckdb.execute("SELECT article_id, title, body FROM read_parquet(?) ORDER BY article_id",
                         [str(path)]).fetchall()
    assert got == sorted((r.article_id, r.title, r.body) for r in batch)
    # every column of the file is the stored row (JSON as its text, times as instants)
    columns = sql.SQL(", ").join(sql.SQL("{}::text" if c in ("images", "field_sources") else "{}").format(
        sql.Identifier(c)) for c in COLUMNS)
    stored = rows(db_conn, sql.SQL("SELECT {} FROM yonhap.articles ORDER BY article_id").format(columns))
    curated = pq.read_table(path)
    assert [tuple(r.values()) for r in curated.to_pylist()] == stored


def test_nul_character_is_a_clear_error_and_nothing_is_lost(settings, db_conn):
    stage_batch(settings, "r1", [synthetic.make_article(1, "r1")])
    stage.load(settings, "r1")
    before = snapshot(db_conn)
    stage_batch(settings, "r2", [synthetic.make_article(2, "r2", body="a\x00b")])
    with pytest.raises(LoadError, match=r"article #1 \(AFR20240619000000002\) (lead|body): contains a NUL"):
        stage.load(settings, "r2")
    assert snapshot(db_conn) == before


def test_missing_gate_file_is_a_clear_error(settings):
    with pytest.raises(LoadError, match="gate.json is missing"):
        stage.load(settings, "never_validated")


def test_bad_staged_articles_are_clear_errors_and_load_nothing(settings, db_conn):
    from ground.adapters import staging

    twice = synthetic.make_article(1, "rx")
    stage_batch(settings, "rx", [synthetic.make_article(0, "rx"), twice, twice])
    with pytest.raises(LoadError, match=f"run rx: article {twice.article_id} appears twice in the batch"):
        stage.load(settings, "rx")
    stage_batch(settings, "ry", [synthetic.make_article(0, "ry")])
    good = synthetic.make_article(1, "ry").to_dict()
    staging.write_jsonl(settings, "ry", staging.PASSED, [good, {**good, "article_id": "AFR2", "colour": "red"}])
    with pytest.raises(LoadError, match=r"staging/ry/passed.jsonl.gz record 2: ArticleRow: unknown fields \['colour'\]"):
        stage.load(settings, "ry")
    # not JSON; a truncated revisions file
    import gzip

    good_line = json.dumps(good, ensure_ascii=False).encode()
    s3.put_bytes(settings, staging.key("ry", staging.PASSED), gzip.compress(good_line + b'\n{"article_id": \n'))
    with pytest.raises(LoadError, match=r"staging/ry/passed.jsonl.gz record 2: Input data was truncated"):
        stage.load(settings, "ry")
    stage_batch(settings, "rz", [synthetic.make_article(n, "rz") for n in range(300)])
    revisions = s3.get_bytes(settings, staging.key("rz", staging.REVISIONS))
    s3.put_bytes(settings, staging.key("rz", staging.REVISIONS), revisions[: len(revisions) // 2])
    with pytest.raises(LoadError, match=r"staging/rz/revisions.jsonl.gz: staging file is not valid gzip"):
        stage.load(settings, "rz")
    # Found while streaming into COPY: the whole transaction rolled back.
    assert one(db_conn, "SELECT count(*) FROM yonhap.articles") == (0,)
    assert one(db_conn, "SELECT count(*) FROM yonhap.crawl_runs") == (0,)


def _child_env(settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YONHAP_", "S3_", "AWS_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=settings.database_url,
        S3_ENDPOINT_URL=settings.s3_endpoint_url,
        S3_BUCKET=settings.s3_bucket,
        AWS_ACCESS_KEY_ID=settings.aws_access_key_id,
        AWS_SECRET_ACCESS_KEY=settings.aws_secret_access_key,
        AWS_DEFAULT_REGION=settings.aws_region,
        YONHAP_LOCAL_DIR=str(settings.local_dir),
    )
    return env


def test_kill_9_between_copy_and_merge_leaves_previous_state(settings, db_conn):
    stage_batch(settings, "r1", [synthetic.make_article(i, "r1") for i in range(10)])
    stage.load(settings, "r1")
    before = snapshot(db_conn)

    changed = [synthetic.make_article(i, "r2", body=f"Nouveau texte {i}.", fetched_at=LATER) for i in range(20)]
    stage_batch(settings, "r2", changed)
    env = _child_env(settings) | {PAUSE_AFTER_COPY_ENV: "120"}
    code = "import sys; from storage import stage; from ground.core.config import Settings; " \
           "stage.load(Settings.from_env(), sys.argv[1])"
    child = subprocess.Popen([sys.executable, "-c", code, "r2"], env=env, stderr=subprocess.PIPE, text=True,
                             cwd=os.path.dirname(os.path.dirname(__file__)))
    watchdog = threading.Timer(120, child.kill)  # never hang the suite if the hook is not reached
    watchdog.start()
    try:
        seen = []
        for line in child.stderr:  # wait for the hook: COPY done, merge not started
            seen.append(line)
            if PAUSE_MARKER in line:
                break
        assert any(PAUSE_MARKER in line for line in seen), "".join(seen)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        watchdog.cancel()
        child.wait(30)
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert snapshot(db_conn) == before

    counts = stage.load(settings, "r2")  # the lock died with the session: a retry just works
    assert counts["inserted"] == 10 and counts["updated"] == 10


def test_overlapping_concurrent_loads_end_consistent(settings, db_conn):
    ids = range(30)
    stage_batch(settings, "ra", [synthetic.make_article(i, "ra", body=f"Version A {i}.", fetched_at=LATER)
                                 for i in ids])
    later = LATER + timedelta(hours=1)
    stage_batch(settings, "rb", [synthetic.make_article(i, "rb", body=f"Version B {i}.", fetched_at=later)
                                 for i in range(15, 45)])
    errors: list[BaseException] = []

    def run(run_id):
        try:
            stage.load(settings, run_id)
        except BaseException as err:  # noqa: BLE001 -- reported below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(r,)) for r in ("ra", "rb", "ra", "rb")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    bodies = dict(rows(db_conn, "SELECT article_id, body FROM yonhap.articles"))
    assert len(bodies) == 45
    for i in range(45):
        expected = f"Version B {i}." if i >= 15 else f"Version A {i}."
        assert bodies[synthetic.article_id(datetime(2024, 6, 19), i)] == expected
    # revisions: one per distinct content, numbered 1..n without gaps
    revs = rows(db_conn, "SELECT article_id, array_agg(revision ORDER BY revision), count(DISTINCT content_hash) "
                         "FROM yonhap.article_revisions GROUP BY article_id")
    for _aid, numbers, distinct in revs:
        assert numbers == list(range(1, len(numbers) + 1)) and distinct == len(numbers)
    assert sum(len(r[1]) for r in revs) == 30 + 30
    assert rows(db_conn, "SELECT run_id, status FROM yonhap.crawl_runs ORDER BY 1") == [
        ("ra", "succeeded"), ("rb", "succeeded")]


def test_curated_parquet_schema_and_reconciliation(settings, db_conn, tmp_path):
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from storage import parquet

    day2 = datetime(2024, 6, 20, tzinfo=synthetic.KST)
    batch = [synthetic.make_article(i, "r1") for i in range(3)] + [synthetic.make_article(7, "r1", day=day2)]
    stage_batch(settings, "r1", batch)
    # The files are read inside the load transaction; its sessions' time zone must not matter.
    (database,) = one(db_conn, "SELECT current_database()")
    db_conn.autocommit = True
    with db_conn.cursor() as cur:
        cur.execute(f'ALTER DATABASE "{database}" SET TimeZone = \'Asia/Kolkata\'')  # +05:30
    try:
        counts = stage.load(settings, "r1")
    finally:
        with db_conn.cursor() as cur:
            cur.execute(f'ALTER DATABASE "{database}" RESET TimeZone')
        db_conn.autocommit = False
    assert "read_curated" in counts["seconds"]  # encoded before the commit, put after it
    keys = sorted(s3.split_uri(u)[1] for u in counts["curated"])
    assert keys == ["curated/articles/dt=2024-06-19/r1.parquet", "curated/articles/dt=2024-06-20/r1.parquet"]
    table = pq.read_table(pa.BufferReader(s3.get_bytes(settings, keys[0])))
    assert table.schema == parquet.schema() and table.num_rows == 3
    frame = table.to_pandas()
    assert list(frame["article_id"]) == [r.article_id for r in batch[:3]]
    # ... and are exactly the files made from the committed rows (the path taken otherwise)
    committed = parquet.fetch_table(db_conn, [r.article_id for r in batch])
    assert {k: s3.get_bytes(settings, k) for k in keys} == dict(parquet.files_of("r1", committed))
    first = committed.slice(0, 1).to_pylist()[0]
    assert first["published_at"] == datetime.fromisoformat(batch[0].published_at)
    assert first["fetched_at"] == datetime.fromisoformat(batch[0].fetched_at)

    # crash after commit: curated file missing, row says not written -> the next load writes it
    s3.client(settings).delete_object(Bucket=settings.s3_bucket, Key=keys[1])
    with db_conn:
        with db_conn.cursor() as cur:
            cur.execute("UPDATE yonhap.crawl_runs SET curated_written = false WHERE run_id = 'r1'")
    stage_batch(settings, "r2", [synthetic.make_article(20, "r2")])
    assert stage.load(settings, "r2")["reconciled_runs"] == ["r1"]
    path = tmp_path / "r.parquet"
    path.write_bytes(s3.get_bytes(settings, keys[1]))
    assert duckdb.execute("SELECT article_id FROM read_parquet(?)", [str(path)]).fetchall() == [(batch[3].article_id,)]
    assert one(db_conn, "SELECT curated_written FROM yonhap.crawl_runs WHERE run_id = 'r1'") == (True,)


def test_curated_files_made_in_the_load_are_the_committed_rows_after_updates(settings, db_conn):
    """The load reads its curated rows before its commit: an updated, a stale (older fetch: not
    written, the stored row stays) and a new article, as committed."""
    from storage import parquet

    first = [synthetic.make_article(i, "r1") for i in range(3)]
    stage_batch(settings, "r1", first)
    stage.load(settings, "r1")
    earlier = datetime(2024, 6, 19, 1, 0, tzinfo=UTC)
    second = [
        synthetic.make_article(0, "r2", body="Corps révisé.\n\nAvec « guillemets » et \\N.", fetched_at=LATER),
        synthetic.make_article(1, "r2", body="Une version plus ancienne, jamais chargée.", fetched_at=earlier),
        synthetic.make_article(5, "r2", body=""),
    ]
    stage_batch(settings, "r2", second)
    counts = stage.load(settings, "r2")
    assert (counts["inserted"], counts["updated"]) == (1, 1) and "read_curated" in counts["seconds"]
    committed = parquet.fetch_table(db_conn, [r.article_id for r in second])
    keys = [s3.split_uri(u)[1] for u in counts["curated"]]
    written = {k: s3.get_bytes(settings, k) for k in keys}
    assert written == dict(parquet.files_of("r2", committed))
    bodies = dict(zip(committed.column("article_id").to_pylist(), committed.column("body").to_pylist(), strict=True))
    assert bodies == {second[0].article_id: second[0].body, second[1].article_id: first[1].body,
                      second[2].article_id: ""}


def test_curated_read_failing_inside_the_load_does_not_fail_it(settings, db_conn, monkeypatch):
    from storage import parquet

    real = parquet.copy_rows_csv
    calls = []

    def failing_inside_the_transaction(cur, where, params=()):
        calls.append(where)
        if len(calls) == 1:  # the read inside the load: a statement error there
            cur.execute("SELECT 1 / 0")
        return real(cur, where, params)

    batch = [synthetic.make_article(i, "r1") for i in range(3)]
    stage_batch(settings, "r1", batch)
    monkeypatch.setattr(parquet, "copy_rows_csv", failing_inside_the_transaction)
    counts = stage.load(settings, "r1")
    assert len(calls) == 2  # then the files were made from the committed rows
    assert counts["loaded"] == 3 and counts["revisions_added"] == 3 and "curated_error" not in counts
    assert one(db_conn, "SELECT status, curated_written FROM yonhap.crawl_runs WHERE run_id = 'r1'") == (
        "succeeded", True)
    assert s3.exists(settings, "curated/articles/dt=2024-06-19/r1.parquet")


def test_curated_failure_after_commit_does_not_fail_the_load(settings, db_conn, monkeypatch):
    from storage import parquet

    def broken(rows):
        raise OSError("disk full")

    stage_batch(settings, "r1", [synthetic.make_article(i, "r1") for i in range(3)])
    with monkeypatch.context() as patched:
        patched.setattr(parquet, "encode", broken)
        counts = stage.load(settings, "r1")
    assert counts["loaded"] == 3 and counts["curated"] == [] and "disk full" in counts["curated_error"]
    assert one(db_conn, "SELECT status, curated_written FROM yonhap.crawl_runs WHERE run_id = 'r1'") == (
        "succeeded", False)
    assert one(db_conn, "SELECT count(*) FROM yonhap.articles") == (3,)
    stage_batch(settings, "r2", [synthetic.make_article(9, "r2")])
    assert stage.load(settings, "r2")["reconciled_runs"] == ["r1"]
    assert s3.exists(settings, "curated/articles/dt=2024-06-19/r1.parquet")
