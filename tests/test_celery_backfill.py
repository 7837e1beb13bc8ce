"""Scale-out, for real: a six-day backfill of the replica through Airflow's scheduler on the
CeleryExecutor (`stack up --airflow --executor celery`: Redis broker, results in PostgreSQL,
two `airflow celery worker` processes), while the CLI runs the same days into another database.

Midway, one worker is killed with SIGKILL (its whole process group: the Celery main process,
its pool and the task it was running), as a lost machine would be. Nothing is lost: the
scheduler fails the vanished task on its heartbeat timeout, retries it, the other worker runs
it, and the rows are identical to the CLI's. Both workers ran tasks (the task instances carry
each worker's hostname), and crawls never overlapped: pool `yonhap_site` caps them across
workers.

Needs a broker: this machine runs Redis on 127.0.0.1:6379 (YONHAP_CELERY_BROKER_URL); each test
run has its own queue, so other stacks on the same Redis never take its tasks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest

from devtools.harness.local_stack import local_stack
from devtools.harness.runs import cli_env, truth_ids
from devtools.stack import supervisor

# Six partitions are what the scenario needs (two workers each run some, one is killed midway
# with work left for the other, the rows equal the CLI's); fourteen proved nothing more and took
# 8–15 min. Transform → validate → load run in day order (~30 s a day of task start-ups here),
# then a killed worker's recovery (heartbeat timeout + retry delay), the stack start-up and the
# CLI run beside it: more than the suite's default per-test timeout (900 s) on a loaded machine.
pytestmark = [pytest.mark.airflow, pytest.mark.slow, pytest.mark.timeout(2700)]

FIRST, LAST = date(2024, 6, 15), date(2024, 6, 20)  # 6 KST days: 6 partitions
PER_DAY = 6
DAG_ID, RUN_ID = "yonhap_fr_backfill", "six_days"
ROWS_SQL = "SELECT article_id, content_hash, story_id, duplicate_of FROM yonhap.articles ORDER BY article_id"
CLI = Path(sys.executable).parent / "yonhap-pipeline"


def _tis(stack) -> list[dict]:
    status, body = stack.api("GET", stack.run_path(DAG_ID, RUN_ID) + "/taskInstances?limit=200")
    assert status == 200, body
    return body["task_instances"]


def _tries(stack, ti: dict) -> list[dict]:
    path = stack.run_path(DAG_ID, RUN_ID) + f"/taskInstances/{ti['task_id']}/{ti['map_index']}/tries"
    status, body = stack.api("GET", path)
    assert status == 200, body
    return body["task_instances"]


def _worker_of(hostname: str | None) -> str | None:
    return hostname.rsplit("-", 1)[-1] if hostname and "-worker" in hostname else None


def _kill_worker_while_it_runs_a_task(stack, worker: str, timeout: float = 600) -> list[tuple[str, int, int]]:
    """SIGKILL ``worker``'s process group as soon as it runs a partition task, after it has
    finished one, while at least a third of the partitions' tasks are still to do; the tasks
    it was running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tis = _tis(stack)
        partition = [t for t in tis if t["map_index"] >= 0]
        mine = [t for t in partition if t["state"] == "running" and _worker_of(t["hostname"]) == worker]
        done = [t for t in partition if t["state"] == "success" and _worker_of(t["hostname"]) == worker]
        todo = [t for t in partition if t["state"] != "success"]
        if mine and done and len(todo) >= len(partition) // 3:
            pid = supervisor.running(stack.rundir, f"celery-{worker}")
            assert pid, f"celery-{worker} is not running"
            os.killpg(os.getpgid(pid), signal.SIGKILL)
            return [(t["task_id"], t["map_index"], t["try_number"]) for t in mine]
        time.sleep(0.5)
    raise AssertionError(f"{worker} never ran a task early enough to be killed: {[(t['task_id'], t['state']) for t in _tis(stack)]}")


