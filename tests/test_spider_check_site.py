"""check-site and the `crawl` command, over real HTTP against the replica."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from devtools.stack import services as stack
from ground.adapters import staging
from ground.core.config import DEFAULT_USER_AGENT, Settings
from ground.core.schema import LAYER_GENERIC, LAYER_META, LAYER_SELECTOR
from pipeline.cli.app import app
from scrapers.check_site import ESSENTIAL_FIELDS, check_site
from scrapers.parsers.registry import REPLICA_PARSERS, Registry
from scrapers.parsers.yna_cms import YnaCmsParser


def test_check_site_reports_layers_per_field(replica):
    site = replica(start=date(2024, 6, 1), end=date(2024, 6, 5), per_day=20)
    report = check_site(site.base_url, DEFAULT_USER_AGENT, articles=3)
    assert report.ok, report.problems
    assert report.feed_items > 0 and report.list_items == 20 and len(report.pages) == 3
    for page in report.pages:
        assert page.layout == "yna-cms-v1"
        assert page.matches["paragraphs"][LAYER_SELECTOR] is True
        assert page.matches["title_raw"][LAYER_META] is True and page.winners["title_raw"] == LAYER_META
        assert all(name in page.winners for name in ESSENTIAL_FIELDS)
        # The template facts an operator checks for drift: all hold on the replica.
        facts = page.template
        assert facts["og_title_suffix"] is True and facts["og_site_name"]
        assert {"type": "Person", "valid": False} in facts["jsonld"]
        assert any(b["valid"] for b in facts["jsonld"])
        assert facts["content_data"] is True and "KEYWORD" in facts["content_data_keys"]
        assert facts["article_section"] is True and facts["og_description_cut"] is True
        probes = page.selectors["yna-cms-v1"]
        assert probes["article.story-news"] == 1 and probes["header.title-article01 h1.tit"] == 1
        assert probes["article.story-news p"] >= 2
        assert list(page.selectors) == ["yna-cms-v1"]  # the replica's redesign is no production layout
        assert page.drift == []
        assert page.errors == [] and "jsonld: invalid JSON (Person)" in page.warnings
    paths = [e["path"] for e in site.access_log()]
    assert paths[0] == "/robots.txt" and not [p for p in paths if p.startswith(("/search", "/print/"))]


def test_check_site_flags_a_redesign_the_registry_does_not_know(replica):
    site = replica(start=date(2024, 6, 1), end=date(2024, 6, 5), per_day=20, layout="redesign")
    report = check_site(site.base_url, DEFAULT_USER_AGENT, articles=2, registry=Registry([YnaCmsParser]))
    assert not report.ok
    assert any("no registered layout parser" in p for p in report.problems)
    assert all(page.layout is None for page in report.pages)
    assert any(page.winners.get("paragraphs") == LAYER_GENERIC for page in report.pages)
    for page in report.pages:
        # The head is unchanged (no drift there); the body landmarks of the template are gone.
        assert page.template["og_title_suffix"] is True and page.template["content_data"] is True
        assert page.selectors["yna-cms-v1"]["article.story-news"] == 0
        assert "yna-cms-v1: selector article.story-news matched nothing" in page.drift
    # The production default does not know the replica's redesign either; with its parser
    # registered (the replica's set) the same site passes.
    assert not check_site(site.base_url, DEFAULT_USER_AGENT, articles=2).ok
    assert check_site(site.base_url, DEFAULT_USER_AGENT, articles=2, registry=Registry(REPLICA_PARSERS)).ok


def test_check_site_command_exit_codes(replica):
    site = replica(start=date(2024, 6, 1), end=date(2024, 6, 5), per_day=20)
    runner = CliRunner()
    ok = runner.invoke(app, ["check-site", "--base-url", site.base_url, "--articles", "2"])
    assert ok.exit_code == 0, ok.output
    assert "title_raw" in ok.output and "selector" in ok.output
    assert "site suffix in og:title" in ok.output and "CONTENT_DATA" in ok.output
    assert "article.story-news" in ok.output and "INVALID" in ok.output
    dead = runner.invoke(app, ["check-site", "--base-url", "http://127.0.0.1:9", "--articles", "1"])
    assert dead.exit_code != 0
    bad = runner.invoke(app, ["check-site", "--base-url", "ftp://nope"])
    assert bad.exit_code == 2


@pytest.fixture
def s3_endpoint():
    root = Path(tempfile.mkdtemp(prefix="yonhap-crawl-cli-s3-"))
    try:
        yield {"S3_ENDPOINT_URL": stack.start_s3(root, stack.free_port()), **stack.s3_keys_env(root)}
    finally:
        stack.stop_s3(root)
        shutil.rmtree(root, ignore_errors=True)


def test_crawl_command(replica, s3_endpoint):
    site = replica(start=date(2024, 6, 1), end=date(2024, 6, 5), per_day=12)
    bucket = f"cli-{uuid.uuid4().hex[:10]}"
    env = {"YONHAP_BASE_URL": site.base_url, "YONHAP_DOWNLOAD_DELAY": "0", **s3_endpoint, "S3_BUCKET": bucket}
    runner = CliRunner()
    result = runner.invoke(app, ["crawl", "--from", "2024-06-03", "--to", "2024-06-03", "--run-id", "cli_t1", "--no-db"],
                           env=env)
    assert result.exit_code == 0, result.output
    expected = site.corpus.ids_on(date(2024, 6, 3))
    assert f"run cli_t1: {len(expected)} items" in result.output
    settings = Settings.from_env(env)
    items = staging.read_jsonl(settings, "cli_t1", staging.ITEMS)
    assert sorted(i["article_id"] for i in items) == sorted(expected)
    assert runner.invoke(app, ["crawl", "--from", "2024-06-04", "--to", "2024-06-03"], env=env).exit_code == 2
    assert runner.invoke(app, ["crawl", "--from", "x", "--to", "2024-06-03"], env=env).exit_code == 2
    assert runner.invoke(app, ["crawl", "--from", "2024-06-03", "--to", "2024-06-03", "--run-id", "a/b"],
                         env=env).exit_code == 2
