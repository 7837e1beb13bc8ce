"""Schema, migrations, the read-only role, run rows and read helpers (real PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import errors, sql

from ground.core.schema import CrawlError, SeenArticle
from ground.core.timeutil import KST, Window
from storage import migrate, queries, runs, stage, synthetic
from tests.fixtures_stack import url_as
from tests.storage_helpers import one, rows, stage_batch

ROOT = Path(__file__).resolve().parent.parent
ANALYST_SURFACE = ("articles", "article_revisions", "stories", "crawl_runs", "rejected_items", "crawl_errors",
                   "freshness", "freshness_hourly")


def test_migrations_apply_once_and_are_idempotent(empty_database_url):
    names = [m.name for m in migrate.available()]
    assert names and names[0] == "0001_schema.sql"
    assert migrate.upgrade_url(empty_database_url) == names
    assert migrate.upgrade_url(empty_database_url) == []
    conn = psycopg2.connect(empty_database_url)
    try:
        assert [r[0] for r in rows(conn, "SELECT name FROM yonhap.schema_migrations ORDER BY name")] == names
    finally:
        conn.close()


def test_concurrent_upgrades_apply_each_migration_exactly_once(empty_database_url):
    results, failures = [], []

    def upgrade():
        try:
            results.append(migrate.upgrade_url(empty_database_url))
        except Exception as err:  # noqa: BLE001 -- reported below
            failures.append(err)

    threads = [threading.Thread(target=upgrade) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []
    assert sorted(len(r) for r in results) == [0, 0, 0, len(migrate.available())]


def test_an_edited_applied_migration_is_refused(empty_database_url, tmp_path):
    for m in migrate.available():
        (tmp_path / m.name).write_text(m.sql)
    conn = psycopg2.connect(empty_database_url)
    try:
        migrate.upgrade_conn(conn, tmp_path)
        (tmp_path / "0001_schema.sql").write_text(migrate.available()[0].sql + "\n-- edited\n")
        with pytest.raises(migrate.MigrationError, match="changed after it was applied"):
            migrate.upgrade_conn(conn, tmp_path)
        (tmp_path / "0001_schema.sql").write_text(migrate.available()[0].sql)
        extra = f"{len(migrate.available()) + 1:04d}_extra.sql"
        (tmp_path / extra).write_text("CREATE TABLE yonhap.extra_test (x int);")
        assert migrate.upgrade_conn(conn, tmp_path) == [extra]
    finally:
        conn.close()


def test_schema_contract_columns_keys_and_indexes(db_conn):
    from ground.core.schema import ARTICLE_COLUMNS
    from storage.parquet import COLUMNS

    cols = rows(db_conn, "SELECT column_name, data_type FROM information_schema.columns "
                         "WHERE table_schema = 'yonhap' AND table_name = 'articles' ORDER BY ordinal_position")
    names = [c for c, _ in cols]
    # search_vector (ours, not a contract column) sits where 0001 created it, before the
    # columns later migrations appended; the loader's own (0005) come last
    assert tuple(n for n in names if n != "search_vector") == COLUMNS
    assert COLUMNS == (*ARTICLE_COLUMNS[:-4], "loaded_at", "loaded_by_run", "edition", "is_table", "source",
                       "captured_at")
    types = dict(cols)
    for col in ("published_at", "updated_at", "first_seen_at", "last_seen_at", "fetched_at", "loaded_at",
                "captured_at"):
        assert types[col] == "timestamp with time zone"
    assert types["images"] == types["field_sources"] == "jsonb"
    assert types["byline"] == types["editor_note"] == "text" and types["keywords"] == "ARRAY"
    assert one(db_conn, "SELECT is_nullable, column_default FROM information_schema.columns WHERE "
                        "table_schema = 'yonhap' AND table_name = 'articles' AND column_name = 'keywords'") == (
        "NO", "'{}'::text[]")
    indexes = {r[0] for r in rows(db_conn, "SELECT indexdef FROM pg_indexes WHERE schemaname = 'yonhap'")}
    joined = "\n".join(indexes)
    for fragment in ("(published_at)", "(story_id)", "(section, published_at)", "gin (search_vector)", "gin (keywords)",
                     "(loaded_by_run)",
                     "UNIQUE INDEX articles_url_key", "(article_id, content_hash)"):
        assert fragment in joined
    fks = rows(db_conn, "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
                        "WHERE contype = 'f' AND connamespace = 'yonhap'::regnamespace")
    assert fks == [("yonhap.article_revisions", "yonhap.articles")]


def test_stories_view_latest_non_duplicate_version_with_count(settings, db_conn):
    base = synthetic.make_article(1, "r1")
    ld = synthetic.make_article(2, "r1", story_id=base.article_id, version_label="LD",
                                published_at=(datetime.fromisoformat(base.published_at) + timedelta(hours=1)).isoformat())
    dup = synthetic.make_article(3, "r1", story_id=base.article_id, duplicate_of=base.article_id,
                                 published_at=(datetime.fromisoformat(base.published_at) + timedelta(hours=2)).isoformat())
    other = synthetic.make_article(4, "r1")
    stage_batch(settings, "r1", [base, ld, dup, other])
    stage.load(settings, "r1")
    got = rows(db_conn, "SELECT story_id, article_id, versions, version_label FROM yonhap.stories ORDER BY story_id")
    assert got == [(base.article_id, ld.article_id, 2, "LD"), (other.article_id, other.article_id, 1, None)]
    # the view carries every article column, the round-2 ones and 0005's included
    view_cols = [c for (c,) in rows(db_conn, "SELECT column_name FROM information_schema.columns WHERE "
                                            "table_schema = 'yonhap' AND table_name = 'stories' ORDER BY ordinal_position")]
    from storage.parquet import COLUMNS

    assert set(COLUMNS) <= set(view_cols) and view_cols[-9:] == [
        "byline", "editor_note", "keywords", "loaded_at", "loaded_by_run", "edition", "is_table", "source",
        "captured_at"]
    assert rows(db_conn, "SELECT byline, editor_note, keywords FROM yonhap.stories WHERE article_id = %s",
                (ld.article_id,)) == [(ld.byline, ld.editor_note, ld.keywords)]


def test_keywords_filter_uses_the_gin_index(settings, db_conn):
    tagged = synthetic.make_article(1, "r1", keywords=["Corée du Nord", "missile"], byline="Kim Min-ji",
                                    editor_note="NDLR : précision")
    untagged = synthetic.make_article(2, "r1", keywords=[], byline=None, editor_note=None)
    stage_batch(settings, "r1", [tagged, untagged])
    stage.load(settings, "r1")
    assert rows(db_conn, "SELECT article_id, byline, editor_note, keywords FROM yonhap.articles "
                         "WHERE keywords @> ARRAY['Corée du Nord'] ORDER BY 1") == [
        (tagged.article_id, "Kim Min-ji", "NDLR : précision", ["Corée du Nord", "missile"])]
    assert one(db_conn, "SELECT keywords FROM yonhap.articles WHERE article_id = %s", (untagged.article_id,)) == ([],)
    with db_conn.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("EXPLAIN SELECT article_id FROM yonhap.articles WHERE keywords @> ARRAY['missile']")
        plan = "\n".join(r for (r,) in cur.fetchall())
    db_conn.rollback()
    assert "articles_keywords_idx" in plan


def test_french_full_text_search_uses_stemming(settings, db_conn):
    hit = synthetic.make_article(1, "r1", body="Les exportations coréennes de semi-conducteurs ont augmenté.")
    miss = synthetic.make_article(2, "r1", body="Le festival de cinéma ouvre ses portes.")
    stage_batch(settings, "r1", [hit, miss])
    stage.load(settings, "r1")
    found = rows(db_conn, "SELECT article_id FROM yonhap.articles "
                          "WHERE search_vector @@ websearch_to_tsquery('french', %s)", ("exportation augmentée",))
    assert found == [(hit.article_id,)]


def test_reader_role_reads_the_surface_and_nothing_else(settings, db_conn):
    stage_batch(settings, "r1", [synthetic.make_article(1, "r1")])
    stage.load(settings, "r1")
    with db_conn.cursor() as cur:
        cur.execute("SET ROLE yonhap_reader")
        for name in ANALYST_SURFACE:
            cur.execute(sql.SQL("SELECT count(*) FROM yonhap.{}").format(sql.Identifier(name)))
        attempts = [
            "SELECT * FROM yonhap.schema_migrations",
            "INSERT INTO yonhap.crawl_runs (run_id, kind, window_start, window_end, started_at, status) "
            "VALUES ('x', 'x', now(), now() + interval '1 day', now(), 'running')",
            "UPDATE yonhap.articles SET title = 'x'",
            "DELETE FROM yonhap.rejected_items",
            "TRUNCATE yonhap.crawl_errors",
            "CREATE TABLE yonhap.mine (x int)",
            "CREATE TABLE yonhap_load.mine (x int)",  # the loader's scratch schema
            "ALTER TABLE yonhap.articles ADD COLUMN x int",
        ]
        for statement in attempts:
            cur.execute("SAVEPOINT s")
            with pytest.raises(errors.InsufficientPrivilege):
                cur.execute(statement)
            cur.execute("ROLLBACK TO SAVEPOINT s")
    db_conn.rollback()


def test_a_login_user_in_the_reader_role_can_query(settings, db_conn):
    user = f"analyst_{uuid.uuid4().hex[:8]}"
    db_conn.autocommit = True
    with db_conn.cursor() as cur:
        cur.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s IN ROLE yonhap_reader").format(sql.Identifier(user)),
                    (user,))
    try:
        url = url_as(settings.database_url, user, user)
        conn = psycopg2.connect(url)
        try:
            assert one(conn, "SELECT count(*) FROM yonhap.stories") == (0,)
            with pytest.raises(errors.InsufficientPrivilege):
                one(conn, "DELETE FROM yonhap.articles")
        finally:
            conn.close()
    finally:
        with db_conn.cursor() as cur:
            cur.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(user)))


def test_runs_start_is_idempotent_and_finish_validates(db_conn):
    window = Window.for_dates(datetime(2024, 6, 19).date(), datetime(2024, 6, 19).date())
    runs.start_run(db_conn, "run_a", window, "cli")
    runs.start_run(db_conn, "run_a", window, "cli")
    db_conn.commit()
    assert one(db_conn, "SELECT count(*), min(status) FROM yonhap.crawl_runs") == (1, "running")
    runs.finish_run(db_conn, "run_a", "failed", error="crawl: boom", pages=3)
    db_conn.commit()
    assert one(db_conn, "SELECT status, message, pages, finished_at IS NOT NULL FROM yonhap.crawl_runs") == (
        "failed", "crawl: boom", 3, True)
    with pytest.raises(ValueError, match="not one of"):
        runs.finish_run(db_conn, "run_a", "success")
    with pytest.raises(ValueError, match="unknown fields"):
        runs.finish_run(db_conn, "run_a", "failed", window_start="x")
    with pytest.raises(runs.UnknownRun):
        runs.finish_run(db_conn, "nope", "failed")
    db_conn.rollback()


def test_abandoned_runs_are_closed_and_live_ones_kept(db_conn):
    window = Window.for_dates(datetime(2024, 6, 19).date(), datetime(2024, 6, 19).date())
    runs.start_run(db_conn, "ghost", window, "cli")  # its process was killed long ago
    runs.start_run(db_conn, "live", window, "cli")
    with db_conn.cursor() as cur:
        cur.execute("UPDATE yonhap.crawl_runs SET started_at = now() - interval '13 hours' "
                    "WHERE run_id = 'ghost'")
    assert runs.close_abandoned_runs(db_conn) == 1
    db_conn.commit()
    status = dict(rows(db_conn, "SELECT run_id, status FROM yonhap.crawl_runs"))
    assert status == {"ghost": "failed", "live": "running"}
    message = one(db_conn, "SELECT message FROM yonhap.crawl_runs WHERE run_id = 'ghost'")[0]
    assert message.startswith("abandoned:") and "12 h" in message


def test_read_helpers(settings, db_conn):
    day = datetime(2024, 6, 19, tzinfo=KST)
    batch = [synthetic.make_article(i, "r1") for i in range(3)]
    batch.append(synthetic.make_article(5, "r1", day=day + timedelta(days=1), etag=None, last_modified=None))
    errs = [CrawlError("r1", f"https://fr.yna.co.kr/news/{n}", "HTTP 500", 3, "2024-06-20T00:50:00+00:00", 500)
            for n in range(2)]
    stage_batch(settings, "r1", batch, errors=errs)
    stage.load(settings, "r1")

    window = Window(day, day + timedelta(days=1))
    validators = queries.validators_for(db_conn, window)
    assert validators == {r.article_id: {"etag": r.etag, "last_modified": r.last_modified, "raw_uri": r.raw_uri}
                          for r in batch[:3]}

    linked = queries.articles_for_linking(db_conn, day, day + timedelta(days=2))
    assert [r["article_id"] for r in linked] == sorted(r.article_id for r in batch)
    assert set(linked[0]) == set(queries.LINKING_COLUMNS) and linked[0]["published_at"].tzinfo is not None

    history = queries.run_history(db_conn, before=day + timedelta(days=1))
    assert [h["run_id"] for h in history] == ["r1"] and history[0]["loaded"] == 4
    assert queries.run_history(db_conn, before=day) == []

    assert sorted(queries.pending_error_urls(db_conn)) == sorted(e.url for e in errs)
    # a URL that failed in MAX_ERROR_RUNS runs is given up on
    for n in range(2, queries.MAX_ERROR_RUNS + 1):
        run_id = f"r{n}"
        stage_batch(settings, run_id, [], errors=[CrawlError(run_id, errs[0].url, "HTTP 500", 3,
                                                             "2024-06-20T00:50:00+00:00", 500)])
        stage.load(settings, run_id)
    assert queries.pending_error_urls(db_conn) == [errs[1].url]


def _cli_env(settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YONHAP_", "S3_", "AWS_", "DATABASE_URL"))}
    env.update(DATABASE_URL=settings.database_url, S3_ENDPOINT_URL=settings.s3_endpoint_url,
               S3_BUCKET=settings.s3_bucket, AWS_ACCESS_KEY_ID=settings.aws_access_key_id,
               AWS_SECRET_ACCESS_KEY=settings.aws_secret_access_key, YONHAP_LOCAL_DIR=str(settings.local_dir))
    return env


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "yonhap-pipeline"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipeline.cli"]


def test_cli_db_upgrade_and_load(settings, empty_database_url):
    env = _cli_env(settings)
    env_empty = env | {"DATABASE_URL": empty_database_url}
    first = subprocess.run([*_cli(), "db", "upgrade"], env=env_empty, capture_output=True, text=True, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    assert "applied 0001_schema.sql" in first.stdout
    again = subprocess.run([*_cli(), "db", "upgrade"], env=env_empty, capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 0 and "up to date" in again.stdout

    stage_batch(settings, "ok_run", [synthetic.make_article(1, "ok_run")])
    ok = subprocess.run([*_cli(), "load", "--run-id", "ok_run"], env=env, capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    assert "loaded=1" in ok.stdout and "curated s3://" in ok.stdout

    stage_batch(settings, "blocked_run", [synthetic.make_article(2, "blocked_run")],
                gate=synthetic.gate_for("blocked_run", 1, success=False))
    blocked = subprocess.run([*_cli(), "load", "--run-id", "blocked_run"], env=env, capture_output=True,
                             text=True, cwd=ROOT)
    assert blocked.returncode == 1 and "blocked" in blocked.stderr

    bad = subprocess.run([*_cli(), "load", "--run-id", "a/b"], env=env, capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "--run-id" in bad.stderr



def test_every_example_query_in_the_analysts_guide_runs_as_reader(settings, db_conn):
    import re

    text = (ROOT / "docs" / "analysts.md").read_text(encoding="utf-8")
    examples = re.findall(r"```sql\n(.*?)```", text, flags=re.S)
    assert len(examples) >= 9
    story = synthetic.make_article(1, "r1", body="Les exportations de semi-conducteurs progressent.",
                                   keywords=["Corée du Nord", "exportations"])
    second = synthetic.make_article(2, "r1", story_id=story.article_id)
    english = synthetic.make_article(3, "r1", edition="en", title="N. Korea fires ballistic missiles",
                                     body="SEOUL, June 19 (Yonhap) -- North Korea fired two ballistic missiles "
                                          "into the East Sea on Wednesday, the military said.")
    # a table (price list) for the is_table example
    table = synthetic.make_article(5, "r1", title="Prix de gros des produits agricoles-1", is_table=True, is_routine=True,
                                   body="SEOUL, 19 juin (Yonhap) -- Prix de gros (wons) :\n\nAil (1 kg) : 9.870 wons (+1,4%)")
    # the run is an hourly ingest's (kind airflow): the freshness examples of the ingest find it
    from ground.core.timeutil import Window
    from storage import runs

    runs.start_run(db_conn, "r1", Window.for_dates(date(2024, 6, 19), date(2024, 6, 19)), "airflow")
    db_conn.commit()
    reject = synthetic_reject()
    # The ledger's examples need seen ids: two loaded, one rejected (its day is not complete).
    seen = [SeenArticle(a, "2024-06-19", ["list"], "2024-06-19T09:00:00+09:00")
            for a in (story.article_id, second.article_id, reject.article_id)]
    stage_batch(settings, "r1", [story, second, english, table], seen=seen,
                rejects=[reject], errors=[CrawlError("r1", "https://fr.yna.co.kr/x", "HTTP 500", 3,
                                                     "2024-06-20T00:50:00+00:00", 500)])
    stage.load(settings, "r1")
    with db_conn.cursor() as cur:
        cur.execute("SELECT status FROM yonhap.article_completeness ORDER BY status")
        assert [r[0] for r in cur.fetchall()] == ["loaded", "loaded", "rejected"]
        cur.execute("SET ROLE yonhap_reader")
        results = []
        for query in examples:
            cur.execute(query)
            results.append(cur.fetchall())
    db_conn.rollback()
    empty = [query for query, result in zip(examples, results, strict=True) if not result]
    assert not empty, f"every example returns rows on a loaded database; these return none: {empty}"


def synthetic_reject():
    from ground.core.schema import RejectedItem

    return RejectedItem("r1", "AFR20240619000000099", None, ["body is empty"], {"body": ""}, "validate")


def test_reader_grants_catch_up_on_every_upgrade(settings, db_conn):
    with db_conn, db_conn.cursor() as cur:
        cur.execute("REVOKE SELECT ON yonhap.crawl_errors FROM yonhap_reader")
    assert one(db_conn, "SELECT has_table_privilege('yonhap_reader', 'yonhap.crawl_errors', 'SELECT')") == (False,)
    assert migrate.upgrade(settings) == []
    assert one(db_conn, "SELECT has_table_privilege('yonhap_reader', 'yonhap.crawl_errors', 'SELECT')") == (True,)
    assert one(db_conn, "SELECT has_table_privilege('yonhap_reader', 'yonhap.schema_migrations', 'SELECT')") == (
        False,)


def test_upgrade_without_createrole_warns_instead_of_failing(settings, db_conn, monkeypatch):
    from tests.fixtures_stack import _create_database, _drop_database, _url_for

    owner = f"app_{uuid.uuid4().hex[:8]}"
    dbname = f"o_{uuid.uuid4().hex[:12]}"
    server = _url_for(settings.database_url, "postgres")
    db_conn.autocommit = True
    with db_conn.cursor() as cur:
        cur.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s NOCREATEROLE").format(sql.Identifier(owner)), (owner,))
    try:
        url = _create_database(server, dbname)
        with db_conn.cursor() as cur:
            cur.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(dbname), sql.Identifier(owner)))
        monkeypatch.setattr(migrate, "READER_ROLE", f"reader_{uuid.uuid4().hex[:8]}")  # a role nobody made
        with pytest.warns(UserWarning, match="no CREATEROLE"):
            applied = migrate.upgrade_url(url_as(url, owner, owner))
        assert applied == [m.name for m in migrate.available()]
    finally:
        _drop_database(server, dbname)
        with db_conn.cursor() as cur:
            cur.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(owner)))


def test_a_refused_connection_is_named_for_what_it_is_not_an_outage(settings):
    """A missing database, a missing password or a wrong login is reported as such (the server
    answered), with what to fix. Under scram-sha-256 the server does not say whether the user
    exists, so an unknown user and a wrong password read the same."""
    import psycopg2

    from pipeline.run.stages import _postgres_problem, describe_error

    base, _db = settings.database_url.rsplit("/", 1)
    with pytest.raises(psycopg2.OperationalError) as missing:
        psycopg2.connect(f"{base}/no_such_database_here")
    assert describe_error(missing.value, settings).startswith(
        "PostgreSQL database 'no_such_database_here' does not exist"), describe_error(missing.value, settings)
    scheme, rest = base.split("://", 1)
    host = rest.split("@", 1)[-1]
    with pytest.raises(psycopg2.OperationalError) as no_password:
        psycopg2.connect(f"{scheme}://no_such_user@{host}/{_db}")
    assert describe_error(no_password.value, settings).startswith(
        "PostgreSQL wants a password"), describe_error(no_password.value, settings)
    with pytest.raises(psycopg2.OperationalError) as wrong:
        psycopg2.connect(f"{scheme}://no_such_user:not-the-password@{host}/{_db}")
    assert describe_error(wrong.value, settings).startswith(
        "PostgreSQL refused the login of user 'no_such_user'"), describe_error(wrong.value, settings)
    said = 'connection to server at "db", port 5432 failed: FATAL:  password authentication failed for user "ana"'
    assert _postgres_problem(said, "db:5432") == (
        "PostgreSQL refused the login of user 'ana' (db:5432): wrong password or user name in DATABASE_URL")
    assert _postgres_problem('FATAL:  role "bob" does not exist', "db:5432").startswith(
        "PostgreSQL has no user 'bob'")
    assert _postgres_problem("server closed the connection unexpectedly", "db:5432").startswith(
        "PostgreSQL unavailable (db:5432)")
