"""The embedded local stack: PostgreSQL and an S3-compatible endpoint, for a fresh machine.

* Credentials, generated once per install into ``<local_dir>/credentials.json`` (mode 0600):
  the S3 key pair the endpoint accepts and the passwords of the PostgreSQL superuser and of
  ``yonhap_reader`` (`stack status` shows them).
* PostgreSQL 16 from the binaries bundled in the ``pgserver`` wheel, data dir
  ``<local_dir>/pg`` (survives restarts), listening on ``YONHAP_BIND_HOST``:``YONHAP_PG_PORT``
  (127.0.0.1 by default), TCP only (no Unix socket), password logins only (``scram-sha-256``;
  pg_hba.conf has no ``trust`` line), database ``yonhap``. When we run as root (CI, containers)
  the server runs as the unprivileged OS user ``pgserver`` -- PostgreSQL refuses to run as root.
* S3: :mod:`devtools.stack.s3_server` (moto's S3 protocol, written through to files, SigV4 checked
  against the install's keys) in a subprocess on ``YONHAP_BIND_HOST``:``YONHAP_S3_PORT``; objects
  in ``<local_dir>/s3`` (survive restarts, ``kill -9`` and reboots, as PostgreSQL's data does);
  pidfile and log in ``local_dir``.

Every start is idempotent (already running -> reused) and serialised by a file lock, so
concurrent callers (Airflow tasks, CLI) do not race. Only used when ``DATABASE_URL`` /
``S3_ENDPOINT_URL`` are unset; nothing here is imported at CLI start-up.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
import socket
import stat
import subprocess
import sys
import urllib.error
import urllib.request
import warnings
from pathlib import Path

from devtools.stack import supervisor
from devtools.stack.supervisor import file_lock, tail, wait_gone
from ground.adapters import db
from ground.adapters.local_stack import (
    HOST,
    PG_DATABASE,
    PG_READER,
    PG_SUPERUSER,
    S3_NAME,
    S3_PROCESS,
    LocalCredentials,
    StackNotRunning,
    credentials_path,
    pg_data_dir,
    pid_alive,
    postgres_url,
    postmaster_state,
    read_credentials,
    read_pidfile,
    s3_endpoint,
    s3_state,
)
from ground.core.config import Settings, connect_host

PG_SYSTEM_USER = "pgserver"  # OS user the server runs as when we are root (same as pgserver's)

__all__ = ["StackNotRunning", "postgres_url", "s3_endpoint", "postmaster_state", "s3_state", "read_credentials"]


class StackError(RuntimeError):
    """The local stack could not start; ``str(err)`` is one line saying what to do."""


# ---------------------------------------------------------------- helpers


def port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = HOST) -> int:
    """A TCP port nobody listens on right now (tests: never fixed ports)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- credentials


def ensure_credentials(local_dir: Path) -> LocalCredentials:
    """The install's credentials: read, or generated once (``credentials.json``, mode 0600)."""
    local_dir = Path(local_dir)
    found = read_credentials(local_dir)
    if found is not None:
        return found
    local_dir.mkdir(parents=True, exist_ok=True)
    with file_lock(local_dir / ".credentials.lock"):
        found = read_credentials(local_dir)
        if found is not None:
            return found
        fresh = LocalCredentials(
            s3_access_key_id="YONHAP" + secrets.token_hex(7).upper(),  # 20 characters, as AWS's
            s3_secret_access_key=secrets.token_urlsafe(30),
            postgres_password=secrets.token_urlsafe(18),
            reader_password=secrets.token_urlsafe(18),
        )
        path = credentials_path(local_dir)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # never readable by others
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(fresh.to_dict(), handle, indent=1)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        return fresh


