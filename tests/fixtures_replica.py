"""Fixture for the replica site over real HTTP (devtools/harness/replica.py starts it).

`replica(**config) -> ReplicaHandle` starts one, and stops every one started at teardown.
"""

from __future__ import annotations

import pytest

from devtools.harness.replica import START_TIMEOUT, ReplicaHandle, start_replica  # noqa: F401 (re-exported)


@pytest.fixture
def replica(tmp_path):
    """Factory: replica(**config) -> ReplicaHandle; every server started is stopped at teardown."""
    handles: list[ReplicaHandle] = []

    def start(**config) -> ReplicaHandle:
        handle = start_replica(tmp_path, **config)
        handles.append(handle)
        return handle

    yield start
    for handle in handles:
        handle.stop()
