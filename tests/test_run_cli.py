"""`yonhap-pipeline run` / `reprocess` end to end: the real console script in a subprocess,
the replica over HTTP, a real PostgreSQL and the S3 endpoint over HTTP."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from devtools.harness.runs import cli_env, rows, truth_ids

REPO = Path(__file__).resolve().parent.parent
CLI = str(Path(sys.executable).parent / "yonhap-pipeline")
DAYS = (date(2024, 6, 18), date(2024, 6, 20))
# A small corpus keeps the run quick; the window is not the newest day (list walk + seek).
REPLICA = dict(start=date(2024, 6, 16), end=date(2024, 6, 22), per_day=12)

# Everything but the bookkeeping of *when* an article was last seen and by which run.
CONTENT_SQL = """
    SELECT article_id, url, title, title_raw, version_label, story_id, duplicate_of, section,
           published_at, updated_at, dateline, lead, body, author_email, images::text,
           word_count, content_hash, first_seen_at, raw_uri
    FROM yonhap.articles ORDER BY article_id
"""


def run_cli(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=str(REPO))


@pytest.mark.slow
def test_run_loads_exactly_the_days_articles_and_reruns_change_nothing(settings, replica, db_conn):
    site = replica(**REPLICA)
    env = cli_env(settings, site.base_url)
    first = run_cli(env, "run", "--from", DAYS[0].isoformat(), "--to", DAYS[1].isoformat(), "--run-id", "cli_first")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "succeeded" in first.stdout and "run cli_first" in first.stdout

    expected = truth_ids(site.corpus, *DAYS)
    loaded = {r[0] for r in rows(db_conn, "SELECT article_id FROM yonhap.articles")}
    assert loaded == expected
    for article_id in sorted(expected)[:: max(1, len(expected) // 5)]:
        truth = site.truth(article_id)
        (title_raw, body) = rows(db_conn, "SELECT title_raw, body FROM yonhap.articles WHERE article_id = %s", (article_id,))[0]
        assert title_raw == truth.title_raw
        assert body == truth.body
    run_row = rows(db_conn, "SELECT status, kind, loaded, window_start, window_end FROM yonhap.crawl_runs WHERE run_id = 'cli_first'")
    assert run_row and run_row[0][0] == "succeeded" and run_row[0][1] == "cli" and run_row[0][2] == len(expected)
    before = rows(db_conn, CONTENT_SQL)
    revisions_before = rows(db_conn, "SELECT article_id, revision, content_hash FROM yonhap.article_revisions ORDER BY 1, 2")
    db_conn.commit()

    second = run_cli(env, "run", "--from", DAYS[0].isoformat(), "--to", DAYS[1].isoformat())
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    # Its crawl bar counts the 304s: unchanged pages, not "0 items".
    (items, not_modified, errors), = rows(db_conn, "SELECT items, not_modified, errors FROM yonhap.crawl_runs "
                                                   "WHERE run_id <> 'cli_first'")
    assert not_modified == len(expected)
    assert f"{items} items, {not_modified} not modified, {errors} errors" in second.stdout, second.stdout[-3000:]
    assert rows(db_conn, CONTENT_SQL) == before
    assert rows(db_conn, "SELECT article_id, revision, content_hash FROM yonhap.article_revisions ORDER BY 1, 2") == revisions_before
    assert rows(db_conn, "SELECT count(*) FROM yonhap.crawl_runs WHERE status = 'succeeded'")[0][0] == 2
    db_conn.commit()

    # Reprocess re-parses the raw archive: the same rows, and not one request to the site.
    site.clear_log()
    day = DAYS[0].isoformat()
    again = run_cli(env, "reprocess", "--from", day, "--to", day, "--run-id", "reprocess_once")
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert site.access_log() == []
    assert rows(db_conn, CONTENT_SQL) == before
    assert rows(db_conn, "SELECT kind, status FROM yonhap.crawl_runs WHERE run_id = 'reprocess_once'") == [
        ("reprocess", "succeeded")
    ]
    # Its pages are the archive's 200 responses (not "200: 0, 304: 0").
    from storage import queries

    (summary,) = queries.run_rows(db_conn, ["reprocess_once"])
    assert summary["pages"] and (summary["pages_200"], summary["pages_304"]) == (summary["pages"], 0)


def test_bad_usage_exits_2_with_one_clear_line(settings):
    """Bad ranges are refused before any work with exit 2 and the one line the Airflow form's
    `plan` gives for the same range (ground.core.timeutil.check_run_range)."""
    from datetime import datetime

    from ground.core.timeutil import KST

    today = datetime.now(KST).date()
    env = cli_env(settings, "http://127.0.0.1:9")  # nothing listens: any request would fail
    cases = [
        (("run", "--from", "2024-06-20", "--to", "2024-06-18"), "range refused: from 2024-06-20 is after to 2024-06-18"),
        (("run", "--from", "18/06/2024", "--to", "2024-06-18"), "range refused: from must be a date YYYY-MM-DD, got '18/06/2024'"),
        (("run", "--from", "2024-02-30", "--to", "2024-03-01"), "range refused: from 2024-02-30 is not a real date"),
        (("run", "--from", "2024-05-01", "--to", "2024-06-30"), "range refused: 61 days requested; at most 31 per run (split the range)"),
        (("reprocess", "--from", str(today), "--to", "2099-01-01"),
         f"range refused: to 2099-01-01 is in the future (today is {today} KST)"),
    ]
    for args, line in cases:
        proc = run_cli(env, *args, timeout=120)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert proc.stderr.strip().splitlines() == [f"error: {line}"], (args, proc.stderr)
    proc = run_cli(env, "run", "--from", "2024-06-18", "--to", "2024-06-18", "--run-id", "a/b", timeout=120)
    assert proc.returncode == 2 and "--run-id" in proc.stderr


@pytest.mark.slow
def test_stage_commands_on_a_fresh_database(settings, replica, empty_database_url):
    """crawl | transform | validate --run-id | load, one command each, on a database no
    migration has touched: each applies what is pending, the run is recorded as kind 'stages',
    validate needs no dates, and validating a loaded run again leaves its result standing."""
    import dataclasses

    site = replica(**{**REPLICA, "per_day": 6})
    env = cli_env(dataclasses.replace(settings, database_url=empty_database_url), site.base_url)
    day = DAYS[0].isoformat()
    steps = [("crawl", "--from", day, "--to", day, "--run-id", "staged_1"), ("transform", "--run-id", "staged_1"),
             ("validate", "--run-id", "staged_1"), ("load", "--run-id", "staged_1")]
    for args in steps:
        proc = run_cli(env, *args)
        assert proc.returncode == 0, (args, proc.stdout[-2000:], proc.stderr[-2000:])
    import psycopg2

    with psycopg2.connect(empty_database_url) as conn:
        assert rows(conn, "SELECT kind, status FROM yonhap.crawl_runs") == [("stages", "succeeded")]
        assert rows(conn, "SELECT count(*) FROM yonhap.articles")[0][0] == len(truth_ids(site.corpus, DAYS[0], DAYS[0]))
    conn.close()
    again = run_cli(env, "validate", "--run-id", "staged_1")
    assert again.returncode == 0 and "already loaded (succeeded, quality gate passed)" in again.stdout, again.stdout
    other = run_cli(env, "validate", "--run-id", "staged_1", "--from", "2024-06-01", "--to", "2024-06-01")
    assert other.returncode == 2 and "was crawled for" in other.stderr, other.stderr


def test_help_shows_flags_plainly_and_the_configured_ui_port(settings):
    env = {**cli_env(settings, "http://127.0.0.1:9"), "YONHAP_AIRFLOW_PORT": "8111"}
    proc = run_cli(env, "stack", "up", "--help", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "UI on http://localhost:8111" in proc.stdout and "<bool>" not in proc.stdout, proc.stdout


def test_a_failed_run_summary_keeps_the_run_id_whole_at_80_columns(capsys, monkeypatch):
    """A long error wraps inside its cell; the run id and the status line stay whole."""
    from pipeline.cli.run import _print_summary
    from pipeline.run.stages import RunSummary

    monkeypatch.setenv("COLUMNS", "80")
    run_id = "backfill_manual__2024-06-20T10:11:12.123456+00:00_20240617"
    error = "PostgreSQL unavailable (127.0.0.1:55432): " + "server closed the connection unexpectedly " * 3
    cold_start = "volume band: cold start: 0 of 4 comparable earlier runs (shown once per install)"
    _print_summary(RunSummary(run_id, "2024-06-17T00:00:00+09:00", "2024-06-18T00:00:00+09:00", "cli",
                              status="failed", error=error, failed_stage="crawl", gate={"warnings": [cold_start]}))
    lines = capsys.readouterr().out.splitlines()
    # the validate stage's own log line showed the cold-start notice: the summary does not repeat it
    assert not any("cold start" in line for line in lines), lines
    assert any(run_id in line for line in lines), lines
    assert any(line.startswith("status failed  window [2024-06-17T00:00:00+09:00, 2024-06-18") for line in lines)
    assert "unexpectedly" in "".join(lines)
