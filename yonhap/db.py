"""Database connection: the one place a PostgreSQL URL is resolved and a connection opened."""

from __future__ import annotations

from yonhap.config import Settings

APPLICATION_NAME = "yonhap-pipeline"


def database_url(settings: Settings) -> str:
    """``DATABASE_URL``, or the running local stack's PostgreSQL when it is unset (never
    started here: :class:`yonhap.stack.StackNotRunning` names the setting instead)."""
    if settings.database_url:
        return settings.database_url
    from yonhap import stack

    return stack.running_postgres_url(settings)


def connect(settings: Settings, **kwargs):
    """A psycopg2 connection (not autocommit); the caller closes it."""
    import psycopg2

    kwargs.setdefault("application_name", APPLICATION_NAME)
    return psycopg2.connect(database_url(settings), **kwargs)
