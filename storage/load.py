"""The database half of the load: one batch -> schema ``yonhap`` in ONE transaction.

COPY every record into staging tables (session temp tables, and for articles
``yonhap_load.stage_articles``, whose search vectors one parallel query computes), then one
set-based merge per table:

* articles: upsert by article_id; a row changes only when the incoming fetch is not older
  than the stored one AND some column differs (``IS DISTINCT FROM``), so reloading a batch
  is a true no-op. ``first_seen_at`` is kept; ``last_seen_at`` moves forward to the fetch
  time (never back). Articles answered 304 (CrawlStats.not_modified_ids) get ``last_seen_at``
  touched to the crawl's finish time. ``loaded_at`` (the load transaction's time) and
  ``loaded_by_run`` are set when a row is inserted, never after (migration 0005).
* canonical URL already owned by ANOTHER article id: that row is not loaded; it becomes a
  rejected item (stage ``load``). The article id is the identity (the site's URLs embed it),
  so a second id on one URL means a canonicalisation problem to look at, not the same article.
* article_revisions: appended only for a new (article_id, content_hash); revision = max + 1.
  The loaded row's own content always has a revision.
* rejected_items / crawl_errors: keyed per run (item_key / url), so a rerun of a run_id
  replaces that run's rows without duplicating or rewriting unchanged ones.
* crawl_errors of earlier fetches of a URL that now loaded get ``resolved_at``.
* crawl_runs: counts, status, quality result, freshness figures; updated only when something
  differs. The freshness figures (``fresh_articles``, ``freshness_p50_s``, ``freshness_p95_s``)
  are over the articles the run FIRST loaded (loaded_by_run), whichever load of it did: a
  rerun reports the same figures, and an article an earlier run loaded is not fresh for it.

When the gate failed, no articles/revisions load; rejects, errors and the run row do.
All loads are serialised by a transaction-scoped advisory lock (revision numbering and the
URL check need a stable view). Values are always bound parameters or COPY data. Each step's
statement is a file in storage/sql/load/ (``<step>.sql``), read once by name.

The stage tables are filled by psycopg2's ``copy_expert`` from COPY text this module formats
(the project's one driver; measured against psycopg 3's ``cursor.copy()`` in
docs/performance.md, "Postgres driver").
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import operator
import os
import re
import string
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ground.core.config import site_root
from ground.core.editions import DEFAULT_EDITION
from ground.core.schema import (
    ARTICLE_COLUMNS,
    ArticleRow,
    CrawlError,
    CrawlStats,
    GateSummary,
    RejectedItem,
    RevisionRow,
    SearchedDay,
    SeenArticle,
    parse_time,
)
from storage import sites
from storage.runs import loaded_outcome

LOAD_LOCK_KEY = int.from_bytes(b"yonhapLD", "big", signed=True)
# Test hook: seconds to sleep after the COPYs, before the merges (crash-safety test).
PAUSE_AFTER_COPY_ENV = "YONHAP_TEST_PAUSE_AFTER_COPY"
PAUSE_MARKER = "yonhap-load: paused after COPY"

LOADER_MAINTAINED = ("first_seen_at", "last_seen_at")
# Set by the loader when it inserts a row, never changed (migration 0005; not ARTICLE_COLUMNS).
LOADER_SET_ON_INSERT = ("loaded_at", "loaded_by_run")
STAGED_ARTICLE_COLUMNS = tuple(c for c in ARTICLE_COLUMNS if c not in LOADER_MAINTAINED)
# Compared to decide whether an existing row changes (everything we write).
COMPARED_COLUMNS = STAGED_ARTICLE_COLUMNS
STAGE_ARTICLES = "yonhap_load.stage_articles"  # migration 0002
SEARCH_INDEX = "yonhap.articles_search_idx"


class LoadError(ValueError):
    """The batch cannot be loaded as it is; ``str(err)`` says which record and why."""


@dataclass
class LoadBatch:
    run_id: str
    gate: GateSummary
    # Articles and revisions may be one-shot iterables (stage.read_batch decodes them while
    # they stream into COPY); everything else is a list.
    articles: Iterable[ArticleRow] = field(default_factory=list)  # passed the gate
    revisions: Iterable[RevisionRow] = field(default_factory=list)
    rejects: list[RejectedItem] = field(default_factory=list)  # gate + transform rejects
    errors: list[CrawlError] = field(default_factory=list)
    seen: list[SeenArticle] = field(default_factory=list)  # ids the crawl saw (the ledger)
    searched: list[SearchedDay] = field(default_factory=list)  # days it looked for, per source
    stats: CrawlStats | None = None
    # The site root the run crawled, when its row does not say (storage/sites.py: one kind of
    # site per database); None: not checked.
    site: str | None = None


# ---------------------------------------------------------------- COPY


NUL_MESSAGE = "contains a NUL character (PostgreSQL cannot store it)"
# A NUL escape in JSON text (not an escaped backslash followed by "u0000").
_JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
COPY_BLOCK_CHARS = 1 << 20  # characters handed to the server per read of the COPY stream


class _Unstorable(ValueError):
    """A value PostgreSQL cannot store; _copy names the record and column."""


def _copy_text(value: Any) -> str:
    """One field in COPY's text format: ``\\N`` is NULL; backslash, newline, CR and tab escaped
    (every other character stands for itself, the stream is UTF-8)."""
    if value is None:
        return r"\N"
    if type(value) is not str:
        value = str(value)
    if "\x00" in value:
        raise _Unstorable(NUL_MESSAGE)
    # a scan is much cheaper than an unconditional replace: most values have none of these
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\n" in value:
        value = value.replace("\n", "\\n")
    if "\r" in value:
        value = value.replace("\r", "\\r")
    if "\t" in value:
        value = value.replace("\t", "\\t")
    return value


def _copy_json(value: Any) -> str:
    """A jsonb field (images, field_sources, reasons, payloads): its JSON text. PostgreSQL cannot
    store a NUL even escaped, so one is refused here."""
    if value is None:
        return r"\N"
    text = json.dumps(value, ensure_ascii=False)
    if "\\u0000" in text and _JSON_NUL.search(text):
        raise _Unstorable("JSON " + NUL_MESSAGE)
    return _copy_text(text)


def _copy_array(values: Any) -> str:
    """A text[] field as an array literal (``{"a","b \\"c\\""}``): every element quoted, with
    backslash and double quote escaped inside it; COPY's own escaping applies on top."""
    if values is None:
        return r"\N"
    parts = []
    for value in values:
        if value is None:
            parts.append("NULL")
            continue
        value = str(value)
        if "\\" in value:
            value = value.replace("\\", "\\\\")
        if '"' in value:
            value = value.replace('"', '\\"')
        parts.append('"' + value + '"')
    return _copy_text("{" + ",".join(parts) + "}")


