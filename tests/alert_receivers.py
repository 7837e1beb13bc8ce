"""Real receivers for alerts: a local SMTP server (aiosmtpd) and an HTTP webhook receiver
(the standard library's server), both on 127.0.0.1 free ports, in the test process. The
pipeline reaches them over real sockets, from its own processes (the CLI, Airflow)."""

from __future__ import annotations

import email
import json
import socket
import threading
import time
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """An SMTP server that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook  # noqa: N802
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
        with self._lock:
            self.messages.append(message)
            self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.controller.port}"

    def subjects(self) -> list[str]:
        with self._lock:
            return [str(m["Subject"]) for m in self.messages]

    def bodies(self) -> list[str]:
        with self._lock:
            return [m.get_body(("plain", "html")).get_content() for m in self.messages]

    def stop(self) -> None:
        self.controller.stop()


class Webhook:
    """An HTTP server that keeps the JSON body of every POST and answers ``status``."""

    def __init__(self, status: int = 200) -> None:
        self.posts: list[dict] = []
        self.status = status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 -- stdlib name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.posts.append(json.loads(body.decode("utf-8")))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/yonhap"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def settle(*receivers, seconds: float = 1.0) -> None:
    """Give late deliveries a moment (an alert is sent before the process exits; this only
    guards against counting too early)."""
    time.sleep(seconds)


@pytest.fixture
def mailbox():
    box = Mailbox()
    yield box
    box.stop()


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.stop()


def alert_env(webhook: Webhook, mailbox: Mailbox, **extra: str) -> dict[str, str]:
    """The settings that send alerts to these receivers."""
    return {"YONHAP_ALERT_WEBHOOK": webhook.url, "YONHAP_ALERT_EMAIL": "ops@example.org",
            "YONHAP_SMTP_URL": mailbox.url, **extra}
