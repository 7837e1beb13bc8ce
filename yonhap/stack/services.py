"""The embedded local stack: PostgreSQL and an S3-compatible endpoint, for a fresh machine.

* PostgreSQL 16 from the binaries bundled in the ``pgserver`` wheel, data dir
  ``<local_dir>/pg`` (survives restarts), listening on 127.0.0.1:``YONHAP_PG_PORT`` only, TCP
  only (no Unix socket), ``trust`` auth for local connections, database ``yonhap``. When we
  run as root (CI, containers) the server runs as the unprivileged OS user ``pgserver`` --
  PostgreSQL refuses to run as root.
* S3: :mod:`yonhap.stack.s3_server` (moto's S3 protocol, written through to files) in a subprocess
  on 127.0.0.1:``YONHAP_S3_PORT``; objects in ``<local_dir>/s3`` (survive restarts, ``kill -9``
  and reboots, as PostgreSQL's data does); pidfile and log in ``local_dir``.

Every start is idempotent (already running -> reused) and serialised by a file lock, so
concurrent callers (Airflow tasks, CLI) do not race. Only used when ``DATABASE_URL`` /
``S3_ENDPOINT_URL`` are unset; nothing here is imported at CLI start-up.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import urllib.error
import urllib.request
import warnings
from pathlib import Path

from yonhap.adapters import db
from yonhap.adapters.local_stack import (
    HOST,
    PG_DATABASE,
    PG_SUPERUSER,
    S3_NAME,
    S3_PROCESS,
    StackNotRunning,
    pg_data_dir,
    postgres_url,
    postmaster_state,
    s3_endpoint,
    s3_state,
)
from yonhap.core.config import Settings
from yonhap.stack import supervisor
from yonhap.stack.supervisor import file_lock, tail, wait_gone

PG_SYSTEM_USER = "pgserver"  # OS user the server runs as when we are root (same as pgserver's)

__all__ = ["StackNotRunning", "postgres_url", "s3_endpoint", "postmaster_state", "s3_state"]


class StackError(RuntimeError):
    """The local stack could not start; ``str(err)`` is one line saying what to do."""


# ---------------------------------------------------------------- helpers


def port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = HOST) -> int:
    """A TCP port nobody listens on right now (tests: never fixed ports)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


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


def _run_pg(args: list[str], user: str | None, cwd: Path, timeout: float = 120) -> None:
    # Drop root's groups too: a group match would override the "other" traversal bits.
    drop = {"user": user, "group": user, "extra_groups": []} if user else {}
    result = subprocess.run(
        args, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, **drop
    )
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


# The embedded server's settings for bulk loads (PostgreSQL's "Populating a Database" advice):
# a 50k-article load writes about 700 MB of WAL. With the defaults (4 MB of WAL buffers, a
# checkpoint every ~540 MB) the inserting backend wrote WAL out itself and a checkpoint started
# mid-load; this cut the articles merge by about 2 s (bench/bench_load.py). Costs 64 MB of
# shared memory and up to 2 GB of pg_wal on disk between checkpoints.
BULK_LOAD_SETTINGS = "-c wal_buffers=64MB -c max_wal_size=2GB"


def start_postgres(pgdata: Path, port: int, *, durable: bool = True, database: str = PG_DATABASE) -> str:
    """Start (or reuse) the server on ``pgdata``; returns the URL of ``database`` (created if missing).

    ``durable=False`` turns fsync off: for throw-away test servers only.
    """
    pgdata = pgdata.resolve()
    user = _system_user()
    if user is not None:
        _prepare_binaries_for(user)
    with file_lock(pgdata.parent / f".{pgdata.name}.lock"):
        state = postmaster_state(pgdata)
        if state is None:
            if not port_is_free(port):
                raise StackError(
                    f"port {port} on {HOST} is taken by another program; set YONHAP_PG_PORT to a free "
                    f"port, or DATABASE_URL to use your own PostgreSQL"
                )
            _init_pgdata(pgdata, user)
            (pgdata / "postmaster.pid").unlink(missing_ok=True)  # stale, checked above
            options = f"-h {HOST} -p {port} -c unix_socket_directories='' {BULK_LOAD_SETTINGS}"
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
        db.create_database_if_missing(postgres_url(actual_port, "postgres"), database, wait=30)
    return postgres_url(actual_port, database)


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
        return True  # any HTTP answer means the server is up
    except (urllib.error.URLError, OSError):
        return False


def s3_data_dir(state_dir: Path) -> Path:
    return state_dir / "s3"


def start_s3(state_dir: Path, port: int, timeout: float = 300) -> str:
    """Start (or reuse) the durable S3 server on ``state_dir/s3``; returns its endpoint URL.
    It restores the stored objects before it listens (about 1.6 s per 1,000 objects)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with file_lock(state_dir / ".s3.lock"):
        state = s3_state(state_dir)
        if state is not None:
            return s3_endpoint(state[1])
        if not port_is_free(port):
            raise StackError(
                f"port {port} on {HOST} is taken by another program; set YONHAP_S3_PORT to a free "
                f"port, or S3_ENDPOINT_URL to use your own S3 endpoint"
            )
        endpoint = s3_endpoint(port)
        argv = [sys.executable, "-m", S3_PROCESS, "--host", HOST, "--port", str(port),
                "--data", str(s3_data_dir(state_dir))]
        try:
            supervisor.start(S3_NAME, argv, state_dir, fields=(str(port),), timeout=timeout,
                             ready=lambda: _s3_answers(endpoint), name_part=S3_PROCESS)
        except supervisor.ProcessFailed as err:
            raise StackError(f"S3 endpoint ({S3_PROCESS}): {err}") from None
    return endpoint


def stop_s3(state_dir: Path, timeout: float = 15) -> bool:
    return supervisor.stop(S3_NAME, state_dir, timeout, name_part=S3_PROCESS)


# ---------------------------------------------------------------- Settings-level API


def ensure_postgres(settings: Settings) -> str:
    """URL of the embedded PostgreSQL (started when needed; data in ``local_dir/pg``)."""
    return start_postgres(pg_data_dir(settings), settings.pg_port)


def ensure_s3(settings: Settings) -> str:
    """Endpoint URL of the embedded S3 server (started when needed)."""
    return start_s3(Path(settings.local_dir), settings.s3_port)


def stop(settings: Settings) -> dict[str, bool]:
    """Stop what the local stack runs; {service: was_running}."""
    return {
        "postgres": stop_postgres(pg_data_dir(settings)),
        "s3": stop_s3(Path(settings.local_dir)),
    }


def status(settings: Settings) -> dict[str, dict]:
    pg = postmaster_state(pg_data_dir(settings))
    s3 = s3_state(Path(settings.local_dir))
    return {
        "postgres": {
            "running": pg is not None,
            "pid": pg.pid if pg else None,
            "url": postgres_url(pg.port or settings.pg_port) if pg else None,
            "data_dir": str(pg_data_dir(settings)),
        },
        "s3": {
            "running": s3 is not None,
            "pid": s3[0] if s3 else None,
            "endpoint": s3_endpoint(s3[1]) if s3 else None,
            "data_dir": str(s3_data_dir(Path(settings.local_dir))),
        },
    }
