"""`yonhap-pipeline extract FILE --url URL [--edition fr]` (thin: read, call, print).

Exit codes: 0 the page would be loaded; 1 it would be rejected (``reasons`` say why);
2 bad usage (unreadable file, unknown edition, a URL without an article id).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from pipeline.run.extract import EDITIONS, LOADED, article_id_from_url, extract_page


def extract(
    file: str = typer.Argument(..., help="saved article page (HTML), or - for standard input"),
    url: str = typer.Option(..., "--url", help="the page's URL (its article id is the row's key)"),
    edition: str = typer.Option("fr", "--edition", help="site edition: fr | en"),
    gate: bool = typer.Option(True, "--gate/--no-gate", help="also apply the quality gate's row checks"),
):
    """Parse one saved page and print the row it would store, as one JSON object."""
    if edition not in EDITIONS:
        typer.echo(f"error: --edition {edition!r} is not supported; known: {', '.join(sorted(EDITIONS))}", err=True)
        raise typer.Exit(2)
    article_id = article_id_from_url(url)
    expected = EDITIONS[edition].id_prefix
    if not article_id or not article_id.startswith(expected):
        typer.echo(f"error: --url {url!r} names no article of edition {edition} (expected …/view/{expected}<17 digits>)",
                   err=True)
        raise typer.Exit(2)
    try:
        body = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as err:
        typer.echo(f"error: cannot read {file}: {err.strerror or err}", err=True)
        raise typer.Exit(2) from None
    result = extract_page(body, url, edition=edition, gate=gate)
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    raise typer.Exit(0 if result["verdict"] == LOADED else 1)
