"""yonhap_fr_ingest: hourly crawl of fr.yna.co.kr, interval by interval (Asia/Seoul)."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import CronDataIntervalTimetable, dag, get_current_context, task

from yonhap.airflow_tasks import (
    CRAWL_TIMEOUT_HOURLY,
    DEFAULT_ARGS,
    INGEST_LOOKBACK,
    SITE_POOL,
    TAGS,
    failure_callbacks,
    ingest_run,
    prepare_runs,
    run_stage,
    stage_chain,
)
from yonhap.timeutil import KST

DOC_MD = f"""
### Yonhap French service: hourly ingest

Each run owns its **data interval** `[start, end)` (one hour, Asia/Seoul). Articles are
sometimes listed late, so the crawl window starts **{INGEST_LOOKBACK} before** the interval;
dedupe and idempotent upserts make the overlap harmless.

| task | what it does |
|---|---|
| `plan` | computes the run id and crawl window, applies DB migrations, creates the bucket, writes the `running` row in `yonhap.crawl_runs` |
| `crawl` | Scrapy in its own process, pool `{SITE_POOL}`: list pages + RSS, conditional requests, retries earlier failed URLs; raw WARC to `raw/` |
| `transform` | clean, normalize, dedupe, story linking, revisions (S3 staging) |
| `validate` | Great Expectations gate; report under `quality/<run_id>/` (link in the log) |
| `load` | Postgres `yonhap.*` + curated Parquet; updates the articles Asset |

**Red?** Open the red task's log: the last lines summarise dag, task, run, error and the quality
report link. A red `load` whose log says *quality gate blocked* means the batch was refused:
rejects are in `yonhap.rejected_items`, the run row in `yonhap.crawl_runs` says why, and the Data
Docs link shows every failed expectation. A red `crawl` after retries: see `yonhap.crawl_errors`
(failed URLs are retried by the next run). See docs/operators.md.
"""


@dag(
    dag_id="yonhap_fr_ingest",
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="Asia/Seoul"),
    start_date=datetime(2024, 6, 1, tzinfo=KST),
    catchup=False,
    max_active_runs=3,
    default_args={**DEFAULT_ARGS, "on_failure_callback": failure_callbacks()},
    doc_md=DOC_MD,
    tags=[*TAGS, "hourly"],
)
def yonhap_fr_ingest():
    @task
    def plan() -> dict[str, str]:
        ctx = get_current_context()
        run = ingest_run(ctx["dag_run"].run_id, ctx["data_interval_start"], ctx["data_interval_end"])
        prepare_runs([run])
        return run

    @task(pool=SITE_POOL, execution_timeout=CRAWL_TIMEOUT_HOURLY)
    def crawl(run: dict[str, str]) -> dict:
        return run_stage("crawl", run)

    stage_chain(plan(), crawl)


yonhap_fr_ingest()
