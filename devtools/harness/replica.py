"""The replica site over real HTTP, as tests and benches start it.

`start_replica(dir, **config) -> ReplicaHandle` starts `python -m devtools.replica --port 0 ...` in a
subprocess (config = devtools.replica.ReplicaConfig fields, plus `access_log=PATH`) and waits until
it answers. `handle.corpus` is an identical in-process Corpus: the truth.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from devtools.replica import Corpus, ReplicaConfig

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0


@dataclass
class ReplicaHandle:
    base_url: str
    corpus: Corpus
    process: subprocess.Popen
    stderr_path: Path
    _stopped: bool = field(default=False, repr=False)

    @property
    def config(self) -> ReplicaConfig:
        return self.corpus.config

    def url(self, path: str) -> str:
        return self.base_url + path

    def admin(self, path_and_query: str, method: str = "GET"):
        request = urllib.request.Request(self.url("/__replica__/" + path_and_query), method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def access_log(self) -> list[dict]:
        return self.admin("log")

    def clear_log(self) -> list[dict]:
        return self.admin("log?clear=1")

    def set_edits(self, on: bool) -> None:
        self.admin(f"edits?on={int(bool(on))}", method="POST")
        self.corpus.edits_on = bool(on)

    def set_layout(self, name: str) -> None:
        self.admin(f"layout?name={name}", method="POST")
        self.corpus.layout = name

    def refuse_articles(self, status: int | None) -> None:
        """Every article page answers ``status`` (a bot wall); None: served again."""
        self.admin(f"refuse?articles={status or 0}", method="POST")

    def reset_attempts(self) -> None:
        self.admin("attempts?reset=1")

    def truth(self, article_id: str, edited: bool | None = None):
        return self.corpus.truth(article_id, edited)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        stop_server(self.process)


def stop_server(process: subprocess.Popen) -> None:
    """End a server process started here: SIGTERM, SIGKILL after 10 s, its stdout closed."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    if process.stdout:
        process.stdout.close()


def start_replica(tmp_dir: Path, access_log: str | None = None, port: int = 0, **config) -> ReplicaHandle:
    """``port`` 0: a free one; a fixed port keeps the base URL across a restart."""
    cfg = ReplicaConfig(**config)
    cmd = [sys.executable, "-m", "devtools.replica", "--port", str(port), "--host", "127.0.0.1", *cfg.to_args()]
    if access_log:
        cmd += ["--access-log", str(access_log)]
    stderr_path = Path(tempfile.mkstemp(prefix="replica-", suffix=".err", dir=tmp_dir)[1])
    with open(stderr_path, "wb") as err:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=err, text=True)
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(START_TIMEOUT)
    base_url = (line[0].strip() if line else "")
    handle = ReplicaHandle(base_url, Corpus(cfg), proc, stderr_path)
    if not base_url.startswith("http://"):
        handle.stop()
        raise RuntimeError(f"replica did not start: {stderr_path.read_text()[-2000:]}")
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            handle.admin("health")
            return handle
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                handle.stop()
                raise RuntimeError(f"replica not answering: {stderr_path.read_text()[-2000:]}") from None
            time.sleep(0.05)
