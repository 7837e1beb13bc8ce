"""Alerts: a red run reaches a person once.

Rules (docs/operators.md, "Alerts"), per *stream* -- a DAG id, or a CLI command and edition:
- a failed (or blocked) run sends one ``failed`` alert;
- the same cause on the next runs sends nothing, then a ``reminder`` every
  ``YONHAP_ALERT_REMIND_HOURS`` (6 h) while it lasts; a new cause is a new ``failed`` alert;
- the first good run after a failure sends one ``recovered``;
- an alert no channel accepted is sent again by the next failing run.
The cause is the run's one-line reason without its numbers, run ids and links, so "DNS lookup
failed on 5 of 5 requests" and "… 4 of 4 …" are one cause.

Channels: ``YONHAP_ALERT_WEBHOOK`` (one JSON POST: ``text`` for Slack-style receivers, plus
``alert``, ``status``, ``dag_id``, ``run_id``, ``edition``, ``reason``, ``figures``, ``note``,
``links``, ``since``) and ``YONHAP_ALERT_EMAIL`` through ``YONHAP_SMTP_URL``. The DAGs'
notifier (pipeline.airflow.alerts) passes the providers' channels instead when the Airflow
connections exist. An alert never changes a run's outcome: delivery errors are logged and
recorded in the ledger.

The ledger is table ``yonhap.alerts`` (storage.alerts); its newest row per stream is mirrored
in ``<YONHAP_LOCAL_DIR>/alerts/ledger.json``, which decides alone while PostgreSQL is down (so
a database outage alerts once too, on that machine).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from ground.adapters import db, notify
from ground.core.config import Settings
from ground.core.timeutil import UTC, utcnow
from storage import alerts as ledger_sql
from storage.runs import STATUS_SUCCEEDED

log = logging.getLogger("yonhap.alerts")

FAILED = "failed"
REMINDER = "reminder"
RECOVERED = "recovered"
_HEADLINE = {FAILED: "FAILED", REMINDER: "STILL FAILING", RECOVERED: "RECOVERED"}


# --- what happened ---------------------------------------------------------------------------


@dataclass
class RunOutcome:
    """One finished run as an alert sees it."""

    stream: str  # whose alerts: a DAG id, or "yonhap-pipeline run (fr)"
    run_id: str
    edition: str
    status: str  # storage.runs: succeeded | failed | blocked
    reason: str | None = None  # one line: what failed and why
    dag_id: str | None = None
    figures: dict[str, int] = field(default_factory=dict)  # pages, items, loaded, … (the run note's)
    note: list[str] = field(default_factory=list)  # the run note's lines
    links: dict[str, str] = field(default_factory=dict)  # "run": the UI, "quality_report": …
    related_ids: tuple[str, ...] = ()  # run ids inside the reason (taken out of the cause)

    @property
    def ok(self) -> bool:
        return self.status == STATUS_SUCCEEDED

    @property
    def cause(self) -> str:
        return cause_key(self.reason or self.status, (self.run_id, *self.related_ids))


_LINK_RE = re.compile(r"\b(?:s3|https?)://\S+")
_RUN_ID_RE = re.compile(r"\b[\w.:+-]*__[\w.:+-]+")  # ingest__scheduled__2026-…, backfill__manual__…
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)?")


def cause_key(reason: str, run_ids: tuple[str, ...] = ()) -> str:
    """The reason with what changes from run to run taken out: links, run ids, numbers."""
    text = reason
    for run_id in sorted(filter(None, run_ids), key=len, reverse=True):
        text = text.replace(run_id, "<run>")
    text = _LINK_RE.sub("<link>", text)
    text = _RUN_ID_RE.sub("<run>", text)
    text = _NUMBER_RE.sub("#", text)
    return " ".join(text.split())[:500]


@dataclass
class Alert:
    kind: str  # failed | reminder | recovered
    outcome: RunOutcome
    since: datetime | None = None  # when the failure began (reminder, recovered)
    previous_reason: str | None = None  # recovered: what had failed
    delivered: dict[str, str] = field(default_factory=dict)  # channel -> "sent" or the error

    @property
    def headline(self) -> str:
        o = self.outcome
        since = f" since {self.since:%Y-%m-%d %H:%M} UTC" if self.since and self.kind != FAILED else ""
        return f"{_HEADLINE[self.kind]}{since} · {o.stream} · run {o.run_id}"

    @property
    def reason_line(self) -> str:
        if self.kind == RECOVERED:
            return f"{self.outcome.status}; it had failed: {self.previous_reason or 'see the earlier alert'}"
        return self.outcome.reason or self.outcome.status

    def subject(self) -> str:
        text = f"[yonhap] {_HEADLINE[self.kind]} {self.outcome.stream}: {self.reason_line}"
        return text if len(text) <= 160 else text[:159] + "…"

    def text(self) -> str:
        lines = [self.headline, self.reason_line]
        lines += [line.replace("**", "") for line in self.outcome.note]
        lines += [f"{name.replace('_', ' ')}: {url}" for name, url in self.outcome.links.items()]
        return "\n".join(lines)

    def payload(self) -> dict[str, Any]:
        o = self.outcome
        return {"text": self.text(), "alert": self.kind, "status": o.status, "dag_id": o.dag_id,
                "run_id": o.run_id, "edition": o.edition, "reason": self.reason_line, "figures": o.figures,
                "note": o.note, "links": o.links, "since": self.since.isoformat() if self.since else None}


# --- the rules -------------------------------------------------------------------------------


def decide(last: dict[str, Any] | None, outcome: RunOutcome, now: datetime, remind_after: timedelta) -> str | None:
    """The alert ``outcome`` calls for, given the stream's newest ledger entry ``last``."""
    failing = last is not None and last["kind"] in (FAILED, REMINDER)
    if outcome.ok:
        return RECOVERED if failing else None
    if not failing or last["cause"] != outcome.cause:
        return FAILED
    if not _delivered(last):
        return REMINDER  # nobody heard the last one: say it again
    if now - last["sent_at"] >= remind_after:
        return REMINDER
    return None


