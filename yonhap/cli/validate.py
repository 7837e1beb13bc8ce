"""`yonhap-pipeline validate --run-id RUN --from YYYY-MM-DD --to YYYY-MM-DD` (thin: GX loads
only when the gate runs)."""

from __future__ import annotations

from typing import Annotated

import typer

from yonhap.cli.options import (
    FromDay,
    ToDay,
    day_window,
    fail,
    load_settings,
    run_id_option,
)
from yonhap.pipeline import stages


def validate(
    run_id: Annotated[str, run_id_option("Run whose staged articles to validate.")],
    date_from: FromDay,
    date_to: ToDay,
) -> None:
    """Run the quality gate on a run's transformed articles (staging -> staging).

    Writes the passed rows, the rejected rows with their reasons and the gate summary to staging, and the validation results and Data Docs to S3 quality/<run_id>/.

    Exits 1 when a batch-level critical check failed (the load will be blocked) or nothing is staged.
    """
    window = day_window(date_from, date_to)
    settings = load_settings()
    try:
        summary = stages.run_stage(stages.validate, settings, run_id, window, record_failure=False)
    except stages.StageFailed as err:
        fail(str(err), 1)
    if not summary.get("success"):
        raise typer.Exit(1)
