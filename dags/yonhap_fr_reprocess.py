"""
### Yonhap French service: reprocess from the raw archive (`yonhap_fr_reprocess`)

Use after a parser fix: re-parses `raw/dt=…/*.warc.gz` (the latest stored response per
article) for the chosen KST days and runs transform → validate → load again. **No request
reaches the site**, so `reparse` does not use pool `yonhap_site`. Form: `from` / `to` (KST,
inclusive, not in the future, at most 31 days); one mapped partition per day. A day whose
stored articles have no archived pages fails its `reparse` (no retries: fetch it again with
`yonhap-pipeline run`); the other days load. As in the backfill, a day's `transform` waits
(*up for reschedule*) until the two days before it have loaded (story links look back 48 h).

When every partition is done, `summary` writes the run's figures as the first lines of its log
and as the **run note**.

**Red?** Read the run note first. A red `plan`: the range was refused (the one-line reason is
the note, the task's error and the first line of its log). A red task in a `day`
partition: its log ends with a summary (dag, task, run, error, quality report link); a red
`load` saying *quality gate blocked* means the re-parsed batch was refused -- usually the parser
change to fix. See docs/operators.md.

**Alerts**: a red run sends one alert (`YONHAP_ALERT_WEBHOOK`, `YONHAP_ALERT_EMAIL`) naming what failed
and why, with the run note's figures and links; the same cause on the next runs sends nothing
more (a reminder every `YONHAP_ALERT_REMIND_HOURS`), and the first good run sends "recovered".
"""

from __future__ import annotations

from pipeline.airflow.dags import edition_dag

# plan -> one `day` group per KST day (reparse -> transform -> validate -> load) -> summary:
# pipeline.airflow.dags.
yonhap_fr_reprocess = edition_dag("reprocess", "fr", dag_id="yonhap_fr_reprocess", doc_md=__doc__)
