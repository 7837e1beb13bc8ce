"""
### Yonhap French service: backfill (`yonhap_fr_backfill`)

Trigger with the form: `from` / `to` are KST publication dates (inclusive), not in the future,
at most 31 days (`MAX_SPAN_DAYS`). `plan` refuses bad values with a one-line reason (red
`plan`, read its log). Each KST day is one mapped partition (`day` group, map index = day
order) with its own run id and its own row in `yonhap.crawl_runs`; crawls share pool
`yonhap_site` with the hourly DAG, so the site never sees more than the pool allows.

**Red?** A red `plan` means the form was refused: its log gives the reason. A red task in a
`day` partition: open that map index's log (dag, task, run, error and quality report link are
summarised at the end); the day's row in `yonhap.crawl_runs` says which stage failed, and a red
`load` saying *quality gate blocked* means that day's batch was refused (see the Data Docs link,
`yonhap.rejected_items`). Other days are unaffected; "Clear" the failed task to rerun it.

The alternative is Airflow's native backfill of the hourly DAG:
`airflow backfill create --dag-id yonhap_fr_ingest --from-date … --to-date …`
(each hourly interval crawls its own window). See docs/operators.md.
"""

from __future__ import annotations

from airflow.sdk import dag, task_group

from yonhap.airflow import tasks
from yonhap.airflow.tasks import (
    CRAWL_TIMEOUT_DAY,
    DEFAULT_ARGS,
    TAGS,
    failure_callbacks,
    form_params,
)


@dag(
    dag_id="yonhap_fr_backfill",
    schedule=None,
    catchup=False,
    max_active_runs=2,
    params=form_params(),
    default_args={**DEFAULT_ARGS, "on_failure_callback": failure_callbacks()},
    doc_md=__doc__,
    tags=[*TAGS, "backfill"],
)
def yonhap_fr_backfill():
    @task_group(group_id="day")
    def day(run: dict[str, str]):
        crawled = tasks.crawl.override(execution_timeout=CRAWL_TIMEOUT_DAY)(run)
        transformed = tasks.transform(run, crawled)
        gate = tasks.validate(run, transformed)
        return tasks.load(run, gate)

    runs = tasks.plan_days("backfill")
    day.expand(run=runs)


yonhap_fr_backfill()
