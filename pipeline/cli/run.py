"""`yonhap-pipeline run` and `yonhap-pipeline reprocess`: one window through every stage,
no Airflow (the same pipeline.run.stages composition the DAGs use).

Exit codes: 0 loaded; 1 a stage failed or the quality gate blocked the load; 2 bad usage.
"""

from __future__ import annotations

import logging
from datetime import date

import typer

from ground.core.runids import default_run_id, edition_prefix
from pipeline.cli.options import (
    RUN_SOURCE_SITE,
    FromDay,
    OptionalRunId,
    Source,
    ToDay,
    day_window,
    load_settings,
)
from pipeline.run import stages
from pipeline.run.descriptor import RunDescriptor

VERBOSE_HELP = "Stream the crawler's log lines."
EDITION_HELP = "Yonhap edition: fr | en (default: YONHAP_EDITION, else fr)."


def run(
    from_: FromDay,
    to: ToDay,
    run_id: OptionalRunId = None,
    verbose: bool = typer.Option(False, "--verbose", "-v", help=VERBOSE_HELP),
    edition: str = typer.Option(None, "--edition", help=EDITION_HELP),
    source: Source = RUN_SOURCE_SITE,
) -> None:
    """Crawl, transform, validate and load every article published in a KST date range."""
    _execute(from_, to, run_id, reprocess=False, verbose=verbose, edition=edition, source=source)


def reprocess(
    from_: FromDay,
    to: ToDay,
    run_id: OptionalRunId = None,
    verbose: bool = typer.Option(False, "--verbose", "-v", help=VERBOSE_HELP),
    edition: str = typer.Option(None, "--edition", help=EDITION_HELP),
) -> None:
    """The same as `run`, re-parsing the S3 raw archive instead of fetching (no site traffic)."""
    _execute(from_, to, run_id, reprocess=True, verbose=verbose, edition=edition)


def _execute(first: date, last: date, run_id: str | None, *, reprocess: bool, verbose: bool,
             edition: str | None = None, source: str = RUN_SOURCE_SITE) -> None:
    window = day_window(first, last)
    settings = load_settings(edition)
    # French keeps its run ids (cli_…); another edition's say which: cli_en_…
    run_id = run_id or default_run_id(window, prefix=edition_prefix("cli", settings.edition))
    _configure_logging(verbose)
    run = RunDescriptor(run_id, window, "reprocess" if reprocess else "cli", settings.edition, source)
    summary = _run_with_progress(settings, run, reprocess)
    _print_summary(summary)
    figures = _print_figures(settings, run_id, window)
    _alert(settings, summary, figures, command="reprocess" if reprocess else "run")
    if not summary.ok:
        raise typer.Exit(1)


def _configure_logging(verbose: bool) -> None:
    from rich.logging import RichHandler  # lazy (as rich below): only a running command draws

    # The crawl stage streams Scrapy's lines to logging when a handler exists: keep them out
    # of the progress display unless asked for.
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(show_path=False, markup=False)],
        force=True,
    )


def _run_with_progress(settings, run: RunDescriptor, reprocess: bool):
    from rich.progress import (  # lazy: as above
        BarColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    source = run.source
    crawl_label = {"archive": "web archives", "auto": "crawl + archives"}.get(source, "crawl")
    labels = {"prepare": "migrations + bucket", "crawl": "reparse archive" if reprocess else crawl_label}
    from rich.table import Column

    # Fixed columns first; the status takes the rest of the line and wraps (a long error never
    # pushes the elapsed time off an 80-column terminal).
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<20}", table_column=Column(no_wrap=True)),
        BarColumn(bar_width=4),
        TimeElapsedColumn(),
        TextColumn("{task.fields[status]}", table_column=Column(ratio=1, overflow="fold")),
        expand=True,
    ) as bar:
        task_ids = {
            name: bar.add_task(labels.get(name, name), total=1, start=False, status="waiting")
            for name in ("prepare", *stages.STAGES)
        }

        def progress(stage: str, event: str, info: dict) -> None:
            task_id = task_ids[stage]
            if event == "start":
                bar.start_task(task_id)
                bar.update(task_id, status="running")
            elif event == "done":
                bar.update(task_id, completed=1, status=_stage_status(stage, info))
            else:
                bar.update(task_id, status=f"[red]failed: {info.get('error', '')[:200]}")
                bar.stop_task(task_id)

        # One line however narrow the terminal: never a run id cut in two.
        fetched_from = {"archive": f"web archives: {settings.cc_index_url}, {settings.wayback_url}",
                        "auto": f"{settings.base_url}, then the web archives"}.get(source, settings.base_url)
        bar.console.print(f"run [bold]{run.run_id}[/] window {run.window} ({fetched_from})", soft_wrap=True)
        return stages.run_window(settings, run, reprocess=reprocess, progress=progress)


