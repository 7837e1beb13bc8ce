"""Red runs reach a person, from Airflow: `dag.test()` of the real DAG files (their DAG-level
callbacks run the alert notifier once the run is decided) against the replica over HTTP, a
real PostgreSQL, S3 over HTTP, a real local SMTP server and a real webhook receiver.

- a quiet hour with nothing failing before it is green and sends nothing;
- the hourly ingest against an unreachable site is red at its first attempt (no Airflow retry:
  the crawl retried every request), its crawl task and run row name the host and the cause,
  and exactly one alert says so; a second red run of the same cause sends nothing;
- a quiet hour (the site answered, nothing published) is green, noted as quiet, and -- after
  the failures -- says "recovered" once;
- the canary is red with one alert "the site changed: …" on a redesigned site;
- the watchdog is red with one alert when the feed watcher went silent, and recovers.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from devtools.harness.runs import rows
from ground.core.timeutil import KST
from tests.alert_receivers import alert_env, settle
from tests.fixtures_airflow import airflow_test_env, dag_test

pytestmark = [pytest.mark.airflow, pytest.mark.slow]

REPLICA = dict(start=date(2024, 6, 16), end=date(2024, 6, 20), per_day=8)
# The corpus ends on 2024-06-20: an hour of 2024-06-21 has nothing published (a quiet hour).
QUIET_HOUR = datetime(2024, 6, 21, 10, tzinfo=KST)


def test_ingest_red_when_the_site_is_unreachable_alerts_once_then_recovers_on_a_quiet_hour(
        airflow_meta, settings, db_conn, replica, webhook, mailbox):
    """One stream's story, in order (one Airflow set-up for all of it): calm, red, red again,
    recovered. (The calm run was test_a_quiet_hour_with_nothing_failing_sends_nothing.)"""
    site = replica(**REPLICA)
    up = airflow_test_env(airflow_meta, settings, site.base_url, **alert_env(webhook, mailbox))

    # A quiet hour with nothing failing before it: green, and nothing is sent.
    calm = dag_test(up, "yonhap_fr_ingest", logical_date=(QUIET_HOUR - timedelta(hours=3)).isoformat())
    assert calm["state"] == "success", calm["tasks"]
    settle()
    assert webhook.posts == [] and mailbox.messages == []

    down = airflow_test_env(airflow_meta, settings, "http://127.0.0.1:9", **alert_env(webhook, mailbox))
    first = dag_test(down, "yonhap_fr_ingest", logical_date=datetime(2024, 6, 21, 8, tzinfo=KST).isoformat())
    assert first["state"] == "failed", first["tasks"]
    assert first["tasks"]["crawl"] == "failed" and first["tasks"]["summary"] == "success", first["tasks"]
    assert "up_for_retry" not in first["output"]
    line = "127.0.0.1:9 unreachable: connection refused on all 5 attempts to fetch robots.txt; nothing else was requested"
    (run_id, status, message), = rows(db_conn, "SELECT run_id, status, message FROM yonhap.crawl_runs "
                                               "WHERE status = 'failed'")
    assert (status, message) == ("failed", f"crawl: {line}")
    settle()
    assert len(webhook.posts) == 1 and len(mailbox.messages) == 1, (webhook.posts, first["output"][-3000:])
    post = webhook.posts[0]
    assert post["alert"] == "failed" and post["dag_id"] == "yonhap_fr_ingest" and post["run_id"] == first["run_id"]
    assert post["reason"] == f"crawl: {line}" and post["edition"] == "fr" and post["status"] == "failed"
    assert post["links"]["run"].endswith(f"/dags/yonhap_fr_ingest/runs/{post['run_id'].replace(':', '%3A').replace('+', '%2B')}")
    assert post["figures"]["runs"] == 1 and any(n.startswith("failed") or "1 of 1 runs failed" in n for n in post["note"])
    assert line in mailbox.bodies()[0]

    # The next hour, still down: red again, same cause, no second alert.
    second = dag_test(down, "yonhap_fr_ingest", logical_date=datetime(2024, 6, 21, 9, tzinfo=KST).isoformat())
    assert second["state"] == "failed"
    settle()
    assert len(webhook.posts) == 1 and len(mailbox.messages) == 1

    # The site is back, and the hour is quiet: green, shown as quiet, one "recovered".
    quiet = dag_test(up, "yonhap_fr_ingest", logical_date=QUIET_HOUR.isoformat())
    assert quiet["state"] == "success", (quiet["tasks"], quiet["output"][-3000:])
    assert "succeeded, quiet" in quiet["output"] and "quiet: the site answered" in quiet["output"]
    settle()
    assert [p["alert"] for p in webhook.posts] == ["failed", "recovered"]
    assert webhook.posts[1]["run_id"] == quiet["run_id"] and "unreachable" in webhook.posts[1]["reason"]
    assert len(mailbox.messages) == 2
    assert [r[0] for r in rows(db_conn, "SELECT kind FROM yonhap.alerts WHERE stream = 'yonhap_fr_ingest' "
                                        "ORDER BY alert_id")] == ["failed", "recovered"]


def test_canary_red_with_one_alert_when_the_site_changed(airflow_meta, settings, replica, webhook, mailbox):
    """Delivered by the providers' notifiers this time: the Airflow connections smtp_default and
    yonhap_alert_webhook take precedence over the settings (none set here but the recipients)."""
    site = replica(**REPLICA)
    port = int(mailbox.url.rsplit(":", 1)[1])
    env = airflow_test_env(
        airflow_meta, settings, site.base_url, YONHAP_PARSERS="yna-cms-v1", YONHAP_ALERT_EMAIL="ops@example.org",
        AIRFLOW_CONN_SMTP_DEFAULT=json.dumps({"conn_type": "smtp", "host": "127.0.0.1", "port": port, "extra": {
            "disable_ssl": True, "disable_tls": True, "from_email": "airflow@example.org", "retry_limit": 0}}),
        AIRFLOW_CONN_YONHAP_ALERT_WEBHOOK=json.dumps({"conn_type": "http", "host": webhook.url}))
    green = dag_test(env, "yonhap_fr_canary")
    assert green["state"] == "success", (green["tasks"], green["output"][-3000:])
    site.set_layout("redesign")
    red = dag_test(env, "yonhap_fr_canary")
    assert red["state"] == "failed" and red["tasks"]["check_site"] == "failed"
    settle()
    assert len(webhook.posts) == 1 and len(mailbox.messages) == 1
    reason = webhook.posts[0]["reason"]
    assert reason.startswith("check_site: the site changed: ") and "no registered layout parser recognized" in reason
    assert "selector" in reason and "of 3 pages" in reason
    mail = mailbox.messages[0]
    assert mail["From"] == "yonhap-pipeline@localhost" and mail["Subject"].startswith("[yonhap] FAILED yonhap_fr_canary")
    assert "the site changed" in mailbox.bodies()[0]


def test_watchdog_red_when_the_feed_watcher_is_silent_then_recovered(airflow_meta, settings, webhook, mailbox):
    env = airflow_test_env(airflow_meta, settings, "http://127.0.0.1:9", **alert_env(webhook, mailbox))
    key = "feed_watch_heartbeat:yonhap_fr"
    silent_since = datetime.now(UTC) - timedelta(minutes=42)
    red = dag_test(env, "yonhap_fr_watchdog", asset_state={"yonhap_fr_feed": {
        key: {"polled_at": silent_since.isoformat(), "note": "feed: 304 not modified"}}})
    assert red["state"] == "failed", (red["tasks"], red["output"][-3000:])
    settle()
    assert len(webhook.posts) == 1 and len(mailbox.messages) == 1
    reason = webhook.posts[0]["reason"]
    assert reason.startswith("check_freshness: the feed watcher has been silent for 42 min"), reason
    assert "is the triggerer running?" in reason

    green = dag_test(env, "yonhap_fr_watchdog", asset_state={"yonhap_fr_feed": {
        key: {"polled_at": datetime.now(UTC).isoformat(), "note": "feed: 304 not modified"}}})
    assert green["state"] == "success", (green["tasks"], green["output"][-3000:])
    settle()
    assert [p["alert"] for p in webhook.posts] == ["failed", "recovered"]
