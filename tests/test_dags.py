"""DAG integrity: the three DAG files load through a real DagBag (no errors, no warnings),
their shape matches the operating promises (schedule, pool, retries, asset, docs), parsing
imports nothing heavy, and the backfill form refuses bad values with a clear message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DAG_IDS = {"yonhap_fr_ingest", "yonhap_fr_backfill", "yonhap_fr_reprocess"}
HEAVY = ("scrapy", "great_expectations", "boto3", "botocore", "pyarrow", "pandas", "psycopg2")

DAGBAG_PROBE = r"""
import json, sys, warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.dag_cycle_tester import check_cycle
    bag = DagBag(sys.argv[1])
out = {"import_errors": bag.import_errors, "dags": {},
       "warnings": [f"{w.filename}:{w.lineno}: {w.message}" for w in caught
                    if "/dags/" in w.filename or "/yonhap/" in w.filename],
       "file_warnings": {s.file: s.warning_num for s in bag.dagbag_stats}}
for dag_id, dag in bag.dags.items():
    check_cycle(dag)
    outer = dag.timetable
    tt = getattr(outer, "timetable", outer)  # AssetOrTimeSchedule wraps the time part
    condition = getattr(outer, "asset_condition", None)
    assets = list(getattr(condition, "objects", []) or ([condition] if condition is not None else []))
    out["dags"][dag_id] = {
        "schedule": type(outer).__name__,
        "timetable": type(tt).__name__,
        "assets": [{"uri": getattr(a, "uri", None),
                    "watchers": [{"name": w.name, "trigger": type(w.trigger).__module__ + "." + type(w.trigger).__name__}
                                 for w in getattr(a, "watchers", [])]} for a in assets],
        "expression": getattr(tt, "_expression", getattr(tt, "expression", None)),
        "timezone": str(getattr(tt, "_timezone", getattr(tt, "timezone", ""))),
        "catchup": dag.catchup, "max_active_runs": dag.max_active_runs,
        "tags": sorted(dag.tags), "doc_md": dag.doc_md or "", "params": sorted(dag.params.keys()),
        "fileloc": dag.fileloc,
        "tasks": {t.task_id: {
            "pool": t.pool, "retries": t.retries, "backoff": t.retry_exponential_backoff,
            "timeout": t.execution_timeout.total_seconds() if t.execution_timeout else None,
            "owner": t.owner, "callbacks": len(t.on_failure_callback or []) if isinstance(t.on_failure_callback, list) else int(bool(t.on_failure_callback)),
            "outlets": [getattr(o, "uri", str(o)) for o in t.outlets],
            "upstream": sorted(t.upstream_task_ids), "mapped": t.get_closest_mapped_task_group() is not None,
        } for t in dag.tasks},
    }
print("PROBE" + json.dumps(out, default=str))
"""

IMPORT_PROBE = r"""
import importlib.util, json, sys, time
heavy = json.loads(sys.argv[2])
t0 = time.perf_counter(); import airflow.sdk; t1 = time.perf_counter()
found = {}
for path in sys.argv[1].split(","):
    spec = importlib.util.spec_from_file_location("probe_" + path.rsplit("/", 1)[1][:-3], path)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    found[path] = sorted(m for m in heavy if m in sys.modules)