def test_a_six_day_backfill_on_two_celery_workers_survives_a_killed_worker(settings):
    from ground.adapters import db

    queue = f"yonhap_test_{uuid.uuid4().hex[:8]}"
    with local_stack(FIRST, LAST, per_day=PER_DAY, executor="celery",
                     extra_env={"YONHAP_CELERY_QUEUE": queue, "YONHAP_CELERY_WORKERS": "2"}) as stack:
        assert "celery    2 workers" in stack.up_output, stack.up_output
        assert stack.api("PATCH", f"/dags/{DAG_ID}", {"is_paused": False})[0] == 200
        status, body = stack.api("POST", f"/dags/{DAG_ID}/dagRuns", {
            "logical_date": None, "dag_run_id": RUN_ID, "conf": {"from": FIRST.isoformat(), "to": LAST.isoformat()},
        })
        assert status == 200, body
        # Meanwhile the CLI does the same days into its own database.
        cli = subprocess.Popen([str(CLI), "run", "--from", FIRST.isoformat(), "--to", LAST.isoformat()],
                               env=cli_env(settings, stack.replica.base_url), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        try:
            killed = _kill_worker_while_it_runs_a_task(stack, "worker1")
            run = stack.wait_run(DAG_ID, RUN_ID, timeout=2100)
            cli_out, _ = cli.communicate(timeout=900)
        finally:
            if cli.poll() is None:
                cli.kill()
        assert run["state"] == "success", (run, stack.task_states(DAG_ID, RUN_ID), stack.log_tails())
        assert cli.returncode == 0, cli_out[-3000:]
        tis = _tis(stack)
        history = {(t["task_id"], t["map_index"]): _tries(stack, t) for t in tis}
        airflow_rows = stack.query(ROWS_SQL)
        truth = truth_ids(stack.replica.corpus, FIRST, LAST)

    # Every partition succeeded; its tasks ran on the Celery queue, on both workers.
    partitions = [t for t in tis if t["map_index"] >= 0]
    assert len({t["map_index"] for t in partitions}) == 6
    assert all(t["state"] == "success" for t in tis), [(t["task_id"], t["map_index"], t["state"]) for t in tis]
    assert {t["queue"] for t in tis} == {queue}
    succeeded_on = {_worker_of(a["hostname"]) for tries in history.values() for a in tries if a["state"] == "success"}
    assert succeeded_on == {"worker1", "worker2"}, succeeded_on
    assert all(t["pid"] for t in tis)

    # What the killed worker was running failed on its heartbeat, was retried, and succeeded
    # on the other worker.
    assert killed
    for task_id, map_index, try_number in killed:
        tries = sorted(history[(task_id, map_index)], key=lambda a: a["try_number"])
        lost = next(a for a in tries if a["try_number"] == try_number)
        final = tries[-1]
        assert _worker_of(lost["hostname"]) == "worker1" and lost["state"] != "success", tries
        assert final["try_number"] > try_number and final["state"] == "success", tries
        assert _worker_of(final["hostname"]) == "worker2", tries

    # The pool held: no two crawl attempts (retries included) overlapped, on any worker.
    crawls = sorted((datetime.fromisoformat(a["start_date"]), datetime.fromisoformat(a["end_date"]))
                    for (task_id, _), tries in history.items() if task_id == "day.crawl"
                    for a in tries if a["start_date"] and a["end_date"])
    assert len(crawls) >= 6
    for (_, end), (start, _) in zip(crawls, crawls[1:], strict=False):
        assert start >= end, crawls
    assert {t["pool"] for t in tis if t["task_id"] == "day.crawl"} == {"yonhap_site"}

    # Nothing lost: the rows are those of the CLI run of the same days.
    conn = db.connect(settings)
    try:
        with conn.cursor() as cur:
            cur.execute(ROWS_SQL)
            cli_rows = cur.fetchall()
    finally:
        conn.close()
    assert len(airflow_rows) >= 6 * PER_DAY * 0.8, len(airflow_rows)
    assert airflow_rows == cli_rows
    assert {r[0] for r in airflow_rows} == truth
