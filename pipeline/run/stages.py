"""Stage composition: the one sequence crawl -> transform -> validate -> load.

The CLI (``yonhap-pipeline run`` / ``reprocess``) calls :func:`run_window`; the single-stage
commands and the Airflow tasks call the ``run_<stage>`` functions below (one task each): the
one function between an entry point and the stage package's own function. Each fetches its
database inputs (storage.queries), calls the stage function (which does its own staging I/O
under ``staging/<run_id>/``, so a stage can be retried on its own) and does the run's
bookkeeping (:func:`recorded`): a failure is named in one line and, when asked, recorded on
the run row.

The stage modules import nothing heavy at module level (Scrapy runs in a subprocess; GX,
boto3, psycopg2 and pyarrow load inside the functions that use them).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from expectations import stage as gate_stage
from expectations.volume import COLD_START_NOTICE
from ground.adapters import db, s3
from ground.core.config import Settings, SettingsError
from ground.core.runids import check_run_id
from ground.core.schema import RUN_SOURCE_ARCHIVE, RUN_SOURCE_AUTO
from ground.core.timeutil import Window, article_date
from pipeline.run.descriptor import (
    RunDescriptor,
    announced_ids,
    check_source,
)
from scrapers import stage as crawl_stage
from scrapers.canonical import article_id_from_url
from scrapers.site_health import SiteUnavailable
from scrapers.webarchive import stage as archive_stage
from storage import curated, migrate, queries, runs
from storage import stage as load_stage
from storage.runs import STATUS_BLOCKED, STATUS_FAILED, STATUS_RUNNING
from storage.runs import STATUS_SUCCEEDED as STATUS_SUCCESS
from transforms import stage as transform_stage

NoStagedItems = transform_stage.NoStagedItems  # transform found nothing staged (the CLI says so)
STAGES = ("crawl", "transform", "validate", "load")

# progress(stage, event, info): event is "start" or "done" (info: the stage summary) or
# "failed" (info: {"error": message}).
Progress = Callable[[str, str, dict[str, Any]], None]


class GateBlocked(RuntimeError):
    """The quality gate refused the batch: nothing was loaded into yonhap.articles."""

    def __init__(self, run_id: str, gate: dict[str, Any]):
        self.run_id = run_id
        self.gate = gate
        failed = "; ".join(gate.get("failed_critical") or []) or "critical expectation failed"
        report = gate.get("report_uri") or "no report"
        super().__init__(f"quality gate blocked run {run_id}: {failed} (report: {report})")


class CrawlDegraded(RuntimeError):
    """Too many of the run's article pages failed (site health ``degraded``): what was fetched
    is loaded and the failures are recorded for the next run, but the run is red."""

    def __init__(self, run_id: str, line: str):
        self.run_id = run_id
        super().__init__(line)


def _postgres_address(settings: Settings) -> str:
    if settings.database_url is None:
        return f"embedded, 127.0.0.1:{settings.pg_port}"
    url = urlparse(settings.database_url)  # never echo the password
    return f"{url.hostname or 'local socket'}:{url.port or 5432}"


# What PostgreSQL said when it answered but refused the connection: not an outage.
_PG_REFUSALS = (
    (re.compile(r'database "([^"]+)" does not exist'),
     "PostgreSQL database {0!r} does not exist ({addr}): create it, or fix the database name in DATABASE_URL"),
    (re.compile(r'password authentication failed for user "([^"]+)"'),
     "PostgreSQL refused the login of user {0!r} ({addr}): wrong password or user name in DATABASE_URL"),
    # scram-sha-256 asks for a password before it says whether the user exists
    (re.compile(r'no password supplied'),
     "PostgreSQL wants a password ({addr}): put it in DATABASE_URL (user:password@host)"),
    (re.compile(r'role "([^"]+)" does not exist'),
     "PostgreSQL has no user {0!r} ({addr}): fix the user name in DATABASE_URL"),
    (re.compile(r'no pg_hba\.conf entry for host "[^"]*", user "([^"]+)"'),
     "PostgreSQL does not accept user {0!r} from this host ({addr}): see its pg_hba.conf"),
)


def _postgres_problem(detail: str, address: str) -> str:
    """One line for a failed connection: a refusal (no such database, wrong password...) says
    what to fix; anything else is the server being unavailable."""
    for pattern, line in _PG_REFUSALS:
        m = pattern.search(detail)
        if m:
            return line.format(*m.groups(), addr=address)
    return f"PostgreSQL unavailable ({address}): {detail}"


def describe_error(err: BaseException, settings: Settings) -> str:
    """One line for operators. An outage of Postgres or S3 is named as such, even when a
    secondary error (e.g. psycopg2's "connection already closed" on rollback) hides it."""
    if isinstance(err, SiteUnavailable):  # the crawl's verdict is already the operator's line
        return str(err)
    chain: list[BaseException] = []
    seen: BaseException | None = err
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    for exc in chain:
        module = type(exc).__module__ or ""
        name = type(exc).__name__
        if module.startswith("psycopg2") and name in ("OperationalError", "InterfaceError"):
            root = next(
                (e for e in chain if type(e).__name__ == "OperationalError"), exc
            )
            detail = str(root).strip().splitlines()[0] if str(root).strip() else name
            return _postgres_problem(detail, _postgres_address(settings))
        if module.startswith(("botocore", "urllib3")) and name in (
            "EndpointConnectionError", "ConnectionClosedError", "ConnectTimeoutError",
            "ReadTimeoutError", "NewConnectionError",
        ):
            endpoint = settings.s3_endpoint_url or ("AWS" if settings.s3_use_aws else
                                                    f"embedded, 127.0.0.1:{settings.s3_port}")
            return f"S3 endpoint unavailable ({endpoint}): {str(exc).strip().splitlines()[0]}"
    first = str(err).strip().splitlines()[0] if str(err).strip() else ""
    if "Could not connect to the endpoint URL" in first:  # raised in the crawler's subprocess
        return f"S3 endpoint unavailable: {first}"
    return f"{type(err).__name__}: {first}" if first else type(err).__name__


@dataclass
class RunSummary:
    run_id: str
    window_start: str
    window_end: str
    kind: str
    status: str = STATUS_RUNNING
    crawl: dict[str, Any] = field(default_factory=dict)
    transform: dict[str, Any] = field(default_factory=dict)
    gate: dict[str, Any] = field(default_factory=dict)
    load: dict[str, Any] = field(default_factory=dict)
    durations: dict[str, float] = field(default_factory=dict)  # seconds per stage
    error: str | None = None
    failed_stage: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == STATUS_SUCCESS

    @property
    def report_uri(self) -> str | None:
        return self.gate.get("report_uri")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- the run's bookkeeping ----------------------------------------------------------------


class StageFailed(RuntimeError):
    """A stage raised: ``line`` is the one-line reason (describe_error), ``stage`` its name.
    ``final``: retrying the stage cannot help now (the site gave no usable answer: the crawl
    already retried every request; the next scheduled run tries again), so it is recorded on
    the run row at once. ``figures``: what the stage counted before failing (run row columns)."""

    def __init__(self, stage: str, line: str, *, final: bool = False, figures: dict[str, int] | None = None):
        self.stage = stage
        self.line = line
        self.final = final
        self.figures = dict(figures or {})
        super().__init__(f"{stage}: {line}")



@contextmanager
def recorded(settings: Settings, run_id: str, stage: str, record_failure: bool = True) -> Iterator[None]:
    """The bookkeeping around one stage of run ``run_id``, the same for every caller.

    :class:`GateBlocked` and :class:`CrawlDegraded` pass through (the load recorded them), as
    do a ``SettingsError`` and a :class:`StageFailed` of a stage inside. :class:`ArchiveMissing`
    is recorded on the run row and passes through (retrying cannot bring an archive back).
    Any other error becomes :class:`StageFailed` with a one-line reason, recorded on the run
    row when ``record_failure`` (Airflow: on the last try only, so a retry can still succeed;
    the CLI's single-stage commands: never) or when it is final (the site was unavailable)."""
    try:
        yield
    except (GateBlocked, CrawlDegraded, StageFailed, SettingsError):  # a bad setting: exit 2 in the CLI
        raise
    except ArchiveMissing as err:
        _record_failure(settings, run_id, stage, str(err))
        raise
    except Exception as err:
        line = describe_error(err, settings)
        final = isinstance(err, SiteUnavailable)
        figures = err.figures if isinstance(err, SiteUnavailable) else {}
        if record_failure or final:
            _record_failure(settings, run_id, stage, line, **figures)
        raise StageFailed(stage, line, final=final, figures=figures) from err


def _record_failure(settings: Settings, run_id: str, stage: str, line: str, **figures: int) -> None:
    try:
        mark_failed(settings, run_id, stage, line, **figures)
    except Exception:  # noqa: BLE001 -- the stage's own error is the one to report
        pass



def mark_failed(settings: Settings, run_id: str, stage: str, error: str, **figures: int) -> None:
    """Record a failed stage on the run row, with what it counted before failing (``pages``,
    ``errors``, …: storage.runs.FINISH_FIELDS) -- the DB may be what failed: callers that
    report another error first use :func:`recorded`, which makes this best effort."""
    conn = db.connect(settings)
    try:
        runs.finish_run(conn, run_id, STATUS_FAILED, error=f"{stage}: {error}"[:2000], **figures)
        conn.commit()
    finally:
        conn.close()



# --- the stages of a run (one Airflow task each; the CLI's single-stage commands) -----------


def prepare(settings: Settings, run_id: str, window: Window, kind: str = "cli") -> dict[str, Any]:
    """Migrations, bucket, and the run row (status running). Idempotent. Setup, not a stage:
    its errors are raised as they are (callers that want them named wrap it in :func:`recorded`)."""
    check_run_id(run_id)
    applied = migrate.upgrade(settings)
    s3.ensure_bucket(settings)
    conn = db.connect(settings)
    try:
        runs.close_abandoned_runs(conn)
        runs.start_run(conn, run_id, window, kind, settings.edition, site=settings.base_url)
        conn.commit()
    finally:
        conn.close()
    return {"migrations_applied": list(applied), "bucket": settings.s3_bucket}


def run_crawl(settings: Settings, run: RunDescriptor, *, stored_state: bool = True,
              record_failure: bool = True) -> dict[str, Any]:
    """Fetch the run's window (conditional requests for known articles, retry earlier
    failures); returns CrawlStats as a dict.
    ``stored_state=False`` (CLI ``crawl --no-db``): fetch everything, read nothing stored.
    ``run.ids`` (an event run): fetch only these article ids, plus earlier failed fetches of
    the window's own days; other failures are left to the hourly runs.
    ``run.source`` picks the producer: ``site`` (scrapers.stage.crawl), ``archive`` (the web
    archives, no request to the site: scrapers.webarchive), ``auto`` (the site, then the
    archives for the ids it did not list, refused or failed)."""
    run_id, window = run.run_id, run.window
    with recorded(settings, run_id, "crawl", record_failure):
        source = check_source(run.source)
        targets = announced_ids(run.ids) if run.ids else None
        if source == RUN_SOURCE_ARCHIVE:
            return archive_stage.fetch_window(settings, run_id, window, stored=_stored_captures(
                settings, window, stored_state)).to_dict()
        if not stored_state:
            if source == RUN_SOURCE_AUTO:
                return _auto(settings, run_id, window, {}, None)
            return crawl_stage.crawl(settings, run_id, window).to_dict()
        conn = db.connect(settings)
        try:
            validators = queries.validators_for(conn, window, settings.edition)
            retry_urls = queries.pending_error_urls(conn, edition=settings.edition)
            if targets:  # an event run retries only earlier failures of its own days
                retry_urls = _same_days(retry_urls, window)
            rows = queries.run_rows(conn, [run_id])
            fetch_once, skip = broken_page_plan(queries.broken_pages(conn, settings.edition),
                                                rows[0]["kind"] if rows else None, datetime.now(UTC))
            retry_urls = [u for u in retry_urls if article_id_from_url(u) not in set(skip)]
            stored = queries.stored_captures(conn, window, settings.edition) if source == RUN_SOURCE_AUTO else {}
        finally:
            conn.close()
        if source == RUN_SOURCE_AUTO:
            return _auto(settings, run_id, window, stored, dict(validators=validators, retry_urls=retry_urls,
                                                                 targets=targets, fetch_once=fetch_once, skip=skip))
        return crawl_stage.crawl(settings, run_id, window, validators=validators, retry_urls=retry_urls,
                                 targets=targets, fetch_once=fetch_once, skip=skip).to_dict()


def _stored_captures(settings: Settings, window: Window, stored_state: bool) -> dict[str, dict]:
    if not stored_state:
        return {}
    conn = db.connect(settings)
    try:
        return queries.stored_captures(conn, window, settings.edition)
    finally:
        conn.rollback()
        conn.close()


def _auto(settings: Settings, run_id: str, window: Window, stored: dict[str, dict],
          site_kwargs: dict[str, Any] | None) -> dict[str, Any]:
    """The site first; the web archives then give what it did not (archive_stage.fill). A site
    that gave no usable answer leaves the whole window to the archives."""
    site_error = None
    try:
        crawl_stage.crawl(settings, run_id, window, **(site_kwargs or {}))
    except SiteUnavailable as err:
        site_error = err
    return archive_stage.fill(settings, run_id, window, site_error=site_error, stored=stored).to_dict()


# Broken pages (queries.broken_pages): every later run fetches one at most once (no retries);
# the ingest's runs (hourly: kind "airflow"; feed events: "event") stop asking once it has been
# broken this long, other runs (a daily backfill, the CLI) still ask once. docs/crawler.md.
BROKEN_PAGE_BACKOFF = timedelta(days=1)
INGEST_KINDS = ("airflow", "event")


def broken_page_plan(broken: dict[str, Any], kind: str | None, now) -> tuple[list[str], list[str]]:
    """(ids to fetch once, without retries; ids not to fetch at all) for a run of ``kind``."""
    if kind in INGEST_KINDS:
        skip = sorted(i for i, since in broken.items() if since is not None and now - since > BROKEN_PAGE_BACKOFF)
    else:
        skip = []
    return sorted(set(broken) - set(skip)), skip


def _same_days(urls: list[str], window: Window) -> list[str]:
    days = set(window.kst_dates())
    return [u for u in urls if (aid := article_id_from_url(u)) and article_date(aid) in days]



def run_reparse(settings: Settings, run: RunDescriptor, *, record_failure: bool = True) -> dict[str, Any]:
    """The crawl stage of a reprocess partition: re-parse the raw archive, then fail this run
    (only this one) when some of its days have no archived pages (:class:`ArchiveMissing`)."""
    with recorded(settings, run.run_id, "reparse", record_failure):
        stats = _reparse(settings, run.run_id, run.window)
        check_archive(stats)
        return stats


def _reparse(settings: Settings, run_id: str, window: Window) -> dict[str, Any]:
    """scrapers.stage.reprocess with the stored articles per day it checks the archive against
    (shared by :func:`run_reparse` and :func:`run_window`, which checks after its load)."""
    conn = db.connect(settings)
    try:
        expected = queries.articles_per_day(conn, window, settings.edition)
    finally:
        conn.close()
    return crawl_stage.reprocess(settings, run_id, window, expected=expected).to_dict()


def rebuild_curated(settings: Settings, window: Window) -> dict[str, Any]:
    """Rebuild the window's curated/ days whose files miss stored articles (a reprocess runs
    it after its load: the archive came back, curated files may not have)."""
    dates = window.kst_dates()
    report = rebuild_curated_days(settings, dates[0], dates[-1])
    return {"curated_rebuilt": len(report.rebuilt), "curated_days": report.rebuilt}


class ArchiveMissing(RuntimeError):
    """A reprocess found days whose raw archive is gone: the other days were loaded; these
    need `yonhap-pipeline run` (a fetch) to be archived again."""


def check_archive(crawl_info: dict[str, Any]) -> None:
    """Raise :class:`ArchiveMissing` (one line per day) when a reprocess had days without
    archived pages. Called after the load, so those days block nothing else."""
    missing = crawl_info.get("archive_missing_days") or {}
    if missing:
        raise ArchiveMissing("; ".join(crawl_stage.archive_gap_line(day, n) for day, n in sorted(missing.items())))



def run_transform(settings: Settings, run_id: str, *, record_failure: bool = True) -> dict[str, Any]:
    """Transform the staged items against the stored articles story linking and dedupe need
    (the range transforms.stage.linking_range derives from the items themselves)."""
    with recorded(settings, run_id, "transform", record_failure):
        span = transform_stage.linking_range(transform_stage.read_items(settings, run_id))
        stored: list[dict] = []
        if span is not None:
            conn = db.connect(settings)
            try:
                stored = queries.articles_for_linking(conn, *span, edition=settings.edition)
            finally:
                conn.close()
        return dict(transform_stage.transform(settings, run_id, stored))


def run_validate(settings: Settings, run_id: str, window: Window, *, record_failure: bool = True) -> dict[str, Any]:
    """Run the quality gate; returns GateSummary as a dict (never raises on a failed gate:
    the load still records rejects and the run row). The volume band's cold-start warning is
    shown once per install: by the first run that has one (and its reruns), taken before the
    gate runs so concurrent first runs (a backfill's days) do not all show it."""
    with recorded(settings, run_id, "validate", record_failure):
        conn = db.connect(settings)
        try:
            history = queries.run_history(conn, window.start, edition=settings.edition)
            warning = gate_stage.cold_start_warning(settings, run_id, window, history)
            shown = warning is not None and queries.claim_notice(conn, COLD_START_NOTICE, run_id, warning)
            conn.commit()
        finally:
            conn.close()
        return gate_stage.validate(settings, run_id, window, history, cold_start_notice=shown).to_dict()


def run_load(settings: Settings, run_id: str, *, gate: dict[str, Any] | None = None,
             rebuild_window: Window | None = None, record_failure: bool = True) -> dict[str, Any]:
    """Load the validated batch (rejects, errors and the run row load even when the gate
    failed); returns the counts. ``rebuild_window`` (a reprocess): then rebuild that window's
    curated days that miss stored articles. ``gate`` (the DAGs' load task): then raise
    :class:`GateBlocked` if it failed, or :class:`CrawlDegraded` if the load marked the run
    failed (too many pages failed), so the failure is red where it is seen."""
    with recorded(settings, run_id, "load", record_failure):
        counts = dict(load_stage.load(settings, run_id))
        if rebuild_window is not None:
            counts.update(rebuild_curated(settings, rebuild_window))
        if gate is None:
            return counts
        if not gate.get("success", False):
            raise GateBlocked(run_id, gate)
        if counts.get("status") == STATUS_FAILED:
            raise CrawlDegraded(run_id, counts.get("message") or "too many article pages failed")
        return counts


def unfinished_runs(settings: Settings, run_ids: list[str]) -> list[str]:
    """Those of ``run_ids`` whose row is still ``running`` (not loaded, blocked or failed yet);
    ids without a row are no run of this window and are not waited for."""
    conn = db.connect(settings)
    try:
        return [r["run_id"] for r in queries.run_rows(conn, run_ids) if r["status"] == STATUS_RUNNING]
    finally:
        conn.rollback()
        conn.close()


# The kind of a run done one stage at a time from the CLI (crawl, transform, validate, load).
STAGES_KIND = "stages"


class RunUnknown(LookupError):
    """No run row and no staged crawl for a run id (validate --run-id alone)."""


def stored_window(settings: Settings, run_id: str) -> Window:
    """The window a run was crawled for: its crawl_runs row, else its staged crawl figures."""
    from ground.adapters import staging  # lazy, as the stage modules

    row = run_row(settings, run_id)
    if row is not None:
        return Window(row["window_start"], row["window_end"])
    if not s3.exists(settings, staging.key(run_id, staging.CRAWL_STATS)):
        raise RunUnknown(f"run {run_id} is unknown: no crawl_runs row and nothing staged "
                         f"(crawl it first: yonhap-pipeline crawl --from … --to … --run-id {run_id})")
    stats = staging.read_json(settings, run_id, staging.CRAWL_STATS)
    return Window(datetime.fromisoformat(stats["window_start"]), datetime.fromisoformat(stats["window_end"]))


def run_row(settings: Settings, run_id: str) -> dict[str, Any] | None:
    """The run's crawl_runs row (queries.run_rows), or None."""
    conn = db.connect(settings)
    try:
        rows = queries.run_rows(conn, [run_id])
    finally:
        conn.rollback()
        conn.close()
    return rows[0] if rows else None


def upgrade_database(settings: Settings) -> list[str]:
    """Apply pending migrations (advisory-locked; safe concurrently); the names applied."""
    return list(migrate.upgrade(settings))


def rebuild_curated_days(settings: Settings, first, last) -> curated.RebuildReport:
    conn = db.connect(settings)
    try:
        return curated.rebuild(settings, conn, first, last)
    finally:
        conn.close()



# --- composition --------------------------------------------------------------------------


def ingest_announced(settings: Settings, run: RunDescriptor, *, record_failure: bool = True) -> dict[str, Any]:
    """An event run's one-process lane: crawl exactly ``run.ids`` (no list walk, no feed),
    transform, validate, load -- the same stage functions as every run, and the gate on every
    batch. One process instead of four saves three task start-ups, and Great Expectations is
    imported in a thread while the crawl waits on the network. Raises :class:`StageFailed` /
    :class:`GateBlocked` like the stages (each stage records its own failure; an error
    between them is named ``fresh``); returns every stage's figures and ``seconds`` per stage
    (the fast path's breakdown)."""
    import threading

    began = time.monotonic()
    seconds: dict[str, float] = {}

    def timed(stage: str, fn, *args, **kwargs) -> dict[str, Any]:
        t0 = time.monotonic()
        try:
            return fn(settings, *args, **kwargs)
        finally:
            seconds[stage] = round(time.monotonic() - t0, 3)

    with recorded(settings, run.run_id, "fresh", record_failure):
        announced_ids(run.ids)  # NoAnnouncedIds before anything runs
        warm = threading.Thread(target=gate_stage.warm, name="gx-warm", daemon=True)
        warm.start()
        crawled = timed("crawl", run_crawl, run)
        transformed = timed("transform", run_transform, run.run_id)
        t0 = time.monotonic()
        warm.join()
        seconds["gx_wait"] = round(time.monotonic() - t0, 3)  # what the warm-up did not hide
        gate = timed("validate", run_validate, run.run_id, run.window)
        loaded = timed("load", run_load, run.run_id, gate=gate)
    seconds["total"] = round(time.monotonic() - began, 3)
    return {**{f"crawl_{k}" if k in ("pages", "errors") else k: v for k, v in crawled.items()
               if k in ("items", "not_modified", "pages", "errors", "targets")},
            **{k: v for k, v in transformed.items() if isinstance(v, (int, float))},
            **{k: v for k, v in gate.items() if k in ("success", "report_uri", "rows_passed", "rows_rejected",
                                                      "failed_critical", "warnings")},
            **loaded, "seconds": seconds}


def run_window(settings: Settings, run: RunDescriptor, *, reprocess: bool = False,
               progress: Progress | None = None) -> RunSummary:
    """Crawl (or reprocess), transform, validate and load one run's window. Never raises for
    a stage failure: the summary says which stage failed and why (status ``failed``), or
    that the gate blocked the load (status ``blocked``). Days of a reprocess without
    archived pages fail the run after the other days are loaded. ``run.source``: what the
    crawl stage fetches from (:func:`run_crawl`)."""
    run_id, window = run.run_id, run.window
    check_run_id(run_id)
    check_source(run.source)
    summary = RunSummary(run_id, window.start.isoformat(), window.end.isoformat(), run.kind)
    notify = progress or (lambda stage, event, info: None)

    def step(stage: str, fn, *args, **kwargs) -> dict[str, Any]:
        notify(stage, "start", {})
        began = time.monotonic()
        try:
            result = fn(settings, *args, **kwargs)
        except StageFailed as err:
            notify(stage, "failed", {"error": err.line})
            raise
        finally:
            summary.durations[stage] = round(time.monotonic() - began, 3)
        notify(stage, "done", result)
        return result

    def setup(settings: Settings) -> dict[str, Any]:
        with recorded(settings, run_id, "prepare"):
            return prepare(settings, run_id, window, run.kind)

    def reparse_archive(settings: Settings) -> dict[str, Any]:  # the archive is checked after the load
        with recorded(settings, run_id, "crawl"):
            return _reparse(settings, run_id, window)

    try:
        step("prepare", setup)
        summary.crawl = step("crawl", reparse_archive) if reprocess else step("crawl", run_crawl, run)
        summary.transform = step("transform", run_transform, run_id)
        summary.gate = step("validate", run_validate, run_id, window)
        summary.load = step("load", run_load, run_id, rebuild_window=window if reprocess else None)
    except StageFailed as err:
        summary.status = STATUS_FAILED
        summary.failed_stage = err.stage
        summary.error = err.line
        return summary
    summary.status = summary.load.get("status") or (STATUS_SUCCESS if summary.gate.get("success")
                                                    else STATUS_BLOCKED)
    if summary.status == STATUS_BLOCKED:
        summary.error = str(GateBlocked(run_id, summary.gate))
    elif summary.status == STATUS_FAILED:
        summary.error = summary.load.get("message")
    try:
        check_archive(summary.crawl)
    except ArchiveMissing as err:
        summary.status = STATUS_FAILED
        summary.error = str(err)
        _record_failure(settings, run_id, "crawl", summary.error)
    return summary
