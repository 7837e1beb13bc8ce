"""The load stage: staging files of a run -> Postgres (one transaction) -> curated Parquet.

Reads PASSED, REVISIONS, REJECTED, TRANSFORM_REJECTS, CRAWL_ERRORS, CRAWL_STATS and GATE
from ``staging/<run_id>/`` (yonhap.staging), applies pending migrations, loads with
storage.load, then writes ``curated/articles/dt=…/<run_id>.parquet`` after the commit and
reconciles earlier runs whose curated files are missing.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from storage.load import LoadBatch, LoadError, load_batch
from storage.runs import STATUS_BLOCKED, STATUS_SUCCEEDED
from yonhap import staging
from yonhap.config import Settings
from yonhap.schema import ArticleRow, CrawlError, CrawlStats, GateSummary, RejectedItem, RevisionRow

log = logging.getLogger(__name__)
_RUN_ID_OK = re.compile(r"^[A-Za-z0-9_.-]+$")


def _records(settings: Settings, run_id: str, name: str, cls) -> list:
    out = []
    for number, data in enumerate(staging.read_jsonl(settings, run_id, name, missing_ok=True), start=1):
        try:
            out.append(cls.from_dict(data))
        except (TypeError, ValueError) as err:
            raise LoadError(f"{staging.key(run_id, name)} record {number}: {err}") from None
    return out


def read_batch(settings: Settings, run_id: str) -> LoadBatch:
    from yonhap import s3

    if not s3.exists(settings, staging.key(run_id, staging.GATE)):
        raise LoadError(
            f"run {run_id}: {staging.key(run_id, staging.GATE)} is missing; run the validate stage first"
        )
    try:
        gate = GateSummary.from_dict(staging.read_json(settings, run_id, staging.GATE))
        stats = None
        if s3.exists(settings, staging.key(run_id, staging.CRAWL_STATS)):
            stats = CrawlStats.from_dict(staging.read_json(settings, run_id, staging.CRAWL_STATS))
    except (TypeError, ValueError) as err:
        raise LoadError(f"run {run_id}: bad gate or crawl stats file: {err}") from None
    return LoadBatch(
        run_id=run_id,
        gate=gate,
        articles=_records(settings, run_id, staging.PASSED, ArticleRow) if gate.success else [],
        revisions=_records(settings, run_id, staging.REVISIONS, RevisionRow) if gate.success else [],
        rejects=_records(settings, run_id, staging.REJECTED, RejectedItem)
        + _records(settings, run_id, staging.TRANSFORM_REJECTS, RejectedItem),
        errors=_records(settings, run_id, staging.CRAWL_ERRORS, CrawlError),
        stats=stats,
    )


def load(settings: Settings, run_id: str) -> dict[str, Any]:
    """Load one run's staged batch (see module docstring); returns counts, the curated file
    URIs, the reconciled runs and per-phase ``seconds``."""
    from storage import migrate, parquet
    from yonhap import db, s3

    if not _RUN_ID_OK.match(run_id or ""):
        raise LoadError(f"run id {run_id!r} must match [A-Za-z0-9_.-]+")
    began = time.perf_counter()
    migrate.upgrade(settings)
    s3.ensure_bucket(settings)
    batch = read_batch(settings, run_id)
    read_s = time.perf_counter() - began
    conn = db.connect(settings)
    try:
        outcome = load_batch(conn, batch)
        result: dict[str, Any] = dict(outcome.counts)
        result["status"] = STATUS_SUCCEEDED if batch.gate.success else STATUS_BLOCKED
        # The rows are committed: a curated-file failure must not fail the run. The row keeps
        # curated_written = false and the next load writes the files (reconcile).
        began = time.perf_counter()
        try:
            result["curated"] = _write_curated(settings, conn, run_id, outcome)
            result["reconciled_runs"] = parquet.reconcile(settings, conn, exclude=run_id)
        except Exception as err:  # noqa: BLE001 -- reported, retried by the next load
            conn.rollback()
            log.warning("run %s: curated Parquet not written (next load retries): %s", run_id, err)
            result.setdefault("curated", [])
            result.setdefault("reconciled_runs", [])
            result["curated_error"] = f"{type(err).__name__}: {err}"
        curated_s = time.perf_counter() - began
    finally:
        conn.close()
    result["seconds"] = {"read_staging": round(read_s, 3), **outcome.seconds, "curated": round(curated_s, 3)}
    return result


def _write_curated(settings: Settings, conn, run_id: str, outcome) -> list[str]:
    """The run's curated files; skipped when the load changed nothing and they exist."""
    from storage import parquet

    if not outcome.loaded_ids:
        return []
    if not outcome.counts["run_row_changed"] and not (outcome.counts["inserted"] + outcome.counts["updated"]):
        written = parquet.written_uris(conn, run_id)
        if written is not None:
            return written
    return parquet.write_run(settings, conn, run_id, outcome.loaded_ids)
