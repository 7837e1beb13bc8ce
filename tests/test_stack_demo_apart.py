"""`make demo`, then `make run` beside it, then `make stop` and `make run` again, as a newcomer
runs them (the real `yonhap-pipeline stack up --airflow [--demo]` / `stack down`), in one temp
`YONHAP_LOCAL_DIR` on free ports:

* the demo is a stack of its own (`<local_dir>/demo`): its replica rows load there, and the
  production tables stay empty through the demo, the stop and the next start;
* two stacks run side by side on one machine (their log servers on free ports): no bind error in
  any log, and every socket of either stack's processes listens on loopback only;
* credentials are checked: S3 refuses anonymous and wrong-key requests and takes the install's
  keys; PostgreSQL refuses a login without the password; `stack status` shows them, and lists
  Airflow and the replica;
* an operator's view, in a real browser: Debian's chromium (headless, driven by Playwright) logs
  in through Airflow's own login page with the generated password, opens the demo's backfill
  run and reads its note; the figures on screen are those the partitions recorded in
  yonhap.crawl_runs and the ledger's. The screenshot stays in test-artifacts/ui/. (This was
  tests/test_ui_run_note.py on a stack of its own; the demo's backfill is the same run.)

The production stack crawls a closed local port (a test site), never the live site, and its
scheduler creates no run (`use_job_schedule = False`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg2
import pytest
from botocore.exceptions import ClientError

from devtools.harness.local_stack import (
    ADMIN,
    DOWN_TIMEOUT,
    UP_TIMEOUT,
    Stack,
    _cli,
    assert_loopback_only,
    bind_errors,
    read_run_note,
    reap_processes,
)
from devtools.stack import services
from ground.adapters import db, s3
from ground.core.config import Settings

pytestmark = [pytest.mark.airflow, pytest.mark.slow]

PRODUCTION_TABLES = ("articles", "article_revisions", "crawl_runs", "rejected_items", "crawl_errors", "seen_articles")


def _env(root: Path, **ports: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("YONHAP_", "S3_", "AWS_", "DATABASE_URL", "AIRFLOW"))}
    env.update(YONHAP_LOCAL_DIR=str(root), YONHAP_POLL_SECONDS="3600", COLUMNS="200",
               AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE="False", AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="2",
               **{f"YONHAP_{name.upper()}_PORT": str(port) for name, port in ports.items()})
    return env


def _count(settings: Settings, table: str) -> int:
    conn = db.connect(settings)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM yonhap.{table}")  # noqa: S608 (our own table names)
            return cur.fetchone()[0]
    finally:
        conn.close()


def _succeeded(settings: Settings) -> int:
    conn = db.connect(settings)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM yonhap.crawl_runs WHERE status = 'succeeded'")
            return cur.fetchone()[0]
    finally:
        conn.close()


def _ok(proc) -> str:
    assert proc.returncode == 0, f"{proc.args}: {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def _assert_credentials_checked(settings: Settings) -> None:
    endpoint, secrets = s3.endpoint_url(settings), services.read_credentials(settings.local_dir)
    for request in (f"{endpoint}/{settings.s3_bucket}?list-type=2",
                    urllib.request.Request(f"{endpoint}/{settings.s3_bucket}/x", data=b"x", method="PUT")):
        with pytest.raises(urllib.error.HTTPError) as anonymous:
            urllib.request.urlopen(request, timeout=10)
        assert anonymous.value.code == 403 and b"AccessDenied" in anonymous.value.read()
    wrong = settings.with_(s3_endpoint_url=endpoint, aws_access_key_id=secrets.s3_access_key_id,
                           aws_secret_access_key="not-the-secret")
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.client(wrong).list_objects_v2(Bucket=settings.s3_bucket)
    s3.client(settings).list_objects_v2(Bucket=settings.s3_bucket)  # the install's keys
    with pytest.raises(psycopg2.OperationalError, match="password"):
        psycopg2.connect(f"postgresql://postgres@127.0.0.1:{settings.pg_port}/yonhap", connect_timeout=5)


def _operator_reads_the_demo_backfill_note(env: dict[str, str], stack_dir: Path, up_output: str) -> None:
    import json

    password = json.loads((stack_dir / "airflow" / "passwords.json").read_text())[ADMIN]
    stack = Stack(env, stack_dir, int(env["YONHAP_AIRFLOW_PORT"]), password, None, up_output)
    status, body = stack.api("GET", "/dags/yonhap_fr_backfill/dagRuns?limit=10")
    assert status == 200 and len(body["dag_runs"]) == 1, body
    run_id = body["dag_runs"][0]["dag_run_id"]
    run = stack.wait_run("yonhap_fr_backfill", run_id, timeout=300)
    assert run["state"] == "success", (run, stack.task_states("yonhap_fr_backfill", run_id))
    note = stack.wait_note("yonhap_fr_backfill", run_id, timeout=120)

    # The truth of the figures: what the partitions recorded.
    loaded, rejected, seen, runs = stack.query(
        "SELECT sum(loaded), sum(rejected), sum(seen), count(*) FROM yonhap.crawl_runs WHERE kind = 'backfill'")[0]
    assert runs == 3 and loaded > 0 and seen >= loaded, (loaded, rejected, seen, runs)
    figures = f"loaded {loaded} · rejected {rejected}"
    ledger = f"{seen} seen · 0 unaccounted"
    assert figures in note and ledger in note, note

    preview, shown, screenshot = read_run_note(stack, "yonhap_fr_backfill", run_id, figures, "backfill")
    # The note as rendered: the verdict first, then one line per figure group, the same
    # figures as the rows (Markdown would run single-newline lines together).
    assert preview.startswith("succeeded · yonhap_fr_backfill · backfill"), preview
    lines = [line.strip() for line in shown.splitlines() if line.strip()]
    assert any(line.startswith("succeeded · ") for line in lines), lines
    assert any(figures in line and line.startswith("pages ") for line in lines), lines
    assert any(line.startswith("completeness ") and line.endswith(ledger) for line in lines), lines
    print(f"screenshot: {screenshot}")


def test_demo_then_run_side_by_side_then_stop_and_run_keeps_production_empty():
    root = Path(tempfile.mkdtemp(prefix="yonhap-apart-"))  # not under pytest's basetemp (see ui_support)
    free = services.free_port
    demo_env = _env(root, pg=free(), s3=free(), airflow=free(), replica=free())
    run_env = _env(root, pg=free(), s3=free(), airflow=free())
    run_env["YONHAP_BASE_URL"] = f"http://127.0.0.1:{free()}"  # nothing listens: never the live site
    demo_settings = Settings.from_env(dict(demo_env, YONHAP_LOCAL_DIR=str(root / "demo")))
    production = Settings.from_env(run_env)
    leftovers: list[int] = []
    try:
        started = time.monotonic()
        demo = _ok(_cli(demo_env, "stack", "up", "--airflow", "--demo", timeout=UP_TIMEOUT))  # make demo
        demo_up_s = time.monotonic() - started
        replica = f"http://127.0.0.1:{demo_env['YONHAP_REPLICA_PORT']}"
        assert f"site      replica: {replica}" in demo and "backfill of 2024-06-18 .. 2024-06-20 triggered" in demo

        # make run beside it, on its own ports, while the demo's backfill loads.
        run = _ok(_cli(run_env, "stack", "up", "--airflow", timeout=UP_TIMEOUT))
        assert f"site      test site: {run_env['YONHAP_BASE_URL']}" in run, run
        ports = {int(env[f"YONHAP_{name}_PORT"]) for env in (demo_env, run_env) for name in ("PG", "S3", "AIRFLOW")}
        ports |= {int(demo_env["YONHAP_REPLICA_PORT"])}
        ports |= {int((d / "airflow" / "run" / "log-server.port").read_text()) for d in (root, root / "demo")}
        assert len(ports) == 9  # two stacks, nothing shared
        assert_loopback_only(root, ports)  # both stacks' processes (the demo's live under root too)
        _assert_credentials_checked(production)
        _assert_credentials_checked(demo_settings)
        status = _ok(_cli(run_env, "stack", "status", timeout=60))
        assert "production stack" in status and "demo stack" in status and status.count("airflow   running") == 2
        assert "replica   running pid" in status and replica in status
        for stack_dir in (root, root / "demo"):
            secrets = services.read_credentials(stack_dir)
            assert secrets.postgres_password in status and secrets.s3_secret_access_key in status

        deadline = time.monotonic() + 600
        while _succeeded(demo_settings) < 3:  # the demo's three days load: green
            assert time.monotonic() < deadline, "the demo's backfill did not load its 3 days in 10 minutes"
            time.sleep(3)
        green_s = time.monotonic() - started
        demo_rows = _count(demo_settings, "articles")
        assert demo_rows > 100 and all(_count(production, table) == 0 for table in PRODUCTION_TABLES)
        _operator_reads_the_demo_backfill_note(dict(demo_env, YONHAP_LOCAL_DIR=str(root / "demo")), root / "demo", demo)

        stop = _ok(_cli(run_env, "stack", "down", timeout=DOWN_TIMEOUT))  # make stop: both stacks
        assert "postgres  stopped\n" in stop and "postgres  stopped  (demo)" in stop and "replica   stopped  (demo)" in stop
        _ok(_cli(run_env, "stack", "up", timeout=UP_TIMEOUT))  # make run again: its own tables
        assert {table: _count(production, table) for table in PRODUCTION_TABLES} == dict.fromkeys(PRODUCTION_TABLES, 0)
        _ok(_cli(demo_env, "stack", "up", "--demo", timeout=UP_TIMEOUT))  # the demo's rows are kept, apart
        assert _count(demo_settings, "articles") >= demo_rows
        assert not bind_errors(root)
        print(f"demo stack up in {demo_up_s:.0f} s, green after {green_s:.0f} s; whole scenario "
              f"{time.monotonic() - started:.0f} s")
    finally:
        with contextlib.suppress(Exception):
            _cli(run_env, "stack", "down", timeout=DOWN_TIMEOUT)
        leftovers = reap_processes(root)
        shutil.rmtree(root, ignore_errors=True)
    assert not leftovers, f"processes left after `stack down` (killed): {leftovers}"
