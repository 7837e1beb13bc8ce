"""Reliability suite: the real `yonhap-pipeline run` in a subprocess against the replica over
HTTP, a real PostgreSQL and an S3 endpoint over HTTP, under faults, kill -9, service outages,
a site redesign and hostile pages. Every scenario asserts on the data (ids against the
replica's truth, content hashes, reasons), not only on exit codes. Results: docs/reliability.md.

Run: .venv/bin/python -m pytest tests/test_reliability.py -x -q
"""

from __future__ import annotations

import random
from datetime import date

import pytest

from tests.reliability_support import (
    DedicatedStack,
    PipelineProcess,
    article_access_count,
    fresh_settings,
    integrity_problems,
    output,
    rows,
    run_pipeline,
    scalar,
    snapshot,
    start_replica_on_port,
    truth_ids,
    cli_env,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

# Small corpora: a window of 2-3 days, 20 articles a day, so each run takes seconds (+ GX).
CORPUS = dict(start=date(2024, 6, 1), end=date(2024, 6, 4), per_day=20)
WINDOW = (date(2024, 6, 2), date(2024, 6, 4))
SHORT_WINDOW = (date(2024, 6, 3), date(2024, 6, 4))


# ---------------------------------------------------------------- 1. faults and healing

# 5% mixed faults, half of them persistent. Seed 42 (checked below): two article pages fail
# transiently, one is dead (404 forever) and one never recovers (503/reset/429); no list
# page or feed fails for good, so discovery is complete.
FAULTS = dict(CORPUS, seed=42, fault_rate=0.05, persistent_rate=0.5)


def _fault_plans(config, ids):
    from yonhap.replica import faults

    return {i: faults.plan_for(config, f"/view/{i}") for i in ids}


def test_faults_retried_persistent_failures_recorded_then_healed(settings, tmp_path, db_conn):
    from yonhap import stack
    from yonhap.replica import ReplicaConfig, faults

    port = stack.free_port()
    site = start_replica_on_port(tmp_path, port, **FAULTS)
    try:
        config = ReplicaConfig(**FAULTS)
        truth = truth_ids(site.corpus, *WINDOW)
        plans = _fault_plans(config, truth)
        transient = {i for i, p in plans.items() if p.clears}
        persistent = {i for i, p in plans.items() if p.persistent}
        lists = ["/news", "/RSS/news.xml", *(f"/news/{n}" for n in range(1, site.corpus.page_count() + 2))]
        # Preconditions of the seed (a changed fault model must fail here, not silently pass).
        assert len(transient) >= 2 and len(persistent) >= 2, (transient, persistent)
        assert not any(faults.plan_for(config, p).persistent for p in lists)

        env = cli_env(settings, site.base_url)
        first = run_pipeline(env, *WINDOW, "rel_faults_1")
        assert first.returncode == 0, output(first)
        log = site.access_log()
    finally:
        site.stop()

    loaded = {r[0] for r in rows(db_conn, "SELECT article_id FROM yonhap.articles")}
    missing = truth - loaded
    # Transient faults cost retries, never an article; only never-recovering pages are missing.
    assert transient <= loaded
    assert missing and missing <= persistent, (missing, persistent)
    assert loaded <= truth
    retried = {e["path"].removeprefix("/view/") for e in log if e["path"].startswith("/view/") and e["attempt"] > 1}
    # A "slow" first attempt still answers correctly: nothing to retry.
    assert {i for i in transient if plans[i].kind != "slow"} <= retried
    errors = rows(
        db_conn,
        "SELECT url, status, error, attempts, resolved_at FROM yonhap.crawl_errors WHERE run_id = 'rel_faults_1'",
    )
    by_id = {url.rsplit("/", 1)[-1]: (status, error, attempts, resolved) for url, status, error, attempts, resolved in errors}
    for article_id in missing:
        assert article_id in by_id, (article_id, errors)
        status, error, attempts, resolved = by_id[article_id]
        assert attempts >= 1 and resolved is None and error
        if plans[article_id].kind == "dead":
            assert status == 404
        else:
            assert status in (503, 429, None)  # None: connection reset, no HTTP status
            assert attempts > 1  # retried before giving up
    run = rows(db_conn, "SELECT status, loaded, errors FROM yonhap.crawl_runs WHERE run_id = 'rel_faults_1'")[0]
    assert run == ("succeeded", len(loaded), len(errors))

    # The site heals (same host and port, no faults): the next run retries the recorded URLs.
    healed = start_replica_on_port(tmp_path, port, **dict(FAULTS, fault_rate=0.0, persistent_rate=0.0))
    try:
        second = run_pipeline(env, *WINDOW, "rel_faults_2")
        assert second.returncode == 0, output(second)
    finally:
        healed.stop()
    loaded_after = {r[0] for r in rows(db_conn, "SELECT article_id FROM yonhap.articles")}
    assert loaded_after == truth
    for article_id in missing:
        body, title_raw = rows(db_conn, "SELECT body, title_raw FROM yonhap.articles WHERE article_id = %s", (article_id,))[0]
        truth_article = healed.truth(article_id)
        assert (body, title_raw) == (truth_article.body, truth_article.title_raw)
    unresolved = rows(db_conn, "SELECT url FROM yonhap.crawl_errors WHERE resolved_at IS NULL")
    assert unresolved == []
    assert integrity_problems(db_conn) == {}


# ---------------------------------------------------------------- 2. kill -9 and rerun

KILL_SEED = 20240602


def _staged(settings, run_id: str, name: str) -> bool:
    from yonhap import s3, staging

    return s3.exists(settings, staging.key(run_id, name))


def test_kill9_at_seeded_points_then_rerun_equals_a_clean_run(stack_settings, settings, replica, db_conn):
    from storage.load import PAUSE_AFTER_COPY_ENV, PAUSE_MARKER
    from yonhap import db, staging

    site = replica(**CORPUS)
    truth = truth_ids(site.corpus, *WINDOW)

    clean_settings = fresh_settings(stack_settings)
    clean = run_pipeline(cli_env(clean_settings, site.base_url), *WINDOW, "rel_clean")
    assert clean.returncode == 0, output(clean)
    clean_conn = db.connect(clean_settings)
    try:
        expected = snapshot(clean_conn)
    finally:
        clean_conn.close()
    assert {a[0] for a in expected["articles"]} == truth

    rng = random.Random(KILL_SEED)
    env = cli_env(settings, site.base_url)
    kills: list[str] = []

    def assert_nothing_half_loaded(where: str) -> None:
        assert scalar(db_conn, "SELECT count(*) FROM yonhap.articles") == 0, where
        assert scalar(db_conn, "SELECT count(*) FROM yonhap.article_revisions") == 0, where
        assert integrity_problems(db_conn) == {}, where

    # a) during the crawl: after a seeded number of article fetches.
    site.clear_log()
    fetches = rng.randint(5, len(truth) - 10)
    victim = PipelineProcess(env, *WINDOW, "rel_kill_crawl")
    assert victim.wait_for(lambda: article_access_count(site) >= fetches), victim.text
    victim.kill9()
    kills.append(f"crawl after {fetches} article fetches")
    assert not _staged(settings, "rel_kill_crawl", staging.CRAWL_STATS)
    assert_nothing_half_loaded("killed during crawl")

    # b) between stages: as soon as the crawl stage's last file is staged (+ seeded jitter).
    victim = PipelineProcess(env, *WINDOW, "rel_kill_between")
    assert victim.wait_for(lambda: _staged(settings, "rel_kill_between", staging.CRAWL_STATS), poll=0.02), victim.text
    jitter = rng.uniform(0.0, 0.3)
    victim.wait_for(lambda: False, timeout=jitter)
    victim.kill9()
    kills.append(f"after crawl + {jitter:.2f}s")
    assert not _staged(settings, "rel_kill_between", staging.GATE)
    assert_nothing_half_loaded("killed between crawl and transform")

    # c) during the load: after the COPYs into the temp tables, before the merge commits.
    paused = dict(env, **{PAUSE_AFTER_COPY_ENV: "60"})
    victim = PipelineProcess(paused, *WINDOW, "rel_kill_load")
    assert victim.wait_for(lambda: PAUSE_MARKER in victim.text, timeout=240), victim.text
    victim.kill9()
    kills.append("load, after COPY, before commit")
    assert _staged(settings, "rel_kill_load", staging.GATE)
    assert_nothing_half_loaded("killed during load")
    stale = rows(db_conn, "SELECT run_id, status FROM yonhap.crawl_runs ORDER BY run_id")
    assert all(status in ("running", "failed") for _, status in stale), stale

    # The rerun (same run id as the last victim: a rerun of the same run) completes the data.
    rerun = run_pipeline(env, *WINDOW, "rel_kill_load")
    assert rerun.returncode == 0, output(rerun)
    assert snapshot(db_conn) == expected, kills
    assert integrity_problems(db_conn) == {}
    assert rows(db_conn, "SELECT status, loaded FROM yonhap.crawl_runs WHERE run_id = 'rel_kill_load'") == [
        ("succeeded", len(truth))
    ]


# ---------------------------------------------------------------- 4. site redesign

def test_redesign_with_only_the_reference_parser_is_blocked_then_loads_with_the_redesign_parser(
    settings, replica, db_conn
):
    from scrapers.parsers.registry import PARSERS_ENV

    site = replica(**CORPUS, layout="redesign")
    truth = truth_ids(site.corpus, *SHORT_WINDOW)

    # The day the live site changes: only the parser of the old layout is deployed.
    old = run_pipeline(cli_env(settings, site.base_url, **{PARSERS_ENV: "reference"}), *SHORT_WINDOW, "rel_redesign_old")
    print("REDESIGN-OLD", old.stdout[-6000:])
    assert old.returncode == 1, output(old)
    assert scalar(db_conn, "SELECT count(*) FROM yonhap.articles") == 0
    status, quality, message = rows(
        db_conn, "SELECT status, quality_success, message FROM yonhap.crawl_runs WHERE run_id = 'rel_redesign_old'"
    )[0]
    print("REDESIGN-RUN", status, quality, message)
    rejected = rows(db_conn, "SELECT article_id, stage, reasons FROM yonhap.rejected_items WHERE run_id = 'rel_redesign_old'")
    print("REDESIGN-REJ", rejected[:5], len(rejected))
    assert status == "blocked" and quality is False

    new = run_pipeline(cli_env(settings, site.base_url), *SHORT_WINDOW, "rel_redesign_new")
    assert new.returncode == 0, output(new)
    loaded = rows(db_conn, "SELECT article_id, title_raw, body FROM yonhap.articles ORDER BY article_id")
    assert {r[0] for r in loaded} == truth
    for article_id, title_raw, body in loaded:
        expected = site.truth(article_id)
        assert (title_raw, body) == (expected.title_raw, expected.body), article_id


# ---------------------------------------------------------------- 5. hostile pages

HOSTILE_WINDOW = (date(2024, 6, 1), date(2024, 6, 2))


def test_hostile_pages_are_bounded_or_quarantined_and_the_rest_loads(settings, replica, db_conn):
    site = replica(**CORPUS, hostile=True)
    truth = truth_ids(site.corpus, *HOSTILE_WINDOW)
    hostile = {i: site.truth(i).hostile for i in truth if site.truth(i).kind == "hostile"}
    assert sorted(hostile.values()) == sorted(["huge", "bad_utf8", "script_title", "many_paragraphs", "date_mismatch"])

    proc = run_pipeline(cli_env(settings, site.base_url), *HOSTILE_WINDOW, "rel_hostile")
    print("HOSTILE", proc.returncode, proc.stdout[-6000:])
    loaded = {r[0] for r in rows(db_conn, "SELECT article_id FROM yonhap.articles")}
    rejected = rows(db_conn, "SELECT article_id, stage, reasons FROM yonhap.rejected_items")
    errors = rows(db_conn, "SELECT url, status, error, attempts FROM yonhap.crawl_errors")
    print("HOSTILE-LOADED", {i: k for i, k in hostile.items() if i in loaded})
    print("HOSTILE-REJ", rejected)
    print("HOSTILE-ERR", errors)
    print("HOSTILE-MISSING", (truth - loaded) - set(hostile))
    for i, k in hostile.items():
        if i in loaded:
            print(k, rows(db_conn, "SELECT title, title_raw, length(body), word_count, published_at FROM yonhap.articles WHERE article_id=%s", (i,)))
    assert proc.returncode == 0, output(proc)
