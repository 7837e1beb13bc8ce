"""The peers' venv (``.venv-peers``): extractors we compare against but do not depend on.

    .venv/bin/python -m bench.peers_env        # create or repair it (also: make .venv-peers)

newspaper4k pins its own lxml/requests/etc., so it lives apart from the project's pinned
``.venv``. Only its parser is used (no ``nlp()``), so no NLTK data is ever downloaded.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-peers"
REQUIREMENTS = Path(__file__).resolve().parent / "requirements-peers.txt"


class PeersEnvError(RuntimeError):
    """The peers' venv is missing and could not be created; the message says how to fix it."""


def python() -> Path:
    return VENV / "bin" / "python"


def _pins() -> list[str]:
    return [line.split("#", 1)[0].strip() for line in REQUIREMENTS.read_text().splitlines()
            if line.split("#", 1)[0].strip()]


def installed_ok() -> bool:
    """True when every pin in requirements-peers.txt is installed at exactly that version."""
    if not python().exists():
        return False
    check = "import importlib.metadata as m, sys\n" + "".join(
        f"sys.exit(1) if m.version({name!r}) != {version!r} else None\n"
        for name, version in (pin.split("==", 1) for pin in _pins())
    )
    return subprocess.run([str(python()), "-c", check], capture_output=True, check=False).returncode == 0


def ensure(base_python: str | None = None) -> Path:
    """Create/repair .venv-peers from requirements-peers.txt; returns its python."""
    if installed_ok():
        return python()
    base = base_python or getattr(sys, "_base_executable", None) or sys.executable
    steps = [
        [base, "-m", "venv", str(VENV)],
        [str(python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(REQUIREMENTS)],
    ]
    for cmd in steps:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise PeersEnvError(
                f"could not set up {VENV.name} ({' '.join(cmd[:3])} ...): {(done.stderr or done.stdout)[-800:]}\n"
                f"fix: make .venv-peers"
            )
    if not installed_ok():
        raise PeersEnvError(f"{VENV.name} was created but the pins in {REQUIREMENTS.name} are not installed")
    return python()


if __name__ == "__main__":
    print(ensure())
