"""Settings inside Airflow: the environment (ground.core.config), overridden by the Airflow
connections ``yonhap_postgres`` and ``yonhap_s3`` when they are defined (docs/settings.md: the
connections take precedence, as a deployment defines them)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from airflow.sdk import BaseHook
from airflow.sdk.exceptions import AirflowNotFoundException

from ground.core.config import Settings

POSTGRES_CONN_ID = "yonhap_postgres"
S3_CONN_ID = "yonhap_s3"


def _postgres_url(conn) -> str:
    user = quote(conn.login or "", safe="")
    password = quote(conn.password or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{conn.port}" if conn.port else ""
    database = conn.schema or "yonhap"
    return f"postgresql://{auth}{conn.host or 'localhost'}{port}/{database}"


def get_connection(conn_id: str):
    """The Airflow connection ``conn_id``, or None when it is not defined."""
    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None


def task_settings(edition: str | None = None):
    """Settings for a task: the environment (docs/settings.md) for ``edition`` (the run's; None:
    YONHAP_EDITION), then the `yonhap_postgres` and `yonhap_s3` connections when they are
    defined. Call inside a task, never at parse time."""
    settings = Settings.from_env(for_edition=edition)
    pg = get_connection(POSTGRES_CONN_ID)
    if pg is not None:
        settings = settings.with_(database_url=_postgres_url(pg))
    s3 = get_connection(S3_CONN_ID)
    if s3 is not None:
        extra = s3.extra_dejson or {}
        endpoint = extra.get("endpoint_url") or (f"http://{s3.host}:{s3.port}" if s3.host else None)
        changes: dict[str, Any] = {}
        if endpoint:
            changes["s3_endpoint_url"] = endpoint.rstrip("/")
        if s3.login:
            changes["aws_access_key_id"] = s3.login
        if s3.password:
            changes["aws_secret_access_key"] = s3.password
        if extra.get("region_name"):
            changes["aws_region"] = extra["region_name"]
        settings = settings.with_(**changes)
    return settings