def _delivered(entry: dict[str, Any]) -> bool:
    """At least one channel took it (or none is configured: the log was the channel)."""
    results = entry.get("delivered") or {}
    return not results or any(v == "sent" for v in results.values())


# --- channels --------------------------------------------------------------------------------


class Channel(Protocol):
    name: str

    def send(self, alert: Alert) -> None:
        """Deliver or raise (notify.DeliveryFailed or anything else: the caller records it)."""


@dataclass
class WebhookChannel:
    url: str
    user_agent: str
    name: str = "webhook"

    def send(self, alert: Alert) -> None:
        notify.post_json(self.url, alert.payload(), self.user_agent)


@dataclass
class EmailChannel:
    smtp_url: str
    sender: str
    recipients: list[str]
    name: str = "email"

    def send(self, alert: Alert) -> None:
        notify.send_mail(self.smtp_url, self.sender, self.recipients, alert.subject(), alert.text())


def channels_from(settings: Settings) -> list[Channel]:
    """The channels the settings configure (the CLI's; Airflow adds its connections)."""
    out: list[Channel] = []
    if settings.alert_webhook:
        out.append(WebhookChannel(settings.alert_webhook, settings.user_agent))
    if settings.alert_email and settings.smtp_url:
        out.append(EmailChannel(settings.smtp_url, settings.alert_from, list(settings.alert_email)))
    elif settings.alert_email:
        log.warning("YONHAP_ALERT_EMAIL is set but no SMTP server is (YONHAP_SMTP_URL, or the Airflow "
                    "connection smtp_default): alerts are not mailed")
    return out


def deliver(alert: Alert, channels: list[Channel]) -> dict[str, str]:
    """Send on every channel; channel name -> "sent" or the error line (never raises)."""
    results: dict[str, str] = {}
    for channel in channels:
        try:
            channel.send(alert)
            results[channel.name] = "sent"
        except Exception as err:  # noqa: BLE001 -- an alert never fails a run
            results[channel.name] = str(err) if isinstance(err, notify.DeliveryFailed) else f"{type(err).__name__}: {err}"
            log.warning("alert not delivered by %s: %s", channel.name, results[channel.name])
    if not channels:
        log.info("alert (no channel configured: set YONHAP_ALERT_WEBHOOK or YONHAP_ALERT_EMAIL):\n%s", alert.text())
    return results


# --- the ledger ------------------------------------------------------------------------------


