"""The task library: every @task the DAG files compose (pipeline.airflow.dags), one
definition each. A stage task is one call: the run sequence's function for its stage
(pipeline.run.stages.run_<stage>, which calls the stage package's own function and does the
run's bookkeeping) with the run descriptor the `plan` task made (XCom carries it as JSON).

Around them, each job in its own module: settings from the Airflow connections
(connections.py), the run descriptor (pipeline.run.descriptor), the form (form.py), logging
and failure reports (reports.py), a partition's wait for the days before it (waiting.py), the
assets (assets.py), the run note (run_note.py) and the alerts (alerts.py).

Parse-time cost matters (the dag-processor re-parses every file every 30 s): this module
imports only Airflow's SDK and light project modules. Everything heavy (Scrapy, Great
Expectations, boto3, pyarrow, psycopg2) is imported inside the stage functions.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from ground.core.editions import DEFAULT_EDITION, EDITIONS
from ground.core.timeutil import DayRangeError, utcnow
from pipeline.airflow.assets import ARTICLES_ASSET, FEED_ASSET, FEED_REF, FEED_WATCH
from pipeline.airflow.connections import task_settings
from pipeline.airflow.feed_trigger import HEARTBEAT_KEY
from pipeline.airflow.form import form_days, form_source
from pipeline.airflow.reports import (
    failure_noted,
    last_try,
    no_retry_when_final,
    refuse,
    stage_xcom,
)
from pipeline.airflow.run_note import set_run_note
from pipeline.airflow.waiting import wait_for_earlier_days
from pipeline.run import report, site, stages, watchdog
from pipeline.run.descriptor import (
    NoAnnouncedIds,
    RunDescriptor,
    UnknownSource,
    announced_run,
    day_runs,
    interval_run,
)

log = logging.getLogger("yonhap.dags")

# The one pool every task that talks to the site runs in: however many runs and mapped
# partitions are active, at most `slots` crawls hit the site at once (airflow_local.up
# creates it; see docs/operators.md).
SITE_POOL = EDITIONS[DEFAULT_EDITION].site_pool  # another edition's host has its own (Edition.site_pool)


def _record_failure() -> bool:
    """Record a failed stage on the run row on the task's last try only (a retry may succeed)."""
    return last_try(get_current_context().get("ti"))


# --- planning: the runs a DAG run owns ------------------------------------------------------


def prepare_runs(runs: list[RunDescriptor]) -> None:
    """Migrations, bucket and a `running` row per run (idempotent)."""
    settings = task_settings(runs[0].edition if runs else None)
    for run in runs:
        stages.prepare(settings, run.run_id, run.window, run.kind)
        log.info("run %s window [%s, %s)", run.run_id, run.window.start.isoformat(), run.window.end.isoformat())


def feed_events(ctx) -> list[tuple[datetime, dict]]:
    """(time, payload) of the feed watcher's events that triggered this run."""
    try:
        events = ctx["triggering_asset_events"][FEED_ASSET]
    except KeyError:
        return []
    return [(e.timestamp, (e.extra or {}).get("payload") or {}) for e in events]


@task(task_id="plan")
def plan_interval(edition: str = DEFAULT_EDITION) -> dict[str, Any]:
    """The run this DAG run owns, and its row: for an hourly run its data interval (crawl
    window = interval - INGEST_LOOKBACK); for a run the feed watcher triggered, the announced ids."""
    ctx = get_current_context()
    with failure_noted(ctx):
        events = feed_events(ctx)
        if events:
            try:
                run = announced_run(ctx["dag_run"].run_id, events)
            except NoAnnouncedIds as err:
                raise AirflowFailException(f"event run refused: {err}") from None
            log.info("event run: %d announced id(s): %s", len(run.ids), " ".join(run.ids))
        elif ctx.get("data_interval_start") is not None:
            run = interval_run(ctx["dag_run"].run_id, ctx["data_interval_start"], ctx["data_interval_end"], edition)
        else:  # triggered by hand without an interval: the hour that just ended, as the schedule would
            end = utcnow().replace(minute=0, second=0, microsecond=0)
            run = interval_run(ctx["dag_run"].run_id, end - timedelta(hours=1), end, edition)
        prepare_runs([run])
    return run.to_dict()


