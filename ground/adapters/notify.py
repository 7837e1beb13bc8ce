"""Delivering an alert outside Airflow: one JSON POST to a webhook, one e-mail over SMTP.

The standard library's clients (urllib, smtplib) do the protocols; Airflow tasks use the
providers' notifiers instead when their connections are defined (pipeline.airflow.alerts). Both
raise :class:`DeliveryFailed` with one line; the caller records it and never fails a run for it.
"""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

TIMEOUT_S = 10


class DeliveryFailed(RuntimeError):
    """An alert could not be delivered on one channel; ``str()`` is the line to log."""


def redact(url: str) -> str:
    """A webhook URL as logs may show it: a Slack-style URL's path is its secret."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}/…"


def post_json(url: str, payload: dict, user_agent: str) -> int:
    """POST ``payload`` as one JSON object; the HTTP status (2xx) or DeliveryFailed."""
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": user_agent})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 (http(s), a setting)
            return response.status
    except urllib.error.HTTPError as err:
        raise DeliveryFailed(f"webhook {redact(url)} answered HTTP {err.code}") from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise DeliveryFailed(f"webhook {redact(url)} unreachable: {reason}") from None


def send_mail(smtp_url: str, sender: str, recipients: list[str], subject: str, text: str) -> None:
    """One plain-text message through ``smtp://[user:password@]host[:port]`` (``smtps://``: TLS
    from the first byte)."""
    parts = urlsplit(smtp_url)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(text)
    client_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    default_port = 465 if parts.scheme == "smtps" else 25
    where = f"{parts.hostname}:{parts.port or default_port}"
    try:
        with client_class(parts.hostname, parts.port or default_port, timeout=TIMEOUT_S) as client:
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)
    except (smtplib.SMTPException, OSError) as err:
        raise DeliveryFailed(f"SMTP server {where}: {type(err).__name__}: {err}") from None
