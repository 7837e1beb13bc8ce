"""`yonhap-pipeline crawl` and `yonhap-pipeline check-site` (thin: parse, call, print)."""

from __future__ import annotations

import typer

from ground.core.config import SettingsError, env_http_url
from ground.core.runids import default_run_id
from pipeline.cli.options import (
    RUN_SOURCE_SITE,
    FromDay,
    OptionalRunId,
    Source,
    ToDay,
    day_window,
    fail,
    load_settings,
)
from pipeline.run import site as site_check
from pipeline.run import stages
from pipeline.run.descriptor import RunDescriptor


def crawl_command(
    from_: FromDay,
    to: ToDay,
    run_id: OptionalRunId = None,
    use_db: bool = typer.Option(True, "--db/--no-db", help="re-validate stored articles and retry earlier failures"),
    source: Source = RUN_SOURCE_SITE,
):
    """Crawl the articles published in a KST date range into the raw archive and staging."""
    window = day_window(from_, to)
    run_id = run_id or default_run_id(window)
    settings = load_settings()
    # kind "stages": a run done one stage at a time
    run = RunDescriptor(run_id, window, stages.STAGES_KIND, settings.edition, source)
    if use_db:
        # Migrations, bucket and the run row.
        try:
            with stages.recorded(settings, run_id, "prepare", record_failure=False):
                stages.prepare(settings, run_id, window, run.kind)
        except stages.StageFailed as err:
            fail(f"{err} (`yonhap-pipeline db upgrade` applies migrations once the database answers)", 1)
    try:
        stats = stages.run_crawl(settings, run, stored_state=use_db, record_failure=False)
    except stages.StageFailed as err:
        fail(str(err), 1)
    typer.echo(
        f"run {run_id}: {stats['items']} items, {stats['not_modified']} not modified, {stats['errors']} errors, "
        f"{stats['pages']} responses ({stats['list_pages']} list pages, {stats['article_requests']} article requests)"
    )


def check_site(
    base_url: str = typer.Option(None, "--base-url", help="site root (default: YONHAP_BASE_URL)"),
    articles: int = typer.Option(3, "--articles", min=1, max=20, help="article pages to check"),
):
    """Fetch the feed, a list page and a few articles; report which layers/selectors matched."""
    from rich.console import Console  # lazy: rich's console is only needed for this report

    settings = load_settings()
    if base_url:
        try:
            base_url = env_http_url("--base-url", {"--base-url": base_url}, None)
        except SettingsError as err:
            fail(str(err))
    report = site_check.check_site(base_url or settings.base_url, settings.user_agent, articles=articles)
    console = Console()
    console.print(site_check.render(report))
    verdict = report.verdict_line()  # what the canary DAGs alert on: problems and template drift
    if verdict:
        console.print(verdict, style="bold red", markup=False)
        raise typer.Exit(1)
