"""DAG-side helpers shared by the three DAG files in dags/: task bodies, settings from the
Airflow connections, the backfill form checks, failure reporting. Lives in the package (not
in dags/) so tasks, tests and the dag-processor import it the same way.

Parse-time cost matters (the dag-processor re-parses every file every 30 s): this module
imports only Airflow's SDK and light project modules. Everything heavy (Scrapy, Great
Expectations, boto3, pyarrow, psycopg2) is imported inside task bodies via yonhap.stages.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from airflow.sdk import Asset, AssetWatcher, Param, get_current_context, task
from airflow.sdk.exceptions import (
    AirflowFailException,
    AirflowRescheduleException,
)

from ground.core.editions import DEFAULT_EDITION, EDITIONS
from ground.core.runids import edition_prefix, safe_run_id
from ground.core.schema import RUN_SOURCE_SITE, RUN_SOURCES
from ground.core.timeutil import (
    KST,
    MAX_RUN_DAYS,
    DayRangeError,
    Window,
    article_date,
    check_run_range,
    utcnow,
)
from pipeline.airflow.alerts import FAILURE_XCOM, dag_callbacks  # noqa: F401 (dag_callbacks: the DAG files)
from pipeline.airflow.connections import task_settings
from pipeline.airflow.feed_trigger import HEARTBEAT_KEY, SiteFeedTrigger
from pipeline.airflow.run_note import set_run_note
from pipeline.run import report, site, stages, watchdog

log = logging.getLogger("yonhap.dags")

OWNER = "yonhap-data"
TAGS = ["yonhap", EDITIONS[DEFAULT_EDITION].host]

# The one pool every task that talks to the site runs in: however many runs and mapped
# partitions are active, at most `slots` crawls hit the site at once (airflow_local.up
# creates it; see docs/operators.md).
SITE_POOL = EDITIONS[DEFAULT_EDITION].site_pool  # another edition's host has its own (Edition.site_pool)

# Downstream DAGs can schedule on this (schedule=[ARTICLES_ASSET]). The "x-" scheme keeps
# Airflow from loading every provider (boto3 included) to normalise the URI at parse time.
ARTICLES_ASSET = Asset(name="yonhap_articles", uri="x-yonhap://articles", group="yonhap")

# The site's feed, watched in the triggerer (pipeline.airflow.feed_trigger): each new or changed
# article id it announces becomes an asset event, and yonhap_fr_ingest runs for those ids.
FEED_WATCH = "yonhap_fr"  # the watcher's name: its state keys end with it
FEED_ASSET = Asset(
    name="yonhap_fr_feed", uri="x-yonhap://feed", group="yonhap",
    watchers=[AssetWatcher(name="yonhap_fr_feed_watcher", trigger=SiteFeedTrigger(FEED_WATCH))],
)

# An event run's window: from the KST day of its oldest announced id to a little after the
# last announcement (the gate checks publication times against it).
EVENT_WINDOW_PAD = timedelta(minutes=5)

# Articles are sometimes listed after their publication time: each hourly run crawls from
# LOOKBACK before its data interval; dedupe + idempotent upserts make the overlap harmless.
INGEST_LOOKBACK = timedelta(hours=2)

DEFAULT_ARGS: dict[str, Any] = {
    "owner": OWNER,
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=15),
    "execution_timeout": timedelta(minutes=30),
}

CRAWL_TIMEOUT_HOURLY = timedelta(minutes=50)  # below the hourly interval
CRAWL_TIMEOUT_EVENT = timedelta(minutes=15)  # a handful of ids
CRAWL_TIMEOUT_DAY = timedelta(hours=3)  # one KST day at the polite 1 s delay


# --- run descriptors passed between tasks (small XCom: ids and bounds only) ----------------


def run_descriptor(run_id: str, window: Window, kind: str, edition: str = DEFAULT_EDITION,
                   source: str = RUN_SOURCE_SITE) -> dict[str, str]:
    return {
        "run_id": run_id,
        "window_start": window.start.isoformat(),
        "window_end": window.end.isoformat(),
        "kind": kind,
        "edition": edition,
        "source": source,
    }


def source_of(run: dict[str, Any]) -> str:
    """What the run's crawl fetches from (descriptors written before issue 35 carry none: the site)."""
    return run.get("source") or RUN_SOURCE_SITE


