"""Support for the scenarios on the product's own local stack (tests/test_stack_demo_apart.py,
tests/test_celery_backfill.py): the stack, its REST API as the admin user, and Debian's chromium
driven headless by Playwright to read a run's note as an operator does.

* :func:`local_stack` runs ``yonhap-pipeline stack up --airflow`` exactly as ``make run`` does,
  but in a temp ``YONHAP_LOCAL_DIR`` on free ports (PostgreSQL, S3, the api-server), crawling a
  small replica the test starts (``YONHAP_BASE_URL``, ``YONHAP_DOWNLOAD_DELAY=0``, as ``--demo``
  sets them). The scheduler creates no scheduled or asset-triggered run
  (``[scheduler] use_job_schedule = False``): the hourly DAG, which ``up`` unpauses, would
  otherwise crawl the replica beside the run under test. Runs triggered through the API run
  as usual. ``stack down`` always follows, then every process left under the temp dir is
  reported and ended.
* :class:`Stack` talks to ``/api/v2`` with a JWT from ``POST /auth/token`` (admin + the
  generated password: SimpleAuthManager's real login, not its all-admins mode).
* :func:`open_browser` launches ``$CHROMIUM`` (default ``/usr/bin/chromium``, Debian's package,
  which ``make browser`` installs); Playwright never downloads a browser here.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

from devtools.harness.replica import ReplicaHandle, start_replica
from devtools.stack import services
from ground.core.config import Settings

REPO = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).parent / "yonhap-pipeline"
ADMIN = "admin"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
UP_TIMEOUT = 600  # first `airflow db migrate` included
DOWN_TIMEOUT = 240


def chromium_path() -> str:
    """Debian's chromium (or ``$CHROMIUM``); a clear failure when it is not installed."""
    path = os.environ.get("CHROMIUM") or DEFAULT_CHROMIUM
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise FileNotFoundError(
            f"no browser at {path}: run `make browser` (apt-get install chromium) or set CHROMIUM"
        )
    return path


