"""What every command shares: settings loading, the KST day and run-id option types, and
the day-range check. Errors are one line on stderr and exit 2 (bad usage or setting)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from yonhap.core.config import Settings, SettingsError
from yonhap.core.runids import RUN_ID_PATTERN, BadRunId, check_run_id
from yonhap.core.timeutil import DayRangeError, Window, check_day_range


def kst_day(value: str | date) -> date:
    """Option parser: a KST calendar date written YYYY-MM-DD."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def run_id(value: str) -> str:
    """Option parser: a run id by the one rule (yonhap.core.runids)."""
    try:
        return check_run_id(str(value))
    except BadRunId as err:
        raise typer.BadParameter(str(err)) from None


FROM_HELP = "First KST publication date (YYYY-MM-DD), inclusive."
TO_HELP = "Last KST publication date (YYYY-MM-DD), inclusive."
RUN_ID_HELP = f"Run id ({RUN_ID_PATTERN}); default cli_<from>_<to>_<utc stamp>. Reusing one reruns it."


# Parameter annotations: `def cmd(from_: FromDay, to: ToDay, run_id: OptionalRunId = None)`.
FromDay = Annotated[date, typer.Option("--from", parser=kst_day, help=FROM_HELP)]
ToDay = Annotated[date, typer.Option("--to", parser=kst_day, help=TO_HELP)]
OptionalRunId = Annotated[str | None, typer.Option("--run-id", parser=run_id, help=RUN_ID_HELP)]


def run_id_option(help: str):
    """A required --run-id naming the run whose staged files a command uses."""
    return typer.Option("--run-id", parser=run_id, help=f"{help} ({RUN_ID_PATTERN})")


def fail(message: str, code: int = 2):
    """Print ``error: message`` on stderr and exit (2: usage; 1: the work failed)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as err:
        fail(str(err))


def day_window(first: date, last: date) -> Window:
    """The window of KST days first..last, or exit 2 with the range rule's reason."""
    try:
        check_day_range(first, last)
    except DayRangeError as err:
        fail(str(err))
    return Window.for_dates(first, last)