def edition_of(run: dict[str, Any]) -> str:
    """The run's edition (descriptors written before issue 21 carry none: French)."""
    return run.get("edition") or DEFAULT_EDITION


def window_of(run: dict[str, str]) -> Window:
    return Window(datetime.fromisoformat(run["window_start"]), datetime.fromisoformat(run["window_end"]))


def ingest_run(dag_run_id: str, interval_start: datetime, interval_end: datetime,
               edition: str = DEFAULT_EDITION) -> dict[str, str]:
    """The run an hourly interval owns: crawl [start - LOOKBACK, end)."""
    window = Window(interval_start - INGEST_LOOKBACK, interval_end)
    return run_descriptor(safe_run_id(edition_prefix("ingest", edition), dag_run_id), window, "airflow", edition)


def announced_run(dag_run_id: str, events: list[tuple[datetime, dict]]) -> dict[str, Any]:
    """The run an asset-triggered ingest owns: the ids its feed events announced (in order,
    unique) and a window covering them. ``events``: (event time, payload) pairs. The result
    depends on the events only, so a retried `plan` plans the same run."""
    ids: list[str] = []
    for _when, payload in sorted(events, key=lambda e: e[0]):
        ids.extend(i for i in (payload or {}).get("ids") or [] if isinstance(i, str))
    ids = stages.announced_ids(ids)
    first_day = min(d for d in map(article_date, ids) if d is not None)
    start = datetime.combine(first_day, datetime.min.time(), KST)
    end = max(when for when, _ in events) + EVENT_WINDOW_PAD
    run = run_descriptor(safe_run_id("event", dag_run_id), Window(start, max(end, start + timedelta(minutes=1))), "event")
    run["ids"] = ids
    return run


def feed_events(ctx) -> list[tuple[datetime, dict]]:
    """(time, payload) of the feed watcher's events that triggered this run."""
    try:
        events = ctx["triggering_asset_events"][FEED_ASSET]
    except KeyError:
        return []
    return [(e.timestamp, (e.extra or {}).get("payload") or {}) for e in events]


def form_days(params: dict[str, Any], today: date | None = None) -> tuple[date, date]:
    """The backfill / reprocess form's days by the one range rule the CLI uses too
    (ground.core.timeutil.check_run_range: dates, order, not in the future, at most
    MAX_RUN_DAYS days); DayRangeError carries the one-line reason."""
    return check_run_range(params.get("from"), params.get("to"), today=today)


def partitions(dag_run_id: str, first: date, last: date, kind: str,
               edition: str = DEFAULT_EDITION, source: str = RUN_SOURCE_SITE) -> list[dict[str, str]]:
    """One run per KST day; run ids derive from the dag run id, so a retry reuses them (another
    edition's say which: ``backfill_en__…``). ``source``: the form's (site | archive | auto)."""
    out = []
    prefix = edition_prefix(kind, edition)
    for day_window in Window.for_dates(first, last).days():
        day = day_window.kst_dates()[0]
        out.append(run_descriptor(safe_run_id(prefix, dag_run_id, f"{day:%Y%m%d}"), day_window, kind, edition,
                                  source))
    return out


def form_source(params: dict[str, Any]) -> str:
    """The form's ``source`` (absent on a reprocess form and on older triggers: the site);
    stages.UnknownSource names the choices."""
    return stages.check_source(params.get("source"))


def form_params(with_source: bool = False):
    """The backfill / reprocess form: two required dates (validated again in `plan`); the
    backfill's also ``source`` (site | archive | auto, default site)."""
    source = {"source": Param(
        RUN_SOURCE_SITE, type="string", enum=list(RUN_SOURCES), title="Source",
        description="site: fetch from the site; archive: from the web archives (Common Crawl, the Wayback "
                    "Machine), no request to the site; auto: the site, then the archives for what it does not give.",
    )} if with_source else {}
    return {
        "from": Param(
            type="string", format="date", title="From (KST date, inclusive)",
            description="First KST publication date, YYYY-MM-DD.",
        ),
        "to": Param(
            type="string", format="date", title="To (KST date, inclusive)",
            description=f"Last KST publication date, YYYY-MM-DD; not in the future; at most {MAX_RUN_DAYS} days in all.",
        ),
        **source,
    }


