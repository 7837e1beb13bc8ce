"""The transform stage over real S3 (moto server over HTTP) and Postgres: staging in, staging
out, idempotent reruns, and `yonhap-pipeline transform` seeing rows loaded by an earlier run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.harness.transforms import corpus, item_from_truth, truths
from ground.adapters import s3, staging
from ground.core.schema import ArticleRow, CrawlStats, GateSummary, RejectedItem, RevisionRow
from ground.core.timeutil import Window
from transforms import stage

REPO = Path(__file__).resolve().parent.parent
CLI = REPO / ".venv" / "bin" / "yonhap-pipeline"


def _chain():
    """An original and its LD (published later), from the replica's truth."""
    truth = truths(corpus(days=5))
    for t in sorted(truth.values(), key=lambda t: t.published_at):
        if t.version_label == "LD":
            original = next(o for o in truth.values() if o.story_id == t.story_id and o.version_label is None)
            return original, t
    raise AssertionError("corpus has no LD")


def _stage_items(settings, run_id, items):
    staging.write_jsonl(settings, run_id, staging.ITEMS, (i.to_dict() for i in items))


def _outputs(settings, run_id):
    return (
        [ArticleRow.from_dict(d) for d in staging.read_jsonl(settings, run_id, staging.ARTICLES)],
        [RevisionRow.from_dict(d) for d in staging.read_jsonl(settings, run_id, staging.REVISIONS)],
        [RejectedItem.from_dict(d) for d in staging.read_jsonl(settings, run_id, staging.TRANSFORM_REJECTS)],
    )


def test_stage_writes_articles_revisions_and_rejects(settings):
    original, ld = _chain()
    bad = item_from_truth(original).to_dict() | {"article_id": "", "parse_errors": ["no body container"]}
    staging.write_jsonl(
        settings, "run-a", staging.ITEMS,
        [item_from_truth(original).to_dict(), item_from_truth(ld).to_dict(), bad, {"not": "an item"}],
    )
    counts = stage.transform(settings, "run-a", stored=[])
    articles, revisions, rejects = _outputs(settings, "run-a")
    assert counts["articles"] == 2 and counts["rejected"] == 2 and counts["items"] == 4
    assert {a.article_id: a.story_id for a in articles} == {original.article_id: original.article_id,
                                                            ld.article_id: original.article_id}
    assert {r.article_id for r in revisions} == {original.article_id, ld.article_id}
    assert all(r.stage == "transform" and r.reasons for r in rejects)
    assert any("parse error: no body container" in r.reasons for r in rejects)
    assert any(r.payload == {"not": "an item"} for r in rejects)  # nothing is lost

    first = {n: s3.get_bytes(settings, staging.key("run-a", n))
             for n in (staging.ARTICLES, staging.REVISIONS, staging.TRANSFORM_REJECTS)}
    stage.transform(settings, "run-a", stored=[])  # rerun replaces the outputs identically
    assert first == {n: s3.get_bytes(settings, staging.key("run-a", n)) for n in first}


def test_stage_without_staged_items_is_a_clear_error(settings):
    with pytest.raises(stage.NoStagedItems, match="run the crawl stage first"):
        stage.transform(settings, "never-crawled", stored=[])


def _env(settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": settings.database_url,
        "S3_ENDPOINT_URL": settings.s3_endpoint_url,
        "S3_BUCKET": settings.s3_bucket,
        "AWS_ACCESS_KEY_ID": settings.aws_access_key_id,
        "AWS_SECRET_ACCESS_KEY": settings.aws_secret_access_key,
        "AWS_DEFAULT_REGION": settings.aws_region,
        "YONHAP_LOCAL_DIR": str(settings.local_dir),
    })
    return env


def _cli(settings, *args) -> subprocess.CompletedProcess:
    exe = [str(CLI)] if CLI.exists() else [sys.executable, "-m", "pipeline.cli"]
    return subprocess.run([*exe, *args], env=_env(settings), capture_output=True, text=True, timeout=180)


def test_cli_transform_links_to_a_story_loaded_by_an_earlier_run(settings):
    from storage.stage import load

    original, ld = _chain()
    _stage_items(settings, "run-1", [item_from_truth(original)])
    done = _cli(settings, "transform", "--run-id", "run-1")
    assert done.returncode == 0, done.stderr
    assert "articles=1" in done.stdout

    # Load run 1 as if the gate passed everything.
    window = Window.for_dates(original.published_at.date(), original.published_at.date())
    staging.write_json(settings, "run-1", staging.CRAWL_STATS, CrawlStats(
        run_id="run-1", window_start=window.start.isoformat(), window_end=window.end.isoformat()).to_dict())
    rows = staging.read_jsonl(settings, "run-1", staging.ARTICLES)
    staging.write_jsonl(settings, "run-1", staging.PASSED, rows)
    staging.write_json(settings, "run-1", staging.GATE, GateSummary(
        run_id="run-1", success=True, rows_in=1, rows_passed=1, rows_rejected=0).to_dict())
    load(settings, "run-1")

    # Run 2 crawls the LD (and refetches the unchanged original): it joins the stored story.
    _stage_items(settings, "run-2", [item_from_truth(ld), item_from_truth(original)])
    done = _cli(settings, "transform", "--run-id", "run-2")
    assert done.returncode == 0, done.stderr
    articles, revisions, _ = _outputs(settings, "run-2")
    assert {a.article_id: a.story_id for a in articles} == {original.article_id: original.article_id,
                                                            ld.article_id: original.article_id}
    assert [r.article_id for r in revisions] == [ld.article_id]  # the refetch changed nothing


def test_cli_transform_reports_missing_items_and_bad_run_ids(settings):
    done = _cli(settings, "transform", "--run-id", "no-such-run")
    assert done.returncode == 1 and "run the crawl stage first" in done.stderr
    done = _cli(settings, "transform", "--run-id", "bad/run")
    assert done.returncode == 2 and "--run-id" in done.stderr
