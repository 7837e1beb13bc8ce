"""Helpers for the storage tests: stage a batch in S3 like the upstream stages do, and
snapshot tables (with xmin, so any row rewrite shows)."""

from __future__ import annotations

from storage import synthetic
from yonhap import staging

TABLE_KEYS = {
    "articles": "article_id",
    "article_revisions": "article_id, revision",
    "crawl_runs": "run_id",
    "rejected_items": "run_id, item_key",
    "crawl_errors": "run_id, url",
}


def stage_batch(settings, run_id, rows, *, revisions=None, rejects=(), transform_rejects=(), errors=(),
                stats=None, gate=None):
    staging.write_jsonl(settings, run_id, staging.PASSED, (r.to_dict() for r in rows))
    revs = [synthetic.revision_of(r) for r in rows] if revisions is None else revisions
    staging.write_jsonl(settings, run_id, staging.REVISIONS, (r.to_dict() for r in revs))
    staging.write_jsonl(settings, run_id, staging.REJECTED, (r.to_dict() for r in rejects))
    staging.write_jsonl(settings, run_id, staging.TRANSFORM_REJECTS, (r.to_dict() for r in transform_rejects))
    staging.write_jsonl(settings, run_id, staging.CRAWL_ERRORS, (e.to_dict() for e in errors))
    staging.write_json(settings, run_id, staging.CRAWL_STATS,
                       (stats or synthetic.stats_for(run_id, len(rows))).to_dict())
    staging.write_json(settings, run_id, staging.GATE,
                       (gate or synthetic.gate_for(run_id, len(rows), rejected=len(rejects))).to_dict())


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