def s3_keys_env(local_dir: Path) -> dict[str, str]:
    """AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for an S3 server started on ``local_dir``
    (``start_s3``): the only pair it accepts (for callers that set S3_ENDPOINT_URL to it)."""
    keys = ensure_credentials(local_dir)
    return {"AWS_ACCESS_KEY_ID": keys.s3_access_key_id, "AWS_SECRET_ACCESS_KEY": keys.s3_secret_access_key}


# ---------------------------------------------------------------- PostgreSQL


def _pgserver():
    """The pgserver wheel's modules (its import warns about XDG_RUNTIME_DIR; irrelevant to us)."""

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver._commands  # lazy: the `local` extra; absent in the Docker image
        import pgserver.utils

    return pgserver


def _pg_bin(name: str) -> str:
    return str(_pgserver()._commands.POSTGRES_BIN_PATH / name)


def _system_user() -> str | None:
    """The unprivileged user to run the server as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    try:
        _pgserver().utils.ensure_user_exists(PG_SYSTEM_USER)
    except (OSError, subprocess.CalledProcessError) as err:
        raise StackError(
            f"running as root: could not create the OS user {PG_SYSTEM_USER!r} PostgreSQL must run as "
            f"({err}); create it, or set DATABASE_URL"
        ) from None
    return PG_SYSTEM_USER


def _grant_traversal(path: Path) -> None:
    """Let the server's OS user reach ``path`` (o+x on every parent; only when root)."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


def _prepare_binaries_for(user: str) -> None:
    # Some wheels unpack without group/other read; the pgserver user must exec them.
    pgs = _pgserver()
    POSTGRES_BIN_PATH = pgs._commands.POSTGRES_BIN_PATH
    ensure_folder_permissions = pgs.utils.ensure_folder_permissions
    probe = POSTGRES_BIN_PATH / "postgres"
    if probe.stat().st_mode & stat.S_IXOTH:
        return
    _grant_traversal(POSTGRES_BIN_PATH)
    rx = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
    ensure_folder_permissions(POSTGRES_BIN_PATH, rx)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)


def _run_pg(args: list[str], user: str | None, cwd: Path, timeout: float = 120, stdin: str | None = None) -> None:
    # Drop root's groups too: a group match would override the "other" traversal bits.
    drop = {"user": user, "group": user, "extra_groups": []} if user else {}
    io = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, **io, **drop)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise StackError(f"{Path(args[0]).name} failed: {detail[-1] if detail else result.returncode}")


def _init_pgdata(pgdata: Path, user: str | None) -> None:
    pgdata.mkdir(parents=True, exist_ok=True)
    if user is not None:
        import pwd  # lazy: only when running as root

        entry = pwd.getpwnam(user)
        _grant_traversal(pgdata.parent)
        os.chown(pgdata, entry.pw_uid, entry.pw_gid)
    pgdata.chmod(0o700)
    if (pgdata / "PG_VERSION").exists():
        return
    _run_pg(
        [
            _pg_bin("initdb"), "-D", str(pgdata), "-U", PG_SUPERUSER, "--encoding=UTF8",
            "--locale=C.UTF-8", "--auth=trust", "--no-instructions",
        ],
        user,
        pgdata,
    )


# Password logins over TCP, from wherever the server listens (YONHAP_BIND_HOST); no "local"
# lines (no Unix socket) and never `trust`.
PG_HBA = """# Written by yonhap-pipeline (devtools/stack/services.py) at every start: password logins only.
host    all    all    0.0.0.0/0    scram-sha-256
host    all    all    ::/0         scram-sha-256
"""
PASSWORD_STAMP = "yonhap-password.sha256"  # which superuser password the data dir was given


