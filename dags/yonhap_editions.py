"""
### Yonhap's other editions (`yonhap_en_ingest`, `yonhap_en_backfill`, `yonhap_en_reprocess`)

Generated from this one file for every edition of `ground.core.editions` but the French default
(whose DAGs, `yonhap_fr_*`, are the contract). Each is the French DAG's twin for its edition:
- `…_ingest`: hourly, each run owns its data interval `[start, end)` (Asia/Seoul) and crawls
  from **2 hours before** it; no feed-event lane yet (the French ingest has one).
- `…_backfill` / `…_reprocess`: the form, `from` / `to` KST dates (inclusive, not in the future,
  at most 31 days; the backfill's `source`: site, archive or auto, as the French one); one mapped
  partition per day; a day's `transform` waits for the two days
  before it to load.
The edition travels in the run descriptors, so every task reads that edition's settings: its
site root is `YONHAP_BASE_URL_<EDITION>` (e.g. `YONHAP_BASE_URL_EN`), else the edition's own
site. Run ids say the edition (`backfill_en__…`, `ingest_en__…`).

Crawls run in the pool of the edition's host (`yonhap_site_en` for en.yna.co.kr): every DAG
that talks to one host shares one pool, as the French DAGs share `yonhap_site`. Rows land in the
same tables with `edition` set (ids never collide: AEN… vs AFR…).

**Red?** As for the French DAGs: read the run note, then the red task's log (its last lines
name dag, task, run, error and the quality report); `yonhap.crawl_runs` says which stage failed.
See docs/operators.md.

**Alerts**: a red run sends one alert (`YONHAP_ALERT_WEBHOOK`, `YONHAP_ALERT_EMAIL`) naming what failed
and why, with the run note's figures and links; the same cause on the next runs sends nothing
more (a reminder every `YONHAP_ALERT_REMIND_HOURS`), and the first good run sends "recovered".
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import CronDataIntervalTimetable, dag, task_group

from ground.core.editions import DEFAULT_EDITION, EDITIONS
from ground.core.timeutil import KST
from pipeline.airflow import tasks
from pipeline.airflow.tasks import (
    CRAWL_TIMEOUT_DAY,
    CRAWL_TIMEOUT_HOURLY,
    DEFAULT_ARGS,
    dag_callbacks,
    failure_callbacks,
    form_params,
)


def ingest_dag(code: str):
    edition = EDITIONS[code]

    @dag(
        dag_id=f"yonhap_{code}_ingest",
        # Every hour on the interval timetable (real intervals), like the French ingest's net.
        schedule=CronDataIntervalTimetable("0 * * * *", timezone="Asia/Seoul"),
        start_date=datetime(2024, 6, 1, tzinfo=KST),
        catchup=False,
        max_active_runs=4,
        default_args={**DEFAULT_ARGS, "on_failure_callback": failure_callbacks()},
        **dag_callbacks(code),
        doc_md=__doc__,
        tags=["yonhap", edition.host, "hourly"],
    )
    def ingest():
        run = tasks.plan_interval(code)
        crawl = tasks.crawl.override(execution_timeout=CRAWL_TIMEOUT_HOURLY, pool=edition.site_pool)
        transformed = tasks.transform(run, crawl(run))
        loaded = tasks.load(run, tasks.validate(run, transformed))
        loaded >> tasks.summarize().as_teardown(setups=run.operator)

    return ingest()


def backfill_dag(code: str):
    edition = EDITIONS[code]

    @dag(
        dag_id=f"yonhap_{code}_backfill",
        schedule=None,
        catchup=False,
        max_active_runs=2,
        params=form_params(with_source=True),
        default_args={**DEFAULT_ARGS, "on_failure_callback": failure_callbacks()},
        **dag_callbacks(code),
        doc_md=__doc__,
        tags=["yonhap", edition.host, "backfill"],
    )
    def backfill():
        @task_group(group_id="day")
        def day(run: dict[str, str]):
            crawl = tasks.crawl.override(execution_timeout=CRAWL_TIMEOUT_DAY, pool=edition.site_pool)
            transformed = tasks.transform(run, crawl(run))
            return tasks.load(run, tasks.validate(run, transformed))

        runs = tasks.plan_days("backfill", code)
        day.expand(run=runs) >> tasks.summarize().as_teardown(setups=runs.operator)

    return backfill()


def reprocess_dag(code: str):
    edition = EDITIONS[code]

    @dag(
        dag_id=f"yonhap_{code}_reprocess",
        schedule=None,
        catchup=False,
        max_active_runs=1,
        params=form_params(),
        default_args={**DEFAULT_ARGS, "on_failure_callback": failure_callbacks()},
        **dag_callbacks(code),
        doc_md=__doc__,
        tags=["yonhap", edition.host, "reprocess"],
    )
    def reprocess():
        @task_group(group_id="day")
        def day(run: dict[str, str]):
            transformed = tasks.transform(run, tasks.reparse(run))
            return tasks.load(run, tasks.validate(run, transformed))

        runs = tasks.plan_days("reprocess", code)
        day.expand(run=runs) >> tasks.summarize().as_teardown(setups=runs.operator)

    return reprocess()


for _code in EDITIONS:
    if _code != DEFAULT_EDITION:
        globals()[f"yonhap_{_code}_ingest"] = ingest_dag(_code)
        globals()[f"yonhap_{_code}_backfill"] = backfill_dag(_code)
        globals()[f"yonhap_{_code}_reprocess"] = reprocess_dag(_code)
