"""Alerts from Airflow: one notifier on every DAG's ``on_failure_callback`` and
``on_success_callback``, so a DAG run -- not a task try, not a mapped day -- sends at most one
alert (the rules: pipeline.run.alerts; docs/operators.md "Alerts").

The callbacks run in the dag-processor once the run is decided. The notifier gathers what the
run knows: the failed task's one-line reason (the ``failure`` XCom its failure callback left,
else the messages of the run's ``yonhap.crawl_runs`` rows), the run note's figures, a link to
the run in the UI (``[api] base_url``) and the quality report; then the pipeline's dispatcher
decides and sends. Channels: the providers' notifiers when their connections exist --
``SmtpNotifier`` on ``smtp_default``, ``HttpNotifier`` on ``yonhap_alert_webhook`` -- else the
settings (YONHAP_SMTP_URL, YONHAP_ALERT_WEBHOOK), as for the database.
"""

from __future__ import annotations

import html
import logging
import os
from typing import Any
from urllib.parse import quote

from airflow.sdk import BaseNotifier

from ground.core.editions import DEFAULT_EDITION
from ground.core.runids import dag_run_ids
from pipeline.airflow.connections import get_connection, task_settings

log = logging.getLogger("yonhap.alerts")

SMTP_CONN_ID = "smtp_default"
WEBHOOK_CONN_ID = "yonhap_alert_webhook"
FAILURE_XCOM = "failure"  # the one-line reason a failed task leaves (reports.log_failure)


class _ProviderEmail:
    """E-mail through the SMTP provider's notifier on the ``smtp_default`` connection."""

    name = "email"

    def __init__(self, recipients: list[str], sender: str):
        self.recipients, self.sender = recipients, sender

    def send(self, alert) -> None:
        from airflow.providers.smtp.notifications.smtp import (
            SmtpNotifier,  # lazy: only when mailing
        )

        body = f"<pre>{html.escape(alert.text())}</pre>"
        SmtpNotifier(to=self.recipients, from_email=self.sender, subject=alert.subject(), html_content=body,
                     smtp_conn_id=SMTP_CONN_ID).notify({})


class _ProviderWebhook:
    """The JSON POST through the HTTP provider's notifier on the ``yonhap_alert_webhook`` connection."""

    name = "webhook"

    def send(self, alert) -> None:
        from airflow.providers.http.notifications.http import (
            HttpNotifier,  # lazy: only when posting
        )

        HttpNotifier(http_conn_id=WEBHOOK_CONN_ID, json=alert.payload(),
                     headers={"Content-Type": "application/json"}).notify({})


def airflow_channels(settings) -> list:
    """The alert channels inside Airflow: connections first, then the settings."""
    from pipeline.run import alerts  # lazy: keeps DAG parsing light

    channels: list = []
    if get_connection(WEBHOOK_CONN_ID) is not None:
        channels.append(_ProviderWebhook())
    elif settings.alert_webhook:
        channels.append(alerts.WebhookChannel(settings.alert_webhook, settings.user_agent))
    if settings.alert_email:
        if get_connection(SMTP_CONN_ID) is not None:
            channels.append(_ProviderEmail(list(settings.alert_email), settings.alert_from))
        elif settings.smtp_url:
            channels.append(alerts.EmailChannel(settings.smtp_url, settings.alert_from, list(settings.alert_email)))
        else:
            log.warning("YONHAP_ALERT_EMAIL is set but there is no smtp_default connection and no YONHAP_SMTP_URL")
    return channels


def ui_base_url() -> str | None:
    base = os.environ.get("AIRFLOW__API__BASE_URL")
    if not base:
        try:
            from airflow.configuration import conf

            base = conf.get("api", "base_url", fallback=None)
        except Exception:  # noqa: BLE001 -- no configuration: no link
            base = None
    return base.rstrip("/") if base else None


def run_link(dag_id: str, run_id: str) -> str | None:
    base = ui_base_url()
    return f"{base}/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}" if base else None


def _xcom(ti, task_id: str, key: str = "return_value", map_index: int = -1):
    """An XCom of this DAG run, through the task supervisor as in the dag-processor where the
    callbacks run. ``dag.test()`` runs DAG callbacks in its own process, which has no
    supervisor but has the metadata database: read it there."""
    try:
        return ti.xcom_pull(task_ids=task_id, key=key, map_indexes=map_index)
    except ImportError:  # "cannot import name 'SUPERVISOR_COMMS'": an in-process callback
        from airflow.models.xcom import XComModel  # lazy: only in that case
        from airflow.utils.session import create_session  # lazy: as above

        with create_session() as session:
            row = session.scalars(XComModel.get_many(run_id=ti.run_id, key=key, task_ids=task_id, dag_ids=ti.dag_id,
                                                     map_indexes=map_index, limit=1)).first()
            return XComModel.deserialize_value(row) if row is not None else None


