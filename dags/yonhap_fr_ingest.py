"""
### Yonhap French service: hourly ingest (`yonhap_fr_ingest`)

Each run owns its **data interval** `[start, end)` (one hour, Asia/Seoul). Articles are
sometimes listed late, so the crawl window starts **2 hours before** the interval
(`INGEST_LOOKBACK`); dedupe and idempotent upserts make the overlap harmless.

| task | what it does |
|---|---|
| `plan` | computes the run id and crawl window, applies DB migrations, creates the bucket, writes the `running` row in `yonhap.crawl_runs` |
| `crawl` | Scrapy in its own process, pool `yonhap_site`: list pages + RSS, conditional requests, retries earlier failed URLs; raw WARC to `raw/` |
| `transform` | clean, normalize, dedupe, story linking, revisions (S3 staging) |
| `validate` | Great Expectations gate; report under `quality/<run_id>/` (link in the log) |
| `load` | Postgres `yonhap.*` + curated Parquet; updates the articles Asset |

**Red?** Open the red task's log: the last lines summarise dag, task, run, error and the quality
report link. A red `load` whose log says *quality gate blocked* means the batch was refused:
rejects are in `yonhap.rejected_items`, the run row in `yonhap.crawl_runs` says why, and the Data
Docs link shows every failed expectation. A red `crawl` after retries: see `yonhap.crawl_errors`
(failed URLs are retried by the next run). See docs/operators.md.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import CronDataIntervalTimetable, dag

from yonhap.airflow import tasks
from yonhap.airflow.tasks import CRAWL_TIMEOUT_HOURLY, DEFAULT_ARGS, TAGS, failure_callbacks
from yonhap.core.timeutil import KST


@dag(
    dag_id="yonhap_fr_ingest",
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="Asia/Seoul"),
    start_date=datetime(2024, 6, 1, tzinfo=KST),
    catchup=False,
    max_active_runs=3,
    default_args={**DEFAULT_ARGS, "on_failure_callback": failure_callbacks()},
    doc_md=__doc__,
    tags=[*TAGS, "hourly"],
)
def yonhap_fr_ingest():
    run = tasks.plan_interval()
    crawled = tasks.crawl.override(execution_timeout=CRAWL_TIMEOUT_HOURLY)(run)
    transformed = tasks.transform(run, crawled)
    gate = tasks.validate(run, transformed)
    tasks.load(run, gate)


yonhap_fr_ingest()
