"""Database connection: the one place a PostgreSQL URL is resolved and a connection opened."""

from __future__ import annotations

import time

from ground.adapters import local_stack
from ground.core.config import Settings

APPLICATION_NAME = "yonhap-pipeline"


def database_url(settings: Settings) -> str:
    """``DATABASE_URL``, or the running local stack's PostgreSQL when it is unset (never
    started here: :class:`ground.adapters.local_stack.StackNotRunning` names the setting)."""
    if settings.database_url:
        return settings.database_url
    return local_stack.running_postgres_url(settings)


def connect(settings: Settings, **kwargs):
    """A psycopg2 connection (not autocommit); the caller closes it."""
    import psycopg2  # lazy: `yonhap-pipeline --help` and DAG parsing never need it

    kwargs.setdefault("application_name", APPLICATION_NAME)
    return psycopg2.connect(database_url(settings), **kwargs)


def create_database_if_missing(server_url: str, name: str, *, wait: float = 0) -> None:
    """CREATE DATABASE ``name`` on the server of ``server_url`` (a URL of a database that
    exists, e.g. …/postgres) unless it exists; ``wait`` seconds for a server still starting."""
    import psycopg2  # lazy: as in connect()
    from psycopg2 import sql  # lazy: as in connect()

    deadline = time.monotonic() + wait
    while True:
        try:
            conn = psycopg2.connect(server_url, application_name=APPLICATION_NAME)
            break
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)  # just started: still recovering
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()