class _FileLedger:
    """The newest entry per stream in a JSON file (locked while deciding)."""

    def __init__(self, settings: Settings):
        self.path = Path(settings.local_dir) / "alerts" / "ledger.json"

    @contextlib.contextmanager
    def locked(self) -> Iterator[dict[str, dict[str, Any]]]:
        """The entries, written back on a clean exit."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            entries = self._read()
            yield entries
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(entries, default=str, indent=1), encoding="utf-8")
            tmp.replace(self.path)

    def record_delivery(self, stream: str, sent_at: datetime, delivered: dict[str, str]) -> None:
        """The channels' results on the stream's entry, if it is still the alert sent at ``sent_at``."""
        with self.locked() as entries:
            if entries.get(stream, {}).get("sent_at") == sent_at:
                entries[stream]["delivered"] = delivered

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        for entry in raw.values():
            for key in ("sent_at", "since"):
                if entry.get(key):
                    entry[key] = datetime.fromisoformat(entry[key])
        return raw


def _newest(*entries: dict[str, Any] | None) -> dict[str, Any] | None:
    found = [e for e in entries if e]
    return max(found, key=lambda e: e["sent_at"]) if found else None


def _entry(alert: Alert, now: datetime) -> dict[str, Any]:
    o = alert.outcome
    return {"stream": o.stream, "kind": alert.kind, "cause": o.cause, "reason": alert.reason_line,
            "run_id": o.run_id, "dag_id": o.dag_id, "edition": o.edition, "since": alert.since,
            "sent_at": now, "delivered": {}}


def _alert_for(kind: str, outcome: RunOutcome, last: dict[str, Any] | None, now: datetime) -> Alert:
    since = None
    if kind in (REMINDER, RECOVERED) and last:
        since = last.get("since") or last["sent_at"]
    elif kind == FAILED:
        since = now
    return Alert(kind, outcome, since=since, previous_reason=last.get("reason") if kind == RECOVERED and last else None)


Claimed = tuple[Alert, Callable[[dict[str, str]], None]]  # the alert, and how to record its delivery


def _claim(settings: Settings, outcome: RunOutcome, now: datetime) -> Claimed | None:
    """Decide under the stream's lock and record the alert before it is sent (a concurrent
    run of the same stream then sees it): in PostgreSQL (and its mirror), else in the mirror
    alone. None when nothing is to be sent."""
    files = _FileLedger(settings)
    remind = timedelta(hours=settings.alert_remind_hours)
    try:
        conn = db.connect(settings, connect_timeout=10)
    except Exception as err:  # noqa: BLE001 -- PostgreSQL may be the very thing that failed
        log.warning("alert ledger: PostgreSQL unavailable (%s); deciding from %s", type(err).__name__, files.path)
    else:
        try:
            return _claim_in_database(conn, files, outcome, now, remind)
        except Exception as err:  # noqa: BLE001 -- the ledger table missing, the server gone mid-way
            first = str(err).strip().splitlines()[0] if str(err).strip() else ""
            log.warning("alert ledger: yonhap.alerts unavailable (%s: %s); deciding from %s",
                        type(err).__name__, first, files.path)
            with contextlib.suppress(Exception):
                conn.close()
    with files.locked() as entries:
        last = entries.get(outcome.stream)
        kind = decide(last, outcome, now, remind)
        if kind is None:
            return None
        alert = _alert_for(kind, outcome, last, now)
        entries[outcome.stream] = _entry(alert, now)
    return alert, lambda delivered: files.record_delivery(outcome.stream, now, delivered)


def _claim_in_database(conn, files: _FileLedger, outcome: RunOutcome, now: datetime,
                       remind: timedelta) -> Claimed | None:
    ledger_sql.lock_stream(conn, outcome.stream)
    with files.locked() as mirror:
        last = _newest(ledger_sql.latest(conn, outcome.stream), mirror.get(outcome.stream))
        kind = decide(last, outcome, now, remind)
        if kind is None:
            conn.rollback()
            conn.close()
            return None
        alert = _alert_for(kind, outcome, last, now)
        entry = _entry(alert, now)
        alert_id = ledger_sql.insert(conn, **{k: v for k, v in entry.items() if k != "delivered"})
        conn.commit()
        mirror[outcome.stream] = entry

    def record(delivered: dict[str, str]) -> None:
        try:
            ledger_sql.set_delivered(conn, alert_id, delivered)
            conn.commit()
        finally:
            conn.close()
        files.record_delivery(outcome.stream, now, delivered)

    return alert, record


def dispatch(settings: Settings, outcome: RunOutcome, channels: list[Channel] | None = None,
             now: datetime | None = None) -> Alert | None:
    """Decide, send and record the alert ``outcome`` calls for; the alert sent, or None. Never
    raises: a failure here is logged and the run's own outcome stands."""
    now = (now or utcnow()).astimezone(UTC)
    try:
        claimed = _claim(settings, outcome, now)
        if claimed is None:
            log.info("alert: nothing to send for %s (%s)", outcome.stream,
                     "good run" if outcome.ok else "same cause, already alerted")
            return None
        alert, record = claimed
        delivered = alert.delivered = deliver(alert, channels_from(settings) if channels is None else channels)
        try:
            record(delivered)
        except Exception as err:  # noqa: BLE001 -- the alert went out; only its receipt is lost
            log.warning("alert sent but its delivery results were not recorded: %s", err)
        log.info("alert %s for %s: %s", alert.kind, outcome.stream,
                 ", ".join(f"{k} {v}" for k, v in delivered.items()) or "log only")
        return alert
    except Exception:  # noqa: BLE001 -- an alert never fails a run
        log.exception("alert for %s not sent", outcome.stream)
        return None
