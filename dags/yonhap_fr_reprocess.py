"""yonhap_fr_reprocess: re-parse the raw WARC archive for a range of KST days (no site traffic)."""

from __future__ import annotations

from airflow.sdk import dag, task, task_group

from yonhap.airflow_tasks import (
    DEFAULT_ARGS,
    MAX_SPAN_DAYS,
    TAGS,
    failure_callbacks,
    form_params,
    form_plan_task,
    run_stage,
    stage_chain,
)

DOC_MD = f"""
### Yonhap French service: reprocess from the raw archive

Use after a parser fix: re-parses `raw/dt=…/*.warc.gz` (the latest stored response per
article) for the chosen KST days and runs transform → validate → load again. **No request
reaches the site**, so `reparse` does not use pool `yonhap_site`. Form: `from` / `to` (KST,
inclusive, not in the future, at most {MAX_SPAN_DAYS} days); one mapped partition per day.
Days never crawled have nothing in the archive and load nothing.

**Red?** A red `plan`: the form was refused (reason in its log). A red task in a `day`
partition: its log ends with a summary (dag, task, run, error, quality report link); a red
`load` saying *quality gate blocked* means the re-parsed batch was refused -- usually the parser
change to fix. See docs/operators.md.
"""


@dag(
    dag_id="yonhap_fr_reprocess",
    schedule=None,
    catchup=False,
    max_active_runs=1,
    params=form_params(),
    default_args={**DEFAULT_ARGS, "on_failure_callback": failure_callbacks()},
    doc_md=DOC_MD,
    tags=[*TAGS, "reprocess"],
)
def yonhap_fr_reprocess():
    @task_group(group_id="day")
    def day(run: dict[str, str]):
        @task  # reads the archive only, so no site pool
        def reparse(run: dict[str, str]) -> dict:
            return run_stage("crawl", run, reprocess=True)

        stage_chain(run, reparse)

    day.expand(run=form_plan_task("reprocess")())


yonhap_fr_reprocess()
