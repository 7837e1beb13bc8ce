"""Stage composition: the one sequence crawl -> transform -> validate -> load.

The CLI (``yonhap-pipeline run`` / ``reprocess``) calls :func:`run_window`; Airflow tasks call
the per-stage wrappers below one by one (one task each). Every wrapper fetches its own
database inputs (storage.queries) and calls the component stage function, which does its
own staging I/O under ``staging/<run_id>/`` -- so a wrapper can be retried on its own.

Nothing heavy is imported at module level: DAG files import this module at parse time.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

# Run statuses of yonhap.crawl_runs: storage.runs owns the names (a light module).
from storage.runs import STATUS_BLOCKED, STATUS_FAILED, STATUS_RUNNING
from storage.runs import STATUS_SUCCEEDED as STATUS_SUCCESS
from yonhap.config import Settings
from yonhap.timeutil import Window, utcnow

STAGES = ("crawl", "transform", "validate", "load")

_RUN_ID_OK = re.compile(r"^[A-Za-z0-9_.-]+$")
_RUN_ID_BAD_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")

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


def _postgres_address(settings: Settings) -> str:
    from urllib.parse import urlparse

    if settings.database_url is None:
        return f"embedded, 127.0.0.1:{settings.pg_port}"
    url = urlparse(settings.database_url)  # never echo the password
    return f"{url.hostname or 'local socket'}:{url.port or 5432}"


def describe_error(err: BaseException, settings: Settings) -> str:
    """One line for operators. An outage of Postgres or S3 is named as such, even when a
    secondary error (e.g. psycopg2's "connection already closed" on rollback) hides it."""
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
            return f"PostgreSQL unavailable ({_postgres_address(settings)}): {detail}"
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


def check_run_id(run_id: str) -> str:
    if not _RUN_ID_OK.match(run_id or ""):
        raise ValueError(f"run id {run_id!r} must match [A-Za-z0-9_.-]+ (it names S3 keys)")
    return run_id


def safe_run_id(*parts: object) -> str:
    """A run id from arbitrary parts (e.g. an Airflow dag run id with ':' and '+')."""
    raw = "__".join(str(p) for p in parts if p is not None and str(p) != "")
    return check_run_id(_RUN_ID_BAD_CHARS.sub("_", raw).strip("_"))


def cli_run_id(window: Window, now=None) -> str:
    first, last = window.kst_dates()[0], window.kst_dates()[-1]
    stamp = (now or utcnow()).strftime("%Y%m%dT%H%M%SZ")
    return f"cli_{first:%Y%m%d}_{last:%Y%m%d}_{stamp}"


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


# --- per-stage wrappers (one Airflow task each) -------------------------------------------


def prepare(settings: Settings, run_id: str, window: Window, kind: str) -> dict[str, Any]:
    """Migrations, bucket, and the run row (status running). Idempotent."""
    from storage import migrate, runs
    from yonhap import db, s3

    check_run_id(run_id)
    applied = migrate.upgrade(settings)
    s3.ensure_bucket(settings)
    conn = db.connect(settings)
    try:
        runs.close_abandoned_runs(conn)
        runs.start_run(conn, run_id, window, kind)
        conn.commit()
    finally:
        conn.close()
    return {"migrations_applied": list(applied), "bucket": settings.s3_bucket}


def crawl(settings: Settings, run_id: str, window: Window, *, reprocess: bool = False) -> dict[str, Any]:
    """Crawl the window (conditional requests for known articles, retry earlier failures),
    or re-parse the raw archive when ``reprocess``. Returns CrawlStats as a dict."""
    from scrapers import stage as crawl_stage
    from storage import queries
    from yonhap import db

    conn = db.connect(settings)
    try:
        if reprocess:
            expected = queries.articles_per_day(conn, window)
        else:
            validators = queries.validators_for(conn, window)
            retry_urls = queries.pending_error_urls(conn)
    finally:
        conn.close()
    if reprocess:
        stats = crawl_stage.reprocess(settings, run_id, window, expected=expected)
    else:
        stats = crawl_stage.crawl(settings, run_id, window, validators=validators, retry_urls=retry_urls)
    return stats.to_dict()


def rebuild_curated(settings: Settings, window: Window) -> dict[str, Any]:
    """Rebuild the window's curated/ days whose files miss stored articles (a reprocess runs
    it after its load: the archive came back, curated files may not have)."""
    from storage import curated
    from yonhap import db

    dates = window.kst_dates()
    conn = db.connect(settings)
    try:
        report = curated.rebuild(settings, conn, dates[0], dates[-1])
    finally:
        conn.close()
    return {"curated_rebuilt": len(report.rebuilt), "curated_days": report.rebuilt}


class ArchiveMissing(RuntimeError):
    """A reprocess found days whose raw archive is gone: the other days were loaded; these
    need `yonhap-pipeline run` (a fetch) to be archived again."""


def check_archive(crawl_info: dict[str, Any]) -> None:
    """Raise :class:`ArchiveMissing` (one line per day) when a reprocess had days without
    archived pages. Called after the load, so those days block nothing else."""
    from scrapers.stage import archive_gap_line

    missing = crawl_info.get("archive_missing_days") or {}
    if missing:
        raise ArchiveMissing("; ".join(archive_gap_line(day, n) for day, n in sorted(missing.items())))


def transform(settings: Settings, run_id: str, window: Window) -> dict[str, Any]:
    """Transform the staged items against the stored articles story linking and dedupe need
    (the range transforms.stage.linking_range derives from the items themselves)."""
    from storage import queries
    from transforms import stage as transform_stage
    from yonhap import db

    span = transform_stage.linking_range(transform_stage.read_items(settings, run_id))
    stored: list[dict] = []
    if span is not None:
        conn = db.connect(settings)
        try:
            stored = queries.articles_for_linking(conn, *span)
        finally:
            conn.close()
    return dict(transform_stage.transform(settings, run_id, stored))


def validate(settings: Settings, run_id: str, window: Window) -> dict[str, Any]:
    """Run the quality gate; returns GateSummary as a dict (never raises on a failed gate:
    the load still records rejects and the run row)."""
    from expectations import stage as gate_stage
    from storage import queries
    from yonhap import db

    conn = db.connect(settings)
    try:
        history = queries.run_history(conn, window.start)
    finally:
        conn.close()
    return gate_stage.validate(settings, run_id, window, history).to_dict()


def load(settings: Settings, run_id: str) -> dict[str, Any]:
    from storage import stage as load_stage

    return dict(load_stage.load(settings, run_id))


def mark_failed(settings: Settings, run_id: str, stage: str, error: str) -> None:
    """Record a failed stage on the run row (best effort: the DB may be what failed)."""
    from storage import runs
    from yonhap import db

    conn = db.connect(settings)
    try:
        runs.finish_run(conn, run_id, STATUS_FAILED, error=f"{stage}: {error}"[:2000])
        conn.commit()
    finally:
        conn.close()


def load_or_block(settings: Settings, run_id: str, gate: dict[str, Any]) -> dict[str, Any]:
    """Load, then raise :class:`GateBlocked` if the gate failed (rejects, errors and the run
    row are loaded either way, so the failure is visible in yonhap.crawl_runs)."""
    counts = load(settings, run_id)
    if not gate.get("success", False):
        raise GateBlocked(run_id, gate)
    return counts


# --- composition --------------------------------------------------------------------------


def run_window(
    settings: Settings,
    window: Window,
    run_id: str,
    kind: str = "cli",
    reprocess: bool = False,
    progress: Progress | None = None,
) -> RunSummary:
    """Crawl (or reprocess), transform, validate and load one window. Never raises for a
    stage failure: the summary says which stage failed and why (status ``failed``), or
    that the gate blocked the load (status ``blocked``)."""
    check_run_id(run_id)
    summary = RunSummary(run_id, window.start.isoformat(), window.end.isoformat(), kind)
    notify = progress or (lambda stage, event, info: None)

    def step(stage: str, fn, *args, **kwargs):
        notify(stage, "start", {})
        began = time.monotonic()
        try:
            result = fn(*args, **kwargs)
        finally:
            summary.durations[stage] = round(time.monotonic() - began, 3)
        notify(stage, "done", result if isinstance(result, dict) else {})
        return result

    stage = "prepare"
    try:
        step("prepare", prepare, settings, run_id, window, kind)
        stage = "crawl"
        summary.crawl = step(stage, crawl, settings, run_id, window, reprocess=reprocess)
        stage = "transform"
        summary.transform = step(stage, transform, settings, run_id, window)
        stage = "validate"
        summary.gate = step(stage, validate, settings, run_id, window)
        stage = "load"
        summary.load = step(stage, load, settings, run_id)
        if reprocess:
            summary.load.update(rebuild_curated(settings, window))
    except Exception as err:  # noqa: BLE001 -- reported in the summary and the run row
        summary.status = STATUS_FAILED
        summary.failed_stage = stage
        summary.error = describe_error(err, settings)
        notify(stage, "failed", {"error": summary.error})
        try:
            mark_failed(settings, run_id, stage, summary.error)
        except Exception:  # noqa: BLE001 -- the original error is the one to report
            pass
        return summary
    summary.status = STATUS_SUCCESS if summary.gate.get("success") else STATUS_BLOCKED
    if summary.status == STATUS_BLOCKED:
        summary.error = str(GateBlocked(run_id, summary.gate))
    try:
        check_archive(summary.crawl)
    except ArchiveMissing as err:
        summary.status = STATUS_FAILED
        summary.error = str(err)
        try:
            mark_failed(settings, run_id, "crawl", summary.error)
        except Exception:  # noqa: BLE001 -- the summary reports it either way
            pass
    return summary
