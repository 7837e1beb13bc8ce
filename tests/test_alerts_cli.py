"""Red runs reach a person, from the CLI (cron users): the real `yonhap-pipeline run` in a
subprocess against each fault, a real local SMTP server and a real webhook receiver. Every
fault gives exit 1, a `failed` (or `blocked`) run row naming the cause in one line, and
exactly one webhook POST and one e-mail carrying that line; consecutive failures of one cause
alert once (then the reminder rule); the first good run after them says "recovered" once.
The same rules behind the DAGs: tests/test_alerts_airflow.py."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from devtools.harness.runs import cli_env, rows
from tests.alert_receivers import alert_env, settle

REPO = Path(__file__).resolve().parent.parent
CLI = str(Path(sys.executable).parent / "yonhap-pipeline")
DAY = "2024-06-18"
REPLICA = dict(start=date(2024, 6, 16), end=date(2024, 6, 20), per_day=8)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(env: dict[str, str], run_id: str, day: str = DAY) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, "run", "--from", day, "--to", day, "--run-id", run_id], env=env,
                          capture_output=True, text=True, timeout=600, cwd=str(REPO))


def one_alert(webhook, mailbox, kind: str = "failed") -> tuple[dict, str]:
    settle()
    assert len(webhook.posts) == 1, webhook.posts
    assert len(mailbox.messages) == 1, mailbox.subjects()
    post = webhook.posts[0]
    assert post["alert"] == kind and post["dag_id"] is None and post["edition"] == "fr"
    return post, mailbox.bodies()[0]


def run_row(db_conn, run_id: str) -> tuple[str, str]:
    db_conn.rollback()
    return rows(db_conn, "SELECT status, message FROM yonhap.crawl_runs WHERE run_id = %s", (run_id,))[0]


@pytest.mark.parametrize("site", ["closed port", "unknown host"])
def test_an_unreachable_site_fails_the_run_naming_host_and_cause_and_alerts_once(site, settings, db_conn, webhook,
                                                                                 mailbox):
    port = closed_port()
    base, host, cause = {
        "closed port": (f"http://127.0.0.1:{port}", f"127.0.0.1:{port}", "connection refused"),
        "unknown host": ("http://no-such-host.invalid", "no-such-host.invalid", "DNS lookup failed"),
    }[site]
    proc = run(cli_env(settings, base, **alert_env(webhook, mailbox)), "cli_down")
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    line = f"{host} unreachable: {cause} on all 5 attempts to fetch robots.txt; nothing else was requested"
    status, message = run_row(db_conn, "cli_down")
    assert (status, message) == ("failed", f"crawl: {line}")
    assert line in proc.stdout.replace("\n", " ") or line in proc.stdout, proc.stdout[-2000:]
    # No volume guess: the gate never ran on an empty batch, nothing was loaded.
    assert "quality gate" not in proc.stdout
    assert rows(db_conn, "SELECT count(*) FROM yonhap.articles")[0][0] == 0
    post, mail = one_alert(webhook, mailbox)
    assert post["reason"] == f"crawl: {line}" and post["status"] == "failed" and post["run_id"] == "cli_down"
    assert line in post["text"] and line in mail
    assert mailbox.recipients == [["ops@example.org"]]
    assert "alert failed: webhook: sent, email: sent" in proc.stderr


def test_robots_txt_503_disallows_everything_fails_and_alerts(settings, db_conn, replica, webhook, mailbox):
    site = replica(**REPLICA)
    site.admin("robots?status=503", method="POST")
    proc = run(cli_env(settings, site.base_url, **alert_env(webhook, mailbox)), "cli_robots")
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    host = site.base_url.split("//", 1)[1]
    line = (f"{host} robots.txt unavailable: HTTP 503 on all 5 attempts; RFC 9309 reads that as disallow-all, "
            "so nothing was crawled")
    assert run_row(db_conn, "cli_robots") == ("failed", f"crawl: {line}")
    # Obeyed: after robots.txt nothing else was asked of the site.
    assert {e["path"] for e in site.access_log()} == {"/robots.txt"}
    post, mail = one_alert(webhook, mailbox)
    assert post["reason"] == f"crawl: {line}" and line in mail


def test_a_redesign_blocked_by_the_gate_alerts_with_the_gate_line(settings, db_conn, replica, webhook, mailbox):
    site = replica(**REPLICA)
    site.set_layout("redesign")
    env = cli_env(settings, site.base_url, YONHAP_PARSERS="yna-cms-v1", **alert_env(webhook, mailbox))
    proc = run(env, "cli_redesign")
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    status, message = run_row(db_conn, "cli_redesign")
    assert status == "blocked" and "from fallback layer 'generic'" in message
    post, mail = one_alert(webhook, mailbox)
    assert post["status"] == "blocked"
    assert post["reason"].startswith("quality gate blocked run cli_redesign:") and "generic" in post["reason"]
    assert post["links"]["quality_report"].startswith("http://")  # browsable (presigned), not s3://
    assert "generic" in mail


@pytest.mark.parametrize("service", ["S3", "PostgreSQL"])
def test_storage_down_fails_the_run_and_alerts_once(service, settings, replica, webhook, mailbox, tmp_path):
    site = replica(**REPLICA)
    port = closed_port()
    env = cli_env(settings, site.base_url, **alert_env(webhook, mailbox))
    if service == "S3":
        env["S3_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
        expected = f"prepare: S3 endpoint unavailable (http://127.0.0.1:{port})"
    else:  # the alert ledger lives in PostgreSQL: its mirror under YONHAP_LOCAL_DIR decides
        env["DATABASE_URL"] = f"postgresql://yonhap@127.0.0.1:{port}/yonhap"
        expected = f"prepare: PostgreSQL unavailable (127.0.0.1:{port})"
    proc = run(env, f"cli_{service.lower()}_down")
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    post, mail = one_alert(webhook, mailbox)
    assert post["reason"].startswith(expected), post["reason"]
    assert expected in mail
    # Again, same outage: nothing new (the ledger remembers, in PostgreSQL or in its mirror).
    again = run(env, f"cli_{service.lower()}_down_again")
    assert again.returncode == 1
    settle()
    assert len(webhook.posts) == 1 and len(mailbox.messages) == 1


def test_three_failures_alert_once_remind_later_and_one_good_run_recovers(settings, db_conn, replica, webhook,
                                                                          mailbox):
    site = replica(**REPLICA)
    down = cli_env(settings, f"http://127.0.0.1:{closed_port()}", **alert_env(webhook, mailbox))
    for n in range(3):
        assert run(down, f"cli_fail_{n}").returncode == 1
    post, _ = one_alert(webhook, mailbox)
    assert post["run_id"] == "cli_fail_0"
    assert [r[0] for r in rows(db_conn, "SELECT kind FROM yonhap.alerts ORDER BY alert_id")] == ["failed"]

    # The reminder rule: once YONHAP_ALERT_REMIND_HOURS have passed (here: none), say it again.
    assert run({**down, "YONHAP_ALERT_REMIND_HOURS": "0"}, "cli_fail_3").returncode == 1
    settle()
    assert [p["alert"] for p in webhook.posts] == ["failed", "reminder"]
    assert webhook.posts[1]["reason"] == webhook.posts[0]["reason"].replace("cli_fail_0", "cli_fail_3")

    # The site is back: one "recovered", naming what had failed; the next good run says nothing.
    up = cli_env(settings, site.base_url, **alert_env(webhook, mailbox))
    good = run(up, "cli_good")
    assert good.returncode == 0, good.stdout[-2000:] + good.stderr[-2000:]
    settle()
    assert [p["alert"] for p in webhook.posts] == ["failed", "reminder", "recovered"]
    recovered = webhook.posts[2]
    assert recovered["status"] == "succeeded" and recovered["run_id"] == "cli_good"
    assert "unreachable: connection refused" in recovered["reason"]
    assert len(mailbox.messages) == 3 and mailbox.subjects()[2].startswith("[yonhap] RECOVERED")
    assert run(up, "cli_good_again").returncode == 0
    settle()
    assert len(webhook.posts) == 3 and len(mailbox.messages) == 3


def test_a_failing_alert_channel_changes_nothing_about_the_run(settings, db_conn, webhook):
    webhook.status = 500
    env = cli_env(settings, f"http://127.0.0.1:{closed_port()}", YONHAP_ALERT_WEBHOOK=webhook.url,
                  YONHAP_ALERT_EMAIL="ops@example.org", YONHAP_SMTP_URL=f"smtp://127.0.0.1:{closed_port()}")
    proc = run(env, "cli_noisy")
    assert proc.returncode == 1
    assert run_row(db_conn, "cli_noisy")[0] == "failed"
    assert len(webhook.posts) == 1
    assert "webhook: webhook http://127.0.0.1" in proc.stderr and "answered HTTP 500" in proc.stderr
    assert "email: SMTP server 127.0.0.1" in proc.stderr
    (delivered,), = rows(db_conn, "SELECT delivered FROM yonhap.alerts")
    assert set(delivered) == {"webhook", "email"} and "sent" not in delivered.values()
