"""Local Airflow for `make run` / `make demo` / `make stop` (`yonhap-pipeline stack up --airflow`).

What `up` does (idempotent: running components are reused):
* AIRFLOW_HOME = ``<local_dir>/airflow``; metadata in database ``airflow`` on the same
  PostgreSQL server as ``yonhap`` (created when missing); LocalExecutor; dags folder = the
  repo's ``dags/``; no examples; SimpleAuthManager with user ``admin`` whose password is
  generated once into ``<AIRFLOW_HOME>/passwords.json`` and printed.
* ``airflow db migrate``, then api-server, scheduler, dag-processor, triggerer and one log server
  as background processes (pidfiles and logs in ``<AIRFLOW_HOME>/run``), never `airflow
  standalone`; then, through the REST API as the admin, pool ``yonhap_site`` (SITE_POOL_SLOTS
  slots, kept if an operator changed it; ``yonhap_site_en`` too) and the DAGs' pause states.
* Every server listens on ``YONHAP_BIND_HOST`` (127.0.0.1): the api-server (``--host``) and the
  log server. Airflow's own ``serve-logs`` (started by the scheduler, the triggerer and each
  Celery worker) binds every interface and has no host setting, so those start with
  ``--skip-serve-logs`` and one log server of ours (Airflow's app under uvicorn, bound to the
  bind host) serves the task and trigger logs, on ``YONHAP_LOG_SERVER_PORT`` (default: a free
  port, so two stacks on one machine never collide). A bind error in a component's log fails `up`.
* Connections ``yonhap_postgres`` / ``yonhap_s3`` are given to those processes as
  ``AIRFLOW_CONN_*`` variables pointing at the stack in use, with its credentials.
* ``demo=True`` (the demo's own local dir, see pipeline.cli.stack) also serves the bundled replica
  on ``YONHAP_REPLICA_PORT`` (crawled with no delay), keeps the hourly DAG paused (the replica's
  corpus is in the past) and triggers a backfill of DEMO_DAYS so the UI and the tables show data
  at once.
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

from devtools.stack import celery, services, supervisor
from ground.adapters import db, s3
from ground.core.config import LOOPBACK, Settings, SettingsError, connect_host, env_int
from ground.core.editions import DEFAULT_EDITION, EDITIONS

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO_ROOT / "dags"
DAG_IDS = ("yonhap_fr_ingest", "yonhap_fr_backfill", "yonhap_fr_reprocess", "yonhap_fr_watchdog", "yonhap_fr_canary")
# Left paused by the demo: the replica's articles are from June 2024, so hourly runs for today
# find nothing, which the watchdog would rightly call stale.
DEMO_PAUSED = ("yonhap_fr_ingest", "yonhap_fr_watchdog")
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer", "log-server")
# Airflow's log server app, run by uvicorn on the bind host (Airflow's serve-logs binds all interfaces).
LOG_SERVER_APP = "airflow.utils.serve_logs.log_server:get_app"
# What a server prints when its port is taken (uvicorn, werkzeug, Python).
BIND_ERRORS = ("address already in use", "errno 98", "could not bind")
ADMIN_USER = "admin"
DEFAULT_PORT = 8080
SITE_POOL = EDITIONS[DEFAULT_EDITION].site_pool
# One crawl task at a time: each crawl already uses YONHAP_CONCURRENCY parallel requests, so
# the site sees at most YONHAP_CONCURRENCY requests in flight across all runs.
SITE_POOL_SLOTS = 1
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
    """AIRFLOW_CONN_YONHAP_POSTGRES / _S3 (JSON form) for the stack in use, with its credentials
    (the local S3 endpoint's generated keys when it is the one in use)."""
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
    key, secret = s3.access_keys(settings)
    aws: dict[str, object] = {"conn_type": "aws", "extra": extra}
    if key:
        aws.update(login=key, password=secret or "")
    return {
        "AIRFLOW_CONN_YONHAP_POSTGRES": json.dumps(postgres),
        "AIRFLOW_CONN_YONHAP_S3": json.dumps(aws),
    }


def api_connection_env(port: int, login: str | None = None, password: str | None = None,
                       host: str = LOOPBACK) -> dict[str, str]:
    """AIRFLOW_CONN_YONHAP_AIRFLOW_API: where tasks write run notes (pipeline.airflow.run_note);
    without a login, the all-admins token of SimpleAuthManager's development mode."""
    conn: dict[str, object] = {"conn_type": "http", "host": f"http://{host}:{port}"}
    if login:
        conn.update(login=login, password=password or "")
    return {"AIRFLOW_CONN_YONHAP_AIRFLOW_API": json.dumps(conn)}


def airflow_env(home: Path, sql_alchemy_conn: str, port: int, extra: dict[str, str] | None = None, *,
                bind_host: str = LOOPBACK, log_port: int | None = None) -> dict[str, str]:
    """Environment for every `airflow` process of one local installation: servers on
    ``bind_host``; task and trigger logs served on ``log_port`` (None: a free port now)."""
    api = f"http://{connect_host(bind_host)}:{port}"
    log_port = log_port or services.free_port(bind_host)
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
            "AIRFLOW__API__HOST": bind_host,
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": api,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api}/execution/",
            # One log server for the machine's task and trigger logs (see the module doc).
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(log_port),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(log_port),
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


def _site_pools() -> dict[str, str]:
    """pool -> its description: one per site host (yonhap_site, yonhap_site_en)."""
    pools: dict[str, str] = {}
    for e in EDITIONS.values():
        pools.setdefault(e.site_pool, f"{e.host}: concurrent crawl tasks across all yonhap runs")
    return pools


def ensure_pool(env: dict[str, str], slots: int = SITE_POOL_SLOTS) -> None:
    """Create pool yonhap_site (and each other edition's, yonhap_site_en) unless it exists (an
    operator's change is kept). With the CLI, before any component runs (tests, benches);
    `up` does the same through the REST API (:class:`Api`), seconds faster."""
    for pool, description in _site_pools().items():
        found = airflow_cli(env, "pools", "get", pool, "-o", "json", check=False)
        if not (found.returncode == 0 and pool in found.stdout):
            airflow_cli(env, "pools", "set", pool, str(slots), description)


class Api:
    """The local api-server's REST API as the admin (SimpleAuthManager's login): what `up` does
    once the server answers, instead of an `airflow` CLI process (~5 s of start-up) per step."""

    def __init__(self, base_url: str, password: str):
        self.base_url = base_url
        status, body = self._call("POST", "/auth/token", {"username": ADMIN_USER, "password": password})
        if status not in (200, 201) or "access_token" not in body:
            raise AirflowLocalError(f"Airflow API login failed ({status}): {body}")
        self._token = body["access_token"]

    def _call(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(self.base_url + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Content-Type": "application/json"})
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=60) as resp:  # noqa: S310 (our own local API)
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as err:
            raw = err.read() or b"{}"
            try:
                return err.code, json.loads(raw)
            except ValueError:
                return err.code, {"detail": raw.decode(errors="replace")[:300]}

    def __call__(self, method: str, path: str, body: dict | None = None, ok: tuple[int, ...] = (200, 201)) -> dict:
        status, answer = self._call(method, "/api/v2" + path, body, self._token)
        if status not in ok:
            raise AirflowLocalError(f"Airflow API {method} {path} answered {status}: {answer}")
        return answer

    def ensure_pools(self, slots: int = SITE_POOL_SLOTS) -> None:
        for pool, description in _site_pools().items():
            status, answer = self._call("GET", f"/api/v2/pools/{pool}", token=self._token)
            if status == 404:
                self("POST", "/pools", {"name": pool, "slots": slots, "description": description})
            elif status != 200:
                raise AirflowLocalError(f"Airflow API GET /pools/{pool} answered {status}: {answer}")

    def pause(self, dag_id: str, paused: bool) -> None:
        self("PATCH", f"/dags/{dag_id}", {"is_paused": paused})

    def trigger(self, dag_id: str, conf: dict) -> str:
        return self("POST", f"/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf})["dag_run_id"]


def start_process(name: str, argv: list[str], env: dict[str, str], rundir: Path, **kw) -> int:
    """Start `argv` under the stack's supervisor (pidfile/log under `rundir`); reuse a live one."""
    return supervisor.start(name, argv, rundir, env=env, cwd=env.get("AIRFLOW_HOME", str(rundir)), **kw)


def stop_process(name: str, rundir: Path, timeout: float = 30) -> bool:
    """Stop the process group started under `name`; returns whether it was running."""
    return supervisor.stop(name, rundir, timeout)


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((connect_host(host), port), timeout=1):
            return True
    except OSError:
        return False


def start_log_server(env: dict[str, str], rundir: Path) -> int:
    """Airflow's log server app (task and trigger logs, JWT-checked) on the bind host and the
    port ``airflow_env`` set; refused when another program holds that port."""
    host, port = env["AIRFLOW__API__HOST"], int(env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"])
    name = "log-server"
    if supervisor.running(rundir, name) is None and not services.port_is_free(port, host):
        raise AirflowLocalError(f"port {port} on {host} is taken by another program; set YONHAP_LOG_SERVER_PORT "
                                "to a free port (or leave it unset: a free port is picked)")
    argv = [sys.executable, "-m", "uvicorn", "--factory", LOG_SERVER_APP, "--host", host, "--port", str(port),
            "--log-level", "warning", "--no-access-log"]
    try:
        return start_process(name, argv, env, rundir, ready=lambda: _listening(host, port), timeout=120)
    except supervisor.ProcessFailed as err:
        raise AirflowLocalError(f"log server: {err}") from None


def start_components(env: dict[str, str], rundir: Path, port: int) -> dict[str, int]:
    """The api-server (on the bind host), scheduler, dag-processor and triggerer (without their
    all-interfaces serve-logs) and our loopback log server."""
    airflow = str(_bin_dir() / "airflow")
    argv = {
        "api-server": [airflow, "api-server", "--host", env["AIRFLOW__API__HOST"], "--port", str(port)],
        "scheduler": [airflow, "scheduler", "--skip-serve-logs"],
        "dag-processor": [airflow, "dag-processor"],
        "triggerer": [airflow, "triggerer", "--skip-serve-logs"],
    }
    pids = {name: start_process(name, argv[name], env, rundir) for name in argv}
    pids["log-server"] = start_log_server(env, rundir)
    return pids


def log_sizes(rundir: Path) -> dict[Path, int]:
    """Where each component's log ends now: what a start writes after this is its own."""
    return {log: log.stat().st_size for log in rundir.glob("*.log")} if rundir.exists() else {}


def check_bind_errors(rundir: Path, since: dict[Path, int]) -> None:
    """A server of this start that could not bind its port fails `up` (its log and line named):
    a half-started stack must not report success."""
    for log in sorted(rundir.glob("*.log")):
        with open(log, "rb") as handle:
            handle.seek(since.get(log, 0))
            text = handle.read().decode("utf-8", "replace")
        for line in text.splitlines():
            if any(marker in line.lower() for marker in BIND_ERRORS):
                raise AirflowLocalError(f"{log.stem} could not bind its port ({log}): {line.strip()[:300]} -- "
                                        "set the port's variable (YONHAP_AIRFLOW_PORT, YONHAP_LOG_SERVER_PORT) "
                                        "to a free port, or stop the other program")


def wait_healthy(port: int, timeout: float = HEALTH_TIMEOUT, rundir: Path | None = None,
                 host: str = LOOPBACK) -> None:
    url = f"http://{connect_host(host)}:{port}/api/v2/monitor/health"
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
        time.sleep(0.5)
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
        time.sleep(0.5)
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


def _check_port_free(port: int, rundir: Path, host: str = LOOPBACK) -> None:
    """Refuse before migrating/starting anything: a taken port would otherwise surface only as
    an api-server crash after the other components were already started."""
    if supervisor.running(rundir, "api-server") is not None:
        return  # our own api-server from an earlier `stack up`: starting again is idempotent
    if not services.port_is_free(port, host):
        raise AirflowLocalError(
            f"port {port} is already in use; stop what listens there or set YONHAP_AIRFLOW_PORT"
        )


def site_line(settings: Settings, demo: bool = False) -> str:
    """What the scheduled DAGs will crawl: ``live: https://fr.yna.co.kr``, ``replica: …`` or
    ``test site: …`` (neither: a database holds one kind, storage/sites.py)."""
    if settings.live_site:
        return f"live: {settings.base_url}"
    return f"{'replica' if demo else 'test site'}: {settings.base_url} (not the live site)"


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
    the CeleryExecutor with its workers (devtools.stack.celery)."""
    try:
        celery.check_executor(executor)
        port = api_port()
        profile = celery.CeleryProfile.from_env() if executor == "celery" else None
        if profile is not None:
            celery.check_broker(profile)
    except SettingsError as err:
        raise AirflowLocalError(str(err)) from None
    home = airflow_home(settings)
    host = settings.bind_host
    _check_port_free(port, run_dir(home), host)
    _check_same_executor(executor, run_dir(home))
    home.mkdir(parents=True, exist_ok=True)
    rundir = run_dir(home)
    database_url = db.database_url(settings)
    endpoint = s3.endpoint_url(settings)
    extra = connection_env(database_url, settings, endpoint)
    if demo:
        try:
            base_url = services.ensure_replica(settings)
        except services.StackError as err:
            raise AirflowLocalError(str(err)) from None
        settings = settings.with_(base_url=base_url, download_delay=0.0)
        extra.update({"YONHAP_BASE_URL": base_url, "YONHAP_DOWNLOAD_DELAY": "0"})
        _echo(f"replica   {base_url}  (bundled copy of {EDITIONS[DEFAULT_EDITION].host}, June 2024)")
    password = admin_password(home)
    extra.update(api_connection_env(port, ADMIN_USER, password, connect_host(host)))
    if profile is not None:
        extra.update(celery.executor_env(profile, metadata_url(database_url)))
    env = airflow_env(home, metadata_url(database_url), port, extra, bind_host=host,
                      log_port=_log_port(settings, rundir))
    _echo(f"airflow   home {home}; migrating metadata database …")
    airflow_cli(env, "db", "migrate")
    since = log_sizes(rundir)
    pids = start_components(env, rundir, port)
    (rundir / LOG_PORT_FILE).write_text(env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"])
    (rundir / API_PORT_FILE).write_text(str(port))
    if profile is not None:
        pids.update(start_workers(env, profile, rundir))
        _echo(f"celery    {profile.workers} workers × {profile.concurrency} slots, queue {profile.queue}, "
              f"broker {profile.broker_address[0]}:{profile.broker_address[1]}  (logs {rundir}/celery-worker*.log)")
    wait_healthy(port, rundir=rundir, host=host)
    api = Api(env["AIRFLOW__API__BASE_URL"], password)
    api.ensure_pools()  # before any DAG is unpaused: crawls always run in their site's pool
    wait_dags_registered(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    check_bind_errors(rundir, since)
    _echo(f"site      {site_line(settings, demo)}")
    for dag_id in DAG_IDS:
        api.pause(dag_id, demo and dag_id in DEMO_PAUSED)  # the replica's corpus is in the past
    if demo:
        api.trigger("yonhap_fr_backfill", {"from": DEMO_DAYS[0], "to": DEMO_DAYS[1]})
        _echo(f"demo      backfill of {DEMO_DAYS[0]} .. {DEMO_DAYS[1]} triggered (yonhap_fr_backfill)")
    url = f"http://{'localhost' if connect_host(host) == LOOPBACK else connect_host(host)}:{port}"
    _echo(f"airflow   UI {url}  login {ADMIN_USER} / {password}")
    _echo(f"airflow   logs {rundir}  (stop with `make stop`)")
    return {"url": url, "user": ADMIN_USER, "password": password, "pids": pids, "home": str(home)}


LOG_PORT_FILE = "log-server.port"  # the log server's port while the stack runs (kept by a restart)
API_PORT_FILE = "api-server.port"


def _log_port(settings: Settings, rundir: Path) -> int | None:
    """YONHAP_LOG_SERVER_PORT, else the running stack's (its components know that one: a second
    `up` must not move it), else None: airflow_env picks a free one."""
    if settings.log_server_port:
        return settings.log_server_port
    kept = rundir / LOG_PORT_FILE
    if kept.exists() and any(supervisor.running(rundir, name) is not None for name in COMPONENTS):
        return int(kept.read_text())
    return None


def status(settings: Settings) -> dict[str, object]:
    """Which local Airflow processes run (pid or None), and the UI's URL when the api-server does."""
    rundir = run_dir(airflow_home(settings))
    names = (*COMPONENTS, *worker_process_names(rundir)) if rundir.exists() else ()
    pids = {name: supervisor.running(rundir, name) for name in names}
    port_file = rundir / API_PORT_FILE
    url = None
    if pids.get("api-server") and port_file.exists():
        url = f"http://{connect_host(settings.bind_host)}:{port_file.read_text().strip()}"
    return {"pids": pids, "url": url, "home": str(airflow_home(settings))}


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
    stopped = supervisor.stop_many(worker_process_names(rundir), rundir, timeout=60)
    # All at once (the slowest sets the time); "replica": where versions before the demo's own
    # local dir ran it.
    stopped.update(supervisor.stop_many((*COMPONENTS, "replica"), rundir))
    for name, was_running in stopped.items():
        if was_running:
            _echo(f"{name:<13} stopped")
    return stopped
