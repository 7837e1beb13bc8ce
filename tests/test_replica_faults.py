"""Seeded fault injection of the replica, over real HTTP: each kind, recovery on retry,
persistent failures, and agreement with the pure fault plan."""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

import pytest

from devtools.replica import faults
from devtools.replica.config import ReplicaConfig

DAY = dict(seed=5, start="2024-06-03", end="2024-06-03", per_day=12)


def fetch(base_url: str, path: str):
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def article_paths(handle) -> list[str]:
    return [f"/view/{i}" for i in handle.corpus.ids_on("2024-06-03")]


def test_503_clears_after_at_most_two_retries(replica):
    handle = replica(**DAY, fault_rate=1.0, fault_kinds="503")
    for path in article_paths(handle)[:4]:
        plan = faults.plan_for(handle.config, path)
        assert plan.kind == "503" and plan.failures in (1, 2)
        statuses = [fetch(handle.base_url, path)[0] for _ in range(plan.failures + 1)]
        assert statuses == [503] * plan.failures + [200]
    log = handle.access_log()
    assert [e["attempt"] for e in log[:2]] == [1, 2][: len(log[:2])]
    assert all(e["fault"] in ("503", None) for e in log)


def test_429_carries_retry_after(replica):
    handle = replica(**DAY, fault_rate=1.0, fault_kinds="429", retry_after=1)
    status, headers, body = fetch(handle.base_url, "/news")
    assert status == 429 and headers["retry-after"] == "1" and body


def test_connection_reset_then_recovery(replica):
    handle = replica(**DAY, fault_rate=1.0, fault_kinds="reset")
    path = article_paths(handle)[0]
    failures = faults.plan_for(handle.config, path).failures
    for _ in range(failures):
        with pytest.raises((ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine)):
            fetch(handle.base_url, path)
    assert fetch(handle.base_url, path)[0] == 200
    assert handle.access_log()[0]["fault"] == "reset"


def test_slow_answers_are_late_but_complete(replica):
    handle = replica(**DAY, fault_rate=1.0, fault_kinds="slow", slow_delay=0.3)
    path = article_paths(handle)[1]
    started = time.monotonic()
    status, _, body = fetch(handle.base_url, path)
    assert time.monotonic() - started >= 0.3
    assert status == 200 and body.rstrip().endswith(b"</html>")


def test_truncated_html_is_a_200_cut_mid_document(replica):
    handle = replica(**DAY, fault_rate=1.0, fault_kinds="truncated")
    path = article_paths(handle)[2]
    full = handle.corpus.render_article(path.rsplit("/", 1)[1])
    status, headers, body = fetch(handle.base_url, path)
    assert status == 200 and b"</html>" not in body and full.startswith(body) and len(body) < len(full)
    assert "etag" not in headers
    for _ in range(2):
        status, headers, body = fetch(handle.base_url, path)
        if body == full:
            break
    assert body == full and headers["etag"]


def test_dead_links_stay_404_and_appear_in_lists(replica):
    handle = replica(**DAY, fault_rate=1.0, fault_kinds="dead")
    path = article_paths(handle)[0]
    assert [fetch(handle.base_url, path)[0] for _ in range(4)] == [404] * 4
    assert path.encode() in fetch(handle.base_url, "/news")[2]  # lists are never "dead"


def test_persistent_fraction_never_recovers(replica):
    handle = replica(**DAY, fault_rate=1.0, fault_kinds="503", persistent_rate=1.0)
    path = article_paths(handle)[3]
    assert [fetch(handle.base_url, path)[0] for _ in range(5)] == [503] * 5


def test_mixed_faults_a_retrying_client_gets_every_page(replica):
    handle = replica(**{**DAY, "per_day": 30}, fault_rate=0.5, slow_delay=0.05,
                     fault_kinds="503,429,reset,slow,truncated,dead")
    corpus = handle.corpus
    seen_faults = set()
    for path in article_paths(handle):
        plan = faults.plan_for(handle.config, path)
        full = corpus.render_article(path.rsplit("/", 1)[1])
        got = None
        for _ in range(3):
            try:
                status, _, body = fetch(handle.base_url, path)
            except (ConnectionError, http.client.HTTPException):
                continue
            if status == 200 and body == full:
                got = body
                break
        if plan.kind == "dead":
            assert got is None
        else:
            assert got == full, (path, plan)
        if plan.kind:
            seen_faults.add(plan.kind)
    assert len(seen_faults) >= 4
    logged = {e["fault"] for e in handle.access_log()}
    assert seen_faults <= logged


def test_fault_plan_is_seeded_and_rate_shaped():
    paths = [f"/view/AFR20240603{i:04d}00884" for i in range(1, 2001)]
    cfg = ReplicaConfig(seed=1, fault_rate=0.1)
    faulty = [p for p in paths if faults.plan_for(cfg, p).kind]
    assert 140 <= len(faulty) <= 260
    assert faulty == [p for p in paths if faults.plan_for(ReplicaConfig(seed=1, fault_rate=0.1), p).kind]
    assert faulty != [p for p in paths if faults.plan_for(ReplicaConfig(seed=2, fault_rate=0.1), p).kind]
    assert not any(faults.plan_for(ReplicaConfig(fault_rate=1.0), p).kind for p in ("/robots.txt", "/__replica__/log"))
    # tracking queries do not change the decision
    assert faults.plan_for(cfg, faulty[0] + "?input=1195m") == faults.plan_for(cfg, faulty[0])
