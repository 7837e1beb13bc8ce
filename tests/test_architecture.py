"""The layers of docs/architecture.md, beyond what import-linter checks (make lint): the core
imports the standard library only, and DAG files import only Airflow's SDK, the task library
and the core -- they orchestrate, nothing else."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def imported_roots(path: Path) -> set[str]:
    """Top-level names of every module a file imports (inside functions too)."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module)
    return roots


def test_the_core_imports_the_standard_library_and_itself_only():
    outside = {}
    files = sorted((REPO / "ground" / "core").rglob("*.py"))
    assert len(files) >= 5
    for path in files:
        names = {n for n in imported_roots(path)
                 if n.split(".")[0] not in sys.stdlib_module_names
                 and not (n == "ground" or n.startswith("ground.core"))}
        if names:
            outside[path.name] = sorted(names)
    assert outside == {}


def test_the_folder_contract_names_the_top_level_packages_as_ls_shows_them():
    """The layer contract reads like `ls`: every Python package at the top is in it (or is
    dags/, bench/ or tests/, which sit beside the layers), and every name in it is a folder."""
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    folders = next(c for c in config["contracts"] if c["name"].startswith("Folders:"))
    layered = {name.strip() for layer in folders["layers"] for name in layer.split("|")}
    packages = {p.parent.name for p in REPO.glob("*/__init__.py")}
    assert layered == packages - {"bench", "tests"}, (layered, packages)
    assert folders["name"] == "Folders: " + " > ".join(folders["layers"])


def test_dag_files_import_only_the_sdk_the_task_library_and_the_core():
    allowed = ("airflow.sdk", "pipeline.airflow", "ground.core", "__future__", "datetime")
    for path in sorted((REPO / "dags").glob("*.py")):
        extra = {n for n in imported_roots(path) if not n.startswith(allowed)}
        assert extra == set(), path.name


def test_the_probe_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import os\n\ndef f():\n    from psycopg2 import sql\n    import boto3\n")
    assert imported_roots(sample) == {"os", "psycopg2", "boto3"}