def _copy_bool(value: Any) -> str:
    return r"\N" if value is None else ("t" if value else "f")


# Stage tables' columns (by name) whose COPY text is not the value's own text; times are ISO
# strings, parsed by PostgreSQL like any COPY text.
_COPY_FORMATS: dict[str, Callable[[Any], str]] = {
    "images": _copy_json, "field_sources": _copy_json, "reasons": _copy_json, "payload": _copy_json,
    "keywords": _copy_array, "sources": _copy_array,
    "is_routine": _copy_bool, "is_table": _copy_bool, "robots_denied": _copy_bool,
}


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (dict, list, tuple)):
        return bool(_JSON_NUL.search(json.dumps(value, ensure_ascii=False, default=str)))
    return False


def _quoted(name: str) -> str:
    """An SQL identifier (``schema.table`` for a qualified one), quoted; names here are constants."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def _column_list(columns: Sequence[str], prefix: str = "") -> str:
    return ", ".join(prefix + _quoted(c) for c in columns)


class _CopyStream(io.TextIOBase):
    """COPY text made on demand, read by ``copy_expert`` block by block: the server parses
    one block while this process formats the next."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._pending = ""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> str:
        parts, have = [self._pending], len(self._pending)
        for line in self._lines:
            parts.append(line)
            have += len(line)
            if 0 <= size <= have:
                break
        data = "".join(parts)
        if size < 0 or len(data) <= size:
            self._pending = ""
            return data
        self._pending = data[size:]
        return data[:size]


