"""Where the embedded local stack listens, read from its state files; never starts anything.

``yonhap.stack`` writes these files (PostgreSQL's own ``postmaster.pid``; the supervisor's
pidfiles); connections read them here when ``DATABASE_URL`` / ``S3_ENDPOINT_URL`` are unset.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from yonhap.core.config import Settings, SettingsError

HOST = "127.0.0.1"
PG_SUPERUSER = "postgres"
PG_DATABASE = "yonhap"
S3_PROCESS = "yonhap.stack.s3_server"  # the S3 server's module: its command line names it
S3_NAME = "s3"  # supervisor name: pidfile s3.pid, log s3.log in local_dir


class StackNotRunning(SettingsError):
    """A connection setting is unset and the local stack that would stand in for it is not
    running. Opening a connection never starts a server: only `stack up` (make run / make
    demo) and the tests do. ``str(err)`` is one line naming the setting."""


def pid_alive(pid: int, name_part: str | None = None) -> bool:
    """True when ``pid`` runs (not a zombie) and, given ``name_part``, its command line
    mentions it (guards against a stale pidfile whose pid now belongs to another program)."""
    import psutil  # lazy: only asked when no URL is configured

    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return name_part is None or name_part in " ".join(proc.cmdline()) or name_part in proc.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def read_pidfile(path: Path) -> tuple[int, list[str]] | None:
    """(pid, further fields) of a supervisor pidfile ("<pid> [field …]"), or None."""
    try:
        fields = path.read_text().split()
        return int(fields[0]), fields[1:]
    except (OSError, ValueError, IndexError):
        return None


@dataclass(frozen=True)
class PostmasterState:
    pid: int
    port: int | None
    ready: bool


def postmaster_state(pgdata: Path) -> PostmasterState | None:
    """The server running on ``pgdata`` (from its postmaster.pid), or None."""
    pgdata = pgdata.resolve()
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        pid = int(lines[0])
    except (IndexError, ValueError):
        return None
    if not pid_alive(pid, str(pgdata)):
        return None  # stale file (crash, reboot; the pid may now be another program)
    port = int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None
    ready = len(lines) >= 8 and lines[7].strip() == "ready"
    return PostmasterState(pid, port, ready)


def postgres_url(port: int, database: str = PG_DATABASE) -> str:
    return f"postgresql://{PG_SUPERUSER}@{HOST}:{port}/{database}"


def s3_endpoint(port: int) -> str:
    return f"http://{HOST}:{port}"


def s3_state(state_dir: Path) -> tuple[int, int] | None:
    """(pid, port) of our S3 server in ``state_dir``, or None."""
    found = read_pidfile(state_dir / f"{S3_NAME}.pid")
    if found is None or not pid_alive(found[0], S3_PROCESS):
        return None
    try:
        return found[0], int(found[1][0])
    except (IndexError, ValueError):
        return None


def pg_data_dir(settings: Settings) -> Path:
    return Path(settings.local_dir) / "pg"


def running_postgres_url(settings: Settings) -> str:
    """URL of the local stack's PostgreSQL if it runs; never starts it."""
    state = postmaster_state(pg_data_dir(settings))
    if state is None:
        raise StackNotRunning(
            "DATABASE_URL is unset and the local PostgreSQL is not running: start the local stack "
            "(`yonhap-pipeline stack up` or `make run`), or set DATABASE_URL (in Airflow: the "
            "`yonhap_postgres` connection)"
        )
    return postgres_url(state.port or settings.pg_port)


def running_s3_endpoint(settings: Settings) -> str:
    """Endpoint of the local stack's S3 server if it runs; never starts it."""
    state = s3_state(Path(settings.local_dir))
    if state is None:
        raise StackNotRunning(
            "S3_ENDPOINT_URL is unset and the local S3 endpoint is not running: start the local stack "
            "(`yonhap-pipeline stack up` or `make run`), or set S3_ENDPOINT_URL (empty for AWS; in "
            "Airflow: the `yonhap_s3` connection)"
        )
    return s3_endpoint(state[1])
