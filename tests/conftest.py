"""Shared pytest set-up: the fixture plugins, and the tiers.

Tiers (README "Development"), assigned here from what a test needs, never by hand:

* ``unit``: no server and no process of its own: parsers, transforms, suites, config, replica
  rendering. ``make test-unit`` runs them with DATABASE_URL and S3_ENDPOINT_URL on closed
  ports, and a unit test that starts a process fails (the guard below).
* ``integration``: a real PostgreSQL, S3 endpoint, replica or archive server over a socket, or a
  process of the pipeline: it asks for one of INTEGRATION_FIXTURES.
* ``slow``: the end-to-end scenarios (Airflow's scheduler or dag.test, Celery, the browser,
  reliability): marked ``slow`` in their module.

Order: under xdist (``make test``) the longest scenarios go first, one to each worker, so that
no worker is left with a long pole at the end; the rest fills in behind them.
"""

from __future__ import annotations

import subprocess

import pytest

pytest_plugins = [
    "tests.fixtures_stack",
    "tests.fixtures_replica",
    "tests.fixtures_webarchive",
    "tests.fixtures_airflow",
    "tests.fixtures_process",
    "tests.alert_receivers",
]

# Asking for one of these puts a test in the integration tier (a server or a process).
INTEGRATION_FIXTURES = frozenset({
    # fixtures_stack: PostgreSQL + S3 over sockets
    "stack_settings", "settings", "db_conn", "empty_database_url",
    # servers of our own over HTTP / SMTP
    "replica", "web_archives", "mailbox", "webhook",
    # Airflow's metadata database (dag.test in subprocesses)
    "airflow_meta",
    # a process of the pipeline or a fresh interpreter
    "pipeline_process", "fresh_python", "child_processes",
    # module fixtures that start one of the above
    "site", "hostile_site", "s3_endpoint", "dagbag", "local_dir", "listening_socket", "spawn",
    "dedicated_stack", "site_settings",
})

# The longest scenarios, longest first (seconds measured alone on the 2-core machine, for the
# order only; bench/REPORT.md keeps the suite's history). Unlisted slow tests follow them.
LONG_POLES = (
    "test_celery_backfill.py::",
    "test_airflow_e2e.py::",
    "test_stack_demo_apart.py::",
    "test_reliability.py::",
    "test_alerts_airflow.py::",
    "test_freshness_airflow.py::",
    "test_webarchive.py::",
    "test_completeness.py::",
    "test_editions.py::",
    "test_run_cli.py::",
)


def _tier(item: pytest.Item) -> str:
    if item.get_closest_marker("slow"):
        return "slow"
    if INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())):
        return "integration"
    return "unit"


def _rank(item: pytest.Item) -> tuple[int, int]:
    nodeid = item.nodeid.split("/")[-1]
    for rank, prefix in enumerate(LONG_POLES):
        if nodeid.startswith(prefix) and item.get_closest_marker("slow"):
            return (0, rank)
    return (1, {"slow": 0, "integration": 1, "unit": 2}[item.stash[TIER]])


TIER = pytest.StashKey[str]()


def pytest_collection_modifyitems(config, items):
    for item in items:
        tier = _tier(item)
        item.stash[TIER] = tier
        if tier != "slow":
            item.add_marker(getattr(pytest.mark, tier))
    items.sort(key=_rank)  # stable: within a rank, the files' own order


class _NoProcessInUnitTests(subprocess.Popen):
    def __init__(self, *args, **kwargs):
        raise RuntimeError(
            "a unit test starts no process: ask for the `fresh_python` or `pipeline_process` "
            "fixture (tests/fixtures_process.py), which puts the test in the integration tier")


@pytest.fixture(autouse=True)
def _tier_guard(request, monkeypatch):
    if request.node.stash.get(TIER, None) == "unit":
        monkeypatch.setattr(subprocess, "Popen", _NoProcessInUnitTests)
    yield