def _copy(cur, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], what: str) -> int:
    """COPY ``rows`` into ``table`` (one statement, streamed); returns the row count. A value
    PostgreSQL cannot store is a LoadError naming the record and column."""
    formats = [_COPY_FORMATS.get(c, _copy_text) for c in columns]
    count = 0
    failure: list[LoadError] = []

    def lines() -> Iterator[str]:
        nonlocal count
        try:
            for row in rows:  # a LoadError from ``rows`` itself (checks, lazy decoding) ends the COPY
                try:
                    line = "\t".join([f(v) for f, v in zip(formats, row, strict=True)]) + "\n"
                except _Unstorable:
                    for column, value in zip(columns, row, strict=True):
                        if _has_nul(value):
                            raise LoadError(f"{what} #{count + 1} ({row[0]}) {column}: {NUL_MESSAGE}") from None
                    raise
                count += 1
                yield line
        except LoadError as err:
            failure.append(err)
            raise

    try:
        cur.copy_expert(f"COPY {_quoted(table)} ({_column_list(columns)}) FROM STDIN", _CopyStream(lines()),
                        size=COPY_BLOCK_CHARS)
    except Exception:
        if failure:  # psycopg2 reports it as a cancelled COPY: say what was wrong instead
            raise failure[0] from None
        raise
    return count


def _sanitize_payload(payload: Any) -> Any:
    """Rejected payloads are diagnostics: a NUL (unstorable) becomes U+FFFD instead of failing."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    if "\\u0000" in text:
        return json.loads(text.replace("\\u0000", "\\ufffd"))
    return json.loads(text) if not isinstance(payload, dict) else payload


def reject_key(item: RejectedItem) -> str:
    data = json.dumps(
        [item.stage, item.article_id, item.url, item.reasons, item.payload],
        ensure_ascii=False, sort_keys=True, default=str,
    )
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- the load


def _checked(run_id: str, rows: Iterable[ArticleRow], current: dict[str, str]) -> Iterator[ArticleRow]:
    """The batch's articles as they stream into COPY, each checked (one row per id, parseable
    times) and recorded in ``current`` (id -> content hash). A bad row aborts the load."""
    for row in rows:
        if row.article_id in current:
            raise LoadError(f"run {run_id}: article {row.article_id} appears twice in the batch")
        for name in ("published_at", "updated_at", "fetched_at"):
            try:
                parse_time(getattr(row, name))
            except ValueError as err:
                raise LoadError(f"run {run_id}: article {row.article_id} {name}: {err}") from None
        current[row.article_id] = row.content_hash
        yield row


def _new_revisions(revisions: Iterable[RevisionRow], current: dict[str, str]) -> Iterator[RevisionRow]:
    """The revisions to stage: not those equal to their article's loaded content (``current``,
    filled by the time they stream), which merge_revisions.sql adds from stage_articles anyway."""
    return (r for r in revisions if current.get(r.article_id) != r.content_hash)


def _staged_values(articles: Iterable[ArticleRow], run_id: str) -> Iterator[list[Any]]:
    """Each article's STAGED_ARTICLE_COLUMNS values, with the batch's run id (keywords checked:
    COPY gets them as a text[] literal)."""
    values = operator.attrgetter(*STAGED_ARTICLE_COLUMNS)
    at = STAGED_ARTICLE_COLUMNS.index("run_id")
    tags = STAGED_ARTICLE_COLUMNS.index("keywords")
    for row in articles:
        staged = list(values(row))
        staged[at] = run_id
        keywords = staged[tags]
        if keywords and not (isinstance(keywords, (list, tuple)) and all(type(v) is str for v in keywords)):
            raise LoadError(f"run {run_id}: article {row.article_id} keywords must be a list of strings, "
                            f"not {keywords!r}")
        yield staged


# ---------------------------------------------------------------- the statements


SQL_DIR = Path(__file__).resolve().parent / "sql" / "load"
# Column lists the statements in SQL_DIR name as ${...}: they follow ARTICLE_COLUMNS
# (ground.core.schema), so the files never list the article's columns themselves.
_SQL_COLUMNS = {
    "staged_columns": _column_list(STAGED_ARTICLE_COLUMNS),
    "staged_columns_of_s": _column_list(STAGED_ARTICLE_COLUMNS, "s."),
    "assign_staged_columns": ", ".join(f"{c} = s.{c}" for c in map(_quoted, STAGED_ARTICLE_COLUMNS)),
    "compared_columns_of_a": _column_list(COMPARED_COLUMNS, "a."),
    "compared_columns_of_s": _column_list(COMPARED_COLUMNS, "s."),
    "set_on_insert_columns": _column_list(LOADER_SET_ON_INSERT),
}


@functools.cache
def _statement(name: str) -> str:
    """The load's statement ``name`` (storage/sql/load/<name>.sql), its column lists filled in;
    read once. Values are bound by the caller (``%(name)s`` parameters), never put in here."""
    return string.Template((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")).substitute(_SQL_COLUMNS)


def _execute(cur, name: str, params: dict[str, Any] | None = None) -> int:
    """Run statement ``name``; returns its row count."""
    cur.execute(_statement(name), params)
    return cur.rowcount


SEARCH_VECTORS_SQL = _statement("search_vectors")


def _run_time(batch: LoadBatch) -> datetime | None:
    """The batch's own clock (deterministic on reload): when the crawl finished/started."""
    if batch.stats is None:
        return None
    return parse_time(batch.stats.finished_at) or parse_time(batch.stats.started_at)


