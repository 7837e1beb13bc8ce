"""`yonhap-pipeline load --run-id RUN` and `yonhap-pipeline db upgrade` (nothing heavy at import)."""

from __future__ import annotations

import re

import typer


def load(
    run_id: str = typer.Option(..., "--run-id", help="Run whose staged, validated batch to load."),
) -> None:
    """Load a run's validated batch into Postgres (one transaction), then its curated Parquet.

    Exits 1 when the quality gate had blocked the batch (rejects, errors and the run row are
    still recorded) or the batch cannot be loaded.
    """
    from yonhap.cli import load_settings

    if not re.fullmatch(r"[A-Za-z0-9_.-]+", run_id):
        typer.echo(f"error: --run-id {run_id!r} may only hold letters, digits, '_', '.', '-'", err=True)
        raise typer.Exit(2)
    settings = load_settings()

    from storage import stage
    from storage.load import LoadError
    from yonhap.stack import StackError

    try:
        result = stage.load(settings, run_id)
    except (LoadError, StackError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    summary = {k: v for k, v in result.items() if not isinstance(v, (list, dict))}
    typer.echo(" ".join(f"{k}={v}" for k, v in summary.items()))
    for uri in result["curated"]:
        typer.echo(f"curated {uri}")
    if result["status"] != stage.STATUS_SUCCEEDED:
        typer.echo(f"error: run {run_id}: the quality gate blocked the load (see yonhap.crawl_runs)", err=True)
        raise typer.Exit(1)


def db_upgrade() -> None:
    """Apply pending database migrations (safe to run concurrently and repeatedly)."""
    from yonhap.cli import load_settings

    settings = load_settings()

    from storage import migrate
    from yonhap.stack import StackError

    try:
        applied = migrate.upgrade(settings)
    except (migrate.MigrationError, StackError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    if applied:
        for name in applied:
            typer.echo(f"applied {name}")
    else:
        typer.echo("database is up to date")


def curated_rebuild(
    from_: str = typer.Option(..., "--from", help="first KST publication date, YYYY-MM-DD"),
    to: str = typer.Option(..., "--to", help="last KST publication date (inclusive), YYYY-MM-DD"),
) -> None:
    """Rebuild curated/ Parquet from Postgres for the days whose files miss stored articles
    (each article once per day; complete days are left alone)."""
    from yonhap.cli import load_settings, parse_day

    first, last = parse_day(from_, "--from"), parse_day(to, "--to")
    if first > last:
        typer.echo(f"error: --from {first} is after --to {last}", err=True)
        raise typer.Exit(2)
    settings = load_settings()

    from storage import curated
    from yonhap import db

    conn = db.connect(settings)
    try:
        report = curated.rebuild(settings, conn, first, last)
    finally:
        conn.close()
    for line in report.lines():
        typer.echo(line)