# --- logging and failure reporting ---------------------------------------------------------


def log_stats(stage: str, run: dict[str, str], stats: dict[str, Any]) -> None:
    keys = ("targets", "items", "pages", "errors", "not_modified", "seen", "articles", "revisions", "rejects",
            "rows_in", "rows_passed", "rows_rejected", "loaded", "rejected", "duplicates", "unaccounted",
            "fresh_articles", "freshness_p50_s", "freshness_p95_s")
    shown = {k: stats[k] for k in keys if k in stats}
    log.info("%s %s window [%s, %s): %s", stage, run["run_id"], run["window_start"], run["window_end"], shown)
    # (the validate stage logs its report and browse links itself)
    for warning in stats.get("warnings") or []:
        log.warning("quality warning: %s", warning)
    for day, gap in sorted((stats.get("unaccounted_days") or {}).items()):
        log.warning("completeness %s: %d seen id(s) in no table (e.g. %s): a discovery gap",
                    day, gap["unaccounted"], " ".join(gap["ids"]))


def failure_summary(context: dict[str, Any]) -> str:
    """One short paragraph for a failed task: dag, task, run, error, quality report."""
    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    error = context.get("exception")
    report = None
    if ti is not None and str(ti.task_id).rsplit(".", 1)[-1] == "load":  # a blocked load: its gate's report
        try:  # the validate task of the same run (same map index inside a partition)
            gate = ti.xcom_pull(task_ids=_validate_task_id(ti.task_id), map_indexes=ti.map_index)
            if isinstance(gate, dict):
                report = gate.get("report_uri")
        except Exception:  # noqa: BLE001 -- a failure report must not fail itself
            report = None
    lines = [
        f"yonhap task failed: dag={getattr(ti, 'dag_id', '?')} task={getattr(ti, 'task_id', '?')}"
        f" map_index={getattr(ti, 'map_index', -1)} run={getattr(dag_run, 'run_id', '?')}"
        f" try={getattr(ti, 'try_number', '?')}",
        f"error: {type(error).__name__ + ': ' if error else ''}{error}",
    ]
    if report:
        lines.append(f"quality report: {report}")
    return "\n".join(lines)


def _validate_task_id(task_id: str) -> str:
    prefix = task_id.rsplit(".", 1)[0] + "." if "." in task_id else ""
    return prefix + "validate"


def failure_line(context: dict[str, Any]) -> str:
    """The failed task's reason in one line, named by its task: ``crawl: fr.yna.co.kr unreachable: …``."""
    ti = context.get("ti") or context.get("task_instance")
    task = str(getattr(ti, "task_id", "task")).rsplit(".", 1)[-1]
    error = context.get("exception")
    text = next((line.strip() for line in str(error or "").splitlines() if line.strip()), "")
    text = text or (type(error).__name__ if error else "failed")
    return text if text.startswith(f"{task}: ") else f"{task}: {text}"


def log_failure(context: dict[str, Any]) -> None:
    """on_failure_callback of every task (its last try): logs the summary and leaves the
    one-line reason as XCom ``failure`` for the DAG run's alert (pipeline.airflow.alerts).
    Alerts are DAG-level (dag_callbacks): one per run, not one per task."""
    log.error(failure_summary(context))
    ti = context.get("ti") or context.get("task_instance")
    try:
        ti.xcom_push(key=FAILURE_XCOM, value=failure_line(context))
    except Exception as err:  # noqa: BLE001 -- the alert falls back on the run rows
        log.warning("failure reason not left for the alert: %s", err)


def failure_callbacks() -> list[Any]:
    return [log_failure]


# --- the tasks (one definition each; the DAG files compose them) ---------------------------


def _last_try(ti) -> bool:
    try:
        return int(ti.try_number) > int(ti.max_tries)
    except (AttributeError, TypeError, ValueError):
        return True


