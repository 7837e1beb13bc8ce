"""Curated Parquet: the loaded rows of a run, as stored after the commit.

Key: ``curated/articles/dt=YYYY-MM-DD/<run_id>.parquet``; ``dt`` is the KST publication date
(the date in the article id when published_at is missing). One file per date the run
touched; a rewrite replaces the file (idempotent). Columns: yonhap.schema.ARTICLE_COLUMNS in
that order; times are ``timestamp[us, UTC]``; ``images`` and ``field_sources`` are JSON text
(readable as-is by DuckDB, pandas, Spark). zstd-compressed.

Written after the load commits; a run whose row says loaded but ``curated_written`` is false
(crash in between) is written by :func:`reconcile` on the next load.
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date

from storage.runs import STATUS_SUCCEEDED
from yonhap import s3
from yonhap.config import Settings
from yonhap.schema import ARTICLE_COLUMNS
from yonhap.timeutil import KST, article_date, to_kst

PREFIX = "curated/articles"
_TIME_COLUMNS = {"published_at", "updated_at", "first_seen_at", "last_seen_at", "fetched_at"}
_JSON_COLUMNS = {"images", "field_sources"}
_INT_COLUMNS = {"word_count"}
_BOOL_COLUMNS = {"is_routine"}


def schema():
    import pyarrow as pa

    def arrow_type(name: str):
        if name in _TIME_COLUMNS:
            return pa.timestamp("us", tz="UTC")
        if name in _INT_COLUMNS:
            return pa.int32()
        if name in _BOOL_COLUMNS:
            return pa.bool_()
        return pa.string()

    return pa.schema([pa.field(c, arrow_type(c)) for c in ARTICLE_COLUMNS])


def key_for(run_id: str, day: date) -> str:
    return f"{PREFIX}/dt={day:%Y-%m-%d}/{run_id}.parquet"


def partition_dates(table) -> list[date]:
    """Each row's ``dt``: its KST publication date; without one, the date in its article id;
    else the KST date it was fetched (or first seen). Vectorised: the common case is a few
    Arrow kernels, not 50k Python datetimes."""
    import pyarrow as pa
    import pyarrow.compute as pc

    published = table.column("published_at").cast(pa.timestamp("us", tz=KST.key))
    days = pc.cast(pc.local_timestamp(published), pa.date32()).to_pylist()
    for index in [i for i, day in enumerate(days) if day is None]:
        row = table.slice(index, 1).to_pylist()[0]
        days[index] = article_date(row["article_id"]) or to_kst(row["fetched_at"] or row["first_seen_at"]).date()
    return days


def fetch_table(conn, article_ids: list[str]):
    """The rows as stored, as an Arrow table of schema() ordered by article_id: PostgreSQL
    writes them as CSV (COPY) and Arrow parses that in C++ (building Python tuples first took
    twice as long). jsonb columns come back as their JSON text."""
    import pyarrow.csv as csv
    from psycopg2 import sql

    select = sql.SQL(", ").join(
        sql.SQL("{}::text").format(sql.Identifier(c)) if c in _JSON_COLUMNS else sql.Identifier(c)
        for c in ARTICLE_COLUMNS
    )
    query = sql.SQL(
        "COPY (SELECT {} FROM yonhap.articles WHERE article_id = ANY(%s) ORDER BY article_id) "
        "TO STDOUT WITH (FORMAT csv)"
    ).format(select)
    sink = io.BytesIO()
    with conn:
        with conn.cursor() as cur:
            cur.execute("SET LOCAL TimeZone = 'UTC'")  # times as "…+00", which Arrow reads
            # COPY takes no server-side parameters: psycopg2 binds the ids client-side, exactly
            # as it does for execute().
            cur.copy_expert(cur.mogrify(query, (list(article_ids),)).decode(), sink, size=1 << 20)
    if not sink.tell():
        return schema().empty_table()  # Arrow refuses an empty CSV file
    sink.seek(0)
    return csv.read_csv(
        sink,
        read_options=csv.ReadOptions(column_names=list(ARTICLE_COLUMNS)),
        parse_options=csv.ParseOptions(newlines_in_values=True),
        convert_options=csv.ConvertOptions(
            column_types=schema(),
            null_values=[""],  # COPY writes NULL as nothing and an empty string as ""
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )


def encode(table) -> bytes:
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def write_run(settings: Settings, conn, run_id: str, article_ids: list[str]) -> list[str]:
    """Write the run's curated files and record them on its crawl_runs row; returns URIs."""
    import pyarrow as pa

    table = fetch_table(conn, article_ids)
    by_day: dict[date, list[int]] = defaultdict(list)
    for index, day in enumerate(partition_dates(table)):
        by_day[day].append(index)
    uris = [
        s3.put_bytes(settings, key_for(run_id, day), encode(table.take(pa.array(indices))),
                     "application/vnd.apache.parquet")
        for day, indices in sorted(by_day.items())
    ]
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
    from yonhap import staging

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
