"""End to end through Airflow: `dag.test()` of the hourly DAG for one interval, and both kinds
of backfill through the REAL scheduler (LocalExecutor, metadata in PostgreSQL, api-server for
the task execution API) at once: the 3-day form DAG and a native `airflow backfill create` of
three hourly intervals, against the replica over HTTP, a real PostgreSQL and S3 over HTTP.

Airflow runs in subprocesses with a scratch AIRFLOW_HOME: nothing here touches ~/airflow.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from devtools.harness.runs import cli_env, rows, truth_ids
from devtools.stack import airflow as airflow_local
from ground.core.timeutil import KST
from pipeline.run.descriptor import INGEST_LOOKBACK
from tests.alert_receivers import alert_env, settle
from tests.fixtures_airflow import airflow_test_env, dag_test
from tests.fixtures_stack import TEMPLATE_DB, _create_database, _drop_database, _url_for

pytestmark = [pytest.mark.airflow, pytest.mark.slow]

REPO = Path(__file__).resolve().parent.parent
REPLICA = dict(start=date(2024, 6, 16), end=date(2024, 6, 22), per_day=12)
BACKFILL_DAYS = (date(2024, 6, 18), date(2024, 6, 20))
# Native backfill of yonhap_fr_ingest: logical dates 18:00, 19:00, 20:00 KST (both ends
# included), i.e. intervals [18:00, 19:00) ... [20:00, 21:00) on a day the form does not cover.
NATIVE_FROM = datetime(2024, 6, 21, 18, tzinfo=KST)
NATIVE_TO = datetime(2024, 6, 21, 20, tzinfo=KST)

# Columns that must not depend on how the work was split (raw_uri names the run; the seen
# times are wall-clock bookkeeping).
SAME_SQL = """
    SELECT article_id, url, title, title_raw, version_label, story_id, duplicate_of, section,
           published_at, updated_at, dateline, lead, body, author_email, images::text,
           word_count, content_hash
    FROM yonhap.articles ORDER BY article_id
