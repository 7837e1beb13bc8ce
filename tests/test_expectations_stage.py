"""The validate stage against the real stack: staging and evidence on the S3 endpoint over
HTTP, history from Postgres through the CLI."""

from __future__ import annotations

import copy
import json
import urllib.request

import pytest

from devtools.harness.gate import DAY, WINDOW, redesigned, replica_rows
from expectations import stage
from expectations.thresholds import MIN_COMPARABLE_RUNS as NEEDED
from expectations.volume import COLD_START_NOTICE
from ground.adapters import s3, staging
from ground.core.schema import GateSummary, RejectedItem
from pipeline.run import stages


def _stage_rows(settings, run_id, rows):
    for row in rows:
        row["run_id"] = run_id
    staging.write_jsonl(settings, run_id, staging.ARTICLES, rows)


def _http_get(settings, key) -> tuple[int, str, bytes]:
    url = stage.http_link(settings, key)
    assert url.startswith(settings.s3_endpoint_url)
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


def test_validate_stage_writes_staging_and_publishes_evidence(settings, capsys):
    run_id = "gate_stage_1"
    rows = replica_rows()
    rows[0]["body"] += "\n\n(FIN)"  # one bad row among good ones
    _stage_rows(settings, run_id, rows)

    summary = stage.validate(settings, run_id, WINDOW, history=[])

    assert summary.success and summary.rows_in == len(rows)
    assert (summary.rows_passed, summary.rows_rejected) == (len(rows) - 1, 1)
    passed = staging.read_jsonl(settings, run_id, staging.PASSED)
    rejected = [RejectedItem.from_dict(r) for r in staging.read_jsonl(settings, run_id, staging.REJECTED)]
    gate_json = GateSummary.from_dict(staging.read_json(settings, run_id, staging.GATE))
    assert gate_json == summary
    assert [r["article_id"] for r in passed] == [r["article_id"] for r in rows[1:]]
    assert [r.article_id for r in rejected] == [rows[0]["article_id"]]
    assert "(FIN)" in rejected[0].reasons[0] and rejected[0].payload["body"] == rows[0]["body"]

    prefix = stage.quality_prefix(run_id)
    assert summary.report_uri == s3.uri(settings, prefix + "index.html")
    assert summary.results_uri == s3.uri(settings, prefix + "results.json")
    keys = set(s3.list_keys(settings, prefix))
    assert any(k.startswith(prefix + "validations/") and k.endswith(".html") for k in keys)
    assert any(k.startswith(prefix + "expectations/") for k in keys)
    assert any(k.startswith(prefix + "static/") for k in keys)

    status, content_type, body = _http_get(settings, prefix + "index.html")
    assert status == 200 and content_type.startswith("text/html")
    assert b"yonhap_fr_articles" in body  # the suite is listed on the index page
    status, _, body = _http_get(settings, prefix + "results.json")
    results = json.loads(body)
    assert results["meta"]["yonhap_gate"]["summary"]["rows_rejected"] == 1
    assert results["statistics"]["evaluated_expectations"] == len(results["results"])

    out = capsys.readouterr().out
    assert f"quality gate PASSED for run {run_id}" in out
    assert summary.report_uri in out and "browse (valid 7 days): http" in out
    page_key = stage.run_page_key(settings, run_id)
    status, _, body = _http_get(settings, page_key)
    assert status == 200 and b"Unsuccessful Expectations" in body and b"(FIN)" in body  # the failure is on the page

    # idempotent: a rerun replaces every output and leaves no page of the first try behind
    again = stage.validate(settings, run_id, WINDOW, history=[])
    assert again.to_dict() == summary.to_dict()
    keys_again = set(s3.list_keys(settings, prefix))
    assert len(keys_again) == len(keys)
    validation_pages = [k for k in keys_again if k.startswith(prefix + "validations/")]
    assert len(validation_pages) == 1


def test_validate_stage_red_run_keeps_good_rows_and_reports(settings, capsys):
    run_id = "gate_stage_red"
    rows = replica_rows()
    broken = {r["article_id"] for r in rows[:45]}
    _stage_rows(settings, run_id, [redesigned(copy.deepcopy(r)) if r["article_id"] in broken else r for r in rows])

    summary = stage.validate(settings, run_id, WINDOW, history=[])

    assert not summary.success
    gate_json = staging.read_json(settings, run_id, staging.GATE)
    assert gate_json["success"] is False and gate_json["failed_critical"] == summary.failed_critical
    passed = staging.read_jsonl(settings, run_id, staging.PASSED)
    assert {r["article_id"] for r in passed} == {r["article_id"] for r in rows} - broken
    rejected = staging.read_jsonl(settings, run_id, staging.REJECTED)
    assert {r["article_id"] for r in rejected} == broken
    out = capsys.readouterr().out
    assert "quality gate FAILED" in out and "CRITICAL body:" in out
    assert s3.exists(settings, stage.quality_prefix(run_id) + "index.html")


