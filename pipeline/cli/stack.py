"""`yonhap-pipeline stack up|down|status` (the embedded local stack: devtools.stack) and
`yonhap-pipeline db remove-demo-rows`.

Only the services whose setting is unset are managed: with DATABASE_URL / S3_ENDPOINT_URL
pointing elsewhere, those are left alone (and just reported). `--demo` (`make demo`) is a
stack of its own in ``<YONHAP_LOCAL_DIR>/demo`` (database, bucket files, Airflow home, the
replica), whatever those settings say, so the demo's replica rows never meet `make run`'s;
`down` and `status` cover both.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import typer

from devtools.stack import airflow as local_airflow
from devtools.stack import services
from ground.adapters import db, s3
from ground.core.config import Settings, SettingsError
from pipeline.cli.options import fail, load_settings
from pipeline.run import sites, stages


def _masked(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def demo_settings(settings: Settings) -> Settings:
    """The demo's own stack: embedded services in ``<local_dir>/demo``, no site delay (the
    replica is ours); the base URL is the replica's once it runs."""
    return settings.with_(local_dir=settings.demo_dir, database_url=None, s3_endpoint_url=None, s3_use_aws=False,
                          aws_access_key_id=None, aws_secret_access_key=None, download_delay=0.0)


def _stacks(settings: Settings) -> list[tuple[str, Settings]]:
    """(label, settings) of the production stack and, when it exists, the demo's."""
    found = [("", settings)]
    if settings.demo_dir.is_dir():
        found.append(("demo", demo_settings(settings)))
    return found


def _sibling_holds_our_ports(settings: Settings, sibling: Settings, label: str) -> None:
    """The demo and `make run` share the port settings: refuse to start one while the other
    holds them, naming the way out, instead of a bare `port taken`."""
    info = services.status(sibling)
    ours = services.status(settings)
    taken = []
    if info["postgres"]["running"] and not ours["postgres"]["running"] and settings.needs_local_postgres \
            and urlsplit(info["postgres"]["url"]).port == settings.pg_port:
        taken.append(f"YONHAP_PG_PORT {settings.pg_port}")
    if info["s3"]["running"] and not ours["s3"]["running"] and settings.needs_local_s3 \
            and urlsplit(info["s3"]["endpoint"]).port == settings.s3_port:
        taken.append(f"YONHAP_S3_PORT {settings.s3_port}")
    if taken:
        fail(f"the {label} stack ({sibling.local_dir}) is running on the same ports ({', '.join(taken)}): "
             "stop it first (`make stop`, i.e. `yonhap-pipeline stack down`), or give this one other ports", 1)


def _ui_address() -> str:
    """Where `stack up --airflow` serves the UI, as the help says it (YONHAP_AIRFLOW_PORT)."""
    try:
        return f"http://localhost:{local_airflow.api_port()}"
    except SettingsError:  # a bad value is refused when the command runs, naming the variable
        return "http://localhost:$YONHAP_AIRFLOW_PORT"


def up(
    airflow: bool = typer.Option(False, "--airflow", help=f"Also start Airflow (UI on {_ui_address()})."),
    demo: bool = typer.Option(False, "--demo", help="The demo: a stack of its own in <YONHAP_LOCAL_DIR>/demo serving "
                              "the bundled replica (YONHAP_REPLICA_PORT); with --airflow it backfills a few days."),
    executor: str = typer.Option("local", "--executor", metavar="local|celery", help="With --airflow: local (LocalExecutor) or celery "
                                 "(CeleryExecutor, YONHAP_CELERY_WORKERS workers, broker YONHAP_CELERY_BROKER_URL)."),
) -> None:
    """Start PostgreSQL and the S3 endpoint (idempotent), apply migrations, create the bucket."""
    try:  # before anything starts (Airflow's `up` checks it again for its other callers)
        local_airflow.celery.check_executor(executor)
    except SettingsError as err:
        fail(str(err))
    settings = load_settings()
    if demo:
        production = settings
        settings = demo_settings(settings)
        ignored = [v for v in ("DATABASE_URL", "S3_ENDPOINT_URL") if os.environ.get(v) is not None]
        typer.echo(f"demo      a stack of its own in {settings.local_dir} (`make run`'s data in {production.local_dir} "
                   "is never touched)" + (f"; {' and '.join(ignored)} ignored" if ignored else ""))
        _sibling_holds_our_ports(settings, production, "production")
    elif settings.demo_dir.is_dir():
        _sibling_holds_our_ports(settings, demo_settings(settings), "demo")
    try:
        if settings.needs_local_postgres:
            services.ensure_postgres(settings)
        if settings.needs_local_s3:
            services.ensure_s3(settings)
        url = db.database_url(settings)
        applied = stages.upgrade_database(settings)
        endpoint = s3.endpoint_url(settings)
        s3.ensure_bucket(settings)
        if settings.needs_local_postgres:
            services.grant_reader_login(url, services.ensure_credentials(settings.local_dir).reader_password)
        replica = services.ensure_replica(settings) if demo and not airflow else None
    except services.StackError as err:
        fail(str(err), 1)
    origin = "embedded" if settings.needs_local_postgres else "DATABASE_URL"
    typer.echo(f"postgres  {_masked(url)}  ({origin}; migrations applied: {len(applied)})")
    typer.echo(f"s3        {endpoint or 'AWS'}  bucket {settings.s3_bucket}")
    if settings.needs_local_postgres or settings.needs_local_s3:
        typer.echo(f"secrets   {services.credentials_path(settings.local_dir)} (mode 0600; "
                   "`yonhap-pipeline stack status` shows them)")
    if replica:
        typer.echo(f"replica   {replica}  (crawl it with YONHAP_LOCAL_DIR={settings.local_dir} "
                   f"YONHAP_BASE_URL={replica} YONHAP_DOWNLOAD_DELAY=0)")
    if not demo:
        classified = sites.classify_unknown_runs(settings)
        if classified:
            typer.echo(f"sites     read the site of {classified} earlier run(s) from their archived pages")
        notice = sites.mixed_notice(settings)
        if notice:
            typer.echo(f"notice    {notice}")
    if airflow:
        try:
            local_airflow.up(settings, demo=demo, executor=executor)
        except local_airflow.AirflowLocalError as err:
            fail(str(err), 1)