"""

def test_dag_test_of_one_ingest_interval_loads_that_window_and_reprocess_rebuilds_it(airflow_meta, settings, replica, db_conn):
    site = replica(**REPLICA)
    env = airflow_test_env(airflow_meta, settings, site.base_url, poison_env=True)
    # Triggered at 10:00 KST, a run owns the hour that just ended: [09:00, 10:00) KST.
    logical = datetime(2024, 6, 19, 10, tzinfo=KST)
    result = _dag_test(env, "yonhap_fr_ingest", logical_date=logical.isoformat())
    interval = [datetime.fromisoformat(t) for t in result["interval"]]
    assert interval == [datetime(2024, 6, 19, 9, tzinfo=KST), datetime(2024, 6, 19, 10, tzinfo=KST)]

    # It crawls from the look-back before its interval: exactly the replica's articles
    # published in [07:00, 10:00) KST.
    (run_id, kind, start, end, status) = rows(
        db_conn, "SELECT run_id, kind, window_start, window_end, status FROM yonhap.crawl_runs"
    )[0]
    assert (kind, status) == ("airflow", "succeeded")
    assert start == interval[0] - INGEST_LOOKBACK and end == interval[1]
    expected = {a for a in site.corpus.ids_on(date(2024, 6, 19)) if start <= site.truth(a).published_at < end}
    assert expected, "the chosen window must hold articles"
    loaded = {r[0] for r in rows(db_conn, "SELECT article_id FROM yonhap.articles")}
    assert loaded == expected
    assert {r[0] for r in rows(db_conn, "SELECT DISTINCT run_id FROM yonhap.articles")} == {run_id}
    before = rows(db_conn, SAME_SQL)
    db_conn.commit()

    # The reprocess DAG re-parses that day's raw archive: same rows, no request to the site.
    site.clear_log()
    result = _dag_test(env, "yonhap_fr_reprocess", conf={"from": "2024-06-19", "to": "2024-06-19"})
    assert sorted(result["tasks"]) == ["day.load", "day.reparse", "day.transform", "day.validate", "plan", "summary"]
    assert site.access_log() == []
    assert rows(db_conn, SAME_SQL) == before
    assert rows(db_conn, "SELECT kind, status FROM yonhap.crawl_runs WHERE kind = 'reprocess'") == [
        ("reprocess", "succeeded")
    ]


def _dag_test(env: dict[str, str], dag_id: str, **spec) -> dict:
    result = dag_test(env, dag_id, **spec)
    assert result["state"] == "success", (result["tasks"], result["output"][-4000:])
    # An interval run of the ingest DAG takes the four-task lane: the event lane is skipped.
    skipped = {"fresh"} if dag_id == "yonhap_fr_ingest" else set()
    assert {t for t, state in result["tasks"].items() if state == "skipped"} == skipped, result["tasks"]
    assert {state for t, state in result["tasks"].items() if t not in skipped} == {"success"}
    return result


def _start(name: str, argv: list[str], env: dict[str, str], rundir: Path) -> int:
    return airflow_local.start_process(name, argv, env, rundir)


def _api(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v2{path}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def _wait_run(port: int, dag_id: str, run_id: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, run = _api(port, "GET", f"/dags/{dag_id}/dagRuns/{run_id}")
        if status == 200 and run.get("state") in ("success", "failed"):
            return run
        time.sleep(3)
    raise AssertionError(f"{dag_id} {run_id} not finished after {timeout}s: {run}")


def _task_instances(port: int, dag_id: str, run_id: str) -> list[dict]:
    from urllib.parse import quote

    status, body = _api(port, "GET", f"/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances?limit=100")
    assert status == 200, body
    return body["task_instances"]


def _wait_backfill_runs(port: int, dag_id: str, count: int, timeout: float) -> list[dict]:
    """All the DAG's runs, once `count` backfill runs exist and every run has finished."""
    deadline = time.monotonic() + timeout
    runs: list[dict] = []
    while time.monotonic() < deadline:
        status, body = _api(port, "GET", f"/dags/{dag_id}/dagRuns?limit=100")
        runs = body.get("dag_runs", []) if status == 200 else []
        backfills = [r for r in runs if r.get("run_type") == "backfill"]
        if len(backfills) >= count and all(r["state"] in ("success", "failed") for r in runs):
            return runs
        time.sleep(3)
    raise AssertionError(f"{dag_id}: backfill runs not finished after {timeout}s: "
                         f"{[(r['dag_run_id'], r['state']) for r in runs]}")


