"""Curated Parquet: the loaded rows of a run, as stored after the commit.

Key: ``curated/articles/dt=YYYY-MM-DD/<run_id>.parquet``; ``dt`` is the KST publication date
(the date in the article id when published_at is missing). One file per date the run
touched; a rewrite replaces the file (idempotent). Columns: :data:`COLUMNS` (ground.core.schema.ARTICLE_COLUMNS,
then the loader's ``loaded_at`` and ``loaded_by_run``: the table's columns but search_vector, in
table order); times are ``timestamp[us, UTC]``; ``images`` and ``field_sources`` are JSON text
(readable as-is by DuckDB, pandas, Spark); ``keywords`` is a ``list<string>`` (empty list when
the article has no tags). zstd-compressed.

Put after the load commits (read and encoded inside its transaction, EncodedBeforeCommit); a
run whose row says loaded but ``curated_written`` is false (crash in between) is written by
:func:`reconcile` on the next load.
"""

from __future__ import annotations

import io
import logging
import threading
from collections import defaultdict
from datetime import date

import msgspec

from ground.adapters import s3, staging
from ground.core.config import Settings
from ground.core.schema import ARTICLE_COLUMNS
from ground.core.timeutil import KST, article_date, to_kst
from storage.load import LOADER_SET_ON_INSERT
from storage.runs import STATUS_SUCCEEDED

log = logging.getLogger(__name__)
PREFIX = "curated/articles"
# The table's order: migration 0005 appended loaded_at, loaded_by_run; 0007 then edition; 0010 is_table;
# 0011 source, captured_at.
_APPENDED = ("edition", "is_table", "source", "captured_at")
COLUMNS = (*(c for c in ARTICLE_COLUMNS if c not in _APPENDED), *LOADER_SET_ON_INSERT, *_APPENDED)
_TIME_COLUMNS = {"published_at", "updated_at", "first_seen_at", "last_seen_at", "fetched_at", "loaded_at",
                 "captured_at"}
_JSON_COLUMNS = {"images", "field_sources"}
_INT_COLUMNS = {"word_count"}
_BOOL_COLUMNS = {"is_routine", "is_table"}
_LIST_COLUMNS = {"keywords"}  # text[] in PostgreSQL, list<string> in Parquet


def schema():
    import pyarrow as pa  # lazy: ~0.13 s; DAG parsing and --help never need it

    def arrow_type(name: str):
        if name in _TIME_COLUMNS:
            return pa.timestamp("us", tz="UTC")
        if name in _INT_COLUMNS:
            return pa.int32()
        if name in _BOOL_COLUMNS:
            return pa.bool_()
        if name in _LIST_COLUMNS:
            return pa.list_(pa.string())
        return pa.string()

    return pa.schema([pa.field(c, arrow_type(c)) for c in COLUMNS])


def key_for(run_id: str, day: date) -> str:
    return f"{PREFIX}/dt={day:%Y-%m-%d}/{run_id}.parquet"


def partition_dates(table) -> list[date]:
    """Each row's ``dt``: its KST publication date; without one, the date in its article id;
    else the KST date it was fetched (or first seen). Vectorised: the common case is a few
    Arrow kernels, not 50k Python datetimes."""
    import pyarrow as pa  # lazy: as in schema()
    import pyarrow.compute as pc  # lazy: as in schema()

    published = table.column("published_at").cast(pa.timestamp("us", tz=KST.key))
    days = pc.cast(pc.local_timestamp(published), pa.date32()).to_pylist()
    for index in [i for i, day in enumerate(days) if day is None]:
        row = table.slice(index, 1).to_pylist()[0]
        days[index] = article_date(row["article_id"]) or to_kst(row["fetched_at"] or row["first_seen_at"]).date()
    return days


