"""The load stage: staging files of a run -> Postgres (one transaction) -> curated Parquet.

Reads PASSED, REVISIONS, REJECTED, TRANSFORM_REJECTS, CRAWL_ERRORS, CRAWL_STATS and GATE
from ``staging/<run_id>/`` (yonhap.staging), applies pending migrations, loads with
storage.load, then writes ``curated/articles/dt=…/<run_id>.parquet`` after the commit and
reconciles earlier runs whose curated files are missing.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from storage.load import LoadBatch, LoadError, load_batch
from storage.runs import STATUS_BLOCKED, STATUS_SUCCEEDED
from yonhap import staging
from yonhap.config import Settings
from yonhap.schema import ArticleRow, CrawlError, CrawlStats, GateSummary, RejectedItem, RevisionRow

log = logging.getLogger(__name__)
_RUN_ID_OK = re.compile(r"^[A-Za-z0-9_.-]+$")


def _records(settings: Settings, run_id: str, name: str, cls) -> list:
    return list(_streamed_records(settings, run_id, name, cls))


def _streamed_records(settings: Settings, run_id: str, name: str, cls) -> Iterator:
    """The file is fetched now; its records are decoded as they are consumed (the big files
    stream straight into COPY, so decoding overlaps PostgreSQL's work)."""
    from yonhap import s3

    k = staging.key(run_id, name)
    data = s3.get_bytes(settings, k) if s3.exists(settings, k) else None

    def records() -> Iterator:
        if data is None:
            return
        for number, line in enumerate(staging.jsonl_lines(data), start=1):
            try:
                record = cls.from_dict(json.loads(line))
            except (TypeError, ValueError) as err:
                raise LoadError(f"{k} record {number}: {err}") from None
            yield record

    return records()


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
        articles=_streamed_records(settings, run_id, staging.PASSED, ArticleRow) if gate.success else [],
        revisions=_streamed_records(settings, run_id, staging.REVISIONS, RevisionRow) if gate.success else [],
        rejects=_records(settings, run_id, staging.REJECTED, RejectedItem)
        + _records(settings, run_id, staging.TRANSFORM_REJECTS, RejectedItem),
        errors=_records(settings, run_id, staging.CRAWL_ERRORS, CrawlError),
        stats=stats,
    )


def load(settings: Settings, run_id: str) -> dict[str, Any]:
    """Load one run's staged batch (see module docstring); returns counts, the curated file
    URIs, the reconciled runs and per-phase ``seconds``."""
    from storage import migrate
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
        # The rows are committed. Two independent follow-ups run side by side (the index merge
        # in PostgreSQL, the Parquet files mostly in this process); neither may fail the run.
        began = time.perf_counter()
        with ThreadPoolExecutor(max_workers=1) as pool:
            merging = pool.submit(_merge_search_index, settings) if outcome.loaded_ids else None
            _curated_into(result, settings, conn, run_id, outcome)
            curated_s = time.perf_counter() - began
            if merging is not None:
                result["search_index_pages_merged"] = merging.result()
        after_commit_s = time.perf_counter() - began
    finally:
        conn.close()
    result["seconds"] = {"read_staging": round(read_s, 3), **outcome.seconds, "curated": round(curated_s, 3),
                         "after_commit": round(after_commit_s, 3)}
    return result


def _curated_into(result: dict[str, Any], settings: Settings, conn, run_id: str, outcome) -> None:
    """Curated files of this run (and of earlier runs that missed theirs). A failure leaves the
    row's curated_written = false and the next load writes the files (reconcile)."""
    from storage import parquet

    try:
        result["curated"] = _write_curated(settings, conn, run_id, outcome)
        result["reconciled_runs"] = parquet.reconcile(settings, conn, exclude=run_id)
    except Exception as err:  # noqa: BLE001 -- reported, retried by the next load
        conn.rollback()
        log.warning("run %s: curated Parquet not written (next load retries): %s", run_id, err)
        result.setdefault("curated", [])
        result.setdefault("reconciled_runs", [])
        result["curated_error"] = f"{type(err).__name__}: {err}"


def _merge_search_index(settings: Settings) -> int | None:
    """storage.load.merge_search_index on its own connection; None when it failed (logged:
    searches stay correct, autovacuum merges later)."""
    from storage.load import merge_search_index
    from yonhap import db

    try:
        conn = db.connect(settings)
        try:
            return merge_search_index(conn)
        finally:
            conn.close()
    except Exception as err:  # noqa: BLE001 -- an optimisation, never a failed load
        log.warning("full-text index pending list not merged now (autovacuum will): %s", err)
        return None


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
