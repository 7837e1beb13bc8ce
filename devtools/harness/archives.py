"""Local web archives over real HTTP (devtools/replica/webarchive.py): Common Crawl's index and
data servers and a Wayback Machine, filled with replica pages by a plan.

`start_archives(dir, plan) -> ArchivesHandle` starts `python -m devtools.replica.webarchive PLAN.json`
in a subprocess on free ports. `handle.settings(settings)` points a Settings at it (no delay
between requests: our own servers); `handle.log()` is what each server answered (`server`:
cc-index | cc-data | wayback).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from devtools.harness.replica import stop_server

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120.0


@dataclass
class ArchivesHandle:
    cc_index: str
    cc_data: str
    wayback: str
    plan: dict
    process: subprocess.Popen

    def _admin(self, base: str, path: str):
        with urllib.request.urlopen(f"{base}/__archive__/{path}", timeout=10) as response:
            return json.loads(response.read())

    def log(self, clear: bool = False) -> list[dict]:
        """Every request the three servers answered (one log, shared by the process)."""
        return self._admin(self.cc_index, "log?clear=1" if clear else "log")

    def requests(self, clear: bool = False) -> Counter:
        return Counter(e["server"] for e in self.log(clear))

    def fail_next(self, server: str, count: int, status: int = 503, retry_after: int = 0) -> None:
        base = {"cc-index": self.cc_index, "cc-data": self.cc_data, "wayback": self.wayback}[server]
        self._admin(base, f"faults?status={status}&count={count}&retry_after={retry_after}")

    def env(self) -> dict[str, str]:
        return {"YONHAP_CC_INDEX_URL": self.cc_index, "YONHAP_CC_DATA_URL": self.cc_data,
                "YONHAP_WAYBACK_URL": self.wayback, "YONHAP_ARCHIVE_DELAY": "0"}

    def settings(self, settings):
        return settings.with_(cc_index_url=self.cc_index, cc_data_url=self.cc_data, wayback_url=self.wayback,
                              archive_delay=0.0)

    def stop(self) -> None:
        stop_server(self.process)


def start_archives(tmp_dir: Path, plan: dict, timeout: float = START_TIMEOUT) -> ArchivesHandle:
    plan_path = tmp_dir / f"archive-plan-{id(plan)}.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    err_path = tmp_dir / f"archive-{id(plan)}.err"
    with open(err_path, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "devtools.replica.webarchive", str(plan_path)], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=err, text=True)
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    try:
        urls = json.loads(line[0]) if line and line[0].strip() else None
    except ValueError:
        urls = None
    if not urls:
        proc.kill()
        raise RuntimeError(f"web archives did not start: {err_path.read_text()[-2000:]}")
    return ArchivesHandle(urls["cc_index"], urls["cc_data"], urls["wayback"], plan, proc)
