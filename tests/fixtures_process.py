"""Calling `yonhap-pipeline` from a test: in-process by default, a real process where the
process boundary is what the test proves.

``cli_in_process`` runs a command through typer's runner in the test's own interpreter, so
the heavy imports (Great Expectations, Scrapy) are paid once per pytest worker instead of once
per call. It answers like ``subprocess.run(..., capture_output=True)``: ``returncode``,
``stdout`` and ``stderr`` as bytes. ``cli_process`` is the console script itself.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CLI = str(Path(sys.executable).parent / "yonhap-pipeline")


@dataclass
class Completed:
    args: list[str]
    returncode: int
    stdout: bytes
    stderr: bytes


def cli_in_process(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> Completed:
    """One command, as the console script would run it, minus the new interpreter."""
    from typer.testing import CliRunner

    from ground.core.config import SettingsError
    from pipeline.cli.app import app

    result = CliRunner().invoke(app, list(args), input=stdin, env=env, catch_exceptions=True)
    code, err = result.exit_code, result.stderr_bytes or b""
    if isinstance(result.exception, SettingsError):  # what main() does around app()
        code, err = 2, err + f"error: {result.exception}\n".encode()
    elif result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Completed(list(args), code, result.stdout_bytes, err)


def cli_process(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None,
                timeout: float = 120, text: bool = False) -> subprocess.CompletedProcess:
    """The console script in its own process (exit codes and streams as a shell sees them)."""
    return subprocess.run([CLI, *args], input=stdin, capture_output=True, timeout=timeout, cwd=str(REPO), env=env,
                          text=text)


def run_python(code: str, *args: str, env: dict[str, str] | None = None, timeout: float = 180,
               check: bool = False) -> subprocess.CompletedProcess:
    """``python -c code`` in a fresh interpreter (what a module imports, from nothing)."""
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=str(REPO), check=check)


# Fixtures, so that a test which starts a process says so (and lands in the integration tier).

@pytest.fixture
def pipeline_process():
    """:func:`cli_process`: the console script in its own process."""
    return cli_process


@pytest.fixture
def fresh_python():
    """:func:`run_python`: code in a fresh interpreter."""
    return run_python


@pytest.fixture
def child_processes():
    """For a test that starts processes of its own (a bench, a server it drives): asking for it
    says so, and puts the test in the integration tier."""
    return subprocess
