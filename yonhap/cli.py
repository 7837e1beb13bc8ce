"""`yonhap-pipeline` console script.

Commands stay thin: parse options, read settings, call the stage functions that Airflow
tasks call too (yonhap.stages and the component packages). Heavy imports happen inside
the commands, so `yonhap-pipeline --help` is instant.

Exit codes: 0 success; 1 the run failed or the quality gate blocked the load;
2 bad usage or a bad setting (one line naming it).
"""

from __future__ import annotations

import sys
from datetime import date, datetime

import typer

from yonhap.config import Settings, SettingsError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Crawl, transform, validate and load Yonhap's French service (fr.yna.co.kr).",
)
db_app = typer.Typer(no_args_is_help=True, help="Database migrations.")
stack_app = typer.Typer(no_args_is_help=True, help="The embedded local stack (Postgres, S3, Airflow).")
curated_app = typer.Typer(no_args_is_help=True, help="Curated Parquet files (S3 curated/).")
app.add_typer(db_app, name="db")
app.add_typer(stack_app, name="stack")
app.add_typer(curated_app, name="curated")


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None


def parse_day(value: str, option: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        typer.echo(f"error: {option} {value!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None


# Command bodies live in their component modules; each is registered below.
from yonhap import commands  # noqa: E402  (registers the commands on `app`)

commands.register(app, db_app, stack_app, curated_app)


def main() -> None:
    try:
        app()
    except SettingsError as err:  # raised deeper than load_settings()
        typer.echo(f"error: {err}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
