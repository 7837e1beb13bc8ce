"""`yonhap-pipeline transform --run-id RUN` (nothing heavy imported at module level)."""

from __future__ import annotations

import typer


def transform(
    run_id: str = typer.Option(..., "--run-id", help="Run whose staged items to transform."),
) -> None:
    """Clean, dedupe, story-link and version a run's crawled items (staging -> staging).

    Stored articles published near the batch are read from Postgres so that dedupe and story
    linking see earlier runs.
    """
    import re

    from yonhap.cli import load_settings

    if not re.fullmatch(r"[A-Za-z0-9_.-]+", run_id):
        typer.echo(f"error: --run-id {run_id!r} may only hold letters, digits, '_', '.', '-'", err=True)
        raise typer.Exit(2)
    settings = load_settings()

    from transforms import stage

    try:
        items = stage.read_items(settings, run_id)
    except stage.NoStagedItems as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    stored: list[dict] = []
    bounds = stage.linking_range(items)
    if bounds is not None:
        from storage import queries
        from yonhap import db

        start, end = bounds
        conn = db.connect(settings)
        try:
            stored = queries.articles_for_linking(conn, start, end)
        finally:
            conn.close()
    counts = stage.transform(settings, run_id, stored)
    typer.echo(" ".join(f"{k}={v}" for k, v in counts.items()))