def test_validate_stage_counts_unchanged_articles_from_crawl_stats(settings):
    run_id = "gate_stage_304"
    staging.write_jsonl(settings, run_id, staging.ARTICLES, [])
    staging.write_json(settings, run_id, staging.CRAWL_STATS, {"run_id": run_id, "not_modified": 56})
    history = [{"run_id": f"h{k}", "window_start": WINDOW.start - k * (WINDOW.end - WINDOW.start) * 7,
                "window_end": WINDOW.end - k * (WINDOW.end - WINDOW.start) * 7, "items": 56,
                "status": "succeeded"} for k in range(1, 5)]
    summary = stage.validate(settings, run_id, WINDOW, history)
    assert summary.success, summary.failed_critical
    assert summary.rows_in == 0 and staging.read_jsonl(settings, run_id, staging.PASSED) == []


def test_validate_stage_without_staged_articles_is_a_clear_error(settings):
    with pytest.raises(stage.StagingMissing, match="no staged articles for run 'nothing_here'.*run transform first"):
        stage.validate(settings, "nothing_here", WINDOW, history=[])
    assert s3.list_keys(settings, "staging/nothing_here/") == []
    assert s3.list_keys(settings, "quality/nothing_here/") == []


def _cli_env(settings, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("S3_ENDPOINT_URL", settings.s3_endpoint_url)
    monkeypatch.setenv("S3_BUCKET", settings.s3_bucket)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", settings.aws_access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", settings.aws_secret_access_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", settings.aws_region)


def test_cli_validate_exit_codes(settings, monkeypatch):
    from typer.testing import CliRunner

    from pipeline.cli.app import app

    _cli_env(settings, monkeypatch)
    runner = CliRunner()
    good, red = "cli_gate_ok", "cli_gate_red"
    _stage_rows(settings, good, replica_rows())
    _stage_rows(settings, red, [redesigned(r) for r in replica_rows()])
    day = DAY.isoformat()

    result = runner.invoke(app, ["validate", "--run-id", good, "--from", day, "--to", day])
    assert result.exit_code == 0, result.output
    assert f"quality gate PASSED for run {good}" in result.output

    result = runner.invoke(app, ["validate", "--run-id", red, "--from", day, "--to", day])
    assert result.exit_code == 1, result.output
    assert "quality gate FAILED" in result.output and "CRITICAL body:" in result.output

    result = runner.invoke(app, ["validate", "--run-id", "missing_run", "--from", day, "--to", day])
    assert result.exit_code == 1 and "no staged articles" in result.output

    result = runner.invoke(app, ["validate", "--run-id", "bad/id", "--from", day, "--to", day])
    assert result.exit_code == 2
    result = runner.invoke(app, ["validate", "--run-id", good, "--from", "19-06-2024", "--to", day])
    assert result.exit_code == 2


def test_cold_start_warning_is_shown_by_the_installs_first_run_only(settings, db_conn):
    def cold_start_lines(run_id):
        _stage_rows(settings, run_id, replica_rows())
        warnings = stages.run_validate(settings, run_id, WINDOW)["warnings"]
        return [w for w in warnings if w.startswith("volume band: ")]

    # A run that cannot validate (nothing staged) does not take the notice.
    with pytest.raises(stages.StageFailed) as failed:
        stages.run_validate(settings, "notice_none", WINDOW)
    assert isinstance(failed.value.__cause__, stage.StagingMissing)
    [first] = cold_start_lines("notice_first")
    assert first.startswith(f"volume band: cold start: 0 of {NEEDED} comparable earlier runs")
    assert f"; {NEEDED} more such run(s) needed before the band is learned from history" in first
    assert cold_start_lines("notice_second") == []  # another run of the same install
    assert cold_start_lines("notice_first") == [first]  # a rerun of the first run: the same warning
    with db_conn.cursor() as cur:
        cur.execute("SELECT notice, first_run_id, detail FROM yonhap.install_notices")
        assert cur.fetchall() == [(COLD_START_NOTICE, "notice_first", first)]