@task(task_id="plan", retries=0)
def plan_days(kind: str, edition: str = DEFAULT_EDITION) -> list[dict[str, Any]]:
    """The form's days, one partition each. A refused range fails at once: its one line (the
    CLI's, for the same range) is the first line of this log, the task's error and the note."""
    ctx = get_current_context()
    try:
        first, last = form_days(dict(ctx["params"]))
        source = form_source(dict(ctx["params"]))
    except (DayRangeError, UnknownSource) as err:
        refuse(ctx, str(err))
    with failure_noted(ctx):
        runs = day_runs(ctx["dag_run"].run_id, first, last, kind, edition, source)
        prepare_runs(runs)
    return [run.to_dict() for run in runs]


@task.branch(task_id="lane")
def choose_lane(run: dict[str, Any]) -> str:
    """Event runs take the one-task fast lane; interval runs the four stage tasks."""
    return "fresh" if RunDescriptor.from_dict(run).ids else "crawl"


# --- the stages -------------------------------------------------------------------------------


# First in line for the site slot: a fresh lane waits at most for the crawl holding it.
@task(pool=SITE_POOL, task_id="fresh", outlets=[ARTICLES_ASSET], priority_weight=100, weight_rule="absolute")
def fresh(run: dict[str, Any]) -> dict:
    """An event run in one task: fetch exactly the announced ids, transform, validate (the
    gate runs on every batch) and load (stages.ingest_announced: the seconds per stage are in
    the log)."""
    run = RunDescriptor.from_dict(run)
    with no_retry_when_final():
        result = stages.ingest_announced(task_settings(run.edition), run, record_failure=_record_failure())
    log.info("fast lane seconds: %s", result.get("seconds"))
    return stage_xcom("fresh", run, result)


@task(pool=SITE_POOL)
def crawl(run: dict[str, Any]) -> dict:
    """Fetch the window from the site (every request in pool yonhap_site's budget), or from
    the web archives (the run's ``source``: archive | auto)."""
    run = RunDescriptor.from_dict(run)
    with no_retry_when_final():
        result = stages.run_crawl(task_settings(run.edition), run, record_failure=_record_failure())
    return stage_xcom("crawl", run, result)


@task  # reads the archive only: no site pool
def reparse(run: dict[str, Any]) -> dict:
    """Re-parse the raw archive for the window; days without archived pages fail it."""
    run = RunDescriptor.from_dict(run)
    with no_retry_when_final():
        result = stages.run_reparse(task_settings(run.edition), run, record_failure=_record_failure())
    return stage_xcom("reparse", run, result)


@task(max_active_tis_per_dagrun=1)  # partitions transform one at a time, in day order (waiting.py)
def transform(run: dict[str, Any], crawled: dict) -> dict:
    """Clean, dedupe and link the window; a backfill or reprocess day first waits for the
    days before it (same DAG run) to load."""
    run = RunDescriptor.from_dict(run)
    if run.partitioned:
        wait_for_earlier_days(run)
    with no_retry_when_final():
        result = stages.run_transform(task_settings(run.edition), run.run_id, record_failure=_record_failure())
    return stage_xcom("transform", run, result)


@task
def validate(run: dict[str, Any], transformed: dict) -> dict:
    run = RunDescriptor.from_dict(run)
    with no_retry_when_final():
        result = stages.run_validate(task_settings(run.edition), run.run_id, run.window,
                                     record_failure=_record_failure())
    return stage_xcom("validate", run, result)


@task(outlets=[ARTICLES_ASSET])
def load(run: dict[str, Any], gate: dict) -> dict:
    """Load (rejects, errors and the run row even when blocked); a blocked gate fails it."""
    run = RunDescriptor.from_dict(run)
    with no_retry_when_final():
        result = stages.run_load(task_settings(run.edition), run.run_id, gate=gate,
                                 rebuild_window=run.window if run.kind == "reprocess" else None,
                                 record_failure=_record_failure())
    return stage_xcom("load", run, result)


