"""
### Yonhap French service: backfill (`yonhap_fr_backfill`)

Trigger with the form: `from` / `to` are KST publication dates (inclusive), not in the future,
at most 31 days (`MAX_RUN_DAYS`, the CLI's rule too); `source` is where the pages come from:
`site` (default), `archive` (Common Crawl and the Wayback Machine, not one request to the site)
or `auto` (the site, then the archives for the ids it does not list, refuses or fails). Each KST day is one mapped partition
(`day` group, map index = day order) with its own run id and its own row in
`yonhap.crawl_runs`; crawls share pool `yonhap_site` with the hourly DAG, so the site never
sees more than the pool allows. A day's `transform` waits (*up for reschedule*) until the two
days before it have loaded: story links look back 48 h at stored rows, so the rows equal a
one-shot CLI run of the range. When every partition is done, `summary` writes the run's
figures (pages, 200/304, items, loaded, rejected, duplicates, errors, completeness, quality)
as the first lines of its log and as the **run note** (Details tab of the run).

**Red?** Read the run note first. A red `plan` means the range was refused: the one-line
reason (the same line `yonhap-pipeline run` prints for that range) is the note, the task's
error and the first line of its log. A red task in a `day` partition: open that map index's
log (dag, task, run, error and quality report link are summarised at the end); the day's row in
`yonhap.crawl_runs` says which stage failed, and a red `load` saying *quality gate blocked*
means that day's batch was refused (see the Data Docs link, `yonhap.rejected_items`). Other
days are unaffected; "Clear" the failed task to rerun it. "unaccounted" ids in the note were
seen on the site but are in no table (`yonhap.article_completeness` lists them).

The alternative is Airflow's native backfill of the hourly DAG:
`airflow backfill create --dag-id yonhap_fr_ingest --from-date … --to-date …`
(each hourly interval crawls its own window). See docs/operators.md.

**Alerts**: a red run sends one alert (`YONHAP_ALERT_WEBHOOK`, `YONHAP_ALERT_EMAIL`) naming what failed
and why, with the run note's figures and links; the same cause on the next runs sends nothing
more (a reminder every `YONHAP_ALERT_REMIND_HOURS`), and the first good run sends "recovered".
"""

from __future__ import annotations

from pipeline.airflow.dags import edition_dag

# plan -> one `day` group per KST day (crawl -> transform -> validate -> load) -> summary:
# pipeline.airflow.dags.
yonhap_fr_backfill = edition_dag("backfill", "fr", dag_id="yonhap_fr_backfill", doc_md=__doc__)