def _runs_report(context: dict[str, Any], settings, dag_id: str, run_id: str):
    """The figures of the pipeline runs this DAG run owns: the plan's XCom names them; where
    XCom cannot be read, the run-id rule finds them (ground.core.runids.dag_run_ids)."""
    from pipeline.run import report  # lazy: keeps DAG parsing light

    ti = context.get("ti")
    try:
        planned = _xcom(ti, "plan") if ti is not None else None
    except Exception as err:  # noqa: BLE001 -- the run-id rule below finds the runs
        log.warning("plan XCom not readable: %s", err)
        planned = None
    planned = [planned] if isinstance(planned, dict) else planned
    ids = [r["run_id"] for r in planned or [] if isinstance(r, dict) and r.get("run_id")]
    if ids:
        return report.runs_report(settings, ids), ids
    prefixes = dag_run_ids(run_id, settings.edition)
    return report.runs_report(settings, [], prefixes=prefixes), prefixes


def _failure_reason(context: dict[str, Any]) -> str | None:
    """The failed task's own line (left by reports.log_failure as XCom ``failure``)."""
    ti = context.get("ti")
    if ti is None:
        return None
    try:
        return _xcom(ti, ti.task_id, FAILURE_XCOM, ti.map_index)
    except Exception as err:  # noqa: BLE001 -- the run rows say it
        log.warning("failure XCom not readable: %s", err)
        return None


def dag_run_outcome(context: dict[str, Any], settings):
    """A finished DAG run as an alert sees it (pipeline.run.alerts.RunOutcome)."""
    from pipeline.run import alerts, report, stages  # lazy: keeps DAG parsing light

    dag = context.get("dag")
    dag_id = getattr(dag, "dag_id", None) or "?"
    run_id = context.get("run_id") or getattr(context.get("dag_run"), "run_id", None) or "?"
    ok = context.get("reason") == "success"
    reason = None if ok else _failure_reason(context)
    status = "succeeded" if ok else "failed"
    note: list[str] = []
    figures: dict[str, int] = {}
    links: dict[str, str] = {}
    related: list[str] = []
    try:
        runs, related = _runs_report(context, settings, dag_id, run_id)
        if runs.rows:
            shown = report.report_links(settings, runs)
            note = [line.replace("**", "") for line in runs.lines(f"{dag_id} · {run_id}", shown)]
            figures = runs.figures()
            if not ok:
                reason = reason or runs.failure_line()
                status = runs.worst_status if runs.worst_status in ("failed", "blocked") else "failed"
            if runs.report_uri:
                links["quality_report"] = shown.get(runs.report_uri, runs.report_uri)
    except Exception as err:  # noqa: BLE001 -- PostgreSQL may be the very thing that failed
        line = stages.describe_error(err, settings)
        reason = reason or line
        note = [f"figures unavailable: {line}"]
    if not ok and reason is None:
        ti = context.get("ti")
        reason = f"task {getattr(ti, 'task_id', '?')} failed (its log says why)"
    link = run_link(dag_id, run_id)
    if link:
        links = {"run": link, **links}
    return alerts.RunOutcome(stream=dag_id, run_id=run_id, edition=settings.edition, status=status, reason=reason,
                             dag_id=dag_id, figures=figures, note=note, links=links, related_ids=tuple(related))


class RunAlertNotifier(BaseNotifier):
    """The DAG-level callback behind every yonhap DAG's alerts (failure and success alike: a
    good run after a failure sends "recovered"). Never raises: an alert never changes a run."""

    def __init__(self, edition: str = DEFAULT_EDITION):
        super().__init__()
        self.edition = edition

    def render_template_fields(self, context, jinja_env=None) -> None:
        """Nothing to render (no template fields); dag.test() passes a serialized DAG, which has
        no template environment to build one from."""

    def notify(self, context) -> None:
        try:
            from pipeline.run import alerts  # lazy: keeps DAG parsing light

            settings = task_settings(self.edition)
            outcome = dag_run_outcome(dict(context), settings)
            alerts.dispatch(settings, outcome, airflow_channels(settings))
        except Exception:  # noqa: BLE001 -- logged; the run's state stands
            log.exception("alert for this DAG run not sent")


def dag_callbacks(edition: str = DEFAULT_EDITION) -> dict[str, list]:
    """The DAG-level callbacks every yonhap DAG sets (``@dag(**dag_callbacks(edition))``)."""
    notifier = RunAlertNotifier(edition)
    return {"on_failure_callback": [notifier], "on_success_callback": [notifier]}