# --- the summary --------------------------------------------------------------------------------


def _planned_runs(ti) -> list[RunDescriptor]:
    planned = ti.xcom_pull(task_ids="plan")
    if isinstance(planned, dict):
        planned = [planned]
    return [RunDescriptor.from_dict(r) for r in planned or [] if isinstance(r, dict)]


def _title(ctx, runs: list[RunDescriptor]) -> str:
    dag_run = ctx["dag_run"]
    if runs and runs[0].ids:
        return f"{dag_run.dag_id} · event run, {len(runs[0].ids)} announced id(s)"
    if runs and runs[0].partitioned:
        days = [r.window.kst_dates()[0] for r in runs]
        span = f"{days[0]}" if len(days) == 1 else f"{days[0]} → {days[-1]}"
        return f"{dag_run.dag_id} · {runs[0].kind} {span}"
    if runs:
        return f"{dag_run.dag_id} · window {runs[0].window.start.isoformat()} → {runs[0].window.end.isoformat()}"
    return dag_run.dag_id


# A teardown: it runs when the work is done, whatever its outcome, and never decides the run's
# state (a red partition keeps the run red; a note the API refuses turns nothing red).
@task(task_id="summary", retries=1)
def summarize() -> dict[str, Any]:
    """The run's figures (yonhap.crawl_runs + the completeness ledger): the first lines of
    this log and the DAG run's note."""
    ctx = get_current_context()
    runs = _planned_runs(ctx["ti"])
    settings = task_settings(runs[0].edition if runs else None)
    result = report.runs_report(settings, [r.run_id for r in runs])
    lines = result.lines(_title(ctx, runs), report.report_links(settings, result))
    for line in lines:
        log.info("%s", line.replace("**", ""))
    written = set_run_note(ctx["dag_run"].dag_id, ctx["dag_run"].run_id, "\n".join(lines))
    completeness = result.completeness
    return {"status": result.status, **result.totals, "note_written": written,
            "seen": completeness.seen if completeness else 0,
            "unaccounted": completeness.unaccounted if completeness else 0}


# --- watching the pipeline itself (dags/yonhap_watch.py) ------------------------------------


@task(task_id="check_site", retries=1, retry_delay=timedelta(minutes=10))
def check_site(edition: str = DEFAULT_EDITION) -> dict[str, Any]:
    """The canary: check-site against the edition's site. A layer or selector that stopped
    matching fails it at once ("the site changed: …"); an unreachable site is retried once."""
    result = site.canary(task_settings(edition))
    for page in result.pages:
        log.info("%s: HTTP %s, layout %s, fields %s", page.url, page.status, page.layout,
                 ", ".join(f"{k}={v}" for k, v in sorted(page.winners.items())))
    for problem in result.problems:
        log.warning("%s", problem)
    line = result.verdict_line()
    if line and result.unreachable:
        raise RuntimeError(line)
    if line:
        raise AirflowFailException(line)
    log.info("every essential field extracted by a registered layout; no template drift (%d pages)",
             len(result.pages))
    return {"pages": len(result.pages), "feed_items": result.feed_items, "list_items": result.list_items}


@task(task_id="check_freshness", retries=0, inlets=[FEED_REF])
def check_freshness(edition: str = DEFAULT_EDITION) -> dict[str, Any]:
    """The watchdog: red when the feed watcher went silent (French: the edition with a feed
    lane) or nothing was loaded for YONHAP_STALE_AFTER_HOURS while those hours usually have
    articles (pipeline.run.watchdog)."""
    ctx = get_current_context()
    settings = task_settings(edition)
    watcher = edition == DEFAULT_EDITION
    heartbeat = None
    if watcher:
        heartbeat = ctx["asset_state_store"][FEED_REF].get(f"{HEARTBEAT_KEY}:{FEED_WATCH}")
        log.info("feed watcher heartbeat: %s", heartbeat)
    lines = watchdog.staleness_lines(settings, utcnow(), heartbeat, watcher=watcher)
    if lines:
        raise AirflowFailException("; ".join(lines))
    log.info("fresh: the feed watcher polls and articles keep arriving")
    return {"stale": False}
