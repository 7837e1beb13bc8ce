"""The alert rules (pipeline.run.alerts): what a run's outcome sends, given the stream's
newest ledger entry; the cause that makes consecutive failures one; the message shapes. Pure
functions: the receivers, the ledger and the pipelines are tested in test_alerts_cli.py and
test_alerts_airflow.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from pipeline.run import alerts

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
REMIND = timedelta(hours=6)
UNREACHABLE = "crawl: fr.yna.co.kr unreachable: DNS lookup failed on all 5 attempts to fetch robots.txt"


def outcome(status="failed", reason=UNREACHABLE, run_id="ingest__scheduled__2026-12-06T01_00_00_00_00", **kw):
    return alerts.RunOutcome(stream="yonhap_fr_ingest", run_id=run_id, edition="fr", status=status,
                             reason=reason, dag_id="yonhap_fr_ingest", **kw)


def entry(kind: str, reason=UNREACHABLE, hours_ago: float = 1, delivered=None, run_id="earlier"):
    o = outcome(reason=reason, run_id=run_id)
    return {"stream": o.stream, "kind": kind, "cause": o.cause, "reason": reason, "run_id": run_id,
            "sent_at": NOW - timedelta(hours=hours_ago), "since": NOW - timedelta(hours=hours_ago + 2),
            "delivered": {"webhook": "sent"} if delivered is None else delivered}


def test_a_first_failure_alerts_and_a_good_run_after_it_recovers():
    assert alerts.decide(None, outcome(), NOW, REMIND) == alerts.FAILED
    assert alerts.decide(entry(alerts.FAILED), outcome("succeeded", None), NOW, REMIND) == alerts.RECOVERED
    assert alerts.decide(entry(alerts.REMINDER), outcome("succeeded", None), NOW, REMIND) == alerts.RECOVERED


def test_good_runs_with_nothing_failing_send_nothing():
    assert alerts.decide(None, outcome("succeeded", None), NOW, REMIND) is None
    assert alerts.decide(entry(alerts.RECOVERED), outcome("succeeded", None), NOW, REMIND) is None


def test_the_same_cause_alerts_once_then_reminds_after_the_interval():
    # The next hourly run: other counts, other run id, same cause.
    later = outcome(reason="crawl: fr.yna.co.kr unreachable: DNS lookup failed on all 4 attempts to fetch robots.txt",
                    run_id="ingest__scheduled__2026-12-06T02_00_00_00_00")
    assert alerts.decide(entry(alerts.FAILED, hours_ago=1), later, NOW, REMIND) is None
    assert alerts.decide(entry(alerts.REMINDER, hours_ago=5.9), later, NOW, REMIND) is None
    assert alerts.decide(entry(alerts.FAILED, hours_ago=6), later, NOW, REMIND) == alerts.REMINDER


def test_a_new_cause_is_a_new_alert_and_a_blocked_run_is_red_too():
    blocked = outcome("blocked", "quality gate blocked run ingest__x: body: 100% from fallback layer 'generic' "
                      "(report: s3://yonhap-fr/quality/ingest__x/index.html)")
    assert alerts.decide(entry(alerts.FAILED), blocked, NOW, REMIND) == alerts.FAILED
    assert alerts.decide(None, blocked, NOW, REMIND) == alerts.FAILED


def test_an_alert_no_channel_took_is_said_again_by_the_next_failure():
    unheard = entry(alerts.FAILED, delivered={"webhook": "webhook http://127.0.0.1:9/… unreachable", "email": "SMTP …"})
    assert alerts.decide(unheard, outcome(), NOW, REMIND) == alerts.REMINDER
    # A log-only install (no channel configured) is not re-sent every run.
    assert alerts.decide(entry(alerts.FAILED, delivered={}), outcome(), NOW, REMIND) is None


def test_the_cause_leaves_out_numbers_run_ids_and_links():
    a = alerts.cause_key("quality gate blocked run backfill__manual__2026-12-06T10_00_00__20240618: volume 0 "
                         "(report: s3://b/quality/backfill__manual__2026-12-06T10_00_00__20240618/index.html)")
    b = alerts.cause_key("quality gate blocked run backfill__manual__2026-12-07T11_30_00__20240619: volume 3 "
                         "(report: s3://b/quality/backfill__manual__2026-12-07T11_30_00__20240619/index.html)")
    assert a == b
    assert alerts.cause_key("crawl: S3 endpoint unavailable (http://127.0.0.1:59000): x") != alerts.cause_key(
        "crawl: PostgreSQL unavailable (127.0.0.1:55432): x")


def test_the_webhook_payload_is_one_slack_compatible_json_object():
    o = outcome(figures={"pages": 0, "loaded": 0}, note=["failed · yonhap_fr_ingest · 1 run", "pages 0 (200: 0, 304: 0)"],
                links={"run": "http://localhost:8080/dags/yonhap_fr_ingest/runs/x"})
    alert = alerts.Alert(alerts.FAILED, o, since=NOW)
    payload = json.loads(json.dumps(alert.payload()))
    assert {"text", "status", "dag_id", "run_id", "edition", "reason", "figures", "links"} <= payload.keys()
    assert payload["status"] == "failed" and payload["alert"] == "failed" and payload["edition"] == "fr"
    assert payload["reason"] == UNREACHABLE and payload["figures"] == {"pages": 0, "loaded": 0}
    assert payload["text"].splitlines()[:2] == [f"FAILED · yonhap_fr_ingest · run {o.run_id}", UNREACHABLE]
    assert "run: http://localhost:8080/dags/yonhap_fr_ingest/runs/x" in payload["text"]
    assert alert.subject().startswith("[yonhap] FAILED yonhap_fr_ingest: crawl: fr.yna.co.kr unreachable")
    recovered = alerts.Alert(alerts.RECOVERED, outcome("succeeded", None), since=NOW - timedelta(hours=3),
                             previous_reason=UNREACHABLE)
    assert recovered.payload()["reason"] == f"succeeded; it had failed: {UNREACHABLE}"
    assert recovered.headline.startswith("RECOVERED since 2026-12-06 07:00 UTC · yonhap_fr_ingest")
