"""The ``yonhap.crawl_runs`` row of a run: started before the crawl, finished by the load
(or by the orchestrator when a stage fails). Both calls are idempotent upserts/updates and
run inside the caller's transaction (the caller commits)."""

from __future__ import annotations

import logging
from typing import Any

from ground.core.editions import DEFAULT_EDITION
from ground.core.schema import (
    ARCHIVE_DEGRADED,
    ARCHIVE_UNREACHABLE,
    RUN_SOURCE_AUTO,
    SITE_DEGRADED,
    CrawlStats,
    GateSummary,
)
from ground.core.timeutil import Window
from storage import sites

STATUS_RUNNING = "running"
STATUS_SUCCEEDED = "succeeded"
STATUS_FAILED = "failed"
STATUS_BLOCKED = "blocked"  # the quality gate refused the batch
STATUSES = (STATUS_RUNNING, STATUS_SUCCEEDED, STATUS_FAILED, STATUS_BLOCKED)

# Columns finish_run may set (names are fixed here, never taken from callers unchecked).
FINISH_FIELDS = (
    "pages", "items", "loaded", "rejected", "duplicates", "errors", "not_modified",
    "quality_success", "quality_report_uri", "message", "stats", "finished_at",
    "curated_written", "curated_uris",
)


class UnknownRun(LookupError):
    pass


log = logging.getLogger(__name__)


def loaded_outcome(gate: GateSummary, stats: CrawlStats | None) -> tuple[str, str | None]:
    """(status, message) of a run whose batch reached the load: ``blocked`` when the quality
    gate refused it, ``failed`` when too many of its article pages failed (site health
    ``degraded``: what it fetched is loaded, the run is still red) or the web archives could not
    give what a run asked of them (archive health ``degraded``, or ``unreachable`` in an
    ``auto`` run, whose site part still loads), else ``succeeded``. In an ``auto`` run the site's
    failed pages count only when no archive had them (the archive verdict covers both)."""
    lines = []
    if not gate.success:
        lines.append("quality gate blocked the load: " + ("; ".join(gate.failed_critical)
                                                          or "critical expectation failed"))
    site_red = stats is not None and stats.site_health == SITE_DEGRADED and stats.source != RUN_SOURCE_AUTO
    archive_red = stats is not None and stats.archive_health in (ARCHIVE_DEGRADED, ARCHIVE_UNREACHABLE)
    degraded = site_red or archive_red
    if site_red:
        lines.append(stats.site_health_line or "too many article pages failed")
    if archive_red:
        lines.append(stats.archive_health_line or "the web archives could not give the run's articles")
    status = STATUS_BLOCKED if not gate.success else (STATUS_FAILED if degraded else STATUS_SUCCEEDED)
    return status, "; ".join(lines) or None


def start_run(conn, run_id: str, window: Window, kind: str, edition: str = DEFAULT_EDITION,
              site: str | None = None) -> None:
    """Create (or restart) the run row with status ``running``. ``site`` (the site root the
    run crawls) binds the database to its kind, or raises sites.SiteMismatch before anything
    is written (storage/sites.py); a live database still holding test rows logs one warning."""
    with conn.cursor() as cur:
        root = sites.bind(cur, site, run_id) if site else None
        cur.execute(
            """
            INSERT INTO yonhap.crawl_runs (run_id, kind, window_start, window_end, started_at, status, edition, site)
            VALUES (%s, %s, %s, %s, now(), 'running', %s, %s)
            ON CONFLICT (run_id) DO UPDATE SET
                kind = EXCLUDED.kind, window_start = EXCLUDED.window_start,
                window_end = EXCLUDED.window_end, started_at = EXCLUDED.started_at,
                status = 'running', finished_at = NULL, message = NULL, edition = EXCLUDED.edition,
                site = coalesce(EXCLUDED.site, yonhap.crawl_runs.site)
            """,
            (run_id, kind, window.start, window.end, edition, root),
        )
        if root is not None:
            runs, articles = sites.mixed_runs(cur)
            if runs:
                log.warning(sites.mixed_notice(runs, articles))


# Longer than any task may take (crawl timeout 3 h x retries), so only dead runs match.
ABANDONED_AFTER_HOURS = 12


def close_abandoned_runs(conn, hours: int = ABANDONED_AFTER_HOURS) -> int:
    """Mark runs still ``running`` long after they started (their process was killed) as
    ``failed``, so crawl_runs never shows a ghost run; returns how many were closed."""
    with conn.cursor() as cur:
        cur.execute(
            """
            UPDATE yonhap.crawl_runs
            SET status = 'failed', finished_at = now(), message = %s
            WHERE status = 'running' AND started_at < now() - make_interval(hours => %s)
            """,
            (f"abandoned: still running {hours} h after it started (process killed?); "
             "rerun its window", hours),
        )
        return cur.rowcount


def finish_run(conn, run_id: str, status: str, **fields: Any) -> None:
    """Set the final status (and any of FINISH_FIELDS; ``error=`` is an alias of ``message``)."""
    from psycopg2 import sql  # lazy: DAG parsing and --help never need psycopg2
    from psycopg2.extras import Json  # lazy: as above

    if status not in STATUSES:
        raise ValueError(f"run status {status!r} is not one of {', '.join(STATUSES)}")
    if "error" in fields:
        fields.setdefault("message", fields.pop("error"))
    unknown = set(fields) - set(FINISH_FIELDS)
    if unknown:
        raise ValueError(f"finish_run: unknown fields {sorted(unknown)}")
    if "stats" in fields:
        fields["stats"] = Json(fields["stats"] or {})
    assignments = [sql.SQL("status = %s")]
    params: list[Any] = [status]
    if "finished_at" not in fields:
        assignments.append(sql.SQL("finished_at = now()"))
    for name, value in fields.items():
        assignments.append(sql.SQL("{} = %s").format(sql.Identifier(name)))
        params.append(value)
    query = sql.SQL("UPDATE yonhap.crawl_runs SET {} WHERE run_id = %s").format(sql.SQL(", ").join(assignments))
    with conn.cursor() as cur:
        cur.execute(query, [*params, run_id])
        if cur.rowcount == 0:
            raise UnknownRun(f"no crawl_runs row for run {run_id!r} (start_run was not called)")
