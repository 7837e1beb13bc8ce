"""yonhap_fr_reprocess: re-parse the raw WARC archive for a range of KST days (no site traffic)."""

from __future__ import annotations

from airflow.sdk import dag, get_current_context, task, task_group

from yonhap.airflow_tasks import (
    ARTICLES_ASSET,
    DEFAULT_ARGS,
    MAX_SPAN_DAYS,
    TAGS,
    FormError,
    failure_callbacks,
    form_params,
    parse_form,
    partitions,
    prepare_runs,
    run_stage,
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
    @task(retries=0)
    def plan() -> list[dict[str, str]]:
        from airflow.sdk.exceptions import AirflowFailException

        ctx = get_current_context()
        try:
            first, last = parse_form(dict(ctx["params"]))
        except FormError as err:
            raise AirflowFailException(f"form refused: {err}") from None
        runs = partitions(ctx["dag_run"].run_id, first, last, "reprocess")
        prepare_runs(runs)
        return runs

    @task_group(group_id="day")
    def day(run: dict[str, str]):
        @task
        def reparse(run: dict[str, str]) -> dict:
            return run_stage("crawl", run, reprocess=True)

        @task
        def transform(run: dict[str, str], crawled: dict) -> dict:
            return run_stage("transform", run)

        @task
        def validate(run: dict[str, str], transformed: dict) -> dict:
            return run_stage("validate", run)

        @task(outlets=[ARTICLES_ASSET])
        def load(run: dict[str, str], gate: dict) -> dict:
            return run_stage("load", run, gate=gate)

        load(run, validate(run, transform(run, reparse(run))))

    day.expand(run=plan())


yonhap_fr_reprocess()