def artifact_dir() -> Path:
    """Where the UI test keeps its screenshot: ``$YONHAP_TEST_ARTIFACTS/ui`` or
    ``test-artifacts/ui`` in the repo (git-ignored)."""
    base = os.environ.get("YONHAP_TEST_ARTIFACTS")
    path = (Path(base) if base else REPO / "test-artifacts") / "ui"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Stack:
    env: dict[str, str]
    root: Path
    port: int
    password: str
    replica: ReplicaHandle | None  # the demo's replica is the stack's own
    up_output: str
    _token: str | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.env)

    @property
    def rundir(self) -> Path:
        return self.root / "airflow" / "run"

    def token(self) -> str:
        if self._token is None:
            status, body = self._request("POST", "/auth/token", {"username": ADMIN, "password": self.password})
            assert status in (200, 201) and body.get("access_token"), (status, body)
            self._token = body["access_token"]
        return self._token

    def _request(self, method: str, path: str, body: dict | None = None,
                 token: str | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(
            self.base_url + path, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json"},
        )
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 (local API)
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as err:
            raw = err.read() or b"{}"
            try:
                return err.code, json.loads(raw)
            except ValueError:
                return err.code, {"raw": raw.decode(errors="replace")}

    def api(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        """``/api/v2`` + ``path`` as admin."""
        return self._request(method, "/api/v2" + path, body, self.token())

    def run_path(self, dag_id: str, run_id: str) -> str:
        return f"/dags/{quote(dag_id, safe='')}/dagRuns/{quote(run_id, safe='')}"

    def wait_run(self, dag_id: str, run_id: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        run: dict = {}
        while time.monotonic() < deadline:
            status, run = self.api("GET", self.run_path(dag_id, run_id))
            if status == 200 and run.get("state") in ("success", "failed"):
                return run
            time.sleep(2)
        raise AssertionError(f"{dag_id} {run_id} not finished after {timeout:.0f}s: {run}\n"
                             f"{self.task_states(dag_id, run_id)}\n{self.log_tails()}")

    def wait_note(self, dag_id: str, run_id: str, timeout: float) -> str:
        """The run's note once the summary teardown has written it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, run = self.api("GET", self.run_path(dag_id, run_id))
            if status == 200 and run.get("note"):
                return run["note"]
            time.sleep(2)
        raise AssertionError(f"no note on {dag_id} {run_id} after {timeout:.0f}s\n{self.log_tails()}")

    def task_states(self, dag_id: str, run_id: str) -> list[tuple]:
        status, body = self.api("GET", self.run_path(dag_id, run_id) + "/taskInstances?limit=100")
        if status != 200:
            return [("taskInstances", status, body)]
        return sorted((t["task_id"], t["map_index"], t["state"]) for t in body["task_instances"])

    def query(self, sql: str, args: tuple = ()) -> list[tuple]:
        from ground.adapters import db

        conn = db.connect(self.settings)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, args)
                return cur.fetchall()
        finally:
            conn.close()

    def log_tails(self, lines: int = 25) -> str:
        out = []
        for log in sorted(self.rundir.glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {log.name}\n" + "\n".join(tail))
        return "\n".join(out)


def _cli(env: dict[str, str], *args: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)


def stack_env(root: Path, base_url: str) -> dict[str, str]:
    """The environment of `stack up`/`down`: this machine's, minus any pipeline setting, plus a
    temp local dir, free ports and the replica."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("YONHAP_", "S3_", "AWS_", "DATABASE_URL", "AIRFLOW"))}
    env.update(
        YONHAP_LOCAL_DIR=str(root),
        YONHAP_PG_PORT=str(services.free_port()),
        YONHAP_S3_PORT=str(services.free_port()),
        YONHAP_AIRFLOW_PORT=str(services.free_port()),
        YONHAP_BASE_URL=base_url,
        YONHAP_DOWNLOAD_DELAY="0",  # our replica only
        YONHAP_CONCURRENCY="4",
        YONHAP_POLL_SECONDS="3600",  # the feed watcher: one poll, no event run (see below)
        AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE="False",  # no hourly / asset-triggered runs
        AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="2",
        COLUMNS="200",
    )
    return env


def stack_processes(root: Path) -> dict[int, str]:
    """pid -> command line of every process of the local stack in ``root``: those its pidfiles
    name (PostgreSQL's, the S3 server's, the replica's, each Airflow component's), their
    children, and any other process running in or naming ``root``."""
    import psutil

    pids = set(_processes_under(root))
    for pidfile in [*root.rglob("*.pid"), *root.rglob("postmaster.pid")]:
        try:
            pids.add(int(pidfile.read_text().split()[0]))
        except (OSError, ValueError, IndexError):
            continue
    found: dict[int, str] = {}
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            for member in (proc, *proc.children(recursive=True)):
                with contextlib.suppress(psutil.Error):
                    found[member.pid] = " ".join(member.cmdline())[:160]
    return found


def listening_sockets(root: Path) -> list[tuple[str, int, str]]:
    """(address, port, command) of every TCP socket a process of ``root``'s stack listens on."""
    import psutil

    sockets = []
    for pid, cmd in stack_processes(root).items():
        with contextlib.suppress(psutil.Error):
            for conn in psutil.Process(pid).net_connections(kind="inet"):
                if conn.status == psutil.CONN_LISTEN:
                    sockets.append((conn.laddr.ip, conn.laddr.port, cmd))
    return sorted(set(sockets))


def assert_loopback_only(root: Path, expected_ports: set[int]) -> list[tuple[str, int, str]]:
    """Every server of the stack in ``root`` listens on a loopback address only, and the ports
    we know of are among them (so the check saw the servers)."""
    import ipaddress

    sockets = listening_sockets(root)
    outside = [s for s in sockets if not ipaddress.ip_address(s[0]).is_loopback]
    assert not outside, f"listening beyond loopback: {outside}"
    assert expected_ports <= {port for _, port, _ in sockets}, (expected_ports, sockets)
    return sockets


def bind_errors(root: Path) -> list[str]:
    """Lines of the stack's logs saying a server could not bind its port."""
    from devtools.stack.airflow import BIND_ERRORS

    found = []
    for log in root.rglob("*.log"):
        for line in log.read_text(errors="replace").splitlines():
            if any(marker in line.lower() for marker in BIND_ERRORS):
                found.append(f"{log}: {line.strip()[:200]}")
    return found


def _processes_under(root: Path) -> list[int]:
    """Our processes still alive: those whose command line or working dir is in ``root``."""
    found = []
    needle = str(root)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(entry / "cwd")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and (needle in cmdline or cwd == needle or cwd.startswith(needle + "/")):
            found.append(int(entry.name))
    return found


def reap_processes(root: Path, timeout: float = 15) -> list[int]:
    """Wait for processes under ``root`` to exit; SIGKILL what is left (all started by this
    test, found by their temp dir) and return their pids."""
    deadline = time.monotonic() + timeout
    left = _processes_under(root)
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = _processes_under(root)
    for pid in left:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return left


@contextlib.contextmanager
def local_stack(first: date, last: date, per_day: int = 12, executor: str = "local",
                extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    """`yonhap-pipeline stack up --airflow --executor <executor>` over a replica of [first, last];
    always `stack down`."""
    # Not under pytest's basetemp (chmod 0700 by later sessions would lock out PostgreSQL's user).
    root = Path(tempfile.mkdtemp(prefix="yonhap-ui-"))
    replica = start_replica(root, start=first, end=last, per_day=per_day)
    env = {**stack_env(root, replica.base_url), **(extra_env or {})}
    leftovers: list[int] = []
    try:
        up = _cli(env, "stack", "up", "--airflow", "--executor", executor, timeout=UP_TIMEOUT)
        output = up.stdout + up.stderr
        if up.returncode != 0:
            rundir = root / "airflow" / "run"
            tails = "\n".join(f"--- {p.name}\n" + "\n".join(p.read_text(errors="replace").splitlines()[-20:])
                              for p in sorted(rundir.glob("*.log"))) if rundir.exists() else ""
            raise AssertionError(f"stack up failed ({up.returncode}):\n{output[-3000:]}\n{tails}")
        password = json.loads((root / "airflow" / "passwords.json").read_text())[ADMIN]
        # Every server of the stack on loopback (its own ports at least), no bind error anywhere.
        assert_loopback_only(root, {int(env["YONHAP_AIRFLOW_PORT"]), int(env["YONHAP_PG_PORT"]),
                                    int(env["YONHAP_S3_PORT"])})
        assert not bind_errors(root)
        yield Stack(env, root, int(env["YONHAP_AIRFLOW_PORT"]), password, replica, output)
    finally:
        try:
            down = _cli(env, "stack", "down", timeout=DOWN_TIMEOUT)
            if down.returncode != 0:
                print(f"stack down failed ({down.returncode}): {down.stdout}{down.stderr}", file=sys.stderr)
        finally:
            replica.stop()
            leftovers = reap_processes(root)
            shutil.rmtree(root, ignore_errors=True)
    assert not leftovers, f"processes left after `stack down` (killed): {leftovers}"


def open_browser(playwright):
    """Debian's chromium, headless (no `playwright install`: the browser is the system's)."""
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True)


def keep_page(page, name: str) -> str:
    """Screenshot and HTML of the page, kept as artifacts; returns the PNG path."""
    out = artifact_dir()
    png = out / f"{name}.png"
    page.screenshot(path=str(png), full_page=True, animations="disabled")  # the dialog fully in
    (out / f"{name}.html").write_text(page.content())
    return str(png)


def log_in(page, base_url: str, password: str) -> None:
    """Airflow's login page, filled in as a person would (SimpleAuthManager's form)."""
    page.goto(base_url + "/", wait_until="networkidle")
    try:
        page.locator("input[name='username']").fill(ADMIN, timeout=30_000)
        page.locator("input[name='password']").fill(password)
        page.locator("button[type='submit']").click()
        page.wait_for_url(re.compile(r"^(?!.*/auth/login).*$"), timeout=30_000)
    except Exception as err:  # the page as it stood, for whoever reads the failure
        raise AssertionError(f"login failed at {page.url}: {err} (see {keep_page(page, 'login-failed')})") from err


def read_run_note(stack: Stack, dag_id: str, run_id: str, figures: str, kind: str) -> tuple[str, str, str]:
    """In chromium, as an operator: log in, open the run, read the header's preview of its note,
    open the whole note. Returns (preview, note as rendered, screenshot path)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = open_browser(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            log_in(page, stack.base_url, stack.password)
            page.goto(f"{stack.base_url}/dags/{dag_id}/runs/{run_id}", wait_until="networkidle")
            try:
                # The run header shows the note's first paragraph (the verdict), clamped ...
                header = page.get_by_text(f"{dag_id} · {kind}").first
                header.wait_for(timeout=60_000)
                preview = header.inner_text()
                # ... and its note button opens the whole note, rendered.
                page.get_by_role("button", name="Edit note").click()
                dialog = page.get_by_role("dialog")
                dialog.get_by_text(figures, exact=False).wait_for(timeout=30_000)
                shown = dialog.inner_text()
            except Exception as err:
                raise AssertionError(f"run note not on {page.url}: {err} (see {keep_page(page, 'run-note-missing')})") \
                    from err
            return preview, shown, keep_page(page, f"{kind}-run-note")
        finally:
            browser.close()
