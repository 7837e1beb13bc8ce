"""`yonhap-pipeline` console script.

Commands stay thin: parse options, read settings, call pipeline.run (the stage functions
the Airflow tasks call too) and print. `yonhap-pipeline --help` stays instant because the
stage modules load nothing heavy until a stage runs.

Exit codes: 0 success; 1 the run failed or the quality gate blocked the load;
2 bad usage or a bad setting (one line naming it).
"""

from __future__ import annotations

import sys

import typer

from devtools.replica import cli as replica
from ground.core.config import SettingsError
from ground.core.editions import EDITIONS
from pipeline.cli import crawl, extract, load, run, stack, transform, validate

app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,
    no_args_is_help=True,
    help=("Crawl, transform, validate and load Yonhap's foreign-language services: "
          + ", ".join(f"{e.host} ({e.code})" for e in EDITIONS.values()) + "; French by default."),
)
db_app = typer.Typer(no_args_is_help=True, help="Database migrations and housekeeping.")
stack_app = typer.Typer(no_args_is_help=True, help="The embedded local stack (Postgres, S3, Airflow).")
curated_app = typer.Typer(no_args_is_help=True, help="Curated Parquet files (S3 curated/).")
app.add_typer(db_app, name="db")
app.add_typer(stack_app, name="stack")
app.add_typer(curated_app, name="curated")

app.command("run")(run.run)
app.command("reprocess")(run.reprocess)
app.command("crawl")(crawl.crawl_command)
app.command("check-site")(crawl.check_site)
app.command("extract")(extract.extract)
app.command("transform")(transform.transform_command)
app.command("validate")(validate.validate_command)
app.command("load")(load.load_command)
app.command("replica")(replica.replica)
db_app.command("upgrade")(load.db_upgrade)
db_app.command("remove-demo-rows")(stack.remove_demo_rows)
curated_app.command("rebuild")(load.curated_rebuild)
stack_app.command("up")(stack.up)
stack_app.command("down")(stack.down)
stack_app.command("status")(stack.status)


def main() -> None:
    try:
        app()
    except SettingsError as err:  # raised deeper than load_settings()
        typer.echo(f"error: {err}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
