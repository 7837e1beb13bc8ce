"""What every command shares: settings loading, the KST day and run-id option types, and
the day-range check. Errors are one line on stderr and exit 2 (bad usage or setting)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from ground.core.config import Settings, SettingsError
from ground.core.runids import RUN_ID_PATTERN, BadRunId, check_run_id
from ground.core.schema import RUN_SOURCE_SITE, RUN_SOURCES  # noqa: F401 (RUN_SOURCE_SITE: the commands' default)
from ground.core.timeutil import DayRangeError, Window, check_run_range, parse_day_range


def run_id(value: str) -> str:
    """Option parser: a run id by the one rule (ground.core.runids)."""
    try:
        return check_run_id(str(value))
    except BadRunId as err:
        raise typer.BadParameter(str(err)) from None


def run_source(value: str) -> str:
    """Option parser: what a run fetches from (ground.core.schema.RUN_SOURCES)."""
    lowered = str(value).strip().lower()
    if lowered not in RUN_SOURCES:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(RUN_SOURCES)}")
    return lowered


SOURCE_HELP = ("site: fetch from the site (default); archive: from the web archives (Common Crawl, the Wayback "
               "Machine), no request to the site; auto: the site, then the archives for what it does not give.")
FROM_HELP = "First KST publication date (YYYY-MM-DD), inclusive."
TO_HELP = "Last KST publication date (YYYY-MM-DD), inclusive."
RUN_ID_HELP = f"Run id ({RUN_ID_PATTERN}); default cli_<from>_<to>_<utc stamp>. Reusing one reruns it."


# Parameter annotations: `def cmd(from_: FromDay, to: ToDay, run_id: OptionalRunId = None)`.
# The dates stay text until day_window(): the one range rule parses them, so a malformed date
# gets the same one line as the Airflow form (ground.core.timeutil.check_run_range).
FromDay = Annotated[str, typer.Option("--from", metavar="YYYY-MM-DD", help=FROM_HELP)]
ToDay = Annotated[str, typer.Option("--to", metavar="YYYY-MM-DD", help=TO_HELP)]
OptionalRunId = Annotated[str | None, typer.Option("--run-id", parser=run_id, metavar="RUN_ID", help=RUN_ID_HELP)]
Source = Annotated[str, typer.Option("--source", parser=run_source, metavar="site|archive|auto", help=SOURCE_HELP)]
OptionalFromDay = Annotated[str | None, typer.Option("--from", metavar="YYYY-MM-DD", help=FROM_HELP)]
OptionalToDay = Annotated[str | None, typer.Option("--to", metavar="YYYY-MM-DD", help=TO_HELP)]


def run_id_option(help: str):
    """A required --run-id naming the run whose staged files a command uses."""
    return typer.Option("--run-id", parser=run_id, metavar="RUN_ID", help=f"{help} ({RUN_ID_PATTERN})")


def fail(message: str, code: int = 2):
    """Print ``error: message`` on stderr and exit (2: usage; 1: the work failed)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def load_settings(edition: str | None = None) -> Settings:
    try:
        return Settings.from_env(for_edition=edition)
    except SettingsError as err:
        fail(str(err))


def database_ready(settings: Settings) -> None:
    """Apply pending migrations before a stage touches the tables (what `run` does too), or
    exit 1 with one line naming what failed (no database, refused login...)."""
    from pipeline.run import stages  # lazy: --help stays instant

    try:
        stages.upgrade_database(settings)
    except SettingsError:
        raise  # exit 2, naming the variable (app.main)
    except Exception as err:  # noqa: BLE001 -- one line naming what failed, exit 1
        fail(f"{stages.describe_error(err, settings)} (`yonhap-pipeline db upgrade` applies migrations "
             "once the database answers)", 1)


def day_window(first: str | date, last: str | date) -> Window:
    """The window of a run's KST days first..last, or exit 2 with the one-line reason of the
    range rule the Airflow form uses too (check_run_range)."""
    try:
        return Window.for_dates(*check_run_range(first, last))
    except DayRangeError as err:
        fail(str(err))


def any_day_window(first: str | date, last: str | date) -> Window:
    """The window of KST days first..last for work that sends nothing to the site (a curated
    rebuild): dates and order only, with the same one-line refusals."""
    try:
        return Window.for_dates(*parse_day_range(first, last))
    except DayRangeError as err:
        fail(str(err))
