"""The DAG factory: the ingest, backfill and reprocess DAGs of one edition, declared once for
every edition. The files in dags/ call it and name each DAG id (the French ones are the
contract: yonhap_fr_ingest, yonhap_fr_backfill, yonhap_fr_reprocess); what differs between
editions comes from the edition's profile (ground.core.editions: host, site pool) and from
whether the edition has the feed watcher's event lane (French only).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import AssetOrTimeSchedule, CronDataIntervalTimetable, dag, task_group

from ground.core.editions import DEFAULT_EDITION, EDITIONS
from ground.core.timeutil import KST
from pipeline.airflow import tasks
from pipeline.airflow.alerts import dag_callbacks
from pipeline.airflow.assets import FEED_ASSET
from pipeline.airflow.form import form_params
from pipeline.airflow.reports import failure_callbacks

OWNER = "yonhap-data"
KINDS = ("ingest", "backfill", "reprocess")

# The edition whose site feed the triggerer watches (pipeline.airflow.assets.FEED_ASSET): its
# ingest also runs on feed events, in the one-task fast lane `fresh`.
FEED_EDITION = DEFAULT_EDITION

DEFAULT_ARGS: dict[str, Any] = {
    "owner": OWNER,
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=15),
    "execution_timeout": timedelta(minutes=30),
}

CRAWL_TIMEOUT_HOURLY = timedelta(minutes=50)  # below the hourly interval
CRAWL_TIMEOUT_EVENT = timedelta(minutes=15)  # a handful of ids
CRAWL_TIMEOUT_DAY = timedelta(hours=3)  # one KST day at the polite 1 s delay

START_DATE = datetime(2024, 6, 1, tzinfo=KST)
HOURLY = "0 * * * *"  # every hour at :00 Asia/Seoul, on the interval timetable (real intervals)


def dag_defaults(code: str) -> dict[str, Any]:
    """What every yonhap DAG of edition ``code`` sets: the default task arguments (each task's
    last failed try logs its summary and leaves its reason for the alert) and the DAG-level
    alert callbacks (one alert per red run, one "recovered" after it; docs/operators.md)."""
    return {"default_args": {**DEFAULT_ARGS, "on_failure_callback": failure_callbacks()}, **dag_callbacks(code)}


def tags(code: str, *more: str) -> list[str]:
    return ["yonhap", EDITIONS[code].host, *more]


def edition_dag(kind: str, code: str, *, dag_id: str, doc_md: str):
    """The ``kind`` DAG (ingest | backfill | reprocess) of edition ``code``. ``dag_id`` must be
    ``yonhap_<code>_<kind>``: the DAG file names it, so a reader of dags/ sees it."""
    if kind not in KINDS or code not in EDITIONS:
        raise ValueError(f"no {kind!r} DAG for edition {code!r}: kinds {', '.join(KINDS)}; editions "
                         f"{', '.join(EDITIONS)}")
    if dag_id != f"yonhap_{code}_{kind}":
        raise ValueError(f"the {code} {kind} DAG is yonhap_{code}_{kind}, not {dag_id}")
    return {"ingest": _ingest, "backfill": _backfill, "reprocess": _reprocess}[kind](code, dag_id, doc_md)


def dags_for(code: str, *, doc_md: str) -> dict[str, Any]:
    """The three DAGs of edition ``code``, by DAG id (dags/yonhap_editions.py: every edition
    whose DAG files are not written out one by one)."""
    return {f"yonhap_{code}_{kind}": edition_dag(kind, code, dag_id=f"yonhap_{code}_{kind}", doc_md=doc_md)
            for kind in KINDS}


def _ingest(code: str, dag_id: str, doc_md: str):
    pool = EDITIONS[code].site_pool
    hourly = CronDataIntervalTimetable(HOURLY, timezone="Asia/Seoul")
    feed = code == FEED_EDITION
    schedule: dict[str, Any] = {"schedule": hourly}
    if feed:
        schedule = {
            # The DAG list shows an asset-or-time schedule as its asset only: say the timing here.
            "description": "Feed events (asset yonhap_fr_feed) and hourly at :00 Asia/Seoul (data intervals)",
            # Runs on every feed event, and every hour.
            "schedule": AssetOrTimeSchedule(timetable=hourly, assets=[FEED_ASSET]),
        }

    @dag(
        dag_id=dag_id,
        **schedule,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=4,
        **dag_defaults(code),
        doc_md=doc_md,
        tags=tags(code, "hourly", *(["event-driven"] if feed else [])),
    )
    def ingest():
        run = tasks.plan_interval(code)
        crawled = tasks.crawl.override(execution_timeout=CRAWL_TIMEOUT_HOURLY, pool=pool)(run)
        loaded = tasks.load(run, tasks.validate(run, tasks.transform(run, crawled)))
        if not feed:
            loaded >> tasks.summarize().as_teardown(setups=run.operator)
            return
        lane = tasks.choose_lane(run)
        fresh = tasks.fresh.override(execution_timeout=CRAWL_TIMEOUT_EVENT, pool=pool)(run)
        lane >> [fresh, crawled]
        # Whichever lane ran, the summary (figures -> log and run note) closes the run.
        [fresh, loaded] >> tasks.summarize().as_teardown(setups=run.operator)

    return ingest()


def _backfill(code: str, dag_id: str, doc_md: str):
    pool = EDITIONS[code].site_pool

    @dag(
        dag_id=dag_id,
        schedule=None,
        catchup=False,
        max_active_runs=2,
        params=form_params(with_source=True),
        **dag_defaults(code),
        doc_md=doc_md,
        tags=tags(code, "backfill"),
    )
    def backfill():
        @task_group(group_id="day")
        def day(run: dict[str, Any]):
            crawled = tasks.crawl.override(execution_timeout=CRAWL_TIMEOUT_DAY, pool=pool)(run)
            return tasks.load(run, tasks.validate(run, tasks.transform(run, crawled)))

        runs = tasks.plan_days("backfill", code)
        # The summary (figures -> log and run note) runs once every partition is done.
        day.expand(run=runs) >> tasks.summarize().as_teardown(setups=runs.operator)

    return backfill()


def _reprocess(code: str, dag_id: str, doc_md: str):
    @dag(
        dag_id=dag_id,
        schedule=None,
        catchup=False,
        max_active_runs=1,
        params=form_params(),
        **dag_defaults(code),
        doc_md=doc_md,
        tags=tags(code, "reprocess"),
    )
    def reprocess():
        @task_group(group_id="day")
        def day(run: dict[str, Any]):
            reparsed = tasks.reparse(run)  # the archive only: no site pool
            return tasks.load(run, tasks.validate(run, tasks.transform(run, reparsed)))

        runs = tasks.plan_days("reprocess", code)
        day.expand(run=runs) >> tasks.summarize().as_teardown(setups=runs.operator)

    return reprocess()