def _run(fn, run: dict[str, str], *args, stage: str | None = None, **kwargs) -> dict[str, Any]:
    """Run stage ``fn`` for ``run`` with connection-aware settings (stages.run_stage).

    A blocked quality gate, a missing archive, too many failed pages or a site that gave no
    usable answer fail the task without retries (retrying cannot fix the data, and the crawl
    already retried every request); any other error is retried, and on the last try the run
    row is marked failed. Returns a small XCom: scalar counts and the report links, never rows."""
    settings = task_settings(edition_of(run))
    ti = get_current_context().get("ti")
    try:
        result = stages.run_stage(fn, settings, run["run_id"], *args, stage=stage, **kwargs,
                                  record_failure=ti is None or _last_try(ti))
    except (stages.GateBlocked, stages.ArchiveMissing, stages.CrawlDegraded) as err:
        log.error("%s", err)
        raise AirflowFailException(str(err)) from None
    except stages.StageFailed as err:
        if not err.final:
            raise
        # The site gave no usable answer after the crawl's own retries: red now (the row says
        # why); the next scheduled run tries again, rather than this one in a minute.
        log.error("%s", err)
        raise AirflowFailException(str(err)) from None
    log_stats(stage or fn.__name__, run, result)
    return {k: v for k, v in result.items() if isinstance(v, (str, int, float, bool, type(None)))
            or k in ("failed_critical", "warnings", "seconds", "unaccounted_days")}


def prepare_runs(runs: list[dict[str, str]]) -> None:
    """Migrations, bucket and a `running` row per run (idempotent)."""
    settings = task_settings(edition_of(runs[0]) if runs else None)
    for run in runs:
        stages.prepare(settings, run["run_id"], window_of(run), run["kind"])
        log.info("run %s window [%s, %s)", run["run_id"], run["window_start"], run["window_end"])


@task(task_id="plan")
def plan_interval(edition: str = DEFAULT_EDITION) -> dict[str, Any]:
    """The run this DAG run owns, and its row: for an hourly run its data interval (crawl
    window = interval - LOOKBACK); for a run the feed watcher triggered, the announced ids."""
    ctx = get_current_context()
    with failure_noted(ctx):
        return _plan_interval(ctx, edition)


def _plan_interval(ctx, edition: str = DEFAULT_EDITION) -> dict[str, Any]:
    events = feed_events(ctx)
    if events:
        try:
            run = announced_run(ctx["dag_run"].run_id, events)
        except stages.NoAnnouncedIds as err:
            raise AirflowFailException(f"event run refused: {err}") from None
        log.info("event run: %d announced id(s): %s", len(run["ids"]), " ".join(run["ids"]))
    elif ctx.get("data_interval_start") is not None:
        run = ingest_run(ctx["dag_run"].run_id, ctx["data_interval_start"], ctx["data_interval_end"], edition)
    else:  # triggered by hand without an interval: the hour that just ended, as the schedule would
        end = utcnow().replace(minute=0, second=0, microsecond=0)
        run = ingest_run(ctx["dag_run"].run_id, end - timedelta(hours=1), end, edition)
    prepare_runs([run])
    return run


@task.branch(task_id="lane")
def choose_lane(run: dict[str, Any]) -> str:
    """Event runs take the one-task fast lane; interval runs the four stage tasks."""
    return "fresh" if run.get("ids") else "crawl"


# First in line for the site slot: a fresh lane waits at most for the crawl holding it.
@task(pool=SITE_POOL, task_id="fresh", outlets=[ARTICLES_ASSET], priority_weight=100, weight_rule="absolute")
def fresh(run: dict[str, Any]) -> dict:
    """An event run in one task: fetch exactly the announced ids, transform, validate (the
    gate runs on every batch) and load (stages.ingest_announced: the seconds per stage are in
    the log)."""
    result = _run(stages.ingest_announced, run, window_of(run), run["ids"], stage="fresh")
    log.info("fast lane seconds: %s", result.get("seconds"))
    return result


@task(task_id="plan", retries=0)
def plan_days(kind: str, edition: str = DEFAULT_EDITION) -> list[dict[str, str]]:
    """The form's days, one partition each. A refused range fails at once: its one line (the
    CLI's, for the same range) is the first line of this log, the task's error and the note."""
    ctx = get_current_context()
    try:
        first, last = form_days(dict(ctx["params"]))
        source = form_source(dict(ctx["params"]))
    except (DayRangeError, stages.UnknownSource) as err:
        refuse(ctx, str(err))
    with failure_noted(ctx):
        runs = partitions(ctx["dag_run"].run_id, first, last, kind, edition, source)
        prepare_runs(runs)
    return runs