def _create_stage_tables(cur) -> None:
    """Staging tables for this transaction (create_stage_tables.sql says which and why)."""
    _execute(cur, "create_stage_tables")


def _stage(cur, batch: LoadBatch, articles: Iterable[ArticleRow], revisions: Iterable[RevisionRow]) -> None:
    """COPY the batch into the stage tables, one streamed COPY per table."""
    _copy(cur, STAGE_ARTICLES, STAGED_ARTICLE_COLUMNS, _staged_values(articles, batch.run_id), "article")
    _copy(
        cur, "stage_revisions", ("article_id", "content_hash", "title_raw", "body", "fetched_at"),
        ((r.article_id, r.content_hash, r.title_raw, r.body, r.fetched_at) for r in revisions),
        "revision",
    )
    _copy(
        cur, "stage_rejects", ("item_key", "article_id", "url", "reasons", "payload", "stage"),
        ((reject_key(r), r.article_id, r.url, list(r.reasons), _sanitize_payload(r.payload), r.stage)
         for r in batch.rejects),
        "rejected item",
    )
    _copy(
        cur, "stage_errors", ("url", "status", "error", "attempts", "at", "article_id"),
        ((e.url, e.status, e.error, e.attempts, e.at, e.article_id) for e in batch.errors),
        "crawl error",
    )
    _copy(
        cur, "stage_seen", ("article_id", "kst_date", "listed_at", "sources", "robots_denied"),
        ((v.article_id, v.kst_date, v.listed_at, v.sources, v.robots_denied) for v in batch.seen),
        "seen article",
    )
    _copy(cur, "stage_searched", ("kst_date", "source"), ((d.kst_date, d.source) for d in batch.searched),
          "searched day")
    cur.execute("ANALYZE yonhap_load.stage_articles")  # a new table has no statistics otherwise


def _pause_for_tests() -> None:
    raw = os.environ.get(PAUSE_AFTER_COPY_ENV)
    if raw:
        print(PAUSE_MARKER, file=sys.stderr, flush=True)
        time.sleep(float(raw))


@dataclass
class LoadResult:
    counts: dict[str, Any]  # ints, but freshness_p50_s / freshness_p95_s: float seconds or None
    loaded_ids: list[str]  # article ids this run loaded (written to the curated files)
    seconds: dict[str, float]  # per phase, for operators and bench/bench_load


# Inside load_batch: the batch's loaded rows (conflicting URLs removed), as a condition on yonhap.articles.
LOADED_ROWS_SQL = "article_id IN (SELECT article_id FROM yonhap_load.stage_articles)"


