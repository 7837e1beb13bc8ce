"""Fixtures for the embedded stack: a real PostgreSQL and an S3 endpoint over HTTP.

* ``stack_settings`` (session): one PostgreSQL server and one moto server on FREE ports, data
  in a temp dir, stopped and deleted at session end (several sessions may run at once), with
  the credentials generated in that dir (password in the URL, the S3 key pair). Its
  database (``yonhap``, migrated) and bucket are shared by the whole session: prefer
  ``settings`` for anything that writes.
* ``settings`` (function): ``stack_settings`` bound to a FRESH database (copied from a
  template that already has the ``yonhap`` schema migrated) and a fresh, already created,
  unique bucket. Nothing global is set: pass the Settings along.
* ``db_conn`` (function): a psycopg2 connection to that database (closed afterwards).
* ``empty_database_url`` (function): a fresh database WITHOUT migrations (migration tests).
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from devtools.harness.databases import TEMPLATE_DB, start_with_retry, url_as  # noqa: F401 (re-exported)
from devtools.harness.databases import create_database as _create_database
from devtools.harness.databases import drop_database as _drop_database
from devtools.harness.databases import url_for as _url_for
from devtools.stack import services as stack
from ground.core.config import Settings


@pytest.fixture(scope="session")
def stack_settings():
    # Not under pytest's basetemp: it is chmod 0700 by later sessions, which would lock the
    # unprivileged server user out of its data dir.
    root = Path(tempfile.mkdtemp(prefix="yonhap-stack-"))
    pgdata = root / "pg"
    try:
        pg_url = start_with_retry(lambda port: stack.start_postgres(pgdata, port, durable=False))
        endpoint = start_with_retry(lambda port: stack.start_s3(root, port))
        from storage import migrate

        # The template is never handed out (a connection to it would block CREATE DATABASE);
        # stack_settings itself points at the migrated default database `yonhap`.
        migrate.upgrade_url(_create_database(pg_url, TEMPLATE_DB))
        migrate.upgrade_url(pg_url)
        settings = Settings.from_env(
            {
                "DATABASE_URL": pg_url,
                "S3_ENDPOINT_URL": endpoint,
                "S3_BUCKET": "yonhap-test",
                "YONHAP_LOCAL_DIR": str(root),
                "YONHAP_DOWNLOAD_DELAY": "0",
                **stack.s3_keys_env(root),  # the only pair its S3 server accepts
                "AWS_DEFAULT_REGION": "us-east-1",
            }
        )
        from ground.adapters import s3

        s3.ensure_bucket(settings)
        yield settings
    finally:
        stack.stop_postgres(pgdata)
        stack.stop_s3(root)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def settings(stack_settings, tmp_path):
    """A fresh database, bucket and local directory (what a run keeps on disk: the alert
    ledger's mirror) on the session's servers."""
    from ground.adapters import s3

    name = f"t_{uuid.uuid4().hex[:16]}"
    server = _url_for(stack_settings.database_url, "postgres")
    url = _create_database(server, name, template=TEMPLATE_DB)
    test_settings = stack_settings.with_(database_url=url, s3_bucket=f"t-{uuid.uuid4().hex[:20]}",
                                         local_dir=tmp_path / "local")
    s3.ensure_bucket(test_settings)
    yield test_settings
    _drop_database(server, name)


@pytest.fixture
def db_conn(settings):
    from ground.adapters import db

    conn = db.connect(settings)
    yield conn
    conn.close()


@pytest.fixture
def empty_database_url(stack_settings):
    name = f"e_{uuid.uuid4().hex[:16]}"
    server = _url_for(stack_settings.database_url, "postgres")
    url = _create_database(server, name)
    yield url
    _drop_database(server, name)
