"""`yonhap-pipeline crawl` and `yonhap-pipeline check-site` (thin: parse, call, print).

Nothing heavy at module level: Scrapy only ever runs in the crawler subprocess.
"""

from __future__ import annotations

from datetime import UTC, datetime

import typer


def _stored_state(settings, window) -> tuple[dict, list[str]]:
    """Validators and earlier failed URLs from the database, when it can be reached."""
    try:
        from storage import queries
        from yonhap import db

        conn = db.connect(settings)
    except Exception as err:  # no database yet (or storage not installed): crawl from scratch
        typer.echo(f"note: no stored state ({type(err).__name__}: {err}); full crawl", err=True)
        return {}, []
    try:
        return queries.validators_for(conn, window), queries.pending_error_urls(conn)
    except Exception as err:  # e.g. migrations not applied yet
        typer.echo(f"note: stored state unavailable ({type(err).__name__}: {err}); full crawl", err=True)
        return {}, []
    finally:
        conn.close()


def crawl(
    from_: str = typer.Option(..., "--from", help="first KST publication date, YYYY-MM-DD"),
    to: str = typer.Option(..., "--to", help="last KST publication date (inclusive), YYYY-MM-DD"),
    run_id: str = typer.Option(None, "--run-id", help="run id ([A-Za-z0-9_.-]+); default cli_<from>_<to>_<stamp>"),
    use_db: bool = typer.Option(True, "--db/--no-db", help="re-validate stored articles and retry earlier failures"),
):
    """Crawl the articles published in a KST date range into the raw archive and staging."""
    import re

    from scrapers import stage
    from yonhap.cli import load_settings, parse_day
    from yonhap.timeutil import Window

    first, last = parse_day(from_, "--from"), parse_day(to, "--to")
    try:
        window = Window.for_dates(first, last)
    except ValueError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    run_id = run_id or f"cli_{first:%Y%m%d}_{last:%Y%m%d}_{datetime.now(UTC):%Y%m%dT%H%M%S}"
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", run_id):
        typer.echo(f"error: --run-id {run_id!r} must match [A-Za-z0-9_.-]+", err=True)
        raise typer.Exit(2)
    settings = load_settings()
    validators, retry_urls = _stored_state(settings, window) if use_db else ({}, [])
    try:
        stats = stage.crawl(settings, run_id, window, validators=validators, retry_urls=retry_urls)
    except stage.CrawlFailed as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"run {run_id}: {stats.items} items, {stats.not_modified} not modified, {stats.errors} errors, "
        f"{stats.pages} responses ({stats.list_pages} list pages, {stats.article_requests} article requests)"
    )


def check_site(
    base_url: str = typer.Option(None, "--base-url", help="site root (default: YONHAP_BASE_URL)"),
    articles: int = typer.Option(3, "--articles", min=1, max=20, help="article pages to check"),
):
    """Fetch the feed, a list page and a few articles; report which layers/selectors matched."""
    from rich.console import Console

    from scrapers.check_site import check_site as run_check
    from scrapers.check_site import render
    from yonhap.cli import load_settings

    settings = load_settings()
    if base_url:
        from yonhap.config import SettingsError, _http_url

        try:
            base_url = _http_url("--base-url", {"--base-url": base_url}, None)
        except SettingsError as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(2) from None
    target = base_url or settings.base_url
    report = run_check(target, settings.user_agent, articles=articles)
    Console().print(render(report))
    if not report.ok:
        raise typer.Exit(1)