def _password_stamp(password: str) -> str:
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def _write_owned(path: Path, text: str, user: str | None) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    if user is not None:
        import pwd  # lazy: only when running as root

        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _secure_stopped(pgdata: Path, user: str | None, password: str) -> None:
    """Before a start: password-only pg_hba.conf, and the superuser's password set (single-user
    mode: no network at all) when the data dir has not been given this one yet -- a fresh
    initdb, a data dir from before passwords, or a regenerated credentials file."""
    _write_owned(pgdata / "pg_hba.conf", PG_HBA, user)
    stamp = pgdata / PASSWORD_STAMP
    if stamp.exists() and stamp.read_text().strip() == _password_stamp(password):
        return
    _run_pg([_pg_bin("postgres"), "--single", "-D", str(pgdata), "-c", "listen_addresses=", "-c",
             "unix_socket_directories=", PG_SUPERUSER],
            user, pgdata, stdin=f"ALTER ROLE {PG_SUPERUSER} WITH PASSWORD '{password.replace(chr(39), chr(39) * 2)}';\n")
    _write_owned(stamp, _password_stamp(password) + "\n", user)


def _secure_running(pgdata: Path, user: str | None, password: str, host: str, port: int) -> None:
    """A server started by a version without passwords (trust) keeps running: give it the
    password over its (trusting) connection, then the password-only pg_hba.conf, reloaded."""
    stamp = pgdata / PASSWORD_STAMP
    if stamp.exists() and stamp.read_text().strip() == _password_stamp(password):
        return
    import psycopg2  # lazy: as in ground.adapters.db
    from psycopg2 import sql  # lazy: as above

    try:
        conn = psycopg2.connect(postgres_url(port, "postgres", host=host), connect_timeout=10)
    except psycopg2.OperationalError:
        raise StackError(
            f"the local PostgreSQL ({pgdata}) does not accept this install's password: stop it "
            "(`yonhap-pipeline stack down`) and start it again"
        ) from None
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("ALTER ROLE {} WITH PASSWORD %s").format(sql.Identifier(PG_SUPERUSER)), (password,))
            _write_owned(pgdata / "pg_hba.conf", PG_HBA, user)
            cur.execute("SELECT pg_reload_conf()")
    finally:
        conn.close()
    _write_owned(stamp, _password_stamp(password) + "\n", user)