def load_batch(conn, batch: LoadBatch, *, after_articles: Callable[[Any, str], None] | None = None) -> LoadResult:
    """Load ``batch`` in one transaction on ``conn`` (committed on success, rolled back on any
    error). The crawl_runs row must exist or ``batch.stats`` be given.

    ``after_articles(cur, LOADED_ROWS_SQL)`` is called inside the transaction, with the load's
    cursor, once the articles are merged and final, when some were inserted or updated (the
    curated files are read there: parquet.EncodedBeforeCommit)."""
    load_articles = batch.gate.success
    run_id, run_time = batch.run_id, _run_time(batch)
    counts: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = round(now - clock, 3)
        clock = now

    current: dict[str, str] = {}  # filled while the articles stream into COPY
    articles = _checked(run_id, batch.articles if load_articles else (), current)
    revisions = _new_revisions(batch.revisions if load_articles else (), current)
    conn.set_client_encoding("UTF8")  # the COPY text is sent as UTF-8
    with conn:
        with conn.cursor() as cur:
            cur.execute("SET LOCAL statement_timeout = 0")
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (LOAD_LOCK_KEY,))
            sites.check_run(cur, run_id, batch.site)  # test-site pages never reach a live database
            lap("lock")
            _create_stage_tables(cur)
            _stage(cur, batch, articles, revisions)
            lap("copy")
            _pause_for_tests()
            _ensure_run_row(cur, batch)
            counts["url_conflicts"] = _execute(cur, "reject_url_conflicts")
            counts["search_vectors"] = _compute_search_vectors(cur)
            lap("search_vectors")
            inserted, updated = _merge_articles(cur, run_id, run_time)
            counts["inserted"], counts["updated"] = inserted, updated
            counts["touched_not_modified"] = _touch_not_modified(cur, batch, run_time)
            counts.update(_freshness_of_run(cur, run_id))
            lap("merge_articles")
            if after_articles is not None and (inserted or updated):
                after_articles(cur, LOADED_ROWS_SQL)
                lap("read_curated")
            counts["revisions_added"] = _execute(cur, "merge_revisions", {"run_id": run_id, "run_time": run_time})
            lap("merge_revisions")
            counts["rejects_changed"] = (_execute(cur, "delete_replaced_rejects", {"run_id": run_id})
                                         + _execute(cur, "insert_rejects", {"run_id": run_id, "run_time": run_time}))
            counts["errors_changed"] = (_execute(cur, "delete_replaced_errors", {"run_id": run_id})
                                        + _execute(cur, "merge_errors", {"run_id": run_id}))
            counts["errors_resolved"] = _resolve_errors(cur, batch, run_time)
            counts["seen_changed"] = _execute(cur, "merge_seen", {"run_id": run_id, "run_time": run_time,
                                                                  "default_edition": DEFAULT_EDITION})
            counts["searched_changed"] = _execute(cur, "merge_searched", {"run_id": run_id, "run_time": run_time})
            counts.update(_completeness_of_run(cur, run_id))
            cur.execute("SELECT count(*), count(duplicate_of) FROM yonhap_load.stage_articles")
            loaded, duplicates = cur.fetchone()
            cur.execute("SELECT count(*) FROM yonhap.rejected_items WHERE run_id = %s", (run_id,))
            (rejected,) = cur.fetchone()
            counts.update(loaded=loaded, duplicates=duplicates, rejected=rejected)
            counts["run_row_changed"] = int(_finish_run_row(cur, batch, counts))
            cur.execute("SELECT article_id FROM yonhap_load.stage_articles ORDER BY article_id")
            loaded_ids = [r for (r,) in cur.fetchall()]
            cur.execute(f"DROP TABLE {STAGE_ARTICLES}")
            lap("merge_rest")
    lap("commit")
    return LoadResult(counts, loaded_ids, seconds)


def merge_search_index(conn) -> int:
    """Merge the full-text index's pending list into the index (a load puts its entries there;
    entries of a transaction still running are merged too: index entries are not visibility
    checked). Returns the pages merged. Idempotent, and safe alongside loads and searches;
    if it never runs, autovacuum does the same later."""
    with conn:
        with conn.cursor() as cur:
            cur.execute("SET LOCAL statement_timeout = 0")
            cur.execute("SELECT gin_clean_pending_list(%s::regclass)", (SEARCH_INDEX,))
            (pages,) = cur.fetchone()
    return int(pages)


def _ensure_run_row(cur, batch: LoadBatch) -> None:
    cur.execute("SELECT 1 FROM yonhap.crawl_runs WHERE run_id = %s", (batch.run_id,))
    if cur.fetchone() is not None:
        return
    if batch.stats is None:
        raise LoadError(f"run {batch.run_id}: no crawl_runs row and no crawl stats to create it from")
    stats = batch.stats
    _execute(cur, "insert_run_row", {
        "run_id": batch.run_id, "window_start": stats.window_start, "window_end": stats.window_end,
        "started_at": stats.started_at, "site": site_root(batch.site) if batch.site else None,
    })


