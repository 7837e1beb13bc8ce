"""Fixture for the local web archives (devtools/harness/archives.py starts them).

`web_archives(plan) -> ArchivesHandle` starts them, and stops every one started at teardown.
"""

from __future__ import annotations

import pytest

from devtools.harness.archives import START_TIMEOUT, ArchivesHandle, start_archives  # noqa: F401 (re-exported)


@pytest.fixture
def web_archives(tmp_path):
    """Factory: web_archives(plan) -> ArchivesHandle; every server started is stopped at teardown."""
    handles: list[ArchivesHandle] = []

    def start(plan: dict) -> ArchivesHandle:
        handle = start_archives(tmp_path, plan)
        handles.append(handle)
        return handle

    yield start
    for handle in handles:
        handle.stop()