def grant_reader_login(url: str, password: str) -> bool:
    """Let ``yonhap_reader`` (created by the migrations) log in with the install's password;
    False when the role does not exist."""
    import psycopg2  # lazy: as above
    from psycopg2 import sql  # lazy: as above

    conn = psycopg2.connect(url, application_name=db.APPLICATION_NAME)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (PG_READER,))
            if cur.fetchone() is None:
                return False
            cur.execute(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD %s").format(sql.Identifier(PG_READER)), (password,))
            return True
    finally:
        conn.close()


# The embedded server's settings for bulk loads (PostgreSQL's "Populating a Database" advice):
# a 50k-article load writes about 700 MB of WAL. With the defaults (4 MB of WAL buffers, a
# checkpoint every ~540 MB) the inserting backend wrote WAL out itself and a checkpoint started
# mid-load; this cut the articles merge by about 2 s (bench/bench_load.py). Costs 64 MB of
# shared memory and up to 2 GB of pg_wal on disk between checkpoints.
BULK_LOAD_SETTINGS = "-c wal_buffers=64MB -c max_wal_size=2GB"


def start_postgres(pgdata: Path, port: int, *, durable: bool = True, database: str = PG_DATABASE,
                   host: str = HOST) -> str:
    """Start (or reuse) the server on ``pgdata``, listening on ``host``; returns the URL of
    ``database`` (created if missing), with the superuser's password of the install whose
    local dir holds ``pgdata`` (generated there when missing).

    ``durable=False`` turns fsync off: for throw-away test servers only.
    """
    pgdata = pgdata.resolve()
    password = ensure_credentials(pgdata.parent).postgres_password
    user = _system_user()
    if user is not None:
        _prepare_binaries_for(user)
    with file_lock(pgdata.parent / f".{pgdata.name}.lock"):
        state = postmaster_state(pgdata)
        if state is not None:
            _secure_running(pgdata, user, password, state.host, state.port or port)
        else:
            if not port_is_free(port, host):
                raise StackError(
                    f"port {port} on {host} is taken by another program; set YONHAP_PG_PORT to a free "
                    f"port, or DATABASE_URL to use your own PostgreSQL"
                )
            _init_pgdata(pgdata, user)
            (pgdata / "postmaster.pid").unlink(missing_ok=True)  # stale, checked above
            _secure_stopped(pgdata, user, password)
            options = f"-h {host} -p {port} -c unix_socket_directories='' {BULK_LOAD_SETTINGS}"
            if not durable:
                options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            log = pgdata / "server.log"
            try:
                _run_pg(
                    [_pg_bin("pg_ctl"), "-D", str(pgdata), "-l", str(log), "-w", "-t", "60", "-o", options, "start"],
                    user,
                    pgdata,
                )
            except StackError as err:
                raise StackError(f"{err}; server log {log}: {tail(log, 3)!r}") from None
            state = postmaster_state(pgdata)
            if state is None:
                raise StackError(f"PostgreSQL did not start; see {log}")
        actual_port = state.port or port
        db.create_database_if_missing(postgres_url(actual_port, "postgres", password, state.host), database, wait=30)
    return postgres_url(actual_port, database, password, state.host)


def stop_postgres(pgdata: Path, timeout: float = 60) -> bool:
    """Fast shutdown of the server on ``pgdata``; returns whether one was running.

    Signals the postmaster directly (SIGINT = fast shutdown), so it works as root whatever
    the data dir's parent permissions have become.
    """
    state = postmaster_state(pgdata)
    if state is None:
        return False
    os.kill(state.pid, signal.SIGINT)
    if not wait_gone(state.pid, timeout):
        os.kill(state.pid, signal.SIGQUIT)  # immediate shutdown; recovers on next start
        wait_gone(state.pid, 10)
    return True


# ---------------------------------------------------------------- S3 (durable moto server)

def _s3_answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(endpoint + "/", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer (an anonymous request: 403) means the server is up
    except (urllib.error.URLError, OSError):
        return False


def s3_data_dir(state_dir: Path) -> Path:
    return state_dir / "s3"


def start_s3(state_dir: Path, port: int, timeout: float = 300, host: str = HOST) -> str:
    """Start (or reuse) the durable S3 server on ``state_dir/s3``, listening on ``host``; returns
    its endpoint URL. It accepts only the key pair of ``state_dir``'s credentials (generated
    when missing: :func:`ensure_credentials`). It restores the stored objects before it listens
    (about 1.6 s per 1,000 objects)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    ensure_credentials(state_dir)
    with file_lock(state_dir / ".s3.lock"):
        state = s3_state(state_dir)
        if state is not None:
            return s3_endpoint(state[1], state[2])
        if not port_is_free(port, host):
            raise StackError(
                f"port {port} on {host} is taken by another program; set YONHAP_S3_PORT to a free "
                f"port, or S3_ENDPOINT_URL to use your own S3 endpoint"
            )
        endpoint = s3_endpoint(port, connect_host(host))
        argv = [sys.executable, "-m", S3_PROCESS, "--host", host, "--port", str(port),
                "--data", str(s3_data_dir(state_dir)), "--credentials", str(credentials_path(state_dir))]
        try:
            supervisor.start(S3_NAME, argv, state_dir, fields=(str(port), host), timeout=timeout,
                             ready=lambda: _s3_answers(endpoint), name_part=S3_PROCESS)
        except supervisor.ProcessFailed as err:
            raise StackError(f"S3 endpoint ({S3_PROCESS}): {err}") from None
    return endpoint


def stop_s3(state_dir: Path, timeout: float = 15) -> bool:
    return supervisor.stop(S3_NAME, state_dir, timeout, name_part=S3_PROCESS)


# ---------------------------------------------------------------- the demo's replica site

REPLICA_NAME = "replica"  # supervisor name: replica.pid (pid, port, host), replica.log in local_dir
REPLICA_PROCESS = "devtools.replica"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except (urllib.error.URLError, OSError):
        return False


def replica_state(state_dir: Path) -> tuple[int, str] | None:
    """(pid, base URL) of the replica a `stack up --demo` serves from ``state_dir``, or None."""
    found = read_pidfile(state_dir / f"{REPLICA_NAME}.pid")
    if found is None or not pid_alive(found[0], REPLICA_PROCESS) or len(found[1]) < 2:
        return None
    return found[0], f"http://{connect_host(found[1][1])}:{found[1][0]}"


def ensure_replica(settings: Settings, timeout: float = 60) -> str:
    """Serve the bundled replica on ``YONHAP_BIND_HOST``:``YONHAP_REPLICA_PORT`` (reused when it
    runs); returns its base URL."""
    state_dir = Path(settings.local_dir)
    with file_lock(state_dir / ".replica.lock"):
        state = replica_state(state_dir)
        if state is not None:
            return state[1]
        port, host = settings.replica_port, settings.bind_host
        if not port_is_free(port, host):
            raise StackError(f"port {port} on {host} is taken by another program; set YONHAP_REPLICA_PORT "
                             "to a free port for the demo's replica")
        base_url = f"http://{connect_host(host)}:{port}"
        argv = [sys.executable, "-m", REPLICA_PROCESS, "--port", str(port), "--host", host]
        try:
            supervisor.start(REPLICA_NAME, argv, state_dir, fields=(str(port), host), timeout=timeout,
                             ready=lambda: _answers(base_url + "/robots.txt"), name_part=REPLICA_PROCESS)
        except supervisor.ProcessFailed as err:
            raise StackError(f"replica: {err}") from None
    return base_url


# ---------------------------------------------------------------- Settings-level API


def ensure_postgres(settings: Settings) -> str:
    """URL of the embedded PostgreSQL (started when needed; data in ``local_dir/pg``)."""
    return start_postgres(pg_data_dir(settings), settings.pg_port, host=settings.bind_host)


def ensure_s3(settings: Settings) -> str:
    """Endpoint URL of the embedded S3 server (started when needed)."""
    return start_s3(Path(settings.local_dir), settings.s3_port, host=settings.bind_host)


def stop(settings: Settings) -> dict[str, bool]:
    """Stop what the local stack runs; {service: was_running}."""
    state_dir = Path(settings.local_dir)
    stopped = {
        "postgres": stop_postgres(pg_data_dir(settings)),
        "s3": stop_s3(state_dir),
    }
    if supervisor.pidfile(state_dir, REPLICA_NAME).exists():
        stopped["replica"] = supervisor.stop(REPLICA_NAME, state_dir, name_part=REPLICA_PROCESS)
    return stopped


def status(settings: Settings) -> dict[str, dict]:
    """What the local stack in ``settings.local_dir`` runs, and its credentials (None before
    the first `stack up`)."""
    pg = postmaster_state(pg_data_dir(settings))
    s3 = s3_state(Path(settings.local_dir))
    credentials = read_credentials(settings.local_dir)
    replica = replica_state(Path(settings.local_dir))
    return {
        "postgres": {
            "running": pg is not None,
            "pid": pg.pid if pg else None,
            "url": postgres_url(pg.port or settings.pg_port, host=pg.host) if pg else None,
            "data_dir": str(pg_data_dir(settings)),
        },
        "s3": {
            "running": s3 is not None,
            "pid": s3[0] if s3 else None,
            "endpoint": s3_endpoint(s3[1], s3[2]) if s3 else None,
            "data_dir": str(s3_data_dir(Path(settings.local_dir))),
        },
        "replica": {
            "running": replica is not None,
            "pid": replica[0] if replica else None,
            "url": replica[1] if replica else None,
        },
        "credentials": {
            "file": str(credentials_path(settings.local_dir)),
            **(credentials.to_dict() if credentials else {}),
        },
    }
