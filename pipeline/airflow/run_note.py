"""Writing a DAG run's note (Airflow 3 "notes", shown on the run's page) from a task.

A task cannot write metadata through the Task SDK (the execution API sets a note only when it
triggers a run), so the note goes through Airflow's public REST API, as any client's would:
`PATCH /api/v2/dags/{dag_id}/dagRuns/{run_id}` with a JWT from `/auth/token`.

Where: the connection `yonhap_airflow_api` (host = the API server's base URL, login/password
of a user allowed to edit runs; `yonhap-pipeline stack up --airflow` defines it), else the
`[api] base_url` setting with the all-admins token (SimpleAuthManager's development mode). A
note that cannot be written is a warning, never a failed task: the same lines head the log.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from urllib.parse import quote

from pipeline.airflow.connections import get_connection

log = logging.getLogger("yonhap.dags")

API_CONN_ID = "yonhap_airflow_api"
NOTE_MAX_CHARS = 1000  # Airflow's DagRunNote column
_TIMEOUT_S = 10


def _api_target() -> tuple[str | None, str | None, str | None]:
    """(base URL, login, password) of the Airflow API server."""
    conn = get_connection(API_CONN_ID)
    if conn is not None and conn.host:
        base = conn.host if "://" in conn.host else f"http://{conn.host}" + (f":{conn.port}" if conn.port else "")
        return base.rstrip("/"), conn.login or None, conn.password or None
    base = os.environ.get("AIRFLOW__API__BASE_URL")
    if not base:
        try:
            from airflow.configuration import conf

            base = conf.get("api", "base_url", fallback=None)
        except Exception:  # noqa: BLE001 -- no configuration: no API to call
            base = None
    return (base.rstrip("/") if base else None), None, None


def _request(method: str, url: str, body: dict | None = None, token: str | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:  # noqa: S310 (configured URL)
        raw = response.read()
    return json.loads(raw) if raw else {}


def _token(base: str, login: str | None, password: str | None) -> str:
    if login:
        answer = _request("POST", f"{base}/auth/token", {"username": login, "password": password or ""})
    else:
        answer = _request("GET", f"{base}/auth/token")
    return answer["access_token"]


def note_markdown(text: str) -> str:
    """One Markdown paragraph per line of ``text``: the UI renders notes as Markdown, which
    joins single newlines into one run-on paragraph (seen in the run page's note dialog)."""
    return "\n\n".join(line for line in text.splitlines() if line.strip())


def fit_note(text: str) -> str:
    """The note cut to Airflow's limit, on a line boundary, saying so."""
    if len(text) <= NOTE_MAX_CHARS:
        return text
    marker = "\n… (cut: the task log has every line)"
    kept = text[: NOTE_MAX_CHARS - len(marker)]
    return kept.rsplit("\n", 1)[0] + marker


def set_run_note(dag_id: str, dag_run_id: str, text: str) -> bool:
    """Write ``text`` (lines; a paragraph each) as the note of DAG run ``dag_run_id``; False (and
    a warning) when the API cannot be reached or refuses."""
    base, login, password = _api_target()
    if not base:
        log.warning("run note not written: no Airflow API address (define connection %r)", API_CONN_ID)
        return False
    url = f"{base}/api/v2/dags/{quote(dag_id, safe='')}/dagRuns/{quote(dag_run_id, safe='')}?update_mask=note"
    try:
        token = _token(base, login, password)
        _request("PATCH", url, {"note": fit_note(note_markdown(text))}, token)
    except (urllib.error.URLError, OSError, KeyError, ValueError) as err:
        detail = f"HTTP {err.code}" if isinstance(err, urllib.error.HTTPError) else f"{type(err).__name__}: {err}"
        log.warning("run note not written (%s at %s; connection %r sets address and user)", detail, base,
                    API_CONN_ID)
        return False
    return True
