"""Helpers for the storage tests: stage a batch (storage.synthetic.stage_batch) and
snapshot tables (with xmin, so any row rewrite shows)."""

from __future__ import annotations

from storage.synthetic import stage_batch  # noqa: F401  (re-exported for the tests)

TABLE_KEYS = {
    "articles": "article_id",
    "article_revisions": "article_id, revision",
    "crawl_runs": "run_id",
    "rejected_items": "run_id, item_key",
    "crawl_errors": "run_id, url",
}


def snapshot(conn) -> dict[str, list[tuple]]:
    """Every row of every table, with xmin (changes when a row is rewritten)."""
    out = {}
    with conn.cursor() as cur:
        for table, order in TABLE_KEYS.items():
            cur.execute(f"SELECT xmin::text, t::text FROM yonhap.{table} t ORDER BY {order}")  # noqa: S608 (fixed names)
            out[table] = cur.fetchall()
    conn.rollback()
    return out


def one(conn, query, params=()):
    with conn.cursor() as cur:
        cur.execute(query, params)
        row = cur.fetchone()
    conn.rollback()
    return row


def rows(conn, query, params=()):
    with conn.cursor() as cur:
        cur.execute(query, params)
        out = cur.fetchall()
    conn.rollback()
    return out
