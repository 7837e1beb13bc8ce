"""Local Airflow for `make run` / `make demo` / `make stop` (`yonhap-pipeline stack up --airflow`).

What `up` does (idempotent: running components are reused):
* AIRFLOW_HOME = ``<local_dir>/airflow``; metadata in database ``airflow`` on the same
  PostgreSQL server as ``yonhap`` (created when missing); LocalExecutor; dags folder = the
  repo's ``dags/``; no examples; SimpleAuthManager with user ``admin`` whose password is
  generated once into ``<AIRFLOW_HOME>/passwords.json`` and printed.
* ``airflow db migrate``, pool ``yonhap_site`` (SITE_POOL_SLOTS slots, kept if an operator
  changed it), then api-server, scheduler, dag-processor and triggerer as background
  processes (pidfiles and logs in ``<AIRFLOW_HOME>/run``), never `airflow standalone`.
* Connections ``yonhap_postgres`` / ``yonhap_s3`` are given to those processes as
  ``AIRFLOW_CONN_*`` variables pointing at the stack in use.
* ``demo=True`` also serves the bundled replica on port 8800 (crawled with no delay), keeps
  the hourly DAG paused (the replica's corpus is in the past) and triggers a backfill of
  DEMO_DAYS so the UI and the tables show data at once.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from yonhap.adapters import db, s3
from yonhap.core.config import Settings, SettingsError, env_int
from yonhap.core.editions import DEFAULT_EDITION, EDITIONS
from yonhap.stack import celery, services, supervisor

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO_ROOT / "dags"
DAG_IDS = ("yonhap_fr_ingest", "yonhap_fr_backfill", "yonhap_fr_reprocess", "yonhap_fr_watchdog", "yonhap_fr_canary")
# Left paused by the demo: the replica's articles are from June 2024, so hourly runs for today
# find nothing, which the watchdog would rightly call stale.
DEMO_PAUSED = ("yonhap_fr_ingest", "yonhap_fr_watchdog")
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
ADMIN_USER = "admin"
DEFAULT_PORT = 8080
SITE_POOL = EDITIONS[DEFAULT_EDITION].site_pool
# One crawl task at a time: each crawl already uses YONHAP_CONCURRENCY parallel requests, so
# the site sees at most YONHAP_CONCURRENCY requests in flight across all runs.
SITE_POOL_SLOTS = 1
DEMO_REPLICA_PORT = 8800
DEMO_DAYS = ("2024-06-18", "2024-06-20")
HEALTH_TIMEOUT = 180.0


class AirflowLocalError(RuntimeError):
    pass


def airflow_home(settings: Settings) -> Path:
    return Path(settings.local_dir) / "airflow"


def run_dir(home: Path) -> Path:
    return home / "run"


def api_port(env: dict[str, str] | None = None) -> int:
    return env_int("YONHAP_AIRFLOW_PORT", dict(os.environ if env is None else env), DEFAULT_PORT, 1, 65535)


def _bin_dir() -> Path:
    return Path(sys.executable).parent


def metadata_url(yonhap_url: str) -> str:
    """SQLAlchemy URL of database ``airflow`` on the server of ``yonhap_url`` (created if missing)."""
    parts = urlsplit(yonhap_url)
    db.create_database_if_missing(urlunsplit(parts._replace(path="/postgres", query="")), "airflow")
    return urlunsplit(parts._replace(scheme="postgresql+psycopg2", path="/airflow", query=""))


def connection_env(database_url: str, settings: Settings, s3_endpoint: str | None) -> dict[str, str]:
    """AIRFLOW_CONN_YONHAP_POSTGRES / _S3 (JSON form) for the stack in use."""
    pg = urlsplit(database_url)
    postgres = {
        "conn_type": "postgres",
        "host": pg.hostname or "localhost",
        "port": pg.port or 5432,
        "login": pg.username or "",
        "password": pg.password or "",
        "schema": (pg.path or "/yonhap").lstrip("/") or "yonhap",
    }
    extra = {"region_name": settings.aws_region}
    if s3_endpoint:
        extra["endpoint_url"] = s3_endpoint
    aws = {
        "conn_type": "aws",
        "login": settings.aws_access_key_id,
        "password": settings.aws_secret_access_key,
        "extra": extra,
    }
    return {
        "AIRFLOW_CONN_YONHAP_POSTGRES": json.dumps(postgres),
        "AIRFLOW_CONN_YONHAP_S3": json.dumps(aws),
    }


def api_connection_env(port: int, login: str | None = None, password: str | None = None) -> dict[str, str]:
    """AIRFLOW_CONN_YONHAP_AIRFLOW_API: where tasks write run notes (yonhap.airflow.run_note);
    without a login, the all-admins token of SimpleAuthManager's development mode."""
    conn: dict[str, object] = {"conn_type": "http", "host": f"http://127.0.0.1:{port}"}
    if login:
        conn.update(login=login, password=password or "")
    return {"AIRFLOW_CONN_YONHAP_AIRFLOW_API": json.dumps(conn)}


