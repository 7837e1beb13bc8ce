"""`yonhap-pipeline load --run-id RUN`, `db upgrade` and `curated rebuild` (thin: parse, call,
print)."""

from __future__ import annotations

from typing import Annotated

import typer

from ground.core.config import SettingsError
from pipeline.cli.options import (
    FromDay,
    ToDay,
    any_day_window,
    database_ready,
    fail,
    load_settings,
    run_id_option,
)
from pipeline.run import stages


def load_command(
    run_id: Annotated[str, run_id_option("Run whose staged, validated batch to load.")],
) -> None:
    """Load a run's validated batch into Postgres (one transaction), then its curated Parquet.

    Exits 1 when the quality gate had blocked the batch (rejects, errors and the run row are
    still recorded) or the batch cannot be loaded.
    """
    settings = load_settings()
    database_ready(settings)
    try:
        result = stages.run_load(settings, run_id, record_failure=False)
    except stages.StageFailed as err:
        fail(str(err), 1)
    summary = {k: v for k, v in result.items() if not isinstance(v, (list, dict))}
    typer.echo(" ".join(f"{k}={v}" for k, v in summary.items()))
    for uri in result["curated"]:
        typer.echo(f"curated {uri}")
    if result["status"] != stages.STATUS_SUCCESS:
        fail(f"run {run_id}: the quality gate blocked the load (see yonhap.crawl_runs)", 1)


def db_upgrade() -> None:
    """Apply pending database migrations (safe to run concurrently and repeatedly)."""
    settings = load_settings()
    try:
        applied = stages.upgrade_database(settings)
    except SettingsError:
        raise  # exit 2, naming the variable (app.main)
    except Exception as err:  # noqa: BLE001 -- one line naming what failed, exit 1
        fail(stages.describe_error(err, settings), 1)
    for name in applied:
        typer.echo(f"applied {name}")
    if not applied:
        typer.echo("database is up to date")


def curated_rebuild(from_: FromDay, to: ToDay) -> None:
    """Rebuild curated/ Parquet from Postgres for the days whose files miss stored articles
    (each article once per day; complete days are left alone)."""
    days = any_day_window(from_, to).kst_dates()
    first, last = days[0], days[-1]
    settings = load_settings()
    for line in stages.rebuild_curated_days(settings, first, last).lines():
        typer.echo(line)