def _wait_note(port: int, dag_id: str, run_id: str, timeout: float = 120) -> str:
    """The run's note once the summary teardown wrote it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, run = _api(port, "GET", f"/dags/{dag_id}/dagRuns/{run_id}")
        if status == 200 and run.get("note"):
            return run["note"]
        time.sleep(2)
    raise AssertionError(f"no note on {dag_id} {run_id}")


def _log_text(home: Path, dag_id: str, run_id: str, task_id: str) -> str:
    texts = [p.read_text(errors="replace") for p in (home / "logs").rglob("*")
             if p.is_file() and f"dag_id={dag_id}" in str(p) and f"run_id={run_id}" in str(p) and f"task_id={task_id}" in str(p)]
    return "\n".join(texts)


def test_both_backfills_through_the_scheduler_match_the_truth_and_share_the_pool(
    airflow_meta, settings, stack_settings, replica, db_conn, webhook, mailbox
):
    from devtools.stack import services as stack

    site = replica(**REPLICA)
    # The English edition on its own host, backfilled by its generated DAG at the same time.
    en_site = replica(**REPLICA, edition="en")
    home, sqlalchemy = airflow_meta
    port = stack.free_port()
    env = airflow_test_env(airflow_meta, settings, site.base_url, port, **alert_env(webhook, mailbox))
    env["YONHAP_BASE_URL_EN"] = en_site.base_url
    env["AIRFLOW__CORE__PARALLELISM"] = "6"
    rundir = home / "run"
    server = _url_for(stack_settings.database_url, "postgres")
    cli_db = f"c_{uuid.uuid4().hex[:12]}"
    cli_settings = settings.with_(database_url=_create_database(server, cli_db, template=TEMPLATE_DB),
                                  s3_bucket=f"c-{uuid.uuid4().hex[:16]}")
    cli = None
    airflow_local.ensure_pool(env, slots=1)
    airflow = str(Path(sys.executable).parent / "airflow")
    try:
        _start("api-server", [airflow, "api-server", "--port", str(port)], env, rundir)
        _start("dag-processor", [airflow, "dag-processor"], env, rundir)
        _start("scheduler", [airflow, "scheduler"], env, rundir)
        airflow_local.wait_healthy(port, timeout=240, rundir=rundir)
        airflow_local.wait_dags_registered(sqlalchemy, timeout=240)
        assert _api(port, "PATCH", "/dags/yonhap_fr_backfill", {"is_paused": False})[0] == 200
        assert _api(port, "PATCH", "/dags/yonhap_en_backfill", {"is_paused": False})[0] == 200

        # A bad form is refused: by the schema at trigger time (not a date) ...
        status, body = _api(port, "POST", "/dags/yonhap_fr_backfill/dagRuns",
                            {"logical_date": None, "conf": {"from": "18/06/2024", "to": "2024-06-20"}})
        assert status == 400, body
        # ... and by `plan` for rules a schema cannot say (order, future, span), with the reason.
        status, bad = _api(port, "POST", "/dags/yonhap_fr_backfill/dagRuns",
                           {"logical_date": None, "dag_run_id": "bad_order", "conf": {"from": "2024-06-20", "to": "2024-06-18"}})
        assert status == 200, bad
        status, good = _api(port, "POST", "/dags/yonhap_fr_backfill/dagRuns", {
            "logical_date": None, "dag_run_id": "three_days",
            "conf": {"from": BACKFILL_DAYS[0].isoformat(), "to": BACKFILL_DAYS[1].isoformat()},
        })
        assert status == 200, good
        status, good_en = _api(port, "POST", "/dags/yonhap_en_backfill/dagRuns", {
            "logical_date": None, "dag_run_id": "three_days",
            "conf": {"from": BACKFILL_DAYS[0].isoformat(), "to": BACKFILL_DAYS[1].isoformat()},
        })
        assert status == 200, good_en
        # At the same time, the native way: `airflow backfill create` over three hourly intervals.
        # The scheduler only runs backfills of an unpaused DAG; unpausing (catchup off) also
        # starts the latest interval, a run in 2026 that finds nothing on the 2024 replica.
        assert _api(port, "PATCH", "/dags/yonhap_fr_ingest", {"is_paused": False})[0] == 200
        airflow_local.airflow_cli(env, "backfill", "create", "--dag-id", "yonhap_fr_ingest",
                                  "--from-date", NATIVE_FROM.isoformat(), "--to-date", NATIVE_TO.isoformat())
        # Meanwhile the CLI does the same days into its own database (compared below).
        cli = subprocess.Popen(
            [str(Path(sys.executable).parent / "yonhap-pipeline"), "run", "--from", BACKFILL_DAYS[0].isoformat(),
             "--to", BACKFILL_DAYS[1].isoformat()],
            env=cli_env(cli_settings, site.base_url), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )

        refused = _wait_run(port, "yonhap_fr_backfill", "bad_order", timeout=300)
        assert refused["state"] == "failed"
        line = "range refused: from 2024-06-20 is after to 2024-06-18"  # the CLI's line too
        assert line in _log_text(home, "yonhap_fr_backfill", "bad_order", "plan")
        assert refused["note"] == f"**failed** · {line}", refused

        done = _wait_run(port, "yonhap_fr_backfill", "three_days", timeout=900)
        note = _wait_note(port, "yonhap_fr_backfill", "three_days")
        tis = _task_instances(port, "yonhap_fr_backfill", "three_days")
        assert done["state"] == "success", [(t["task_id"], t["map_index"], t["state"]) for t in tis]
        done_en = _wait_run(port, "yonhap_en_backfill", "three_days", timeout=900)
        note_en = _wait_note(port, "yonhap_en_backfill", "three_days")
        tis_en = _task_instances(port, "yonhap_en_backfill", "three_days")
        assert done_en["state"] == "success", [(t["task_id"], t["map_index"], t["state"]) for t in tis_en]
        ingest_runs = _wait_backfill_runs(port, "yonhap_fr_ingest", 3, timeout=900)
        ingest_tis = [t for r in ingest_runs for t in _task_instances(port, "yonhap_fr_ingest", r["dag_run_id"])]
        native = [r for r in ingest_runs if r["run_type"] == "backfill"]
        assert [r["state"] for r in native] == ["success"] * 3, [
            (t["run_id"], t["task_id"], t["state"]) for t in ingest_tis if t["state"] != "success"]
        cli_output, _ = cli.communicate(timeout=600)
        assert cli.returncode == 0, cli_output[-3000:]
    finally:
        for name in ("scheduler", "dag-processor", "api-server"):
            airflow_local.stop_process(name, rundir)
        if cli is not None and cli.poll() is None:
            cli.kill()
            cli.communicate()

    # The dag-processor ran the DAG-level callbacks: the refused form sent one alert with the
    # reason its `plan` left (XCom), the green backfill after it one "recovered"; every other
    # run (green, nothing failing before) sent nothing.
    settle()
    assert [(p["alert"], p["dag_id"], p["run_id"]) for p in webhook.posts] == [
        ("failed", "yonhap_fr_backfill", "bad_order"), ("recovered", "yonhap_fr_backfill", "three_days")]
    assert webhook.posts[0]["reason"] == f"plan: {line}"
    assert webhook.posts[0]["links"]["run"] == f"http://127.0.0.1:{port}/dags/yonhap_fr_backfill/runs/bad_order"
    assert webhook.posts[1]["note"][0].startswith("succeeded · yonhap_fr_backfill · three_days · 3 runs")
    assert len(mailbox.messages) == 2

    # One partition per day, each green.
    crawls = [t for t in tis if t["task_id"] == "day.crawl"]
    assert sorted(t["map_index"] for t in crawls) == [0, 1, 2]
    assert all(t["state"] == "success" for t in tis)
    # The pool (1 slot) never let two crawls overlap -- across both DAGs, all their runs and
    # partitions -- though the executor had room for more.
    all_crawls = crawls + [t for t in ingest_tis if t["task_id"] == "crawl" and t["start_date"]]
    assert len(all_crawls) >= 6
    spans = sorted((datetime.fromisoformat(t["start_date"]), datetime.fromisoformat(t["end_date"])) for t in all_crawls)
    assert all(t["pool"] == "yonhap_site" for t in all_crawls)
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert start >= end, spans
    others = [(datetime.fromisoformat(t["start_date"]), datetime.fromisoformat(t["end_date"]))
              for t in tis if t["task_id"] != "day.crawl" and t["map_index"] >= 0]
    overlapping = [(a, b) for i, a in enumerate(others) for b in others[i + 1:] if a[0] < b[1] and b[0] < a[1]]
    assert overlapping, "partitions never ran side by side: the pool check above would prove nothing"

    # Each native backfill run crawled its own interval plus the look-back, and loaded exactly
    # the replica's articles published in the union of those windows.
    windows = rows(db_conn, "SELECT window_start, window_end, status FROM yonhap.crawl_runs "
                            "WHERE kind = 'airflow' AND run_id LIKE %s ORDER BY window_start", ("%backfill%",))
    intervals = [datetime.fromisoformat(r["data_interval_start"]) for r in sorted(native, key=lambda r: r["data_interval_start"])]
    assert intervals == [NATIVE_FROM + timedelta(hours=h) for h in range(3)]
    assert windows == [(s - INGEST_LOOKBACK, s + timedelta(hours=1), "succeeded") for s in intervals]
    native_day = set(site.corpus.ids_on(NATIVE_FROM.date()))
    native_expected = {a for a in native_day
                       if windows[0][0] <= site.truth(a).published_at < windows[-1][1]}
    assert len(native_expected) >= 5, "the chosen intervals must hold articles"
    assert native_day - native_expected, "and leave some out"

    # The English backfill: its host's pool, never two of its crawls at once, the same tables.
    en_crawls = [t for t in tis_en if t["task_id"] == "day.crawl"]
    assert sorted(t["map_index"] for t in en_crawls) == [0, 1, 2] and all(t["state"] == "success" for t in tis_en)
    assert all(t["pool"] == "yonhap_site_en" for t in en_crawls)
    en_spans = sorted((datetime.fromisoformat(t["start_date"]), datetime.fromisoformat(t["end_date"])) for t in en_crawls)
    for (_, end), (start, _) in zip(en_spans, en_spans[1:], strict=False):
        assert start >= end, en_spans
    en_expected = truth_ids(en_site.corpus, *BACKFILL_DAYS)
    en_rows = rows(db_conn, "SELECT article_id, edition, title_raw, body FROM yonhap.articles WHERE edition = 'en'")
    assert {r[0] for r in en_rows} == en_expected
    assert all(r[0].startswith("AEN") and (r[2], r[3]) == (en_site.truth(r[0]).title_raw, en_site.truth(r[0]).body)
               for r in en_rows)
    en_runs = rows(db_conn, "SELECT run_id, status FROM yonhap.crawl_runs WHERE run_id LIKE %s ORDER BY 1",
                   ("backfill_en%",))
    assert [s for _, s in en_runs] == ["succeeded"] * 3 and all("three_days" in r for r, _ in en_runs)
    assert note_en.startswith("**succeeded** · yonhap_en_backfill · backfill"), note_en
    assert "0 unaccounted" in note_en, note_en

    # The form backfill: exactly the truth for its days; with the native one, nothing else.
    expected = truth_ids(site.corpus, *BACKFILL_DAYS)
    assert {r[0] for r in rows(db_conn, "SELECT article_id FROM yonhap.articles WHERE edition = 'fr'")} == (
        expected | native_expected)
    runs = rows(db_conn, "SELECT kind, status FROM yonhap.crawl_runs WHERE kind = 'backfill' "
                         "AND run_id NOT LIKE %s ORDER BY run_id", ("backfill_en%",))
    assert runs == [("backfill", "succeeded")] * 3
    # The run note carries the partitions' figures, as recorded, and the days' ledger.
    loaded, rejected, seen = rows(db_conn, "SELECT sum(loaded), sum(rejected), sum(seen) FROM yonhap.crawl_runs "
                                           "WHERE kind = 'backfill' AND run_id NOT LIKE %s", ("backfill_en%",))[0]
    assert note.startswith("**succeeded** · yonhap_fr_backfill · backfill"), note
    assert f"loaded {loaded} · rejected {rejected}" in note and f"{seen} seen · 0 unaccounted" in note, note
    # ... and the same rows as the CLI for the same days.
    backfilled = [r for r in rows(db_conn, SAME_SQL) if r[0] in expected]

    import psycopg2

    conn = psycopg2.connect(cli_settings.database_url)
    try:
        assert rows(conn, SAME_SQL) == backfilled
    finally:
        conn.close()
        _drop_database(server, cli_db)
