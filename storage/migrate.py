"""Versioned SQL migrations for schema ``yonhap`` (storage/migrations/NNNN_name.sql).

All pending migrations (and the reader role's grants) apply in ONE transaction under a transaction-scoped advisory lock,
so concurrent upgrades (two CLI runs, parallel Airflow tasks) are safe: the second waits,
then finds nothing to do. ``yonhap.schema_migrations`` records name, checksum and time; an
applied file that changed afterwards is refused (add a new migration instead).
"""

from __future__ import annotations

import hashlib
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from ground.adapters import db
from ground.core.config import Settings
from ground.core.editions import EDITIONS

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Fixed key for pg_advisory_xact_lock ("yonhapMG" as a signed 64-bit int).
ADVISORY_LOCK_KEY = int.from_bytes(b"yonhapMG", "big", signed=True)
_NAME_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

# Read-only analysts' role and what it may read (nothing else: not schema_migrations).
READER_ROLE = "yonhap_reader"
READER_SURFACE = ("articles", "article_revisions", "stories", "crawl_runs", "rejected_items", "crawl_errors",
                  "freshness", "freshness_hourly",  # the views of migration 0005
                  "seen_articles", "article_completeness", "daily_completeness",  # 0006
                  "editions")  # 0007

_BOOTSTRAP = """
CREATE SCHEMA IF NOT EXISTS yonhap;
CREATE TABLE IF NOT EXISTS yonhap.schema_migrations (
    name        text PRIMARY KEY,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
"""


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def available(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        if not _NAME_RE.match(path.name):
            raise MigrationError(f"migration file {path.name!r} must be named NNNN_lowercase_name.sql")
        found.append(Migration(path.name, path.read_text(encoding="utf-8")))
    numbers = [m.name[:4] for m in found]
    if len(set(numbers)) != len(numbers):
        raise MigrationError(f"two migrations share a number in {directory}")
    return found


def upgrade_conn(conn, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations on ``conn`` (committed on return); returns their names."""
    migrations = available(directory)
    applied_now: list[str] = []
    with conn:  # one transaction: all pending migrations or none
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_LOCK_KEY,))
            cur.execute(_BOOTSTRAP)
            cur.execute("SELECT name, checksum FROM yonhap.schema_migrations")
            applied = dict(cur.fetchall())
            for migration in migrations:
                if migration.name in applied:
                    if applied[migration.name] != migration.checksum:
                        raise MigrationError(
                            f"migration {migration.name} changed after it was applied; "
                            "add a new migration instead of editing an applied one"
                        )
                    continue
                cur.execute(migration.sql)
                cur.execute(
                    "INSERT INTO yonhap.schema_migrations (name, checksum) VALUES (%s, %s)",
                    (migration.name, migration.checksum),
                )
                applied_now.append(migration.name)
            sync_editions(cur)
            ensure_reader_role(cur)
    return applied_now


def sync_editions(cur) -> None:
    """yonhap.editions mirrors ground.core.editions (the one place those facts live); run after
    every upgrade, so a changed profile reaches the database. Idempotent."""
    cur.execute("SELECT to_regclass('yonhap.editions') IS NOT NULL")
    if not cur.fetchone()[0]:  # upgrading to a target before migration 0007
        return
    for e in EDITIONS.values():
        cur.execute(
            """
            INSERT INTO yonhap.editions (edition, id_prefix, host, language, fts_config)
            VALUES (%s, %s, %s, %s, %s::regconfig)
            ON CONFLICT (edition) DO UPDATE SET
                id_prefix = EXCLUDED.id_prefix, host = EXCLUDED.host, language = EXCLUDED.language,
                fts_config = EXCLUDED.fts_config
            WHERE (yonhap.editions.id_prefix, yonhap.editions.host, yonhap.editions.language,
                   yonhap.editions.fts_config)
                  IS DISTINCT FROM (EXCLUDED.id_prefix, EXCLUDED.host, EXCLUDED.language, EXCLUDED.fts_config)
            """,
            (e.code, e.id_prefix, e.host, e.language, e.fts_config),
        )


def ensure_reader_role(cur) -> None:
    """Create ``yonhap_reader`` (NOLOGIN) when missing and grant it the analyst surface.

    Idempotent, and run after every upgrade, so grants catch up when an administrator creates
    the role later (a database user without CREATEROLE gets a warning, not a failed upgrade).
    """
    from psycopg2 import errors, sql  # lazy: DAG parsing and --help never need psycopg2

    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (READER_ROLE,))
    if cur.fetchone() is None:
        cur.execute("SAVEPOINT reader_role")
        try:
            cur.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(READER_ROLE)))
        except (errors.DuplicateObject, errors.UniqueViolation):
            cur.execute("ROLLBACK TO SAVEPOINT reader_role")  # created concurrently (roles are cluster-wide)
        except errors.InsufficientPrivilege:
            cur.execute("ROLLBACK TO SAVEPOINT reader_role")
            warnings.warn(
                f"cannot create role {READER_ROLE} (no CREATEROLE); ask an administrator to run "
                f"CREATE ROLE {READER_ROLE} NOLOGIN, then `yonhap-pipeline db upgrade`",
                stacklevel=2,
            )
            return
        cur.execute("RELEASE SAVEPOINT reader_role")
    role = sql.Identifier(READER_ROLE)
    cur.execute("SELECT has_schema_privilege(%s, 'yonhap', 'USAGE')", (READER_ROLE,))
    if not cur.fetchone()[0]:
        cur.execute(sql.SQL("GRANT USAGE ON SCHEMA yonhap TO {}").format(role))
    for name in READER_SURFACE:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", (f"yonhap.{name}",))
        if not cur.fetchone()[0]:  # a later migration creates it (upgrading to an older target)
            continue
        cur.execute("SELECT has_table_privilege(%s, %s, 'SELECT')", (READER_ROLE, f"yonhap.{name}"))
        if not cur.fetchone()[0]:
            cur.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(sql.Identifier("yonhap", name), role))


def upgrade_url(url: str) -> list[str]:
    import psycopg2  # lazy: as in ensure_reader_role()

    conn = psycopg2.connect(url, application_name="yonhap-pipeline")
    try:
        return upgrade_conn(conn)
    finally:
        conn.close()


def upgrade(settings: Settings) -> list[str]:
    """Apply pending migrations to the configured database; returns the applied names."""
    conn = db.connect(settings)
    try:
        return upgrade_conn(conn)
    finally:
        conn.close()
