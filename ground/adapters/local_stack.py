"""Where the embedded local stack listens and with which credentials, read from its state
files; never starts anything.

``devtools.stack`` writes these files (PostgreSQL's own ``postmaster.pid``; the supervisor's
pidfiles; ``credentials.json``, the install's generated S3 keys and PostgreSQL passwords, mode
0600); connections read them here when ``DATABASE_URL`` / ``S3_ENDPOINT_URL`` are unset.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import quote

from ground.core.config import LOOPBACK, Settings, SettingsError, connect_host

HOST = LOOPBACK
PG_SUPERUSER = "postgres"
PG_READER = "yonhap_reader"  # storage.migrate.READER_ROLE; the local stack lets it log in
PG_DATABASE = "yonhap"
S3_PROCESS = "devtools.stack.s3_server"  # the S3 server's module: its command line names it
S3_NAME = "s3"  # supervisor name: pidfile s3.pid, log s3.log in local_dir
CREDENTIALS_FILE = "credentials.json"


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
class LocalCredentials:
    """The install's secrets, generated once by `stack up` (devtools.stack.services)."""

    s3_access_key_id: str
    s3_secret_access_key: str
    postgres_password: str  # superuser PG_SUPERUSER
    reader_password: str  # PG_READER, the analysts' read-only login

    def to_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def credentials_path(local_dir: Path) -> Path:
    return Path(local_dir) / CREDENTIALS_FILE


def read_credentials(local_dir: Path) -> LocalCredentials | None:
    """The install's credentials, or None when `stack up` has not generated them yet."""
    try:
        data = json.loads(credentials_path(local_dir).read_text(encoding="utf-8"))
        return LocalCredentials(**{f.name: str(data[f.name]) for f in fields(LocalCredentials)})
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class PostmasterState:
    pid: int
    port: int | None
    ready: bool
    host: str = HOST  # where clients reach it (its listen address; a wildcard: loopback)


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
    return PostmasterState(pid, port, ready, _reachable(lines[5].split(",")[0] if len(lines) > 5 else ""))


def _reachable(listen: str) -> str:
    listen = listen.strip()
    if listen in ("", "*"):
        return HOST
    try:
        return connect_host(listen)
    except ValueError:  # a host name
        return listen


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def postgres_url(port: int, database: str = PG_DATABASE, password: str | None = None, host: str = HOST,
                 user: str = PG_SUPERUSER) -> str:
    auth = f"{user}:{quote(password, safe='')}" if password else user
    return f"postgresql://{auth}@{_url_host(host)}:{port}/{database}"


def s3_endpoint(port: int, host: str = HOST) -> str:
    return f"http://{_url_host(host)}:{port}"


def s3_state(state_dir: Path) -> tuple[int, int, str] | None:
    """(pid, port, host clients reach it on) of our S3 server in ``state_dir``, or None."""
    found = read_pidfile(state_dir / f"{S3_NAME}.pid")
    if found is None or not pid_alive(found[0], S3_PROCESS):
        return None
    try:
        return found[0], int(found[1][0]), _reachable(found[1][1] if len(found[1]) > 1 else "")
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
    credentials = read_credentials(settings.local_dir)
    return postgres_url(state.port or settings.pg_port, password=credentials.postgres_password if credentials else None,
                        host=state.host)


def running_s3_endpoint(settings: Settings) -> str:
    """Endpoint of the local stack's S3 server if it runs; never starts it."""
    state = s3_state(Path(settings.local_dir))
    if state is None:
        raise StackNotRunning(
            "S3_ENDPOINT_URL is unset and the local S3 endpoint is not running: start the local stack "
            "(`yonhap-pipeline stack up` or `make run`), or set S3_ENDPOINT_URL (empty for AWS; in "
            "Airflow: the `yonhap_s3` connection)"
        )
    return s3_endpoint(state[1], state[2])


def running_s3_keys(settings: Settings) -> tuple[str, str]:
    """The key pair the local S3 endpoint accepts (generated per install by `stack up`)."""
    credentials = read_credentials(settings.local_dir)
    if credentials is None:
        raise StackNotRunning(
            f"the local S3 endpoint's keys are missing ({credentials_path(settings.local_dir)}): start the local "
            "stack (`yonhap-pipeline stack up` or `make run`), or set S3_ENDPOINT_URL and AWS_ACCESS_KEY_ID / "
            "AWS_SECRET_ACCESS_KEY"
        )
    return credentials.s3_access_key_id, credentials.s3_secret_access_key
