"""`yonhap-pipeline stack up|down|status`: the embedded local stack (yonhap.stack).

Only the services whose setting is unset are managed: with DATABASE_URL / S3_ENDPOINT_URL
pointing elsewhere, those are left alone (and just reported).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import typer


def _masked(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _airflow_local():
    try:
        from yonhap import airflow_local
    except ImportError as err:
        typer.echo(f"error: local Airflow is not available ({err})", err=True)
        raise typer.Exit(1) from None
    return airflow_local


def up(
    airflow: bool = typer.Option(False, "--airflow", help="Also start Airflow (UI on http://localhost:8080)."),
    demo: bool = typer.Option(False, "--demo", help="With --airflow: use the bundled replica and backfill a few days."),
) -> None:
    """Start PostgreSQL and the S3 endpoint (idempotent), apply migrations, create the bucket."""
    from storage import migrate
    from yonhap import db, s3, stack
    from yonhap.cli import load_settings

    settings = load_settings()
    try:
        if settings.needs_local_postgres:
            stack.ensure_postgres(settings)
        if settings.needs_local_s3:
            stack.ensure_s3(settings)
        url = db.database_url(settings)
        applied = migrate.upgrade(settings)
        endpoint = s3.endpoint_url(settings)
        s3.ensure_bucket(settings)
    except stack.StackError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    origin = "embedded" if settings.needs_local_postgres else "DATABASE_URL"
    typer.echo(f"postgres  {_masked(url)}  ({origin}; migrations applied: {len(applied)})")
    typer.echo(f"s3        {endpoint or 'AWS'}  bucket {settings.s3_bucket}")
    if airflow:
        module = _airflow_local()
        try:
            module.up(settings, demo=demo)
        except getattr(module, "AirflowLocalError", ()) as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(1) from None


def down(
    airflow: bool = typer.Option(True, "--airflow/--no-airflow", help="Also stop local Airflow."),
) -> None:
    """Stop what `stack up` started (data in the local dir is kept)."""
    from yonhap import stack
    from yonhap.cli import load_settings

    settings = load_settings()
    if airflow:
        try:
            from yonhap import airflow_local
        except ImportError:
            airflow_local = None  # not installed yet: nothing of it can be running
        if airflow_local is not None:
            airflow_local.down(settings)
    for service, was_running in stack.stop(settings).items():
        typer.echo(f"{service:<9} {'stopped' if was_running else 'not running'}")


def status() -> None:
    """Show what the local stack runs."""
    from yonhap import stack
    from yonhap.cli import load_settings

    settings = load_settings()
    info = stack.status(settings)
    pg, s3 = info["postgres"], info["s3"]
    if settings.needs_local_postgres:
        state = f"running pid {pg['pid']}  {pg['url']}" if pg["running"] else "stopped"
        typer.echo(f"postgres  {state}  (data {pg['data_dir']})")
    else:
        typer.echo(f"postgres  external  {_masked(settings.database_url or '')}")
    if settings.needs_local_s3:
        state = f"running pid {s3['pid']}  {s3['endpoint']}" if s3["running"] else "stopped"
        typer.echo(f"s3        {state}  (data {s3['data_dir']})")
    else:
        typer.echo(f"s3        external  {settings.s3_endpoint_url or 'AWS'}")
