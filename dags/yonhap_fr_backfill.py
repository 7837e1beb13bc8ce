"""yonhap_fr_backfill: crawl a range of KST days on demand, one mapped partition per day."""

from __future__ import annotations

from airflow.sdk import dag, task, task_group

from yonhap.airflow_tasks import (
    CRAWL_TIMEOUT_DAY,
    DEFAULT_ARGS,
    MAX_SPAN_DAYS,
    SITE_POOL,
    TAGS,
    failure_callbacks,
    form_params,
    form_plan_task,
    run_stage,
    stage_chain,
)

DOC_MD = f"""
### Yonhap French service: backfill

Trigger with the form: `from` / `to` are KST publication dates (inclusive), not in the future,
at most {MAX_SPAN_DAYS} days. `plan` refuses bad values with a one-line reason (red `plan`, read
its log). Each KST day is one mapped partition (`day` group, map index = day order) with its own
run id and its own row in `yonhap.crawl_runs`; crawls share pool `{SITE_POOL}` with the hourly
DAG, so the site never sees more than the pool allows.

**Red?** A red `plan` means the form was refused: its log gives the reason. A red task in a
`day` partition: open that map index's log (dag, task, run, error and quality report link are
summarised at the end); the day's row in `yonhap.crawl_runs` says which stage failed, and a red
`load` saying *quality gate blocked* means that day's batch was refused (see the Data Docs link,
`yonhap.rejected_items`). Other days are unaffected; "Clear" the failed task to rerun it.

The alternative is Airflow's native backfill of the hourly DAG:
`airflow backfill create --dag-id yonhap_fr_ingest --from-date … --to-date …`
(each hourly interval crawls its own window). See docs/operators.md.
"""


@dag(
    dag_id="yonhap_fr_backfill",
    schedule=None,
    catchup=False,
    max_active_runs=2,
    params=form_params(),
    default_args={**DEFAULT_ARGS, "on_failure_callback": failure_callbacks()},
    doc_md=DOC_MD,
    tags=[*TAGS, "backfill"],
)
def yonhap_fr_backfill():
    @task_group(group_id="day")
    def day(run: dict[str, str]):
        @task(pool=SITE_POOL, execution_timeout=CRAWL_TIMEOUT_DAY)
        def crawl(run: dict[str, str]) -> dict:
            return run_stage("crawl", run)

        stage_chain(run, crawl)

    day.expand(run=form_plan_task("backfill")())


yonhap_fr_backfill()