def airflow_env(home: Path, sql_alchemy_conn: str, port: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for every `airflow` process of one local installation."""
    env = dict(os.environ)
    env.update(
        {
            "PATH": f"{_bin_dir()}{os.pathsep}{env.get('PATH', '')}",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "8",  # 2 small cores: more would only thrash
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sql_alchemy_conn,
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
        }
    )
    env.update(extra or {})
    return env


def airflow_cli(env: dict[str, str], *args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(_bin_dir() / "airflow"), *args],
        env=env, capture_output=True, text=True, timeout=timeout, cwd=env["AIRFLOW_HOME"],
    )
    if check and proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise AirflowLocalError(f"`airflow {' '.join(args)}` failed ({proc.returncode}):\n{tail}")
    return proc


def ensure_pool(env: dict[str, str], slots: int = SITE_POOL_SLOTS) -> None:
    """Create pool yonhap_site (and each other edition's, yonhap_site_en) unless it exists (an
    operator's change is kept)."""
    for pool in dict.fromkeys(e.site_pool for e in EDITIONS.values()):
        _ensure_one_pool(env, pool, slots)


def _ensure_one_pool(env: dict[str, str], pool: str, slots: int) -> None:
    found = airflow_cli(env, "pools", "get", pool, "-o", "json", check=False)
    if found.returncode == 0 and pool in found.stdout:
        return
    host = next(e.host for e in EDITIONS.values() if e.site_pool == pool)
    airflow_cli(env, "pools", "set", pool, str(slots), f"{host}: concurrent crawl tasks across all yonhap runs")


def start_process(name: str, argv: list[str], env: dict[str, str], rundir: Path) -> int:
    """Start `argv` under the stack's supervisor (pidfile/log under `rundir`); reuse a live one."""
    return supervisor.start(name, argv, rundir, env=env, cwd=env.get("AIRFLOW_HOME", str(rundir)))


def stop_process(name: str, rundir: Path, timeout: float = 30) -> bool:
    """Stop the process group started under `name`; returns whether it was running."""
    return supervisor.stop(name, rundir, timeout)


def start_components(env: dict[str, str], rundir: Path, port: int) -> dict[str, int]:
    airflow = str(_bin_dir() / "airflow")
    argv = {
        "api-server": [airflow, "api-server", "--port", str(port)],
        "scheduler": [airflow, "scheduler"],
        "dag-processor": [airflow, "dag-processor"],
        "triggerer": [airflow, "triggerer"],
    }
    return {name: start_process(name, argv[name], env, rundir) for name in COMPONENTS}


def wait_healthy(port: int, timeout: float = HEALTH_TIMEOUT, rundir: Path | None = None) -> None:
    url = f"http://127.0.0.1:{port}/api/v2/monitor/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if rundir is not None:
            if supervisor.running(rundir, "api-server") is None:
                raise AirflowLocalError(f"api-server exited; see {rundir / 'api-server.log'}")
        time.sleep(2)
    raise AirflowLocalError(f"Airflow API not healthy on port {port} after {timeout:.0f}s")


def wait_dags_registered(sql_alchemy_conn: str, dag_ids=DAG_IDS, timeout: float = 240) -> None:
    """Wait until the dag-processor has written the DAGs to the metadata database."""
    import psycopg2  # lazy: `stack down` and `stack status` never need a driver

    url = sql_alchemy_conn.replace("postgresql+psycopg2://", "postgresql://", 1)
    deadline = time.monotonic() + timeout
    missing = set(dag_ids)
    while time.monotonic() < deadline:
        try:
            conn = psycopg2.connect(url, application_name="yonhap-airflow-local")
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT dag_id FROM dag WHERE dag_id = ANY(%s)", (list(dag_ids),))
                    missing = set(dag_ids) - {row[0] for row in cur.fetchall()}
            finally:
                conn.close()
        except psycopg2.Error:
            pass
        if not missing:
            return
        time.sleep(2)
    raise AirflowLocalError(f"DAGs not parsed after {timeout:.0f}s: {sorted(missing)} (see dag-processor.log)")


def admin_password(home: Path) -> str:
    """The admin password: generated once, kept in the SimpleAuthManager passwords file."""
    path = home / "passwords.json"
    try:
        stored = json.loads(path.read_text())
        if isinstance(stored, dict) and stored.get(ADMIN_USER):
            return stored[ADMIN_USER]
    except (OSError, ValueError):
        pass
    password = secrets.token_urlsafe(12)
    home.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({ADMIN_USER: password}))
    path.chmod(0o600)
    return password


def _echo(message: str) -> None:
    print(message, flush=True)


def _start_replica(settings: Settings, rundir: Path) -> str:
    port_file = rundir / "replica.port"
    if supervisor.running(rundir, "replica") is not None and port_file.exists():
        port = int(port_file.read_text())
    else:  # 8800 unless something else holds it
        port = DEMO_REPLICA_PORT if services.port_is_free(DEMO_REPLICA_PORT) else services.free_port()
        rundir.mkdir(parents=True, exist_ok=True)
        port_file.write_text(str(port))
    argv = [str(_bin_dir() / "yonhap-pipeline"), "replica", "--port", str(port)]
    start_process("replica", argv, dict(os.environ), rundir)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/robots.txt", timeout=5):
                return base
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise AirflowLocalError(f"replica did not answer on {base}; see {rundir / 'replica.log'}")


def _check_port_free(port: int, rundir: Path) -> None:
    """Refuse before migrating/starting anything: a taken port would otherwise surface only as
    an api-server crash after the other components were already started."""
    if supervisor.running(rundir, "api-server") is not None:
        return  # our own api-server from an earlier `stack up`: starting again is idempotent
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            raise AirflowLocalError(
                f"port {port} is already in use; stop what listens there or set YONHAP_AIRFLOW_PORT"
            ) from None


def _check_same_executor(executor: str, rundir: Path) -> None:
    """A running stack keeps its executor: `up` with another one is refused (stop it first)."""
    marker = rundir / "executor"
    if supervisor.running(rundir, "scheduler") is not None and marker.exists():
        current = marker.read_text().strip()
        if current != executor:
            raise AirflowLocalError(f"local Airflow is running with --executor {current}; "
                                    f"`yonhap-pipeline stack down` first to switch to {executor}")
    rundir.mkdir(parents=True, exist_ok=True)
    marker.write_text(executor)


def up(settings: Settings, demo: bool = False, executor: str = "local") -> dict[str, object]:
    """Start local Airflow (see module doc); prints the UI URL and login. ``executor="celery"``:
    the CeleryExecutor with its workers (yonhap.stack.celery)."""
    try:
        celery.check_executor(executor)
        port = api_port()
        profile = celery.CeleryProfile.from_env() if executor == "celery" else None
        if profile is not None:
            celery.check_broker(profile)
    except SettingsError as err:
        raise AirflowLocalError(str(err)) from None
    home = airflow_home(settings)
    _check_port_free(port, run_dir(home))
    _check_same_executor(executor, run_dir(home))
    home.mkdir(parents=True, exist_ok=True)
    rundir = run_dir(home)
    database_url = db.database_url(settings)
    endpoint = s3.endpoint_url(settings)
    extra = connection_env(database_url, settings, endpoint)
    if demo:
        base_url = _start_replica(settings, rundir)
        extra.update({"YONHAP_BASE_URL": base_url, "YONHAP_DOWNLOAD_DELAY": "0"})
        _echo(f"replica   {base_url}  (bundled copy of {EDITIONS[DEFAULT_EDITION].host}, June 2024)")
    password = admin_password(home)
    extra.update(api_connection_env(port, ADMIN_USER, password))
    if profile is not None:
        extra.update(celery.executor_env(profile, metadata_url(database_url)))
    env = airflow_env(home, metadata_url(database_url), port, extra)
    _echo(f"airflow   home {home}; migrating metadata database …")
    airflow_cli(env, "db", "migrate")
    ensure_pool(env)
    pids = start_components(env, rundir, port)
    if profile is not None:
        pids.update(start_workers(env, profile, rundir))
        _echo(f"celery    {profile.workers} workers × {profile.concurrency} slots, queue {profile.queue}, "
              f"broker {profile.broker_address[0]}:{profile.broker_address[1]}  (logs {rundir}/celery-worker*.log)")
    wait_healthy(port, rundir=rundir)
    wait_dags_registered(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    active = [d for d in DAG_IDS if not (demo and d in DEMO_PAUSED)]
    airflow_cli(env, "dags", "unpause", "--treat-dag-id-as-regex", "-y", "^(" + "|".join(active) + ")$")
    if demo:
        airflow_cli(env, "dags", "pause", "--treat-dag-id-as-regex", "-y", "^(" + "|".join(DEMO_PAUSED) + ")$")
        conf = json.dumps({"from": DEMO_DAYS[0], "to": DEMO_DAYS[1]})
        airflow_cli(env, "dags", "trigger", "yonhap_fr_backfill", "--conf", conf)
        _echo(f"demo      backfill of {DEMO_DAYS[0]} .. {DEMO_DAYS[1]} triggered (yonhap_fr_backfill)")
    url = f"http://localhost:{port}"
    _echo(f"airflow   UI {url}  login {ADMIN_USER} / {password}")
    _echo(f"airflow   logs {rundir}  (stop with `make stop`)")
    return {"url": url, "user": ADMIN_USER, "password": password, "pids": pids, "home": str(home)}


def worker_process_names(rundir: Path) -> list[str]:
    """The Celery workers a `stack up --executor celery` started here (their pidfiles)."""
    return sorted(p.stem for p in rundir.glob("celery-worker*.pid"))


def start_workers(env: dict[str, str], profile: celery.CeleryProfile, rundir: Path) -> dict[str, int]:
    """One `airflow celery worker` process per worker, each under its own name."""
    airflow = str(_bin_dir() / "airflow")
    pids = {}
    for index in range(1, profile.workers + 1):
        name = f"celery-worker{index}"
        worker = {**env, **celery.worker_env(index)}
        pids[name] = start_process(name, celery.worker_argv(airflow, profile, index), worker, rundir)
    return pids


def down(settings: Settings) -> dict[str, bool]:
    """Stop what `up` started (idempotent); {component: was_running}. Workers first: a warm
    shutdown lets their running tasks finish while the API still answers them."""
    rundir = run_dir(airflow_home(settings))
    stopped = {name: stop_process(name, rundir, timeout=60) for name in worker_process_names(rundir)}
    stopped.update({name: stop_process(name, rundir) for name in (*COMPONENTS, "replica")})
    for name, was_running in stopped.items():
        if was_running:
            _echo(f"{name:<13} stopped")
    return stopped
