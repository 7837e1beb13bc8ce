"""Read helpers other stages need from ``yonhap`` (conn = psycopg2 connection).

They only read; values come back as Python types (tz-aware datetimes, dicts for jsonb).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ground.core.editions import DEFAULT_EDITION
from ground.core.editions import edition as edition_profile
from ground.core.timeutil import Window

# A URL that failed in this many runs is given up on (list pages are never "resolved" by an
# article load; without a cap they would be retried forever).
MAX_ERROR_RUNS = 5

# What story linking and dedupe compare (transforms/pipeline.py reads these keys).
LINKING_COLUMNS = (
    "article_id", "url", "title", "title_raw", "version_label", "story_id", "duplicate_of",
    "section", "published_at", "updated_at", "body", "word_count", "content_hash", "is_routine", "is_table",
)

RUN_COLUMNS = (
    "run_id", "kind", "window_start", "window_end", "started_at", "finished_at", "status",
    "pages", "items", "loaded", "rejected", "duplicates", "errors", "not_modified",
    "quality_success", "quality_report_uri", "message", "curated_written",
)


def _dicts(cur) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def validators_for(conn, window: Window, edition: str = DEFAULT_EDITION) -> dict[str, dict]:
    """{article_id: {"etag", "last_modified", "raw_uri"}} for stored articles of ``edition``
    published in the window (for conditional requests; scrapers.archive checks the raw_uri is
    still readable). Rows from a web archive are left out: the site's own copy is fetched in
    full once, so the row then says it came from the site (migration 0011)."""
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT article_id, etag, last_modified, raw_uri FROM yonhap.articles
            WHERE published_at >= %s AND published_at < %s AND edition = %s
              AND (etag IS NOT NULL OR last_modified IS NOT NULL) AND source = 'site'
            """,
            (window.start, window.end, edition),
        )
        return {aid: {"etag": etag, "last_modified": lm, "raw_uri": raw} for aid, etag, lm, raw in cur.fetchall()}


def articles_per_day(conn, window: Window, edition: str = DEFAULT_EDITION) -> dict[str, int]:
    """{KST date 'YYYY-MM-DD': stored articles of ``edition`` published that day} inside the
    window (what a reprocess of the window should find in the raw archive)."""
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT to_char(published_at AT TIME ZONE 'Asia/Seoul', 'YYYY-MM-DD') AS day, count(*)
            FROM yonhap.articles WHERE published_at >= %s AND published_at < %s AND edition = %s GROUP BY 1
            """,
            (window.start, window.end, edition),
        )
        return dict(cur.fetchall())


def _select(conn, columns: tuple[str, ...], rest: str, params: tuple) -> list[dict[str, Any]]:
    """``SELECT <columns> <rest>`` as dicts; ``rest`` is a constant FROM … clause."""
    from psycopg2 import sql  # lazy: DAG parsing and --help never need psycopg2

    query = sql.SQL("SELECT {} {}").format(sql.SQL(", ").join(map(sql.Identifier, columns)), sql.SQL(rest))
    with conn.cursor() as cur:
        cur.execute(query, params)
        return _dicts(cur)


def articles_for_linking(conn, start: datetime, end: datetime, edition: str = DEFAULT_EDITION) -> list[dict]:
    """Stored articles of ``edition`` published in [start, end), for story linking and dedupe
    (a story never spans editions)."""
    return _select(conn, LINKING_COLUMNS, "FROM yonhap.articles WHERE published_at >= %s AND published_at < %s "
                   "AND edition = %s ORDER BY published_at, article_id", (start, end, edition))


def run_history(conn, before: datetime, limit: int = 200, edition: str = DEFAULT_EDITION) -> list[dict]:
    """The latest ``limit`` runs of ``edition`` whose window starts before ``before`` (newest
    first): the volume band compares a run with its own edition's history."""
    return _select(conn, RUN_COLUMNS, "FROM yonhap.crawl_runs WHERE window_start < %s AND edition = %s "
                   "ORDER BY window_start DESC, started_at DESC LIMIT %s", (before, edition, limit))