def _stage_status(stage: str, info: dict) -> str:
    if stage == "crawl":
        # 304s are articles seen unchanged: a rerun reads "0 items" without them
        return (f"{info.get('items', 0)} items, {info.get('not_modified', 0)} not modified, "
                f"{info.get('errors', 0)} errors")
    if stage == "transform":
        shown = [f"{k} {v}" for k, v in info.items() if isinstance(v, int)]
        return ", ".join(shown[:3]) or "done"
    if stage == "validate":
        verdict = "[green]passed" if info.get("success") else "[red]BLOCKED"
        return f"{verdict}[/] {info.get('rows_passed', 0)}/{info.get('rows_in', 0)} rows"
    if stage == "load":
        shown = [f"{k} {v}" for k, v in info.items() if isinstance(v, int)]
        return ", ".join(shown[:3]) or "done"
    return "done"


def _print_summary(summary) -> None:
    from rich.console import Console  # lazy: as above
    from rich.table import Table

    table = Table(show_header=True)
    table.add_column("stage", no_wrap=True)
    table.add_column("result", overflow="fold")
    table.add_column("seconds", justify="right", no_wrap=True)
    rows = {
        **({"prepare": {}} if summary.failed_stage == "prepare" else {}),
        "crawl": summary.crawl,
        "transform": summary.transform,
        "validate": summary.gate,
        "load": summary.load,
    }
    for stage, info in rows.items():
        shown = ", ".join(f"{k}={v}" for k, v in info.items() if isinstance(v, (int, float, bool)) and v is not None)
        if stage == summary.failed_stage:
            shown = f"[red]{summary.error}"
        table.add_row(stage, shown or "-", f"{summary.durations.get(stage, 0):.1f}")
    colour = {"succeeded": "green", "blocked": "yellow"}.get(summary.status, "red")
    console = Console()
    console.print(f"run [bold]{summary.run_id}[/]", soft_wrap=True)  # the whole id on one line
    console.print(table)
    console.print(f"status [{colour}]{summary.status}[/]  window [{summary.window_start}, {summary.window_end})",
                  soft_wrap=True)
    if summary.report_uri:
        console.print(f"quality report: {summary.report_uri}", soft_wrap=True)
    # The gate's warnings (the cold-start notice...) were printed by the validate stage's own
    # log lines above: not repeated here.
    if summary.error and summary.failed_stage is None:
        console.print(f"[yellow]{summary.error}")


def _print_figures(settings, run_id: str, window):
    """The lines an Airflow run's note shows (pipeline.run.report), completeness included;
    returns the report, its lines and its browsable report links (None when the database
    cannot say)."""
    from pipeline.run import report  # lazy: as rich above

    try:
        figures = report.runs_report(settings, [run_id])
        links = report.report_links(settings, figures)
        lines = [line.replace("**", "") for line in figures.lines(f"run {run_id} · {window}", links)]
    except Exception as err:  # noqa: BLE001 -- the run's own outcome is already printed
        typer.echo(f"figures unavailable: {stages.describe_error(err, settings)}", err=True)
        return None
    for line in lines:
        typer.echo(line)
    return figures, lines, links


def _alert(settings, summary, figures, command: str) -> None:
    """The same alert rules as the DAGs (pipeline.run.alerts), for cron users: one per
    failed run, one "recovered" after it; the stream is the command and edition."""
    from pipeline.run import alerts  # lazy: as rich above

    reason = None
    if not summary.ok:
        reason = f"{summary.failed_stage}: {summary.error}" if summary.failed_stage else summary.error
    report, lines, links = figures or (None, ["figures unavailable: the database did not answer"], {})
    quality = {"quality_report": links.get(summary.report_uri, summary.report_uri)} if summary.report_uri else {}
    outcome = alerts.RunOutcome(
        stream=f"yonhap-pipeline {command} ({settings.edition})", run_id=summary.run_id, edition=settings.edition,
        status=summary.status, reason=reason, figures=report.figures() if report else {}, note=lines, links=quality)
    sent = alerts.dispatch(settings, outcome)
    if sent is not None:
        delivered = ", ".join(f"{channel}: {result}" for channel, result in sent.delivered.items())
        typer.echo(f"alert {sent.kind}: {delivered or 'no channel configured (YONHAP_ALERT_WEBHOOK, YONHAP_ALERT_EMAIL)'}",
                   err=True)
