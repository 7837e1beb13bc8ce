"""Helpers for tests/test_reliability.py: the pipeline as a real subprocess (so kill -9 is
real), a dedicated stack whose services a test may stop, replicas on a fixed port (so a
"healed" site keeps the URLs earlier runs recorded), and snapshots of the loaded data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ground.core.config import Settings

REPO = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).parent / "yonhap-pipeline")
RUN_TIMEOUT = 300.0


# ---------------------------------------------------------------- the pipeline subprocess


def cli_env(settings: Settings, base_url: str, **extra: str) -> dict[str, str]:
    """The environment of one `yonhap-pipeline` run against ``settings`` and ``base_url``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("YONHAP_", "AWS_", "S3_", "DATABASE_URL"))
    }
    env.update(
        DATABASE_URL=settings.database_url,
        S3_ENDPOINT_URL=settings.s3_endpoint_url,
        S3_BUCKET=settings.s3_bucket,
        AWS_ACCESS_KEY_ID=settings.aws_access_key_id,
        AWS_SECRET_ACCESS_KEY=settings.aws_secret_access_key,
        AWS_DEFAULT_REGION=settings.aws_region,
        YONHAP_LOCAL_DIR=str(settings.local_dir),
        YONHAP_BASE_URL=base_url,
        YONHAP_DOWNLOAD_DELAY="0",
        YONHAP_CONCURRENCY="4",
        COLUMNS="200",
    )
    env.update(extra)
    return env


def run_args(first: date, last: date, run_id: str) -> list[str]:
    return [CLI, "run", "--from", first.isoformat(), "--to", last.isoformat(), "--run-id", run_id]


def run_pipeline(
    env: dict[str, str], first: date, last: date, run_id: str
) -> subprocess.CompletedProcess:
    return subprocess.run(
        run_args(first, last, run_id),
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        cwd=str(REPO),
    )


def output(proc) -> str:
    return f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}"


