"""`yonhap-pipeline validate --run-id RUN --from YYYY-MM-DD --to YYYY-MM-DD`
(nothing heavy imported at module level: GX loads only when the command runs)."""

from __future__ import annotations

import re

import typer

RUN_ID_RE = re.compile(r"[A-Za-z0-9_.-]+")


def validate(
    run_id: str = typer.Option(..., "--run-id", help="Run whose staged articles to validate."),
    date_from: str = typer.Option(..., "--from", help="First KST date of the run window (YYYY-MM-DD)."),
    date_to: str = typer.Option(..., "--to", help="Last KST date of the run window, inclusive."),
) -> None:
    """Run the quality gate on a run's transformed articles (staging -> staging).

    Writes the passed rows, the rejected rows with their reasons and the gate summary to staging, and the validation results and Data Docs to S3 quality/<run_id>/.

    Exits 1 when a batch-level critical check failed (the load will be blocked) or nothing is staged.
    """
    from yonhap.cli import load_settings, parse_day
    from yonhap.timeutil import Window

    if not RUN_ID_RE.fullmatch(run_id):
        typer.echo(f"error: --run-id {run_id!r} may only hold letters, digits, '_', '.', '-'", err=True)
        raise typer.Exit(2)
    first, last = parse_day(date_from, "--from"), parse_day(date_to, "--to")
    try:
        window = Window.for_dates(first, last)
    except ValueError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    settings = load_settings()

    import psycopg2

    from expectations import stage
    from storage import queries
    from yonhap import db

    try:
        conn = db.connect(settings)
        try:
            history = queries.run_history(conn, before=window.start)
        finally:
            conn.close()
    except psycopg2.Error as err:
        typer.echo(f"error: cannot read run history (volume band) from Postgres: {err}".strip(), err=True)
        raise typer.Exit(1) from None
    try:
        summary = stage.validate(settings, run_id, window, history)
    except stage.StagingMissing as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    if not summary.success:
        raise typer.Exit(1)