def copy_rows_csv(cur, where: str, params: tuple = ()) -> bytes:
    """The stored rows matching ``where`` (SQL over yonhap.articles, ``params`` bound by
    psycopg2 as in execute()) as CSV, ordered by article_id: PostgreSQL writes it (COPY) and
    Arrow parses it in C++ (table_from_csv; building Python tuples first took twice as long).
    Runs on ``cur``'s transaction, so a load can read its own rows before its commit. Times
    are written in UTC whatever the session's TimeZone; jsonb columns as their JSON text;
    text[] columns as a JSON array, NULL (nothing) when empty, the common case."""
    from psycopg2 import sql  # lazy: DAG parsing and --help never need psycopg2

    def column(name: str):
        if name in _JSON_COLUMNS:
            return sql.SQL("{}::text").format(sql.Identifier(name))
        if name in _LIST_COLUMNS:
            return sql.SQL("CASE WHEN cardinality({0}) > 0 THEN array_to_json({0})::text END").format(
                sql.Identifier(name))
        if name in _TIME_COLUMNS:
            return sql.SQL("""to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""").format(
                sql.Identifier(name))
        return sql.Identifier(name)

    query = sql.SQL(
        "COPY (SELECT {} FROM yonhap.articles WHERE {} ORDER BY article_id) TO STDOUT WITH (FORMAT csv)"
    ).format(sql.SQL(", ").join(map(column, COLUMNS)), sql.SQL(where))
    sink = io.BytesIO()
    # COPY takes no server-side parameters: psycopg2 binds them client-side, as execute() does.
    cur.copy_expert(cur.mogrify(query, params).decode(), sink, size=1 << 20)
    return sink.getvalue()


def table_from_csv(data: bytes):
    """copy_rows_csv's output as an Arrow table of schema()."""
    import pyarrow as pa  # lazy: as in schema()
    import pyarrow.csv as csv  # lazy: as in schema()

    if not data:
        return schema().empty_table()  # Arrow refuses an empty CSV file
    target = schema()
    as_read = pa.schema([pa.field(f.name, pa.string()) if f.name in _LIST_COLUMNS else f for f in target])
    table = csv.read_csv(
        pa.BufferReader(data),
        read_options=csv.ReadOptions(column_names=list(COLUMNS)),
        parse_options=csv.ParseOptions(newlines_in_values=True),
        convert_options=csv.ConvertOptions(
            column_types=as_read,
            null_values=[""],  # COPY writes NULL as nothing and an empty string as ""
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )
    for name in _LIST_COLUMNS:
        index = table.schema.get_field_index(name)
        table = table.set_column(index, target.field(name), _json_lists(table.column(index)))
    return table


def _json_lists(column):
    """A string column of JSON arrays (null = empty) as list<string>: one msgspec decode for
    the whole column (most rows have no tags: null, skipped cheaply)."""
    import pyarrow as pa  # lazy: as in schema()

    texts = column.to_pylist()
    decoded = msgspec.json.decode("[" + ",".join(t if t is not None else "[]" for t in texts) + "]") if texts else []
    return pa.chunked_array([pa.array(decoded, type=pa.list_(pa.string()))])


def fetch_table(conn, article_ids: list[str]):
    """The rows of ``article_ids`` as stored (committed), an Arrow table of schema()."""
    with conn:
        with conn.cursor() as cur:
            data = copy_rows_csv(cur, "article_id = ANY(%s)", (list(article_ids),))
    return table_from_csv(data)


def encode(table) -> bytes:
    import pyarrow.parquet as pq  # lazy: as in schema()

    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def files_of(run_id: str, table) -> list[tuple[str, bytes]]:
    """The run's curated files (key, Parquet bytes), one per publication date in ``table``."""
    import pyarrow as pa  # lazy: as in schema()

    by_day: dict[date, list[int]] = defaultdict(list)
    for index, day in enumerate(partition_dates(table)):
        by_day[day].append(index)
    return [(key_for(run_id, day), encode(table.take(pa.array(indices)))) for day, indices in sorted(by_day.items())]


def put_files(settings: Settings, conn, run_id: str, files: list[tuple[str, bytes]]) -> list[str]:
    """Put the run's curated files and record them on its crawl_runs row; returns their URIs."""
    uris = [s3.put_bytes(settings, k, data, "application/vnd.apache.parquet") for k, data in files]
    with conn:
        with conn.cursor() as cur:
            cur.execute(
                """
                UPDATE yonhap.crawl_runs SET curated_written = true, curated_uris = %s
                WHERE run_id = %s AND (curated_written, curated_uris) IS DISTINCT FROM (true, %s::text[])
                """,
                (uris, run_id, uris),
            )
    return uris


def write_run(settings: Settings, conn, run_id: str, article_ids: list[str]) -> list[str]:
    """Write the run's curated files from the committed rows and record them; returns URIs."""
    return put_files(settings, conn, run_id, files_of(run_id, fetch_table(conn, article_ids)))


class EncodedBeforeCommit:
    """A run's curated files made inside its load transaction, put after the commit: ``start``
    (load_batch's after_articles hook) copies the merged rows out as CSV, then a thread parses
    and encodes them while PostgreSQL merges the revisions, so that after the commit only the
    puts remain (making them there took 4-5 s per 50k articles). The rows read are the ones
    committed: nothing changes them later in the load, and the load lock keeps other loads out.

    ``files()`` waits for the thread; None when never started or failed (logged), in which
    case the caller writes the files from the committed rows as before."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self._thread = None
        self._files: list[tuple[str, bytes]] | None = None

    def start(self, cur, where: str) -> None:
        """Copy the rows out on the load's cursor, then encode them on a thread. A failure
        here is logged and undone (savepoint): it must not fail the load."""
        import psycopg2  # lazy: as in copy_rows_csv()

        cur.execute("SAVEPOINT curated_read")
        try:
            data = copy_rows_csv(cur, where)
        except psycopg2.Error as err:
            cur.execute("ROLLBACK TO SAVEPOINT curated_read")
            log.warning("run %s: curated rows not read before the commit (made after it): %s", self.run_id, err)
            return
        cur.execute("RELEASE SAVEPOINT curated_read")
        self._thread = threading.Thread(target=self._encode, args=(data,), name="curated-encoder", daemon=True)
        self._thread.start()

    def _encode(self, data: bytes) -> None:
        try:
            self._files = files_of(self.run_id, table_from_csv(data))
        except Exception as err:  # noqa: BLE001 -- the files are then made after the commit
            log.warning("run %s: curated files not encoded before the commit (made after it): %s",
                        self.run_id, err)

    def files(self) -> list[tuple[str, bytes]] | None:
        if self._thread is None:
            return None
        self._thread.join()
        return self._files


def written_uris(conn, run_id: str) -> list[str] | None:
    """The run's recorded curated files, or None when they were never written."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT curated_uris FROM yonhap.crawl_runs WHERE run_id = %s AND curated_written", (run_id,)
        )
        row = cur.fetchone()
    return list(row[0] or []) if row else None