class PipelineProcess:
    """A `yonhap-pipeline run` in its own process group; stdout+stderr collected by a thread
    so a test can wait for a marker line, then kill -9 the whole group (CLI + Scrapy child)."""

    def __init__(self, env: dict[str, str], first: date, last: date, run_id: str):
        self.proc = subprocess.Popen(
            run_args(first, last, run_id),
            env=env,
            cwd=str(REPO),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, predicate, timeout: float = 120.0, poll: float = 0.05) -> bool:
        """Poll ``predicate()`` until true (True) or the process ended / timed out (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            if self.proc.poll() is not None:
                return bool(predicate())
            time.sleep(poll)
        return False

    def kill9(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)
        self._reader.join(timeout=10)

    def wait(self, timeout: float = RUN_TIMEOUT) -> int:
        rc = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=10)
        return rc


# ---------------------------------------------------------------- fresh databases / buckets


def fresh_settings(stack_settings: Settings) -> Settings:
    """Another fresh migrated database + bucket on the session stack (cleaned up with it)."""
    from devtools.harness.databases import TEMPLATE_DB
    from devtools.harness.databases import create_database as _create_database
    from devtools.harness.databases import url_for as _url_for
    from ground.adapters import s3

    server = _url_for(stack_settings.database_url, "postgres")
    url = _create_database(server, f"r_{uuid.uuid4().hex[:16]}", template=TEMPLATE_DB)
    settings = stack_settings.with_(database_url=url, s3_bucket=f"r-{uuid.uuid4().hex[:20]}")
    s3.ensure_bucket(settings)
    return settings


@dataclass
class DedicatedStack:
    """A PostgreSQL and an S3 endpoint of this test only, so they can be stopped mid-run.
    Restarts keep the same ports (the pipeline's URLs stay valid)."""

    root: Path
    pg_port: int
    s3_port: int
    settings: Settings

    @property
    def pgdata(self) -> Path:
        return self.root / "pg"

    @classmethod
    def start(cls) -> DedicatedStack:
        from devtools.stack import services as stack

        # Not under pytest's tmp_path: the unprivileged server user must traverse it.
        root = Path(tempfile.mkdtemp(prefix="yonhap-rel-stack-"))
        pg_port, s3_port = stack.free_port(), stack.free_port()
        url = stack.start_postgres(root / "pg", pg_port, durable=False)
        endpoint = stack.start_s3(root, s3_port)
        settings = Settings.from_env(
            {
                "DATABASE_URL": url,
                "S3_ENDPOINT_URL": endpoint,
                "S3_BUCKET": "yonhap-rel",
                "YONHAP_LOCAL_DIR": str(root),
                **stack.s3_keys_env(root),
                "AWS_DEFAULT_REGION": "us-east-1",
            }
        )
        return cls(root, pg_port, s3_port, settings)

    def stop_postgres(self) -> None:
        from devtools.stack import services as stack

        stack.stop_postgres(self.pgdata)

    def start_postgres(self) -> None:
        from devtools.stack import services as stack

        stack.start_postgres(self.pgdata, self.pg_port, durable=False)

    def stop_s3(self) -> None:
        from devtools.stack import services as stack

        stack.stop_s3(self.root)

    def start_s3(self) -> None:
        from devtools.stack import services as stack

        stack.start_s3(self.root, self.s3_port)

    def close(self) -> None:
        import shutil

        from devtools.stack import services as stack

        stack.stop_postgres(self.pgdata)
        stack.stop_s3(self.root)
        shutil.rmtree(self.root, ignore_errors=True)


# ---------------------------------------------------------------- replica on a fixed port


def start_replica_on_port(tmp_dir: Path, port: int, **config):
    """start_replica on a given port: a restarted ("healed") replica keeps the base URL, so
    crawl_errors URLs of earlier runs stay retryable."""
    from devtools.harness.replica import start_replica

    return start_replica(tmp_dir, port=port, **config)


# ---------------------------------------------------------------- truth and snapshots


def truth_ids(corpus, first: date, last: date) -> set[str]:
    ids: set[str] = set()
    day = first
    while day <= last:
        ids.update(corpus.ids_on(day))
        day += timedelta(days=1)
    return ids


def rows(conn, query: str, params=()) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(query, params)
        result = cur.fetchall()
    conn.commit()  # never hold a snapshot open across pipeline runs
    return result


def scalar(conn, query: str, params=()):
    return rows(conn, query, params)[0][0]


def snapshot(conn) -> dict:
    """What a clean run and a recovered run must agree on (run bookkeeping excluded)."""
    return {
        "articles": rows(
            conn,
            "SELECT article_id, content_hash, story_id, duplicate_of, url, title_raw, body, images::text "
            "FROM yonhap.articles ORDER BY article_id",
        ),
        "revisions": rows(
            conn,
            "SELECT article_id, count(*), array_agg(content_hash ORDER BY revision) "
            "FROM yonhap.article_revisions GROUP BY article_id ORDER BY article_id",
        ),
    }


# Each query returns offending rows; all must be empty.
INTEGRITY_CHECKS = {
    "revision without article": """
        SELECT r.article_id FROM yonhap.article_revisions r
        LEFT JOIN yonhap.articles a USING (article_id) WHERE a.article_id IS NULL""",
    "duplicate revision numbers": """
        SELECT article_id, revision FROM yonhap.article_revisions GROUP BY 1, 2 HAVING count(*) > 1""",
    "duplicate revision contents": """
        SELECT article_id, content_hash FROM yonhap.article_revisions GROUP BY 1, 2 HAVING count(*) > 1""",
    "article without revision": """
        SELECT a.article_id FROM yonhap.articles a
        WHERE NOT EXISTS (SELECT 1 FROM yonhap.article_revisions r WHERE r.article_id = a.article_id)""",
    "latest revision differs from article": """
        SELECT a.article_id FROM yonhap.articles a
        JOIN LATERAL (SELECT content_hash FROM yonhap.article_revisions r WHERE r.article_id = a.article_id
                      ORDER BY revision DESC LIMIT 1) last ON true
        WHERE last.content_hash <> a.content_hash""",
    "duplicate_of pointing nowhere": """
        SELECT a.article_id FROM yonhap.articles a
        LEFT JOIN yonhap.articles o ON o.article_id = a.duplicate_of
        WHERE a.duplicate_of IS NOT NULL AND o.article_id IS NULL""",
    "article of an unknown run": """
        SELECT a.article_id FROM yonhap.articles a
        LEFT JOIN yonhap.crawl_runs r USING (run_id) WHERE r.run_id IS NULL""",
    "rejected item of an unknown run": """
        SELECT i.id FROM yonhap.rejected_items i
        LEFT JOIN yonhap.crawl_runs r USING (run_id) WHERE r.run_id IS NULL""",
    "duplicate rejected item": """
        SELECT run_id, item_key FROM yonhap.rejected_items GROUP BY 1, 2 HAVING count(*) > 1""",
    "crawl error of an unknown run": """
        SELECT e.id FROM yonhap.crawl_errors e
        LEFT JOIN yonhap.crawl_runs r USING (run_id) WHERE r.run_id IS NULL""",
}


def integrity_problems(conn) -> dict[str, list]:
    return {name: found for name, query in INTEGRITY_CHECKS.items() if (found := rows(conn, query))}


def article_access_count(handle) -> int:
    return sum(1 for entry in handle.access_log() if entry["path"].startswith("/view/"))


def loaded_counter(conn) -> Counter:
    return Counter(r[0] for r in rows(conn, "SELECT article_id FROM yonhap.articles"))
