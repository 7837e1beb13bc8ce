"""The embedded local stack: real PostgreSQL and the durable S3 server (moto written through
to files), started, killed and stopped for real."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg2
import pytest

from storage import migrate
from yonhap.adapters import db, s3
from yonhap.core.config import Settings, SettingsError
from yonhap.stack import services as stack
from yonhap.stack import supervisor

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def local_dir():
    # Outside pytest's basetemp (0700, and re-chmodded by other sessions): the server's
    # unprivileged OS user must reach it when tests run as root.
    path = Path(tempfile.mkdtemp(prefix="yonhap-stacktest-"))
    yield path
    stack.stop_postgres(path / "pg")
    stack.stop_s3(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def listening_socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    yield sock.getsockname()[1]
    sock.close()


def _local_settings(local_dir: Path) -> Settings:
    return Settings.from_env({
        "YONHAP_LOCAL_DIR": str(local_dir),
        "YONHAP_PG_PORT": str(stack.free_port()),
        "YONHAP_S3_PORT": str(stack.free_port()),
    })


def test_ports_are_settings_with_one_line_errors():
    s = Settings.from_env({})
    assert (s.pg_port, s.s3_port) == (55432, 59000)
    assert Settings.from_env({"YONHAP_PG_PORT": "6000", "YONHAP_S3_PORT": "6001"}).pg_port == 6000
    for var, value in (("YONHAP_PG_PORT", "abc"), ("YONHAP_S3_PORT", "70000")):
        with pytest.raises(SettingsError, match=var):
            Settings.from_env({var: value})


def test_postgres_starts_reuses_survives_restart_and_stops(local_dir):
    settings = _local_settings(local_dir)
    # DATABASE_URL unset: opening a connection never starts a server; it names the setting
    with pytest.raises(stack.StackNotRunning) as err:
        db.connect(settings)
    assert "DATABASE_URL" in str(err.value) and "stack up" in str(err.value) and "\n" not in str(err.value)
    assert stack.status(settings)["postgres"]["running"] is False
    url = stack.ensure_postgres(settings)
    assert url == f"postgresql://postgres@127.0.0.1:{settings.pg_port}/yonhap"
    assert db.database_url(settings) == url
    assert stack.ensure_postgres(settings) == url  # idempotent: reused, not restarted
    pid = stack.status(settings)["postgres"]["pid"]
    conn = db.connect(settings)
    with conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE kept (x text); INSERT INTO kept VALUES ('still here')")
        cur.execute("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()")
        assert cur.fetchone() == ("yonhap-pipeline",)
    conn.close()

    assert stack.stop(settings)["postgres"] is True
    assert stack.status(settings)["postgres"]["running"] is False
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(url, connect_timeout=2)
    assert stack.stop(settings)["postgres"] is False  # stopping twice is fine

    assert stack.ensure_postgres(settings) == url
    assert stack.status(settings)["postgres"]["pid"] != pid
    conn = db.connect(settings)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT x FROM kept")
        assert cur.fetchall() == [("still here",)]
    conn.close()
    if os.geteuid() == 0:  # PostgreSQL refuses root: it runs as the unprivileged user
        import pwd

        assert pwd.getpwuid((local_dir / "pg").stat().st_uid).pw_name == stack.PG_SYSTEM_USER


def test_port_taken_gives_a_one_line_message(local_dir, listening_socket):
    with pytest.raises(stack.StackError) as err:
        stack.start_postgres(local_dir / "pg", listening_socket)
    message = str(err.value)
    assert "\n" not in message and f"port {listening_socket}" in message and "YONHAP_PG_PORT" in message
    with pytest.raises(stack.StackError, match=f"port {listening_socket} .*YONHAP_S3_PORT"):
        stack.start_s3(local_dir, listening_socket)


def test_s3_endpoint_round_trip_over_http(local_dir):
    settings = _local_settings(local_dir)
    with pytest.raises(stack.StackNotRunning, match="S3_ENDPOINT_URL is unset .*stack up"):
        s3.endpoint_url(settings)  # never started as a side effect
    assert stack.status(settings)["s3"]["running"] is False
    endpoint = stack.ensure_s3(settings)
    assert endpoint == f"http://127.0.0.1:{settings.s3_port}" == s3.endpoint_url(settings)
    assert stack.ensure_s3(settings) == endpoint  # reused
    s3.ensure_bucket(settings)
    s3.ensure_bucket(settings)  # idempotent
    payload = "données 🇰🇷\n".encode() * 1000
    uri = s3.put_bytes(settings, "raw/dt=2024-06-19/x.bin", payload)
    assert uri == f"s3://{settings.s3_bucket}/raw/dt=2024-06-19/x.bin"
    assert s3.get_bytes(settings, "raw/dt=2024-06-19/x.bin") == payload
    assert s3.get_range(settings, "raw/dt=2024-06-19/x.bin", 3, 10) == payload[3:13]
    assert s3.list_keys(settings, "raw/") == ["raw/dt=2024-06-19/x.bin"]
    assert s3.exists(settings, "raw/dt=2024-06-19/x.bin") and not s3.exists(settings, "raw/nope")
    status = stack.status(settings)["s3"]
    assert status["running"] and status["endpoint"] == endpoint
    assert stack.stop(settings)["s3"] is True
    assert stack.status(settings)["s3"]["running"] is False


def _objects(settings) -> dict[str, str]:
    """key -> sha256 of every object in the bucket, read over HTTP."""
    return {key: hashlib.sha256(s3.get_bytes(settings, key)).hexdigest() for key in s3.list_keys(settings, "")}


def test_s3_objects_survive_stop_start_and_kill_9(local_dir):
    settings = _local_settings(local_dir)
    stack.ensure_s3(settings)
    s3.ensure_bucket(settings)
    written = {
        "raw/dt=2024-06-18/run_a.warc.gz": os.urandom(300_000),
        "curated/articles/dt=2024-06-18/run_a.parquet": os.urandom(5_000),
        "quality/run_a/index.html": "<html><body>Résultats</body></html>".encode(),
        "odd keys/../été ~x/a+b=c": b"kept as written",
    }
    for key, data in written.items():
        s3.put_bytes(settings, key, data, "text/html" if key.endswith(".html") else "application/octet-stream")
    s3.put_bytes(settings, "raw/gone.bin", b"deleted before the stop")
    s3.client(settings).delete_object(Bucket=settings.s3_bucket, Key="raw/gone.bin")
    before = _objects(settings)
    assert before == {k: hashlib.sha256(v).hexdigest() for k, v in written.items()}
    # the archive is plain files, readable without the server
    assert (local_dir / "s3" / settings.s3_bucket / "raw" / "dt=2024-06-18" / "run_a.warc.gz").read_bytes() == \
        written["raw/dt=2024-06-18/run_a.warc.gz"]

    assert stack.stop(settings)["s3"] is True  # make stop
    stack.ensure_s3(settings)
    assert _objects(settings) == before
    head = s3.client(settings).head_object(Bucket=settings.s3_bucket, Key="quality/run_a/index.html")
    assert head["ContentType"] == "text/html"  # Data Docs links still render as pages

    pid = stack.status(settings)["s3"]["pid"]
    s3.put_bytes(settings, "raw/dt=2024-06-19/run_b.warc.gz", b"answered, so on disk")
    os.kill(pid, signal.SIGKILL)  # no shutdown hook runs
    supervisor.wait_gone(pid, 10)
    assert stack.status(settings)["s3"]["running"] is False
    stack.ensure_s3(settings)
    after = _objects(settings)
    assert after == {**before, "raw/dt=2024-06-19/run_b.warc.gz": hashlib.sha256(b"answered, so on disk").hexdigest()}


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    script = Path(sys.executable).parent / "yonhap-pipeline"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "yonhap.cli"]
    return subprocess.run([*cmd, *args], env=env, capture_output=True, text=True, cwd=ROOT, timeout=180)


def test_stack_cli_up_status_down_keeps_data(local_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YONHAP_", "S3_", "AWS_", "DATABASE_URL"))}
    env.update(YONHAP_LOCAL_DIR=str(local_dir), YONHAP_PG_PORT=str(stack.free_port()),
               YONHAP_S3_PORT=str(stack.free_port()))
    settings = Settings.from_env(env)

    up = _cli("stack", "up", env=env)
    assert up.returncode == 0, up.stderr
    assert f"127.0.0.1:{settings.pg_port}/yonhap" in up.stdout and f"migrations applied: {len(migrate.available())}" in up.stdout
    assert f"http://127.0.0.1:{settings.s3_port}" in up.stdout
    assert s3.exists(settings, "nothing") is False  # bucket exists (else NoSuchBucket)
    conn = db.connect(settings)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM yonhap.schema_migrations")
        assert cur.fetchone() == (len(migrate.available()),)
        cur.execute("INSERT INTO yonhap.crawl_runs (run_id, kind, window_start, window_end, started_at, status) "
                    "VALUES ('kept', 'cli', now(), now() + interval '1 day', now(), 'running')")
    conn.close()

    status = _cli("stack", "status", env=env)
    assert status.returncode == 0 and status.stdout.count("running pid") == 2

    down = _cli("stack", "down", "--no-airflow", env=env)
    assert down.returncode == 0, down.stderr
    assert "postgres  stopped" in down.stdout and "s3        stopped" in down.stdout
    assert _cli("stack", "status", env=env).stdout.count("stopped") == 2

    again = _cli("stack", "up", env=env)
    assert again.returncode == 0 and "migrations applied: 0" in again.stdout
    conn = db.connect(settings)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT run_id FROM yonhap.crawl_runs")
        assert cur.fetchall() == [("kept",)]
    conn.close()
    assert _cli("stack", "down", "--no-airflow", env=env).returncode == 0
