"""`yonhap-pipeline validate --run-id RUN [--from YYYY-MM-DD --to YYYY-MM-DD]` (thin: GX loads
only when the gate runs)."""

from __future__ import annotations

from typing import Annotated

import typer

from pipeline.cli.options import (
    OptionalFromDay,
    OptionalToDay,
    database_ready,
    day_window,
    fail,
    load_settings,
    run_id_option,
)
from pipeline.run import stages


def validate_command(
    run_id: Annotated[str, run_id_option("Run whose staged articles to validate.")],
    date_from: OptionalFromDay = None,
    date_to: OptionalToDay = None,
) -> None:
    """Run the quality gate on a run's transformed articles (staging -> staging).

    The window is the run's own (its crawl); --from/--to, when given, must name it. Writes the
    passed rows, the rejected rows with their reasons and the gate summary to staging, and the
    validation results and Data Docs to S3 quality/<run_id>/. A run already loaded is not
    validated again: its recorded result stands.

    Exits 1 when a batch-level critical check failed (the load will be blocked) or nothing is staged.
    """
    asked = day_window(date_from or date_to, date_to or date_from) if (date_from or date_to) else None
    settings = load_settings()
    database_ready(settings)
    try:
        row = stages.run_row(settings, run_id)
        window = stages.stored_window(settings, run_id)
    except stages.RunUnknown as err:
        if asked is None:
            fail(str(err), 1)
        window = asked  # staged by other means (no crawl figures): the dates given say it
    except Exception as err:  # noqa: BLE001 -- one line naming what failed
        fail(stages.describe_error(err, settings), 1)
    if asked is not None and asked != window:
        fail(f"run {run_id} was crawled for {window}: --from/--to must name that window, or be left out")
    if row is not None and row["status"] in (stages.STATUS_SUCCESS, stages.STATUS_BLOCKED):
        verdict = "passed" if row["quality_success"] else "failed"
        typer.echo(f"run {run_id} is already loaded ({row['status']}, quality gate {verdict}): "
                   "its recorded result stands; nothing validated again")
        raise typer.Exit(0 if row["status"] == stages.STATUS_SUCCESS else 1)
    try:
        summary = stages.run_validate(settings, run_id, window, record_failure=False)
    except stages.StageFailed as err:
        fail(str(err), 1)
    if not summary.get("success"):
        raise typer.Exit(1)
