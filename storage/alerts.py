"""The alert ledger's SQL (table yonhap.alerts, migration 0008): the newest alert of a stream,
a new alert, its delivery results. The rules that read it live in pipeline.run.alerts.

Every call runs inside the caller's transaction; :func:`lock_stream` serialises deciders of one
stream (two runs failing at once must not both send "failed")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

COLUMNS = ("stream", "kind", "cause", "reason", "run_id", "dag_id", "edition", "since", "sent_at", "delivered")


def lock_stream(conn, stream: str) -> None:
    """Transaction-scoped advisory lock on ``stream`` (released by the commit)."""
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ("yonhap.alerts:" + stream,))


def latest(conn, stream: str) -> dict[str, Any] | None:
    """The stream's newest alert row (COLUMNS), or None."""
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT stream, kind, cause, reason, run_id, dag_id, edition, since, sent_at, delivered
            FROM yonhap.alerts WHERE stream = %s ORDER BY sent_at DESC, alert_id DESC LIMIT 1
            """,
            (stream,),
        )
        row = cur.fetchone()
    return dict(zip(COLUMNS, row, strict=True)) if row else None


def insert(conn, *, stream: str, kind: str, cause: str | None, reason: str | None, run_id: str,
           dag_id: str | None, edition: str, since: datetime | None, sent_at: datetime) -> int:
    """A new alert row (delivery results follow with :func:`set_delivered`); its id."""
    with conn.cursor() as cur:
        cur.execute(
            """
            INSERT INTO yonhap.alerts (stream, kind, cause, reason, run_id, dag_id, edition, since, sent_at)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING alert_id
            """,
            (stream, kind, cause, reason, run_id, dag_id, edition, since, sent_at),
        )
        return cur.fetchone()[0]


def set_delivered(conn, alert_id: int, delivered: dict[str, str]) -> None:
    from psycopg2.extras import Json  # lazy: DAG parsing and --help never need psycopg2

    with conn.cursor() as cur:
        cur.execute("UPDATE yonhap.alerts SET delivered = %s WHERE alert_id = %s", (Json(delivered), alert_id))


def history(conn, stream: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first (operators' look: `SELECT … FROM yonhap.alerts` says the same)."""
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT stream, kind, cause, reason, run_id, dag_id, edition, since, sent_at, delivered
            FROM yonhap.alerts WHERE %(stream)s::text IS NULL OR stream = %(stream)s
            ORDER BY sent_at DESC, alert_id DESC LIMIT %(limit)s
            """,
            {"stream": stream, "limit": limit},
        )
        return [dict(zip(COLUMNS, row, strict=True)) for row in cur.fetchall()]