def run_rows(conn, run_ids: list[str], *, partitions: bool = False) -> list[dict[str, Any]]:
    """The crawl_runs rows of ``run_ids`` (in that order; unknown ids are left out) with the
    200 and 304 answer counts of their crawl and its site-health verdict, for run summaries,
    notes and alerts. ``partitions``: also the runs whose id starts with one of ``run_ids``
    followed by ``__`` (a DAG run's days: ``backfill__<dag run>__<day>``), by window."""
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT r.run_id, r.kind, r.status, r.window_start, r.window_end, r.pages, r.items, r.loaded,
                   r.rejected, r.duplicates, r.errors, r.not_modified, r.seen, r.unaccounted,
                   r.quality_success, r.quality_report_uri, r.message,
                   -- a reprocess sends no request: its pages are the archive's 200 responses
                   CASE WHEN r.kind = 'reprocess' THEN coalesce(r.pages, 0)
                        ELSE coalesce((r.stats #>> '{crawl,scrapy_stats,downloader/response_status_count/200}')::int, 0)
                   END AS pages_200,
                   coalesce((r.stats #>> '{crawl,scrapy_stats,downloader/response_status_count/304}')::int, 0)
                       AS pages_304,
                   r.stats #>> '{crawl,site_health}' AS site_health,
                   r.stats #> '{crawl,archive}' AS archive  -- web archive figures (--source archive|auto)
            FROM yonhap.crawl_runs r
            JOIN unnest(%s::text[]) WITH ORDINALITY AS w(run_id, n)
              ON r.run_id = w.run_id OR (%s AND starts_with(r.run_id, w.run_id || '__'))
            ORDER BY w.n, r.window_start, r.run_id
            """,
            (list(run_ids), partitions),
        )
        return _dicts(cur)


def completeness_totals(conn, first_day, last_day, edition: str = DEFAULT_EDITION) -> dict[str, int]:
    """yonhap.daily_completeness of ``edition`` summed over the KST days [first_day, last_day]."""
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT coalesce(sum(seen), 0)::int, coalesce(sum(loaded), 0)::int, coalesce(sum(duplicates), 0)::int,
                   coalesce(sum(rejected), 0)::int, coalesce(sum(failed), 0)::int, coalesce(sum(denied), 0)::int,
                   coalesce(sum(unaccounted), 0)::int
            FROM yonhap.daily_completeness WHERE kst_date BETWEEN %s AND %s AND edition = %s
            """,
            (first_day, last_day, edition),
        )
        names = ("seen", "loaded", "duplicates", "rejected", "failed", "denied", "unaccounted")
        return dict(zip(names, cur.fetchone(), strict=True))


def unaccounted_ids(conn, first_day, last_day, limit: int = 5, edition: str = DEFAULT_EDITION) -> dict[str, list[str]]:
    """Per KST day in [first_day, last_day] with ledger gaps of ``edition``: up to ``limit``
    unaccounted ids."""
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT kst_date::text, (array_agg(article_id ORDER BY article_id))[1:%s]
            FROM yonhap.article_completeness
            WHERE status = 'unaccounted' AND kst_date BETWEEN %s AND %s AND edition = %s
            GROUP BY kst_date ORDER BY kst_date
            """,
            (limit, first_day, last_day, edition),
        )
        return {day: list(ids) for day, ids in cur.fetchall()}


def pending_error_urls(conn, limit: int = 1000, edition: str = DEFAULT_EDITION) -> list[str]:
    """URLs whose fetch failed in a run of ``edition`` and has not succeeded since (most recent
    failure first): a run retries its own site's failures only."""
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT e.url FROM yonhap.crawl_errors e
            JOIN yonhap.crawl_runs r ON r.run_id = e.run_id AND r.edition = %s
            WHERE e.resolved_at IS NULL
            GROUP BY e.url
            HAVING count(DISTINCT e.run_id) < %s
            ORDER BY max(e.at) DESC, e.url
            LIMIT %s
            """,
            (edition, MAX_ERROR_RUNS, limit),
        )
        return [url for (url,) in cur.fetchall()]


def broken_pages(conn, edition: str = DEFAULT_EDITION) -> dict[str, Any]:
    """Article ids of ``edition`` whose pages are broken and not loaded since, with the time they
    first were: a fetch that failed after retries and is not resolved (crawl_errors), or a page
    quarantined as truncated (rejected_items). The crawl fetches each at most once a run and the
    ingest stops asking after a day (pipeline.run.stages.broken_page_plan)."""
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT b.article_id, min(b.since) FROM (
                SELECT e.article_id, e.at AS since FROM yonhap.crawl_errors e
                JOIN yonhap.crawl_runs r ON r.run_id = e.run_id AND r.edition = %(edition)s
                WHERE e.resolved_at IS NULL AND e.article_id IS NOT NULL
                UNION ALL
                SELECT j.article_id, j.rejected_at FROM yonhap.rejected_items j
                JOIN yonhap.crawl_runs r ON r.run_id = j.run_id AND r.edition = %(edition)s
                WHERE j.article_id IS NOT NULL AND array_to_string(j.reasons, ' ') LIKE '%%truncated%%'
            ) b
            WHERE NOT EXISTS (SELECT 1 FROM yonhap.articles a WHERE a.article_id = b.article_id)
            GROUP BY b.article_id
            """,
            {"edition": edition},
        )
        return dict(cur.fetchall())


def claim_notice(conn, notice: str, run_id: str, detail: str | None = None) -> bool:
    """Whether run ``run_id`` shows the once-per-install ``notice`` (yonhap.install_notices):
    the first run to ask takes it, and a rerun of that run keeps it. The one write here (the
    caller commits); concurrent first runs race on the primary key, so only one shows it."""
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO yonhap.install_notices (notice, first_run_id, detail) VALUES (%s, %s, %s) "
            "ON CONFLICT (notice) DO NOTHING",
            (notice, run_id, detail),
        )
        cur.execute("SELECT first_run_id FROM yonhap.install_notices WHERE notice = %s", (notice,))
        return cur.fetchone()[0] == run_id


def stored_captures(conn, window: Window, edition: str = DEFAULT_EDITION) -> dict[str, dict]:
    """{article_id: {"source", "captured_at", "fetched_at", "raw_uri"}} of the stored articles of
    ``edition`` whose id's KST day is in the window (an archive run does not fetch a capture
    it already has, nor one older than the stored content)."""
    days = window.kst_dates()
    prefix = edition_profile(edition).id_prefix
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT article_id, source, captured_at, fetched_at, raw_uri FROM yonhap.articles
            WHERE edition = %s AND article_id >= %s AND article_id < %s
            """,
            (edition, f"{prefix}{days[0]:%Y%m%d}", f"{prefix}{days[-1]:%Y%m%d}~"),
        )
        rows = cur.fetchall()
    wanted = {f"{d:%Y%m%d}" for d in days}
    return {aid: {"source": source, "captured_at": captured, "fetched_at": fetched, "raw_uri": raw}
            for aid, source, captured, fetched, raw in rows if aid[3:11] in wanted}