def pending_runs(conn, exclude: str | None = None, limit: int = 20) -> list[str]:
    """Runs that loaded rows but whose curated files were never written (crash after commit)."""
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT run_id FROM yonhap.crawl_runs
            WHERE status = %s AND loaded > 0 AND NOT curated_written
              AND run_id IS DISTINCT FROM %s
            ORDER BY started_at, run_id LIMIT %s
            """,
            (STATUS_SUCCEEDED, exclude, limit),
        )
        return [r for (r,) in cur.fetchall()]


def run_article_ids(settings: Settings, conn, run_id: str) -> list[str]:
    """The run's loaded ids: its staged PASSED rows still owned by the run, else every
    article the run last changed."""
    with conn.cursor() as cur:
        if s3.exists(settings, staging.key(run_id, staging.PASSED)):
            ids = [r["article_id"] for r in staging.read_jsonl(settings, run_id, staging.PASSED)]
            cur.execute(
                "SELECT article_id FROM yonhap.articles WHERE article_id = ANY(%s) AND run_id = %s",
                (ids, run_id),
            )
        else:
            cur.execute("SELECT article_id FROM yonhap.articles WHERE run_id = %s", (run_id,))
        return [r for (r,) in cur.fetchall()]


def reconcile(settings: Settings, conn, exclude: str | None = None) -> list[str]:
    """Write the curated files of runs that missed them; returns those run ids."""
    done = []
    for run_id in pending_runs(conn, exclude):
        write_run(settings, conn, run_id, run_article_ids(settings, conn, run_id))
        done.append(run_id)
    return done
