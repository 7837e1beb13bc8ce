"""`yonhap-pipeline transform --run-id RUN` (thin: parse, call, print)."""

from __future__ import annotations

from typing import Annotated

import typer

from pipeline.cli.options import database_ready, fail, load_settings, run_id_option
from pipeline.run import stages


def transform_command(
    run_id: Annotated[str, run_id_option("Run whose staged items to transform.")],
) -> None:
    """Clean, dedupe, story-link and version a run's crawled items (staging -> staging).

    Stored articles published near the batch are read from Postgres so that dedupe and story
    linking see earlier runs.
    """
    settings = load_settings()
    database_ready(settings)
    try:
        counts = stages.run_transform(settings, run_id, record_failure=False)
    except stages.StageFailed as err:
        fail(str(err.__cause__) if isinstance(err.__cause__, stages.NoStagedItems) else str(err), 1)
    typer.echo(" ".join(f"{k}={v}" for k, v in counts.items()))