print("PROBE" + json.dumps(found))
"""


def _airflow_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        AIRFLOW_HOME=str(tmp_path / "airflow"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
    )
    return env


def _probe(script: str, args: list[str], env: dict[str, str]) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True, timeout=180, cwd=str(REPO)
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(line for line in proc.stdout.splitlines() if line.startswith("PROBE"))
    return json.loads(line[len("PROBE"):])


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory) -> dict:
    return _probe(DAGBAG_PROBE, [str(REPO / "dags")], _airflow_env(tmp_path_factory.mktemp("dagbag")))


def test_dagbag_loads_every_dag_without_errors_or_warnings(dagbag):
    assert dagbag["import_errors"] == {}
    assert set(dagbag["dags"]) == DAG_IDS
    assert dagbag["warnings"] == []
    assert all(n == 0 for n in dagbag["file_warnings"].values()), dagbag["file_warnings"]


def test_ingest_is_hourly_in_seoul_with_data_intervals_and_runs_on_feed_events(dagbag):
    ingest = dagbag["dags"]["yonhap_fr_ingest"]
    assert ingest["schedule"] == "AssetOrTimeSchedule"
    assert ingest["assets"] == [{"uri": "x-yonhap://feed", "watchers": [
        {"name": "yonhap_fr_feed_watcher", "trigger": "yonhap.airflow.feed_trigger.SiteFeedTrigger"}]}]
    assert ingest["timetable"] == "CronDataIntervalTimetable"
    assert ingest["expression"] == "0 * * * *"
    assert "Seoul" in ingest["timezone"]
    assert ingest["catchup"] is False
    assert 1 <= ingest["max_active_runs"] <= 4


@pytest.mark.parametrize("dag_id", sorted(DAG_IDS))
def test_every_dag_is_documented_owned_retried_and_reported(dagbag, dag_id):
    dag = dagbag["dags"][dag_id]
    assert "yonhap" in dag["tags"]
    assert "Red" in dag["doc_md"] and "docs/operators.md" in dag["doc_md"]
    for task_id, task in dag["tasks"].items():
        assert task["owner"] == "yonhap-data", task_id
        assert task["timeout"] and task["timeout"] <= 3 * 3600, task_id
        assert task["callbacks"] >= 1, task_id
        if task_id != "plan":  # a refused form is not retried
            assert task["retries"] >= 1 and task["backoff"] > 1, task_id


@pytest.mark.parametrize("dag_id", sorted(DAG_IDS))
def test_chain_ends_in_load_that_publishes_the_articles_asset(dagbag, dag_id):
    tasks = dagbag["dags"][dag_id]["tasks"]
    prefix = "" if dag_id == "yonhap_fr_ingest" else "day."
    first = "crawl" if dag_id != "yonhap_fr_reprocess" else "reparse"
    assert tasks[f"{prefix}{first}"]["upstream"] == (["lane", "plan"] if not prefix else ["plan"])
    assert set(tasks[f"{prefix}transform"]["upstream"]) == {f"{prefix}{first}", "plan"}
    assert set(tasks[f"{prefix}validate"]["upstream"]) == {f"{prefix}transform", "plan"}
    assert set(tasks[f"{prefix}load"]["upstream"]) == {f"{prefix}validate", "plan"}
    assert tasks[f"{prefix}load"]["outlets"] == ["x-yonhap://articles"]
    if dag_id == "yonhap_fr_ingest":  # the event lane: one task after the branch, same asset
        assert tasks["lane"]["upstream"] == ["plan"]
        assert tasks["fresh"]["upstream"] == ["lane", "plan"]
        assert tasks["fresh"]["outlets"] == ["x-yonhap://articles"]
    if prefix:  # one mapped partition per day
        assert all(t["mapped"] for tid, t in tasks.items() if tid.startswith("day."))


def test_site_traffic_runs_in_the_site_pool_and_reprocess_does_not(dagbag):
    dags = dagbag["dags"]
    assert dags["yonhap_fr_ingest"]["tasks"]["crawl"]["pool"] == "yonhap_site"
    assert dags["yonhap_fr_ingest"]["tasks"]["fresh"]["pool"] == "yonhap_site"
    assert dags["yonhap_fr_backfill"]["tasks"]["day.crawl"]["pool"] == "yonhap_site"
    assert dags["yonhap_fr_reprocess"]["tasks"]["day.reparse"]["pool"] != "yonhap_site"
    for dag in dags.values():
        in_pool = [tid for tid, t in dag["tasks"].items() if t["pool"] == "yonhap_site"]
        assert all(tid.endswith(("crawl", "fresh")) for tid in in_pool)


def test_forms_have_from_and_to(dagbag):
    for dag_id in ("yonhap_fr_backfill", "yonhap_fr_reprocess"):
        assert dagbag["dags"][dag_id]["params"] == ["from", "to"]


def test_parsing_imports_nothing_heavy(tmp_path):
    files = sorted(str(p) for p in (REPO / "dags").glob("yonhap_fr_*.py"))
    assert len(files) == 3
    found = _probe(IMPORT_PROBE, [",".join(files), json.dumps(HEAVY)], _airflow_env(tmp_path))
    assert found == {f: [] for f in files}


# --- the form ------------------------------------------------------------------------------


def test_form_accepts_a_past_range():
    from yonhap.airflow.tasks import form_days

    assert form_days({"from": "2024-06-18", "to": "2024-06-20"}, today=date(2024, 7, 1)) == (
        date(2024, 6, 18),
        date(2024, 6, 20),
    )


# The CLI refuses the same ranges with the same lines (tests/test_run_cli.py).
BAD_RANGES = [
    ({"from": "2024-06-20", "to": "2024-06-18"}, "range refused: from 2024-06-20 is after to 2024-06-18"),
    ({"from": "2024-06-30", "to": "2024-07-02"}, "range refused: to 2024-07-02 is in the future (today is 2024-07-01 KST)"),
    ({"from": "2024-05-01", "to": "2024-06-30"}, "range refused: 61 days requested; at most 31 per run (split the range)"),
    ({"from": "yesterday", "to": "2024-06-18"}, "range refused: from must be a date YYYY-MM-DD, got 'yesterday'"),
    ({"to": "2024-06-18"}, "range refused: from must be a date YYYY-MM-DD, got None"),
]


@pytest.mark.parametrize(("form", "message"), BAD_RANGES)
def test_form_refuses_bad_values_with_one_line(form, message):
    from yonhap.airflow.tasks import form_days
    from yonhap.core.timeutil import DayRangeError

    with pytest.raises(DayRangeError) as err:
        form_days(form, today=date(2024, 7, 1))
    assert str(err.value) == message


def test_form_schema_refuses_a_non_date_before_any_task_runs():
    from airflow.sdk import ParamsDict
    from airflow.sdk.exceptions import ParamValidationError

    from yonhap.airflow.tasks import form_params

    good = ParamsDict(form_params())
    good["from"], good["to"] = "2024-06-18", "2024-06-19"
    assert good.validate() == {"from": "2024-06-18", "to": "2024-06-19"}
    with pytest.raises(ParamValidationError):
        bad = ParamsDict(form_params())
        bad["from"] = "18/06/2024"


def test_partitions_one_run_per_kst_day_with_stable_safe_ids():
    from yonhap.airflow.tasks import partitions
    from yonhap.core.timeutil import KST

    runs = partitions("manual__2024-07-01T03:00:00+00:00", date(2024, 6, 18), date(2024, 6, 20), "backfill")
    assert [r["window_start"] for r in runs] == [
        datetime(2024, 6, d, tzinfo=KST).isoformat() for d in (18, 19, 20)
    ]
    assert [r["window_end"] for r in runs] == [datetime(2024, 6, d, tzinfo=KST).isoformat() for d in (19, 20, 21)]
    ids = [r["run_id"] for r in runs]
    assert len(set(ids)) == 3
    assert ids[0] == "backfill__manual__2024-07-01T03_00_00_00_00__20240618"
    assert runs == partitions("manual__2024-07-01T03:00:00+00:00", date(2024, 6, 18), date(2024, 6, 20), "backfill")


def test_a_partition_waits_for_the_partitions_its_story_links_look_back_at():
    from transforms.stage import LOOKBACK
    from yonhap.airflow.tasks import link_predecessors, partitions
    from yonhap.pipeline.stages import LINK_LOOKBACK_DAYS

    dag_run = "manual__2024-07-01T03:00:00+00:00"
    runs = partitions(dag_run, date(2024, 6, 18), date(2024, 6, 21), "backfill")
    ids = [r["run_id"] for r in runs]
    assert LINK_LOOKBACK_DAYS * timedelta(days=1) >= LOOKBACK
    # The days before it, same ids as the partitions of those days (the first has none in range).
    assert link_predecessors(runs[3], dag_run) == ids[1:3]
    assert link_predecessors(runs[1], dag_run)[-1] == ids[0]
    assert not set(link_predecessors(runs[0], dag_run)) & set(ids)


def test_ingest_run_crawls_a_lookback_before_its_interval():
    from yonhap.airflow.tasks import INGEST_LOOKBACK, ingest_run
    from yonhap.core.timeutil import UTC

    start = datetime(2024, 6, 19, 3, tzinfo=UTC)
    run = ingest_run("scheduled__2024-06-19T03:00:00+00:00", start, start + timedelta(hours=1))
    assert datetime.fromisoformat(run["window_start"]) == start - INGEST_LOOKBACK
    assert datetime.fromisoformat(run["window_end"]) == start + timedelta(hours=1)
    assert run["run_id"] == "ingest__scheduled__2024-06-19T03_00_00_00_00"


def test_connections_take_precedence_over_the_environment(monkeypatch):
    from yonhap.airflow.tasks import task_settings

    monkeypatch.setenv("DATABASE_URL", "postgresql://env@envhost:1/envdb")
    monkeypatch.setenv("S3_ENDPOINT_URL", "http://env-s3:1")
    monkeypatch.setenv(
        "AIRFLOW_CONN_YONHAP_POSTGRES",
        json.dumps({"conn_type": "postgres", "host": "pg", "port": 5433, "login": "u", "password": "p@ss", "schema": "yonhap"}),
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_YONHAP_S3",
        json.dumps({"conn_type": "aws", "login": "key", "password": "secret",
                    "extra": {"endpoint_url": "http://minio:9000", "region_name": "eu-west-3"}}),
    )
    settings = task_settings()
    assert settings.database_url == "postgresql://u:p%40ss@pg:5433/yonhap"
    assert (settings.s3_endpoint_url, settings.aws_access_key_id, settings.aws_secret_access_key, settings.aws_region) == (
        "http://minio:9000", "key", "secret", "eu-west-3"
    )
    monkeypatch.delenv("AIRFLOW_CONN_YONHAP_POSTGRES")
    monkeypatch.delenv("AIRFLOW_CONN_YONHAP_S3")
    settings = task_settings()
    assert settings.database_url == "postgresql://env@envhost:1/envdb"
    assert settings.s3_endpoint_url == "http://env-s3:1"


def test_failure_summary_names_dag_task_run_error_and_report():
    from yonhap.airflow.tasks import failure_summary

    class TI:
        dag_id, task_id, map_index, try_number = "yonhap_fr_backfill", "day.load", 2, 3

        def xcom_pull(self, task_ids, map_indexes):
            assert (task_ids, map_indexes) == ("day.validate", 2)
            return {"report_uri": "s3://b/quality/r1/index.html"}

    class Run:
        run_id = "manual__x"

    text = failure_summary({"ti": TI(), "dag_run": Run(), "exception": RuntimeError("boom")})
    assert "dag=yonhap_fr_backfill task=day.load map_index=2 run=manual__x try=3" in text
    assert "error: RuntimeError: boom" in text
    assert "quality report: s3://b/quality/r1/index.html" in text


def test_compose_file_is_valid_yaml_with_the_services():
    import yaml

    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    for name in ("postgres", "minio", "minio-init", "airflow-init", "airflow-apiserver", "airflow-scheduler",
                 "airflow-dag-processor", "airflow-triggerer", "redis", "airflow-worker"):
        assert name in services, name
    assert services["redis"]["profiles"] == ["celery"]
    assert services["airflow-worker"]["profiles"] == ["celery"]
    from yonhap.stack.services import BULK_LOAD_SETTINGS

    # compose's PostgreSQL gets the embedded one's bulk-load settings
    assert " ".join(services["postgres"]["command"][1:]) == BULK_LOAD_SETTINGS
    text = (REPO / "docker-compose.yml").read_text()
    for var in ("YONHAP_BASE_URL", "DATABASE_URL", "S3_ENDPOINT_URL", "S3_BUCKET", "AWS_ACCESS_KEY_ID",
                "AIRFLOW_CONN_YONHAP_POSTGRES", "AIRFLOW_CONN_YONHAP_S3"):
        assert var in text, var
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "FROM apache/airflow:3.3.2-python3.11" in dockerfile
    assert "constraints.txt" in dockerfile


def test_dag_docs_state_the_limits_the_code_applies():
    """The DAG docs (doc_md=__doc__, plain text) quote the look-back, the span limit and the
    pool: they must say what yonhap.airflow.tasks enforces."""
    from yonhap.airflow.tasks import INGEST_LOOKBACK, SITE_POOL
    from yonhap.core.timeutil import MAX_RUN_DAYS as MAX_SPAN_DAYS

    ingest = (REPO / "dags" / "yonhap_fr_ingest.py").read_text()
    assert f"**{INGEST_LOOKBACK.seconds // 3600} hours before**" in ingest and f"`{SITE_POOL}`" in ingest
    for name in ("yonhap_fr_backfill.py", "yonhap_fr_reprocess.py"):
        assert f"at most {MAX_SPAN_DAYS} days" in (REPO / "dags" / name).read_text(), name


def test_an_event_run_owns_exactly_the_announced_ids_and_replans_the_same():
    from airflow.sdk.exceptions import AirflowFailException  # noqa: F401 -- the task turns the error into one

    from yonhap.airflow.tasks import EVENT_WINDOW_PAD, announced_run
    from yonhap.core.timeutil import KST, UTC
    from yonhap.pipeline.stages import NoAnnouncedIds

    a1, a2, a3 = "AFR20240618004100884", "AFR20240619000151884", "AFR20240619000200884"
    t1, t2 = datetime(2024, 6, 19, 1, 0, tzinfo=UTC), datetime(2024, 6, 19, 1, 1, tzinfo=UTC)
    events = [(t2, {"ids": [a3, a1]}), (t1, {"ids": [a2, "not-an-id", a3]})]
    run = announced_run("asset_triggered__2024-06-19T01:01:00+00:00_x", events)
    assert run["ids"] == [a2, a3, a1]  # event order, unique, junk dropped
    assert run["kind"] == "event" and run["run_id"].startswith("event__asset_triggered__")
    assert datetime.fromisoformat(run["window_start"]) == datetime(2024, 6, 18, tzinfo=KST)
    assert datetime.fromisoformat(run["window_end"]) == t2 + EVENT_WINDOW_PAD
    assert announced_run("asset_triggered__2024-06-19T01:01:00+00:00_x", list(reversed(events))) == run
    with pytest.raises(NoAnnouncedIds):
        announced_run("r", [(t1, {"ids": ["junk"]}), (t2, {})])
