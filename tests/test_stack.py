"""The embedded local stack: real PostgreSQL and the durable S3 server (moto written through
to files), started, killed and stopped for real; both check credentials (a password, a SigV4
signature with the install's keys), generated per install."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import psycopg2
import pytest
from botocore.exceptions import ClientError

from devtools.stack import services as stack
from devtools.stack import supervisor
from ground.adapters import db, s3
from ground.core.config import Settings, SettingsError
from storage import migrate

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


def _assert_password_required(port: int, password: str) -> None:
    """No login without the password or with another one; pg_hba.conf trusts nobody."""
    for auth in ("postgres", "postgres:wrong"):
        with pytest.raises(psycopg2.OperationalError, match="password"):
            psycopg2.connect(f"postgresql://{auth}@127.0.0.1:{port}/yonhap", connect_timeout=5)
    psycopg2.connect(f"postgresql://postgres:{password}@127.0.0.1:{port}/yonhap", connect_timeout=5).close()


def _local_settings(local_dir: Path) -> Settings:
    return Settings.from_env({
        "YONHAP_LOCAL_DIR": str(local_dir),
        "YONHAP_PG_PORT": str(stack.free_port()),
        "YONHAP_S3_PORT": str(stack.free_port()),
    })


def test_ports_are_settings_with_one_line_errors():
    s = Settings.from_env({})
    assert (s.pg_port, s.s3_port, s.replica_port, s.log_server_port, s.bind_host) == (
        55432, 59000, 8800, None, "127.0.0.1")
    assert (s.aws_access_key_id, s.aws_secret_access_key) == (None, None)  # no built-in keys
    assert Settings.from_env({"YONHAP_PG_PORT": "6000", "YONHAP_S3_PORT": "6001"}).pg_port == 6000
    assert Settings.from_env({"YONHAP_REPLICA_PORT": "8900", "YONHAP_LOG_SERVER_PORT": "8901",
                              "YONHAP_BIND_HOST": "0.0.0.0"}).log_server_port == 8901
    for var, value in (("YONHAP_PG_PORT", "abc"), ("YONHAP_S3_PORT", "70000"), ("YONHAP_REPLICA_PORT", "0"),
                       ("YONHAP_LOG_SERVER_PORT", "x"), ("YONHAP_BIND_HOST", "everywhere")):
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
    secrets = stack.read_credentials(local_dir)  # generated on the first start, kept for the install
    assert url == f"postgresql://postgres:{secrets.postgres_password}@127.0.0.1:{settings.pg_port}/yonhap"
    assert oct((local_dir / "credentials.json").stat().st_mode & 0o777) == "0o600"
    assert db.database_url(settings) == url
    _assert_password_required(settings.pg_port, secrets.postgres_password)
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

    # A server an earlier version started (trust logins, no password) and left running is given
    # the password and the password-only rules by the next start, without a restart.
    pgdata = local_dir / "pg"
    (pgdata / stack.PASSWORD_STAMP).unlink()
    (pgdata / "pg_hba.conf").write_text("host all all 127.0.0.1/32 trust\n")
    stack._run_pg([stack._pg_bin("pg_ctl"), "-D", str(pgdata), "-l", str(pgdata / "server.log"), "-w", "-o",
                   f"-h 127.0.0.1 -p {settings.pg_port} -c unix_socket_directories=''", "start"],
                  stack._system_user(), pgdata)
    psycopg2.connect(url.replace(f":{secrets.postgres_password}@", "@"), connect_timeout=5).close()  # trust
    legacy_pid = stack.status(settings)["postgres"]["pid"]
    assert stack.ensure_postgres(settings) == url
    assert stack.status(settings)["postgres"]["pid"] == legacy_pid != pid
    _assert_password_required(settings.pg_port, secrets.postgres_password)
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


def _s3_status(request: urllib.request.Request | str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def _objects(settings) -> dict[str, str]:
    """key -> sha256 of every object in the bucket, read over HTTP."""
    return {key: hashlib.sha256(s3.get_bytes(settings, key)).hexdigest() for key in s3.list_keys(settings, "")}


def test_s3_endpoint_checks_credentials_and_keeps_objects_through_stop_and_kill_9(local_dir):
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

    # Credentials: the install's generated pair (the settings carry none), nothing else.
    keys = stack.read_credentials(local_dir)
    assert s3.access_keys(settings) == (keys.s3_access_key_id, keys.s3_secret_access_key)
    bucket_url = f"{endpoint}/{settings.s3_bucket}"
    for anonymous in (bucket_url + "?list-type=2", bucket_url + "/raw/dt=2024-06-19/x.bin",
                      urllib.request.Request(bucket_url + "/raw/anon.bin", data=b"x", method="PUT")):
        status, body = _s3_status(anonymous)
        assert status == 403 and "<Code>AccessDenied</Code>" in body, (status, body)
    for key_id, secret in (("AKIAOTHERKEY00000000", keys.s3_secret_access_key), (keys.s3_access_key_id, "wrong")):
        other = settings.with_(s3_endpoint_url=endpoint, aws_access_key_id=key_id, aws_secret_access_key=secret)
        for call in (lambda c: c.list_objects_v2(Bucket=settings.s3_bucket),
                     lambda c: c.put_object(Bucket=settings.s3_bucket, Key="raw/wrong.bin", Body=b"x")):
            with pytest.raises(ClientError) as refused:
                call(s3.client(other))
            assert refused.value.response["Error"]["Code"] == "AccessDenied"
            assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert s3.list_keys(settings, "raw/") == ["raw/dt=2024-06-19/x.bin"]  # nothing was stored
    client = s3.client(settings)
    link = client.generate_presigned_url("get_object", Params={"Bucket": settings.s3_bucket,
                                                               "Key": "raw/dt=2024-06-19/x.bin"}, ExpiresIn=60)
    assert "X-Amz-Signature=" in link and _s3_status(link) == (200, payload.decode())  # quality report links
    assert _s3_status(link.replace("x.bin", "y.bin"))[0] == 403  # another object, same signature
    import boto3
    from botocore.config import Config

    v2 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=keys.s3_access_key_id,
                      aws_secret_access_key=keys.s3_secret_access_key, region_name="us-east-1",
                      config=Config(signature_version="s3"))
    assert _s3_status(v2.generate_presigned_url("get_object", Params={"Bucket": settings.s3_bucket,
                                                                      "Key": "raw/dt=2024-06-19/x.bin"}))[0] == 403
    s3.client(settings).delete_object(Bucket=settings.s3_bucket, Key="raw/dt=2024-06-19/x.bin")

    # Durability: objects survive a stop and a kill -9, and the archive is plain files.
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
    assert (local_dir / "s3" / settings.s3_bucket / "raw" / "dt=2024-06-18" / "run_a.warc.gz").read_bytes() == \
        written["raw/dt=2024-06-18/run_a.warc.gz"]

    assert stack.stop(settings)["s3"] is True  # make stop
    assert stack.status(settings)["s3"]["running"] is False
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
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "pipeline.cli"]
    return subprocess.run([*cmd, *args], env=env, capture_output=True, text=True, cwd=ROOT, timeout=180)


def test_stack_cli_up_status_down_keeps_data_and_the_demo_apart(local_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YONHAP_", "S3_", "AWS_", "DATABASE_URL"))}
    env.update(YONHAP_LOCAL_DIR=str(local_dir), YONHAP_PG_PORT=str(stack.free_port()),
               YONHAP_S3_PORT=str(stack.free_port()))
    settings = Settings.from_env(env)

    up = _cli("stack", "up", env=env)
    assert up.returncode == 0, up.stderr
    assert f"127.0.0.1:{settings.pg_port}/yonhap" in up.stdout and f"migrations applied: {len(migrate.available())}" in up.stdout
    assert f"http://127.0.0.1:{settings.s3_port}" in up.stdout and "credentials.json (mode 0600" in up.stdout
    assert "notice" not in up.stdout
    assert s3.exists(settings, "nothing") is False  # bucket exists (else NoSuchBucket)
    conn = db.connect(settings)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM yonhap.schema_migrations")
        assert cur.fetchone() == (len(migrate.available()),)
        cur.execute("INSERT INTO yonhap.crawl_runs (run_id, kind, window_start, window_end, started_at, status) "
                    "VALUES ('kept', 'cli', now(), now() + interval '1 day', now(), 'running')")
    conn.close()

    # `stack status` shows the install's credentials; the analysts' login reads and only reads.
    secrets = stack.read_credentials(local_dir)
    status = _cli("stack", "status", env=env)
    assert status.returncode == 0 and status.stdout.count("running pid") == 2, status.stdout
    for secret in (secrets.postgres_password, secrets.reader_password, secrets.s3_access_key_id,
                   secrets.s3_secret_access_key):
        assert secret in status.stdout
    reader = psycopg2.connect(f"postgresql://yonhap_reader:{secrets.reader_password}@127.0.0.1:{settings.pg_port}/yonhap")
    with reader, reader.cursor() as cur:
        cur.execute("SELECT run_id FROM yonhap.crawl_runs")
        assert cur.fetchall() == [("kept",)]
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("DELETE FROM yonhap.crawl_runs")
    reader.close()

    # The demo is a stack of its own (its database, objects, credentials and replica), side by
    # side with this one on other ports; `stack down` stops both.
    demo_env = dict(env, YONHAP_PG_PORT=str(stack.free_port()), YONHAP_S3_PORT=str(stack.free_port()),
                    YONHAP_REPLICA_PORT=str(stack.free_port()))
    same_ports = _cli("stack", "up", "--demo", env=dict(demo_env, YONHAP_PG_PORT=env["YONHAP_PG_PORT"]))
    assert same_ports.returncode == 1 and "production stack" in same_ports.stderr and "make stop" in same_ports.stderr
    demo = _cli("stack", "up", "--demo", env=demo_env)
    assert demo.returncode == 0, demo.stderr
    demo_settings = Settings.from_env(dict(demo_env, YONHAP_LOCAL_DIR=str(local_dir / "demo")))
    replica_url = f"http://127.0.0.1:{demo_env['YONHAP_REPLICA_PORT']}"
    assert f"replica   {replica_url}" in demo.stdout and str(local_dir / "demo") in demo.stdout
    assert stack.read_credentials(local_dir / "demo") != secrets
    with urllib.request.urlopen(replica_url + "/robots.txt", timeout=10) as resp:
        assert resp.status == 200
    conn = db.connect(demo_settings)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM yonhap.crawl_runs")
        assert cur.fetchone() == (0,)
    conn.close()
    both = _cli("stack", "status", env=env).stdout
    assert both.count("running pid") == 5 and "replica   running pid" in both and replica_url in both, both

    down = _cli("stack", "down", "--no-airflow", env=env)
    assert down.returncode == 0, down.stderr
    assert "postgres  stopped\n" in down.stdout and "s3        stopped\n" in down.stdout
    assert "postgres  stopped  (demo)" in down.stdout and "replica   stopped  (demo)" in down.stdout
    assert _cli("stack", "status", env=env).stdout.count("running") == 0

    again = _cli("stack", "up", env=env)
    assert again.returncode == 0 and "migrations applied: 0" in again.stdout
    conn = db.connect(settings)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT run_id FROM yonhap.crawl_runs")
        assert cur.fetchall() == [("kept",)]
    conn.close()
    assert stack.read_credentials(local_dir) == secrets  # generated once per install
    assert _cli("stack", "down", "--no-airflow", env=env).returncode == 0