def _compute_search_vectors(cur) -> int:
    """search_vector for every staged row that is new or whose title or body changed, in ONE
    parallel query (French to_tsvector dominates a bulk load's CPU; PostgreSQL will not run
    it in parallel inside an INSERT, but does in CREATE TABLE AS). The session setting tells
    the articles trigger (migration 0002) that the loader supplies the vectors."""
    cur.execute("SET LOCAL yonhap.search_vector_from_loader = 'on'")
    cur.execute(SEARCH_VECTORS_SQL)
    count = cur.rowcount
    cur.execute("ANALYZE stage_vectors")
    return count


def _merge_articles(cur, run_id: str, run_time: datetime | None) -> tuple[int, int]:
    """(inserted, updated). Existing ids are UPDATEd first, so the rows the INSERT then adds
    are never compared (update_articles.sql, insert_articles.sql)."""
    updated = _execute(cur, "update_articles", {"run_time": run_time})
    return _execute(cur, "insert_articles", {"run_time": run_time, "run_id": run_id}), updated


def _freshness_of_run(cur, run_id: str) -> dict[str, Any]:
    """``fresh_articles`` (articles the run first loaded, by any load of it: a rerun finds the
    same) and the p50 / p95 of their publication -> load lag in seconds (None when it first
    loaded none, or none of them has a published_at). One aggregate (index on loaded_by_run)."""
    _execute(cur, "freshness_of_run", {"run_id": run_id})
    fresh, p50, p95 = cur.fetchone()
    return {"fresh_articles": fresh, "freshness_p50_s": p50, "freshness_p95_s": p95}


def _touch_not_modified(cur, batch: LoadBatch, run_time: datetime | None) -> int:
    ids = list(batch.stats.not_modified_ids) if batch.stats else []
    if not ids or run_time is None:
        return 0
    return _execute(cur, "touch_not_modified", {"run_time": run_time, "ids": ids})


def _resolve_errors(cur, batch: LoadBatch, run_time: datetime | None) -> int:
    """Earlier failed fetches of an article that this run fetched fine are resolved."""
    fetched_ok = list(batch.stats.not_modified_ids) if batch.stats else []
    fetched_ok += [r.article_id for r in batch.rejects if r.article_id]
    return _execute(cur, "resolve_errors", {"run_time": run_time, "ids": fetched_ok})


def _completeness_of_run(cur, run_id: str) -> dict[str, Any]:
    """The ledger over the run's window's KST days, as it stands inside this load:
    ``seen``, ``unaccounted`` and, per day with a gap, up to five unaccounted ids."""
    _execute(cur, "completeness_of_run", {"run_id": run_id})
    days = cur.fetchall()
    gaps = {d.isoformat(): {"unaccounted": n, "ids": list(ids or [])} for d, _seen, n, ids in days if n}
    return {"seen": sum(r[1] for r in days), "unaccounted": sum(r[2] for r in days), "unaccounted_days": gaps}


def _finish_run_row(cur, batch: LoadBatch, counts: dict[str, Any]) -> bool:
    from psycopg2.extras import Json  # lazy: DAG parsing and --help never need psycopg2

    gate, stats = batch.gate, batch.stats
    status, message = loaded_outcome(gate, stats)
    values = {
        "status": status,
        "pages": stats.pages if stats else 0,
        "items": stats.items if stats else 0,
        "loaded": counts["loaded"],
        "rejected": counts["rejected"],
        "duplicates": counts["duplicates"],
        "errors": len({e.url for e in batch.errors}),
        "not_modified": stats.not_modified if stats else 0,
        "quality_success": gate.success,
        "quality_report_uri": gate.report_uri,
        "message": message,
        "stats": Json({"crawl": stats.to_dict() if stats else None, "gate": gate.to_dict()}),
        "freshness_p50_s": counts["freshness_p50_s"],
        "freshness_p95_s": counts["freshness_p95_s"],
        "seen": counts["seen"],
        "unaccounted": counts["unaccounted"],
    }
    return _execute(cur, "finish_run_row", {**values, "run_id": batch.run_id}) > 0