def refuse(ctx, line: str):
    """Fail the task (no retry) with ``line``: logged first, written as the run's note."""
    log.error("%s", line)
    set_run_note(ctx["dag_run"].dag_id, ctx["dag_run"].run_id, f"**failed** · {line}")
    raise AirflowFailException(line)


@contextmanager
def failure_noted(ctx):
    """Any error inside is also written as the run's note (a red `plan` leaves no partition
    whose summary could say why)."""
    try:
        yield
    except AirflowFailException:
        raise
    except Exception as err:
        line = stages.describe_error(err, task_settings())
        set_run_note(ctx["dag_run"].dag_id, ctx["dag_run"].run_id, f"**failed** · plan: {line}")
        raise


def _planned_runs(ti) -> list[dict[str, Any]]:
    planned = ti.xcom_pull(task_ids="plan")
    if isinstance(planned, dict):
        return [planned]
    return [r for r in planned or [] if isinstance(r, dict)]


def _title(ctx, runs: list[dict[str, Any]]) -> str:
    dag_run = ctx["dag_run"]
    if runs and runs[0].get("ids"):
        return f"{dag_run.dag_id} · event run, {len(runs[0]['ids'])} announced id(s)"
    if runs and runs[0].get("kind") in ("backfill", "reprocess"):
        days = [window_of(r).kst_dates()[0] for r in runs]
        span = f"{days[0]}" if len(days) == 1 else f"{days[0]} → {days[-1]}"
        return f"{dag_run.dag_id} · {runs[0]['kind']} {span}"
    if runs:
        return f"{dag_run.dag_id} · window {runs[0]['window_start']} → {runs[0]['window_end']}"
    return dag_run.dag_id


# A teardown: it runs when the work is done, whatever its outcome, and never decides the run's
# state (a red partition keeps the run red; a note the API refuses turns nothing red).
@task(task_id="summary", retries=1)
def summarize() -> dict[str, Any]:
    """The run's figures (yonhap.crawl_runs + the completeness ledger): the first lines of
    this log and the DAG run's note."""
    ctx = get_current_context()
    runs = _planned_runs(ctx["ti"])
    settings = task_settings(edition_of(runs[0]) if runs else None)
    result = report.runs_report(settings, [r["run_id"] for r in runs])
    lines = result.lines(_title(ctx, runs), report.report_links(settings, result))
    for line in lines:
        log.info("%s", line.replace("**", ""))
    written = set_run_note(ctx["dag_run"].dag_id, ctx["dag_run"].run_id, "\n".join(lines))
    completeness = result.completeness
    return {"status": result.status, **result.totals, "note_written": written,
            "seen": completeness.seen if completeness else 0,
            "unaccounted": completeness.unaccounted if completeness else 0}


@task(pool=SITE_POOL)
def crawl(run: dict[str, str]) -> dict:
    """Fetch the window from the site (every request in pool yonhap_site's budget), or from
    the web archives (the run's ``source``: archive | auto)."""
    return _run(stages.crawl, run, window_of(run), source=source_of(run))


@task  # reads the archive only: no site pool
def reparse(run: dict[str, str]) -> dict:
    """Re-parse the raw archive for the window; days without archived pages fail it."""
    return _run(stages.reparse, run, window_of(run))


# A partition whose earlier days are not loaded yet waits for them: polling the run rows in
# its own process for up to LINK_WAIT_IN_TASK (cheap: the usual wait is the day before's
# validate and load), then rescheduled (UP_FOR_RESCHEDULE: no worker slot held, no retry spent)
# to try again after LINK_WAIT. One transform per DAG run at a time (max_active_tis_per_dagrun),
# and the scheduler queues mapped tasks in map-index (= day) order, so the waiting one is
# normally the next day's. After LINK_WAIT_MAX it goes ahead with a warning (a missed story
# link is better than a stuck backfill).
LINK_POLL = timedelta(seconds=1)
LINK_WAIT_IN_TASK = timedelta(seconds=60)
LINK_WAIT = timedelta(seconds=5)
LINK_WAIT_MAX = timedelta(hours=6)


