"""`yonhap-pipeline stack up|down|status`: the embedded local stack (yonhap.stack.services).

Only the services whose setting is unset are managed: with DATABASE_URL / S3_ENDPOINT_URL
pointing elsewhere, those are left alone (and just reported).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import typer

from yonhap.adapters import db, s3
from yonhap.cli.options import fail, load_settings
from yonhap.core.config import SettingsError
from yonhap.pipeline import stages
from yonhap.stack import airflow as local_airflow
from yonhap.stack import services


def _masked(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _ui_address() -> str:
    """Where `stack up --airflow` serves the UI, as the help says it (YONHAP_AIRFLOW_PORT)."""
    try:
        return f"http://localhost:{local_airflow.api_port()}"
    except SettingsError:  # a bad value is refused when the command runs, naming the variable
        return "http://localhost:$YONHAP_AIRFLOW_PORT"


def up(
    airflow: bool = typer.Option(False, "--airflow", help=f"Also start Airflow (UI on {_ui_address()})."),
    demo: bool = typer.Option(False, "--demo", help="With --airflow: use the bundled replica and backfill a few days."),
    executor: str = typer.Option("local", "--executor", metavar="local|celery", help="With --airflow: local (LocalExecutor) or celery "
                                 "(CeleryExecutor, YONHAP_CELERY_WORKERS workers, broker YONHAP_CELERY_BROKER_URL)."),
) -> None:
    """Start PostgreSQL and the S3 endpoint (idempotent), apply migrations, create the bucket."""
    try:  # before anything starts (Airflow's `up` checks it again for its other callers)
        local_airflow.celery.check_executor(executor)
    except SettingsError as err:
        fail(str(err))
    settings = load_settings()
    try:
        if settings.needs_local_postgres:
            services.ensure_postgres(settings)
        if settings.needs_local_s3:
            services.ensure_s3(settings)
        url = db.database_url(settings)
        applied = stages.upgrade_database(settings)
        endpoint = s3.endpoint_url(settings)
        s3.ensure_bucket(settings)
    except services.StackError as err:
        fail(str(err), 1)
    origin = "embedded" if settings.needs_local_postgres else "DATABASE_URL"
    typer.echo(f"postgres  {_masked(url)}  ({origin}; migrations applied: {len(applied)})")
    typer.echo(f"s3        {endpoint or 'AWS'}  bucket {settings.s3_bucket}")
    if airflow:
        try:
            local_airflow.up(settings, demo=demo, executor=executor)
        except local_airflow.AirflowLocalError as err:
            fail(str(err), 1)


def down(
    airflow: bool = typer.Option(True, "--airflow/--no-airflow", help="Also stop local Airflow."),
) -> None:
    """Stop what `stack up` started (data in the local dir is kept)."""
    settings = load_settings()
    if airflow:
        local_airflow.down(settings)
    for service, was_running in services.stop(settings).items():
        typer.echo(f"{service:<9} {'stopped' if was_running else 'not running'}")


def status() -> None:
    """Show what the local stack runs."""
    settings = load_settings()
    info = services.status(settings)
    pg, s3_info = info["postgres"], info["s3"]
    if settings.needs_local_postgres:
        state = f"running pid {pg['pid']}  {pg['url']}" if pg["running"] else "stopped"
        typer.echo(f"postgres  {state}  (data {pg['data_dir']})")
    else:
        typer.echo(f"postgres  external  {_masked(settings.database_url or '')}")
    if settings.needs_local_s3:
        state = f"running pid {s3_info['pid']}  {s3_info['endpoint']}" if s3_info["running"] else "stopped"
        typer.echo(f"s3        {state}  (data {s3_info['data_dir']})")
    else:
        typer.echo(f"s3        external  {settings.s3_endpoint_url or 'AWS'}")
