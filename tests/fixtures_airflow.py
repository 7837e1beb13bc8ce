"""Airflow for tests: one migrated metadata database per session (on the test PostgreSQL
server, scratch AIRFLOW_HOME: nothing here touches ~/airflow), the environment of one
installation, and `dag.test()` in a subprocess (the probe), as the e2e and alert tests use it."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from devtools.harness.runs import cli_env
from devtools.stack import airflow as airflow_local
from tests.fixtures_stack import _create_database, _drop_database, _url_for

REPO = Path(__file__).resolve().parent.parent
DAGS = str(REPO / "dags")

# argv: DAGS, spec JSON {"dag_id", "logical_date"?, "conf"?, "asset_state"?: {asset: {key: value}},
# "without_dag_callbacks"?}.
# Prints PROBE{"state", "tasks": {task_id: state (of one of its map indexes)}, "interval", "run_id"}.
DAG_TEST_PROBE = r"""
import json, sys
from datetime import datetime
from airflow.dag_processing.dagbag import DagBag
spec = json.loads(sys.argv[2])
bag = DagBag(sys.argv[1])
assert not bag.import_errors, bag.import_errors
dag = bag.dags[spec["dag_id"]]
if spec.get("asset_state"):
    # What a feed watcher in a triggerer would have written: register the DAG files' assets the
    # way dag.test does, then write through Airflow's state backend.
    from sqlalchemy import select
    from airflow._shared.state import AssetScope
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db
    from airflow.models.asset import AssetModel
    from airflow.state import get_state_backend
    from airflow.utils.session import create_session
    manager = DagBundlesManager()
    manager.sync_bundles_to_db()
    for bundle in manager.get_all_dag_bundles():
        if not bundle.is_initialized:
            bundle.initialize()
        sync_bag_to_db(BundleDagBag(dag_folder=bundle.path, bundle_path=bundle.path, bundle_name=bundle.name),
                       bundle.name, bundle.version)
    with create_session() as session:
        for name, values in spec["asset_state"].items():
            asset_id = session.scalar(select(AssetModel.id).where(AssetModel.name == name))
            for key, value in values.items():
                get_state_backend().set(AssetScope(asset_id=asset_id), key, json.dumps(value), session=session)
if spec.get("without_dag_callbacks"):
    # dag.test() of Airflow 3.3 cannot build a DAG callback's context for a DAG whose form has
    # required params (ParamValidationError out of dag.test); the scheduler test covers them.
    dag.on_success_callback = dag.on_failure_callback = None
    dag.has_on_success_callback = dag.has_on_failure_callback = False
kwargs = {}
if spec.get("logical_date"):
    kwargs["logical_date"] = datetime.fromisoformat(spec["logical_date"])
if spec.get("conf") is not None:
    kwargs["run_conf"] = spec["conf"]
run = dag.test(**kwargs)
states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
print("PROBE" + json.dumps({"state": str(run.state), "tasks": states, "run_id": run.run_id,
      "interval": [run.data_interval_start.isoformat(), run.data_interval_end.isoformat()]
                  if run.data_interval_start else None}))
"""


@pytest.fixture(scope="session")
def airflow_meta(stack_settings, tmp_path_factory):
    """A migrated Airflow metadata database on the test PostgreSQL server + scratch home,
    shared by the session's Airflow tests (each uses its own DAG run ids)."""
    home = tmp_path_factory.mktemp("airflow_home")
    name = f"airflow_{uuid.uuid4().hex[:12]}"
    server = _url_for(stack_settings.database_url, "postgres")
    url = _create_database(server, name)
    sqlalchemy = url.replace("postgresql://", "postgresql+psycopg2://", 1)
    env = airflow_local.airflow_env(home, sqlalchemy, port=0)
    airflow_local.airflow_cli(env, "db", "migrate", timeout=600)
    yield home, sqlalchemy
    _drop_database(server, name)


def airflow_test_env(airflow_meta, settings, base_url: str, port: int = 0, *, poison_env: bool = False,
                     **extra: str) -> dict[str, str]:
    """The environment of an installation whose tasks use ``settings`` (through the Airflow
    connections) and crawl ``base_url``; ``extra``: more settings (YONHAP_…)."""
    home, sqlalchemy = airflow_meta
    values = airflow_local.connection_env(settings.database_url, settings, settings.s3_endpoint_url)
    values.update(cli_env(settings, base_url, **extra))
    if poison_env:  # prove the connection wins over DATABASE_URL inside tasks
        values["DATABASE_URL"] = settings.database_url.rsplit("/", 1)[0] + "/no_such_database"
    values.update(airflow_local.api_connection_env(port))  # run notes: the all-admins token
    env = airflow_local.airflow_env(home, sqlalchemy, port, values)
    env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] = "True"
    env["AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC"] = "2"
    env["AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL"] = "5"
    env["AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL"] = "5"
    env["AIRFLOW__CORE__DEFAULT_TASK_RETRIES"] = "0"
    return env


def dag_test(env: dict[str, str], dag_id: str, *, logical_date: str | None = None, conf: dict | None = None,
             asset_state: dict | None = None) -> dict:
    """`dag.test()` of ``dag_id`` in a subprocess: the probe's result (state, tasks, run id, interval).
    A DAG with a form (``conf``) runs without its DAG-level callbacks (see the probe)."""
    spec = {"dag_id": dag_id, "logical_date": logical_date, "conf": conf, "asset_state": asset_state,
            "without_dag_callbacks": conf is not None}
    proc = subprocess.run([sys.executable, "-c", DAG_TEST_PROBE, DAGS, json.dumps(spec)],
                          env=env, capture_output=True, text=True, timeout=600, cwd=str(REPO))
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(next(line for line in proc.stdout.splitlines() if line.startswith("PROBE"))[5:])
    result["output"] = proc.stdout + proc.stderr
    return result