def link_predecessors(run: dict[str, str], dag_run_id: str) -> list[str]:
    """The run ids of this DAG run's partitions for the days before ``run``'s that its story
    links and duplicates look back at (stages.LINK_LOOKBACK_DAYS)."""
    first = window_of(run).kst_dates()[0]
    prefix = edition_prefix(run["kind"], edition_of(run))
    return [safe_run_id(prefix, dag_run_id, f"{first - timedelta(days=n):%Y%m%d}")
            for n in range(stages.LINK_LOOKBACK_DAYS, 0, -1)]


def _wait_for_earlier_days(run: dict[str, str]) -> None:
    """Partitions transform in day order, as a run of the whole range links (stages.LINK_LOOKBACK_DAYS)."""
    ctx = get_current_context()
    settings = task_settings(edition_of(run))
    earlier = link_predecessors(run, ctx["dag_run"].run_id)
    waiting = stages.unfinished_runs(settings, earlier)
    if not waiting:
        return
    log.info("transform waits for %s to load first: story links and duplicates look back %d days at stored "
             "rows", ", ".join(waiting), stages.LINK_LOOKBACK_DAYS)
    deadline = time.monotonic() + LINK_WAIT_IN_TASK.total_seconds()
    while waiting and time.monotonic() < deadline:
        time.sleep(LINK_POLL.total_seconds())
        waiting = stages.unfinished_runs(settings, earlier)
    if not waiting:
        log.info("the days before have loaded: transform goes on")
        return
    first = ctx["ti"].get_first_reschedule_date(ctx) if ctx.get("task_reschedule_count") else None
    now = datetime.now(UTC)
    if first is not None and now - first > LINK_WAIT_MAX:
        log.warning("transform goes ahead after %s although %s have not loaded: story links to those days "
                    "may be missed", LINK_WAIT_MAX, ", ".join(waiting))
        return
    log.info("still waiting for %s: rescheduled in %ds (no worker slot held meanwhile)", ", ".join(waiting),
             LINK_WAIT.seconds)
    raise AirflowRescheduleException(now + LINK_WAIT)


@task(max_active_tis_per_dagrun=1)  # partitions transform one at a time, in day order (above)
def transform(run: dict[str, str], crawled: dict) -> dict:
    """Clean, dedupe and link the window; a backfill or reprocess day first waits for the
    days before it (same DAG run) to load."""
    if run.get("kind") in ("backfill", "reprocess"):
        _wait_for_earlier_days(run)
    return _run(stages.transform, run, window_of(run))


@task
def validate(run: dict[str, str], transformed: dict) -> dict:
    return _run(stages.validate, run, window_of(run))


@task(outlets=[ARTICLES_ASSET])
def load(run: dict[str, str], gate: dict) -> dict:
    """Load (rejects, errors and the run row even when blocked); a blocked gate fails it."""
    return _run(stages.load_or_block, run, gate, stage="load",
                reprocess=run.get("kind") == "reprocess", window=window_of(run))


# --- watching the pipeline itself (dags/yonhap_watch.py) ------------------------------------

# The feed watcher's asset, read (not scheduled on) by the French watchdog: its state holds
# the watcher's heartbeat (pipeline.airflow.feed_trigger.HEARTBEAT_KEY).
FEED_REF = Asset.ref(name=FEED_ASSET.name)


@task(task_id="check_site", retries=1, retry_delay=timedelta(minutes=10))
def check_site(edition: str = DEFAULT_EDITION) -> dict[str, Any]:
    """The canary: check-site against the edition's site. A layer or selector that stopped
    matching fails it at once ("the site changed: …"); an unreachable site is retried once."""
    report = site.canary(task_settings(edition))
    for page in report.pages:
        log.info("%s: HTTP %s, layout %s, fields %s", page.url, page.status, page.layout,
                 ", ".join(f"{k}={v}" for k, v in sorted(page.winners.items())))
    for problem in report.problems:
        log.warning("%s", problem)
    line = report.verdict_line()
    if line and report.unreachable:
        raise RuntimeError(line)
    if line:
        raise AirflowFailException(line)
    log.info("every essential field extracted by a registered layout; no template drift (%d pages)",
             len(report.pages))
    return {"pages": len(report.pages), "feed_items": report.feed_items, "list_items": report.list_items}


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
