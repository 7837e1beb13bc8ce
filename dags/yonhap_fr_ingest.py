"""
### Yonhap French service: ingest (`yonhap_fr_ingest`), event-driven with an hourly safety net

Two kinds of run, one DAG:
- **event runs** (run type *asset_triggered*): the feed watcher in the triggerer polls the site
  every `YONHAP_POLL_SECONDS` (one conditional request) and announces new or changed article
  ids as events of the asset `yonhap_fr_feed`; the run fetches **exactly those ids** in the
  one-task fast lane `fresh` (crawl, transform, gate, load in one process).
- **hourly runs**: each owns its **data interval** `[start, end)` (one hour, Asia/Seoul) and
  crawls from **2 hours before** it (`INGEST_LOOKBACK`) through list pages and the feed: the
  safety net for anything the feed missed. Dedupe and idempotent upserts make overlaps harmless.

| task | what it does |
|---|---|
| `plan` | computes the run id and what it owns (interval or announced ids), applies DB migrations, creates the bucket, writes the `running` row in `yonhap.crawl_runs` |
| `lane` | event run → `fresh`; hourly run → `crawl` (the other lane shows *skipped*) |
| `fresh` | event runs: fetch the announced ids, transform, validate, load (the seconds per stage in its log) |
| `crawl` | Scrapy in its own process, pool `yonhap_site`: list pages + RSS, conditional requests, retries earlier failed URLs; raw WARC to `raw/` |
| `transform` | clean, normalize, dedupe, story linking, revisions (S3 staging) |
| `validate` | Great Expectations gate; report under `quality/<run_id>/` (link in the log) |
| `load` | Postgres `yonhap.*` + curated Parquet; updates the articles Asset |
| `summary` | the run's figures (pages, 200/304, items, loaded, rejected, duplicates, errors, completeness, quality) as the first lines of its log and the **run note** |

**Red?** Read the run note, then the red task's log: the last lines summarise dag, task, run, error and the quality
report link. A red `load` whose log says *quality gate blocked* means the batch was refused:
rejects are in `yonhap.rejected_items`, the run row in `yonhap.crawl_runs` says why, and the Data
Docs link shows every failed expectation. A red `crawl` after retries: see `yonhap.crawl_errors`
(failed URLs are retried by the next run); a red `crawl` at its first try naming the host means the
site gave no usable answer (site health). See docs/operators.md.

**Alerts**: a red run sends one alert (`YONHAP_ALERT_WEBHOOK`, `YONHAP_ALERT_EMAIL`) naming what failed
and why, with the run note's figures and links; the same cause on the next runs sends nothing
more (a reminder every `YONHAP_ALERT_REMIND_HOURS`), and the first good run sends "recovered".
"""

from __future__ import annotations

from pipeline.airflow.dags import edition_dag

# The event lane (plan -> lane -> fresh) and the hourly lane (crawl -> transform -> validate ->
# load), then the summary: pipeline.airflow.dags.
yonhap_fr_ingest = edition_dag("ingest", "fr", dag_id="yonhap_fr_ingest", doc_md=__doc__)