def down(
    airflow: bool = typer.Option(True, "--airflow/--no-airflow", help="Also stop local Airflow."),
) -> None:
    """Stop what `stack up` started, the demo's stack too (data in the local dir is kept)."""
    for label, settings in _stacks(load_settings()):
        if airflow:
            local_airflow.down(settings)
        suffix = f"  ({label})" if label else ""
        for service, was_running in services.stop(settings).items():
            typer.echo(f"{service:<9} {'stopped' if was_running else 'not running'}{suffix}")


def _status_lines(settings: Settings) -> list[str]:
    info = services.status(settings)
    pg, s3_info, replica = info["postgres"], info["s3"], info["replica"]
    lines = []
    if settings.needs_local_postgres:
        state = f"running pid {pg['pid']}  {pg['url']}" if pg["running"] else "stopped"
        lines.append(f"postgres  {state}  (data {pg['data_dir']})")
    else:
        lines.append(f"postgres  external  {_masked(settings.database_url or '')}")
    if settings.needs_local_s3:
        state = f"running pid {s3_info['pid']}  {s3_info['endpoint']}" if s3_info["running"] else "stopped"
        lines.append(f"s3        {state}  (data {s3_info['data_dir']})")
    else:
        lines.append(f"s3        external  {settings.s3_endpoint_url or 'AWS'}")
    flow = local_airflow.status(settings)
    running = {name: pid for name, pid in flow["pids"].items() if pid}
    if running:
        password = local_airflow.admin_password(Path(flow["home"]))
        lines.append(f"airflow   running  UI {flow['url'] or '?'}  login {local_airflow.ADMIN_USER} / {password}  ("
                     + ", ".join(f"{name} {pid}" for name, pid in running.items()) + ")")
    else:
        lines.append("airflow   stopped")
    if replica["running"]:
        lines.append(f"replica   running pid {replica['pid']}  {replica['url']}")
    secrets = info["credentials"]
    if "postgres_password" in secrets and (settings.needs_local_postgres or settings.needs_local_s3):
        lines.append(f"secrets   {secrets['file']} (mode 0600)")
        if settings.needs_local_postgres:
            lines.append(f"          postgres superuser: postgres / {secrets['postgres_password']}")
            lines.append(f"          analysts (read-only): yonhap_reader / {secrets['reader_password']}")
        if settings.needs_local_s3:
            lines.append(f"          s3: AWS_ACCESS_KEY_ID={secrets['s3_access_key_id']} "
                         f"AWS_SECRET_ACCESS_KEY={secrets['s3_secret_access_key']}")
    return lines


def status() -> None:
    """Show what the local stack (and the demo's) runs, and its credentials."""
    stacks = _stacks(load_settings())
    for label, settings in stacks:
        if len(stacks) > 1:
            typer.echo(f"{label or 'production'} stack ({settings.local_dir}):")
        for line in _status_lines(settings):
            typer.echo(line)


def remove_demo_rows() -> None:
    """Remove the rows (and S3 objects) of every run that crawled a test site (the bundled
    replica): what an earlier `make demo` left in `make run`'s database."""
    settings = load_settings()
    result = sites.remove_demo_rows(settings)
    if not result["runs"]:
        typer.echo("no rows of a test site (the bundled replica) in this database")
        return
    rows = ", ".join(f"{table} {n}" for table, n in result["rows"].items() if n)
    typer.echo(f"removed {len(result['runs'])} test-site run(s): {rows}; {result['objects']} S3 object(s)")
