"""The one process supervisor of the local stack: start a long-lived process in its own
session with a pidfile and a log, reuse it while it lives, stop its whole process group.

The S3 server, the Airflow components and the demo replica all run under it; PostgreSQL is
the exception (pg_ctl supervises the postmaster and writes its own postmaster.pid).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from ground.adapters.local_stack import pid_alive, read_pidfile


class ProcessFailed(RuntimeError):
    """A supervised process exited at start or did not become ready; names its log."""


@contextlib.contextmanager
def file_lock(path: Path):
    """An exclusive lock held while a service is checked and started (concurrent callers:
    Airflow tasks, CLI commands, tests)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def pidfile(rundir: Path, name: str) -> Path:
    return rundir / f"{name}.pid"


def log_path(rundir: Path, name: str) -> Path:
    return rundir / f"{name}.log"


def running(rundir: Path, name: str, name_part: str | None = None) -> int | None:
    """The pid of the live process started as ``name``, or None."""
    found = read_pidfile(pidfile(rundir, name))
    if found is None or not pid_alive(found[0], name_part):
        return None
    return found[0]


def start(
    name: str,
    argv: list[str],
    rundir: Path,
    *,
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
    fields: tuple[str, ...] = (),
    ready: Callable[[], bool] | None = None,
    timeout: float = 60,
    name_part: str | None = None,
) -> int:
    """Start ``argv`` detached (own session, outlives the caller), output to ``<name>.log``;
    reuse a live one. With ``ready``, wait until it returns True (the pidfile, with
    ``fields`` after the pid, is written only then, so readers never see a half-started one)."""
    rundir.mkdir(parents=True, exist_ok=True)
    pid = running(rundir, name, name_part)
    if pid is not None:
        return pid
    log = log_path(rundir, name)
    with open(log, "ab") as log_file:
        proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log_file,
            stderr=subprocess.STDOUT, start_new_session=True, close_fds=True,
        )
    if ready is not None:
        deadline = time.monotonic() + timeout
        while not ready():
            if proc.poll() is not None:
                raise ProcessFailed(f"{name} exited at start; see {log}: {tail(log, 3)!r}")
            if time.monotonic() > deadline:
                proc.kill()
                raise ProcessFailed(f"{name} did not become ready within {timeout:.0f}s; see {log}")
            time.sleep(0.1)
    pidfile(rundir, name).write_text(" ".join((str(proc.pid), *fields)) + "\n")
    return proc.pid


def _exited(pid: int) -> bool:
    """Gone, or a zombie whose parent has not reaped it yet (an init that reaps late, as in some
    containers) once its last thread is out: only then are its files (its sockets) closed."""
    import psutil  # lazy: the CLI imports this module for `stack down`

    try:
        proc = psutil.Process(pid)
        return proc.status() == psutil.STATUS_ZOMBIE and proc.num_threads() <= 1
    except psutil.NoSuchProcess:
        return True


def wait_gone(pid: int, timeout: float) -> bool:
    """Whether ``pid`` exits within ``timeout`` s."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while not _exited(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.1)
    return True


def stop(name: str, rundir: Path, timeout: float = 30, name_part: str | None = None) -> bool:
    """SIGTERM the process group started as ``name``, SIGKILL after ``timeout``; returns
    whether it was running. The pidfile goes either way."""
    return stop_many((name,), rundir, timeout, name_part)[name]


def stop_many(names, rundir: Path, timeout: float = 30, name_part: str | None = None) -> dict[str, bool]:
    """:func:`stop` for several processes at once: all are asked to stop, then waited for
    (so the slowest sets the time, not the sum); {name: was_running}."""
    pids = {name: running(rundir, name, name_part) for name in names}
    for name in names:
        pidfile(rundir, name).unlink(missing_ok=True)
    live = [pid for pid in pids.values() if pid is not None]
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
        for pid in live:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, sig)  # its own session: the group is ours alone
        deadline = time.monotonic() + wait
        live = [pid for pid in live if not wait_gone(pid, max(0.0, deadline - time.monotonic()))]
        if not live:
            break
    for pid in pids.values():
        if pid is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # reap when it was our child
    return {name: pid is not None for name, pid in pids.items()}
