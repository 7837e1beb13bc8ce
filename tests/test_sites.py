"""One kind of site per database (storage/sites.py): replica pages never land beside live ones.

A database is bound by its first run to the live site or to a test site (the bundled replica);
a run of the other kind is refused when it starts and again by the load. Databases from before
that rule (a `make demo` then a `make run` on one local stack) have their runs' sites read back
from the archived pages; `stack up` and `run` name the command that removes the demo's rows,
and `db remove-demo-rows` does. Real PostgreSQL and S3 over HTTP (the session stack), the real
CLI as a subprocess.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ground.adapters import s3
from ground.core.timeutil import KST, Window
from pipeline.run import stages
from scrapers.warc import LocalWarcArchive, local_files, raw_key
from storage import sites, synthetic
from storage import stage as load_stage

ROOT = Path(__file__).resolve().parent.parent
LIVE = "https://fr.yna.co.kr"
REPLICA = "http://127.0.0.1:8800"
DAY = date(2024, 6, 19)
WINDOW = Window.for_dates(DAY, DAY)


def _rows(db_conn, sql: str, args: tuple = ()) -> list[tuple]:
    with db_conn.cursor() as cur:
        cur.execute(sql, args)
        rows = cur.fetchall() if cur.description else []
    db_conn.commit()
    return rows


def test_a_live_database_refuses_a_test_site_at_the_start_and_at_the_load(settings, db_conn):
    live, replica = settings.with_(base_url=LIVE), settings.with_(base_url=REPLICA)
    stages.prepare(live, "live_1", WINDOW)
    stages.prepare(settings.with_(edition="en", base_url="https://en.yna.co.kr"), "live_en", WINDOW)  # also live
    with pytest.raises(sites.SiteMismatch) as refused:
        stages.prepare(replica, "demo_1", WINDOW)
    message = str(refused.value)
    assert "\n" not in message and REPLICA in message and "the live site" in message and "make demo" in message
    # The stages one at a time (no prepare): the load refuses it inside its transaction.
    synthetic.stage_batch(replica, "demo_2", [synthetic.make_article(n, "demo_2") for n in range(3)])
    with pytest.raises(sites.SiteMismatch):
        load_stage.load(replica, "demo_2")
    assert _rows(db_conn, "SELECT run_id, site FROM yonhap.crawl_runs ORDER BY run_id") == [
        ("live_1", LIVE), ("live_en", "https://en.yna.co.kr")]
    assert _rows(db_conn, "SELECT count(*) FROM yonhap.articles") == [(0,)]
    assert _rows(db_conn, "SELECT live, site, run_id FROM yonhap.site_binding") == [(True, LIVE, "live_1")]


def test_a_test_site_database_refuses_the_live_site_naming_the_way_out(settings):
    stages.prepare(settings.with_(base_url="http://127.0.0.1:8800/"), "demo_1", WINDOW)
    stages.prepare(settings.with_(base_url="http://localhost:9999"), "demo_2", WINDOW)  # any test site
    with pytest.raises(sites.SiteMismatch, match=f"holds a test site.*{sites.REMOVE_COMMAND}"):
        stages.prepare(settings.with_(base_url=LIVE), "live_1", WINDOW)


def _archive(settings, run_id: str, urls: list[str], tmp: Path) -> dict[str, str]:
    """Archive one page per URL as the crawler does (raw/dt=…/<run_id>.warc.gz); url -> record URI."""
    archive = LocalWarcArchive(tmp / run_id, settings.s3_bucket, run_id)
    fetched = datetime(2024, 6, 20, 1, 0, tzinfo=UTC)
    uris = {url: archive.write(url, 200, "OK", [("Content-Type", "text/html")], b"<html></html>", fetched)
            for url in urls}
    archive.close()
    for day, path in local_files(tmp / run_id).items():
        s3.put_bytes(settings, raw_key(day, run_id), path.read_bytes())
    return uris


def _cli(settings, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YONHAP_", "S3_", "AWS_", "DATABASE_URL"))}
    key, secret = s3.access_keys(settings)
    env.update(DATABASE_URL=settings.database_url, S3_ENDPOINT_URL=settings.s3_endpoint_url,
               S3_BUCKET=settings.s3_bucket, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret,
               YONHAP_LOCAL_DIR=str(settings.local_dir))
    script = Path(sys.executable).parent / "yonhap-pipeline"
    return subprocess.run([str(script), *args], env=env, capture_output=True, text=True, cwd=ROOT, timeout=180)


def test_demo_rows_an_older_version_mixed_in_are_named_and_removed(settings, db_conn, tmp_path, caplog):
    live, replica = settings.with_(base_url=LIVE), settings.with_(base_url=REPLICA)
    day = datetime(2024, 6, 19, tzinfo=KST)
    # Before migration 0009 a `make demo` then a `make run` shared one database: rows of the
    # replica (a backfill, then a rerun answered with 304s only), then of the live site.
    demo = [synthetic.make_article(n, "demo_old", day=day) for n in range(4)]
    pages = _archive(settings, "demo_old", [f"{REPLICA}/view/{r.article_id}" for r in demo], tmp_path)
    for row in demo:
        row.raw_uri = pages[f"{REPLICA}/view/{row.article_id}"]
    synthetic.stage_batch(replica, "demo_old", demo)
    load_stage.load(replica, "demo_old")
    stages.prepare(replica, "demo_304", WINDOW)
    _archive(settings, "demo_304", [f"{REPLICA}/robots.txt"], tmp_path)
    _rows(db_conn, "UPDATE yonhap.crawl_runs SET site = NULL")  # as they were before 0009
    _rows(db_conn, "DELETE FROM yonhap.site_binding RETURNING live")
    fresh = [synthetic.make_article(n, "live_1", day=day, seed=7) for n in range(10, 13)]
    pages = _archive(settings, "live_1", [f"{LIVE}/view/{r.article_id}" for r in fresh], tmp_path)
    for row in fresh:
        row.raw_uri = pages[f"{LIVE}/view/{row.article_id}"]
    synthetic.stage_batch(live, "live_1", fresh)
    load_stage.load(live, "live_1")
    demo_objects = [k for k in s3.list_keys(settings, "") if "demo_old" in k or "demo_304" in k]
    assert any(k.startswith("raw/") for k in demo_objects) and any(k.startswith("curated/") for k in demo_objects)

    # `stack up` reads the old runs' sites from their archived pages and names the command.
    up = _cli(settings, "stack", "up")
    assert up.returncode == 0, up.stderr
    assert "read the site of 2 earlier run(s)" in up.stdout
    notice = [line for line in up.stdout.splitlines() if line.startswith("notice")]
    assert len(notice) == 1 and "2 run(s) of a test site" in notice[0] and "4 article row(s)" in notice[0]
    assert sites.REMOVE_COMMAND in notice[0], up.stdout
    assert _rows(db_conn, "SELECT run_id, site FROM yonhap.crawl_runs ORDER BY run_id") == [
        ("demo_304", REPLICA), ("demo_old", REPLICA), ("live_1", LIVE)]
    # ... and so does a run (one warning line, in the CLI's output and the task logs).
    with caplog.at_level(logging.WARNING, logger="storage.runs"):
        stages.prepare(live, "live_2", WINDOW)
    assert [r.getMessage() for r in caplog.records if r.name == "storage.runs"] == [notice[0][len("notice    "):]]

    removed = _cli(settings, "db", "remove-demo-rows")
    assert removed.returncode == 0, removed.stderr
    assert "removed 2 test-site run(s)" in removed.stdout and "articles 4" in removed.stdout, removed.stdout
    assert _rows(db_conn, "SELECT article_id FROM yonhap.articles ORDER BY 1") == [(r.article_id,) for r in fresh]
    assert _rows(db_conn, "SELECT run_id FROM yonhap.crawl_runs ORDER BY 1") == [("live_1",), ("live_2",)]
    assert _rows(db_conn, "SELECT count(*) FROM yonhap.article_revisions WHERE run_id LIKE 'demo%%'") == [(0,)]
    assert not [k for k in s3.list_keys(settings, "") if "demo_old" in k or "demo_304" in k]
    assert s3.exists(settings, raw_key(DAY, "live_1"))
    assert _rows(db_conn, "SELECT live, site FROM yonhap.site_binding") == [(True, LIVE)]
    again = _cli(settings, "stack", "up")
    assert again.returncode == 0 and "notice" not in again.stdout, again.stdout
    assert "no rows of a test site" in _cli(settings, "db", "remove-demo-rows").stdout
