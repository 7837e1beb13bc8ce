"""The load stage: staging files of a run -> Postgres (one transaction) -> curated Parquet.

Reads PASSED, REVISIONS, REJECTED, TRANSFORM_REJECTS, CRAWL_ERRORS, CRAWL_STATS and GATE
from ``staging/<run_id>/`` (ground.adapters.staging), applies pending migrations, loads with
storage.load, then writes ``curated/articles/dt=…/<run_id>.parquet`` after the commit and
reconciles earlier runs whose curated files are missing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import msgspec

from ground.adapters import staging
from ground.core.config import Settings
from ground.core.runids import check_run_id
from ground.core.schema import (
    ArticleRow,
    CrawlError,
    CrawlStats,
    GateSummary,
    RejectedItem,
    RevisionRow,
    SearchedDay,
    SeenArticle,
)
from storage.load import LoadBatch, LoadError, load_batch
from storage.runs import loaded_outcome

log = logging.getLogger(__name__)


def _records(settings: Settings, run_id: str, name: str, cls) -> list:
    return list(_streamed_records(settings, run_id, name, cls))


def _streamed_records(settings: Settings, run_id: str, name: str, cls) -> Iterator:
    """The file is fetched (and starts inflating: staging.jsonl_lines) now; its records are
    decoded as they are consumed (the big files stream straight into COPY, so decoding
    overlaps PostgreSQL's work)."""
    k = staging.key(run_id, name)
    return _decoded_lines(k, _staged_lines(settings, k), cls)


def _staged_lines(settings: Settings, k: str) -> Iterator[bytes]:
    """The lines of staging file ``k``, fetched now and inflating from now on; none when the
    file is missing."""
    from ground.adapters import s3

    return staging.jsonl_lines(s3.get_bytes(settings, k)) if s3.exists(settings, k) else iter(())


# Strict JSON; its messages ("Input data was truncated") are the ones a LoadError quotes. About
# 0.4 s faster than json.loads per 50k-article load (docs/performance.md).
_JSON = msgspec.json.Decoder()


def _decoded_lines(k: str, lines: Iterator[bytes], cls) -> Iterator:
    """Records of ``cls`` from a staging file's lines, decoded one by one. A file or record that
    does not decode is a LoadError naming it."""
    number = 0
    while True:
        try:
            line = next(lines)
        except StopIteration:
            return
        except ValueError as err:  # not gzip, truncated
            raise LoadError(f"{k}: {err}") from None
        number += 1
        try:
            record = cls.from_dict(_JSON.decode(line))
        except (TypeError, ValueError) as err:  # msgspec.DecodeError is a ValueError
            raise LoadError(f"{k} record {number}: {err}") from None
        yield record


def read_batch(settings: Settings, run_id: str) -> LoadBatch:
    from ground.adapters import s3

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
        seen=_records(settings, run_id, staging.SEEN, SeenArticle),
        searched=_records(settings, run_id, staging.SEARCHED, SearchedDay),
        stats=stats,
        site=settings.base_url,  # a run whose row has no site yet (`crawl` then `load`) was of these settings
    )


def load(settings: Settings, run_id: str) -> dict[str, Any]:
    """Load one run's staged batch (see module docstring); returns counts, the run's freshness
    figures (``fresh_articles``, ``freshness_p50_s``, ``freshness_p95_s``: storage.load), the
    curated file URIs, the reconciled runs and per-phase ``seconds``."""
    from ground.adapters import db, s3
    from storage import migrate, parquet

    check_run_id(run_id)
    began = time.perf_counter()
    migrate.upgrade(settings)
    s3.ensure_bucket(settings)
    batch = read_batch(settings, run_id)
    read_s = time.perf_counter() - began
    conn = db.connect(settings)
    merger = SearchIndexMerger(settings)
    encoded = parquet.EncodedBeforeCommit(run_id)
    try:
        with merger:
            outcome = load_batch(conn, batch, after_articles=encoded.start)
            result: dict[str, Any] = dict(outcome.counts)
            result["status"], result["message"] = loaded_outcome(batch.gate, batch.stats)
            # The rows are committed. The curated files are put while the merger does its
            # last pass (in PostgreSQL); neither may fail the run.
            began = time.perf_counter()
            _curated_into(result, settings, conn, run_id, outcome, encoded)
            curated_s = time.perf_counter() - began
        after_commit_s = time.perf_counter() - began
    finally:
        conn.close()
    result["search_index_pages_merged"] = merger.pages
    result["seconds"] = {"read_staging": round(read_s, 3), **outcome.seconds, "curated": round(curated_s, 3),
                         "after_commit": round(after_commit_s, 3)}
    return result


class SearchIndexMerger:
    """Merges the full-text index's pending list (storage.load.merge_search_index) on its own
    connection while a load runs, then once more after it: the load appends its index entries
    to the pending list (cheap) and this thread moves them into the index on the otherwise
    idle core during the single-process merge statements, instead of after the commit.

    Used as a context manager around the load; leaving it makes the last pass (after the
    commit) and waits for it. Never fails a load: a failure is logged, searches stay correct
    (PostgreSQL scans the pending list too) and autovacuum merges later. ``pages`` is the
    number of pending-list pages merged, None after a failure.
    """

    POLL_SECONDS = 0.25  # idle wait between passes that found nothing to merge

    def __init__(self, settings: Settings) -> None:
        import threading

        self._settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="search-index-merger", daemon=True)
        self.pages: int | None = 0

    def __enter__(self) -> SearchIndexMerger:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        from ground.adapters import db
        from storage.load import merge_search_index

        try:
            conn = db.connect(self._settings)
            try:
                while True:
                    stopping = self._stop.is_set()  # read BEFORE the pass: the last one follows the commit
                    merged = merge_search_index(conn)
                    self.pages += merged
                    if stopping:
                        return
                    if not merged:
                        self._stop.wait(self.POLL_SECONDS)
            finally:
                conn.close()
        except Exception as err:  # noqa: BLE001 -- an optimisation, never a failed load
            log.warning("full-text index pending list not merged now (autovacuum will): %s", err)
            self.pages = None


def _curated_into(result: dict[str, Any], settings: Settings, conn, run_id: str, outcome, encoded) -> None:
    """Curated files of this run (and of earlier runs that missed theirs). A failure leaves the
    row's curated_written = false and the next load writes the files (reconcile)."""
    from storage import parquet

    try:
        result["curated"] = _write_curated(settings, conn, run_id, outcome, encoded)
        result["reconciled_runs"] = parquet.reconcile(settings, conn, exclude=run_id)
    except Exception as err:  # noqa: BLE001 -- reported, retried by the next load
        conn.rollback()
        log.warning("run %s: curated Parquet not written (next load retries): %s", run_id, err)
        result.setdefault("curated", [])
        result.setdefault("reconciled_runs", [])
        result["curated_error"] = f"{type(err).__name__}: {err}"


def _write_curated(settings: Settings, conn, run_id: str, outcome, encoded) -> list[str]:
    """The run's curated files: the ones encoded before the commit when there are, else made
    from the committed rows; skipped when the load changed nothing and they exist."""
    from storage import parquet

    if not outcome.loaded_ids:
        return []
    if not outcome.counts["run_row_changed"] and not (outcome.counts["inserted"] + outcome.counts["updated"]):
        written = parquet.written_uris(conn, run_id)
        if written is not None:
            return written
    files = encoded.files()
    if files is not None:
        return parquet.put_files(settings, conn, run_id, files)
    return parquet.write_run(settings, conn, run_id, outcome.loaded_ids)
