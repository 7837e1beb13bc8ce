"""Reliability suite: the real `yonhap-pipeline run` in a subprocess against the replica over
HTTP, a real PostgreSQL and an S3 endpoint over HTTP, under faults, kill -9, service outages,
a site redesign and hostile pages. Every scenario asserts on the data (ids against the
replica's truth, content hashes, reasons), not only on exit codes. Results: docs/measurements.md "Reliability".

Run: .venv/bin/python -m pytest tests/test_reliability.py -x -q
"""

from __future__ import annotations

import random
import re
from datetime import date

import pytest

from devtools.harness.runs import (
    DedicatedStack,
    PipelineProcess,
    article_access_count,
    cli_env,
    fresh_settings,
    integrity_problems,
    output,
    rows,
    run_pipeline,
    scalar,
    snapshot,
    start_replica_on_port,
    truth_ids,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

# Small corpora: a window of 2-3 days, 20 articles a day, so each run takes seconds (+ GX).
CORPUS = dict(start=date(2024, 6, 1), end=date(2024, 6, 4), per_day=20)
WINDOW = (date(2024, 6, 2), date(2024, 6, 4))
SHORT_WINDOW = (date(2024, 6, 3), date(2024, 6, 4))


@pytest.fixture
def spawn():
    """Factory for pipeline processes to kill; any still alive at teardown is killed too."""
    started: list[PipelineProcess] = []

    def start(env, first, last, run_id) -> PipelineProcess:
        started.append(PipelineProcess(env, first, last, run_id))
        return started[-1]

    yield start
    for process in started:
        if process.proc.poll() is None:
            process.kill9()


# ---------------------------------------------------------------- 1. faults and healing

# 5% mixed faults, half of them persistent. Seed 42 (checked below): two article pages fail
# transiently, one is dead (404 forever) and one never recovers (503/reset/429); no list
# page or feed fails for good, so discovery is complete. The English edition's ids are other
# paths, so other faults: seed 43 gives it the same kind of mix (checked the same way).
FAULTS = dict(CORPUS, seed=42, fault_rate=0.05, persistent_rate=0.5)
FAULT_SEEDS = {"fr": 42, "en": 43}


def _fault_plans(config, ids):
    from devtools.replica import faults

    return {i: faults.plan_for(config, f"/view/{i}") for i in ids}


@pytest.mark.parametrize("edition", sorted(FAULT_SEEDS))
def test_faults_retried_persistent_failures_recorded_then_healed(settings, tmp_path, db_conn, edition):
    from devtools.replica import ReplicaConfig, faults
    from devtools.stack import services as stack

    FAULTS = dict(CORPUS, seed=FAULT_SEEDS[edition], fault_rate=0.05, persistent_rate=0.5,  # noqa: N806
                  edition=edition)
    port = stack.free_port()
    site = start_replica_on_port(tmp_path, port, **FAULTS)
    try:
        config = ReplicaConfig(**FAULTS)
        truth = truth_ids(site.corpus, *WINDOW)
        plans = _fault_plans(config, truth)
        transient = {i for i, p in plans.items() if p.clears}
        persistent = {i for i, p in plans.items() if p.persistent}
        lists = [
            "/news",
            "/RSS/news.xml",
            *(f"/news/{n}" for n in range(1, site.corpus.page_count() + 2)),
        ]
        # Preconditions of the seed (a changed fault model must fail here, not silently pass).
        assert len(transient) >= 2 and len(persistent) >= 2, (transient, persistent)
        assert not any(faults.plan_for(config, p).persistent for p in lists)

        env = cli_env(settings, site.base_url, YONHAP_EDITION=edition)
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
    retried = {
        e["path"].removeprefix("/view/")
        for e in log
        if e["path"].startswith("/view/") and e["attempt"] > 1
    }
    # A "slow" first attempt still answers correctly: nothing to retry.
    assert {i for i in transient if plans[i].kind != "slow"} <= retried
    errors = rows(
        db_conn,
        "SELECT url, status, error, attempts, resolved_at FROM yonhap.crawl_errors WHERE run_id = 'rel_faults_1'",
    )
    by_id = {
        url.rsplit("/", 1)[-1]: (status, error, attempts, resolved)
        for url, status, error, attempts, resolved in errors
    }
    for article_id in missing:
        assert article_id in by_id, (article_id, errors)
        status, error, attempts, resolved = by_id[article_id]
        assert attempts >= 1 and resolved is None and error
        if plans[article_id].kind == "dead":
            assert status == 404
        else:
            assert status in (503, 429, None)  # None: connection reset, no HTTP status
            assert attempts > 1  # retried before giving up
    run = rows(
        db_conn,
        "SELECT status, loaded, errors FROM yonhap.crawl_runs WHERE run_id = 'rel_faults_1'",
    )[0]
    assert run == ("succeeded", len(loaded), len(errors))
    editions = rows(db_conn, "SELECT DISTINCT edition FROM yonhap.articles")
    assert editions == [(edition,)]
    print(
        f"[reliability] faults ({edition}): {len(truth)} articles, {len(transient)} transient + {len(persistent)} "
        f"persistent faulty pages, {sum((e['attempt'] or 0) > 1 for e in log)} retried fetches; run 1 loaded "
        f"{len(loaded)}, {len(errors)} crawl_errors ({sorted(plans[i].kind for i in missing)})"
    )

    # The site heals (same host and port, no faults): the next run retries the recorded URLs.
    healed = start_replica_on_port(
        tmp_path, port, **dict(FAULTS, fault_rate=0.0, persistent_rate=0.0)
    )
    try:
        second = run_pipeline(env, *WINDOW, "rel_faults_2")
        assert second.returncode == 0, output(second)
    finally:
        healed.stop()
    loaded_after = {r[0] for r in rows(db_conn, "SELECT article_id FROM yonhap.articles")}
    assert loaded_after == truth
    for article_id in missing:
        body, title_raw = rows(
            db_conn,
            "SELECT body, title_raw FROM yonhap.articles WHERE article_id = %s",
            (article_id,),
        )[0]
        truth_article = healed.truth(article_id)
        assert (body, title_raw) == (truth_article.body, truth_article.title_raw)
    unresolved = rows(db_conn, "SELECT url FROM yonhap.crawl_errors WHERE resolved_at IS NULL")
    assert unresolved == []
    assert integrity_problems(db_conn) == {}


# ---------------------------------------------------------------- 2. kill -9 and rerun

KILL_SEED = 20240602


def _staged(settings, run_id: str, name: str) -> bool:
    from ground.adapters import s3, staging

    return s3.exists(settings, staging.key(run_id, name))


def test_kill9_at_seeded_points_then_rerun_equals_a_clean_run(
    stack_settings, settings, replica, db_conn, spawn
):
    from ground.adapters import db, staging
    from storage.load import PAUSE_AFTER_COPY_ENV, PAUSE_MARKER

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
    victim = spawn(env, *WINDOW, "rel_kill_crawl")
    assert victim.wait_for(lambda: article_access_count(site) >= fetches), victim.text
    victim.kill9()
    kills.append(f"crawl after {fetches} article fetches")
    assert not _staged(settings, "rel_kill_crawl", staging.CRAWL_STATS)
    assert_nothing_half_loaded("killed during crawl")

    # b) between stages: as soon as the crawl stage's last file is staged (+ seeded jitter).
    victim = spawn(env, *WINDOW, "rel_kill_between")
    assert victim.wait_for(
        lambda: _staged(settings, "rel_kill_between", staging.CRAWL_STATS), poll=0.02
    ), victim.text
    jitter = rng.uniform(0.0, 0.3)
    victim.wait_for(lambda: False, timeout=jitter)
    victim.kill9()
    kills.append(f"after crawl + {jitter:.2f}s")
    assert not _staged(settings, "rel_kill_between", staging.GATE)
    assert_nothing_half_loaded("killed between crawl and transform")

    # c) during the first load: after the COPYs into the temp tables, before the merge commits.
    paused = dict(env, **{PAUSE_AFTER_COPY_ENV: "60"})
    victim = spawn(paused, *WINDOW, "rel_kill_load")
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
    assert rows(
        db_conn, "SELECT status, loaded FROM yonhap.crawl_runs WHERE run_id = 'rel_kill_load'"
    ) == [("succeeded", len(truth))]
    # Curated Parquet: written once, by the run that committed, holding each article once.
    curated = _curated_ids(settings)
    assert set(curated) == {"rel_kill_load"}, curated
    assert sorted(curated["rel_kill_load"]) == sorted(truth)

    # d) during a load that UPDATES rows: the site edits some articles in place.
    site.set_edits(True)
    edited = {i for i in truth if site.truth(i).has_edit}
    assert edited
    victim = spawn(paused, *WINDOW, "rel_kill_update")
    assert victim.wait_for(lambda: PAUSE_MARKER in victim.text, timeout=240), victim.text
    victim.kill9()
    assert snapshot(db_conn) == expected  # nothing half-updated
    rerun = run_pipeline(env, *WINDOW, "rel_kill_update")
    assert rerun.returncode == 0, output(rerun)
    after = {r[0]: r for r in snapshot(db_conn)["articles"]}
    revisions = {r[0]: r[1] for r in snapshot(db_conn)["revisions"]}
    before = {r[0]: r for r in expected["articles"]}
    assert set(after) == truth
    for article_id in truth:
        if article_id in edited:
            truth_edit = site.truth(article_id, edited=True)
            assert after[article_id][6] == truth_edit.body and revisions[article_id] == 2, (
                article_id
            )
        else:
            assert after[article_id] == before[article_id] and revisions[article_id] == 1, (
                article_id
            )
    assert integrity_problems(db_conn) == {}


def _curated_ids(settings) -> dict[str, list[str]]:
    """run id -> article ids in its curated/articles/dt=*/<run_id>.parquet files."""

    import pyarrow as pa
    import pyarrow.parquet as pq

    from ground.adapters import s3

    found: dict[str, list[str]] = {}
    for key in s3.list_keys(settings, "curated/articles/"):
        table = pq.read_table(pa.BufferReader(s3.get_bytes(settings, key)), columns=["article_id"])
        run_id = key.rsplit("/", 1)[-1].removesuffix(".parquet")
        found.setdefault(run_id, []).extend(table.column("article_id").to_pylist())
    return found


# ---------------------------------------------------------------- 4. site redesign


def test_redesign_with_only_the_yna_cms_parser_is_blocked_then_loads_with_the_redesign_parser(
    settings, replica, db_conn
):
    from scrapers.parsers.registry import PARSERS_ENV, REPLICA_PARSERS
    from scrapers.parsers.yna_cms import YnaCmsParser

    site = replica(**CORPUS, layout="redesign")
    truth = truth_ids(site.corpus, *SHORT_WINDOW)

    # The day the live site changes: only the parser of the old layout is deployed.
    env_old = cli_env(settings, site.base_url, **{PARSERS_ENV: YnaCmsParser.layout})
    old = run_pipeline(env_old, *SHORT_WINDOW, "rel_redesign_old")
    assert old.returncode == 1, output(old)
    assert "quality gate blocked run rel_redesign_old" in old.stdout
    assert scalar(db_conn, "SELECT count(*) FROM yonhap.articles") == 0
    assert scalar(db_conn, "SELECT count(*) FROM yonhap.article_revisions") == 0
    status, quality, items, loaded_count, message = rows(
        db_conn,
        "SELECT status, quality_success, items, loaded, message FROM yonhap.crawl_runs WHERE run_id = 'rel_redesign_old'",
    )[0]
    assert (status, quality, items, loaded_count) == ("blocked", False, len(truth), 0)
    # The gate names the drifted fields and the reason (body from the generic fallback).
    # (title, section and times still come from the head's meta, which the redesign kept)
    assert "body:" in message and "fallback layer 'generic'" in message, message
    assert "no layout parser recognized" in message, message

    # The parser of the new layout deployed (the replica's redesign is registered only by name).
    env_new = cli_env(settings, site.base_url, **{PARSERS_ENV: ",".join(p.layout for p in REPLICA_PARSERS)})
    new = run_pipeline(env_new, *SHORT_WINDOW, "rel_redesign_new")
    assert new.returncode == 0, output(new)
    loaded = rows(
        db_conn, "SELECT article_id, title_raw, body FROM yonhap.articles ORDER BY article_id"
    )
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
    assert sorted(hostile.values()) == sorted(
        ["huge", "bad_utf8", "script_title", "many_paragraphs", "date_mismatch"]
    )

    proc = run_pipeline(cli_env(settings, site.base_url), *HOSTILE_WINDOW, "rel_hostile")
    assert proc.returncode == 0, output(proc)
    by_kind = {kind: article_id for article_id, kind in hostile.items()}
    loaded = {r[0] for r in rows(db_conn, "SELECT article_id FROM yonhap.articles")}
    # Every ordinary article of the window loads.
    assert loaded - set(hostile) == truth - set(hostile)

    # huge (~20 MB): cut off by the download size limit, recorded as a crawl error, not loaded.
    huge = by_kind["huge"]
    errors = rows(
        db_conn,
        "SELECT url, error, attempts FROM yonhap.crawl_errors WHERE url LIKE %s",
        (f"%/view/{huge}",),
    )
    assert len(errors) == 1 and "max size" in errors[0][1] and errors[0][2] >= 1, errors
    assert huge not in loaded

    # many_paragraphs (10,000) and date_mismatch: quarantined by the gate with a named reason.
    reasons = {
        article_id: (stage, " ".join(why))
        for article_id, stage, why in rows(
            db_conn, "SELECT article_id, stage, reasons FROM yonhap.rejected_items"
        )
    }
    assert reasons[by_kind["many_paragraphs"]][0] == "validate"
    assert "body_max_length" in reasons[by_kind["many_paragraphs"]][1]
    assert reasons[by_kind["date_mismatch"]][0] == "validate"
    assert "published_in_window" in reasons[by_kind["date_mismatch"]][1]
    assert not {by_kind["many_paragraphs"], by_kind["date_mismatch"]} & loaded
    assert set(reasons) == {by_kind["many_paragraphs"], by_kind["date_mismatch"]}

    # bad_utf8: loaded, the invalid bytes replaced by U+FFFD exactly as the truth says.
    bad = by_kind["bad_utf8"]
    (body,) = rows(db_conn, "SELECT body FROM yonhap.articles WHERE article_id = %s", (bad,))[0]
    assert body == site.truth(bad).body and "\ufffd" in body

    # script_title: loaded with the script dropped -- inert text, no markup anywhere.
    script = by_kind["script_title"]
    title, title_raw = rows(
        db_conn, "SELECT title, title_raw FROM yonhap.articles WHERE article_id = %s", (script,)
    )[0]
    assert (title, title_raw) == (site.truth(script).title, site.truth(script).title_raw)
    leaked = rows(
        db_conn,
        "SELECT article_id FROM yonhap.articles WHERE title_raw ~* '<|script|attacker' OR body ~* '<script|attacker\\.invalid'",
    )
    assert leaked == []
    assert rows(
        db_conn,
        "SELECT status, loaded, rejected, errors FROM yonhap.crawl_runs WHERE run_id = 'rel_hostile'",
    ) == [("succeeded", len(loaded), 2, 1)]
    assert integrity_problems(db_conn) == {}


# ---------------------------------------------------------------- 3. service outages


@pytest.fixture
def dedicated_stack():
    """Services of this test alone: stopping them must not disturb the session stack."""
    own = DedicatedStack.start()
    yield own
    own.close()


def test_postgres_restart_and_s3_outage_fail_cleanly_then_the_rerun_loads_everything(
    dedicated_stack, replica, spawn
):
    from ground.adapters import db
    from storage.load import PAUSE_AFTER_COPY_ENV, PAUSE_MARKER

    stack = dedicated_stack
    site = replica(**CORPUS)
    truth = truth_ids(site.corpus, *SHORT_WINDOW)
    env = cli_env(stack.settings, site.base_url)

    def run_row(conn, run_id):
        return rows(
            conn, "SELECT status, message FROM yonhap.crawl_runs WHERE run_id = %s", (run_id,)
        )[0]

    # a) PostgreSQL restarts while the loader holds its transaction (after COPY, before merge).
    victim = spawn(dict(env, **{PAUSE_AFTER_COPY_ENV: "10"}), *SHORT_WINDOW, "rel_pg_restart")
    assert victim.wait_for(lambda: PAUSE_MARKER in victim.text, timeout=240), victim.text
    stack.stop_postgres()
    stack.start_postgres()
    assert victim.wait() == 1, victim.text
    conn = db.connect(stack.settings)
    try:
        assert scalar(conn, "SELECT count(*) FROM yonhap.articles") == 0
        assert scalar(conn, "SELECT count(*) FROM yonhap.article_revisions") == 0
        pg_status, pg_message = run_row(conn, "rel_pg_restart")
    finally:
        conn.close()

    # b) the S3 endpoint goes away during the crawl (the archive and staging live there).
    site.clear_log()
    victim = spawn(env, *SHORT_WINDOW, "rel_store_down")
    # As soon as the crawl fetches: its archive and staging uploads come at the end.
    assert victim.wait_for(lambda: article_access_count(site) >= 1, poll=0.02), victim.text
    stack.stop_s3()
    assert victim.wait() == 1, victim.text
    conn = db.connect(stack.settings)
    try:
        assert scalar(conn, "SELECT count(*) FROM yonhap.articles") == 0
        s3_status, s3_message = run_row(conn, "rel_store_down")
    finally:
        conn.close()

    # c) both services back (the S3 endpoint comes back with what it had stored): the rerun loads the truth.
    stack.start_s3()
    rerun = run_pipeline(env, *SHORT_WINDOW, "rel_outage_rerun")
    assert rerun.returncode == 0, output(rerun)
    conn = db.connect(stack.settings)
    try:
        loaded = rows(
            conn, "SELECT article_id, title_raw, body FROM yonhap.articles ORDER BY article_id"
        )
        assert {r[0] for r in loaded} == truth
        for article_id, title_raw, body in loaded:
            assert (title_raw, body) == (
                site.truth(article_id).title_raw,
                site.truth(article_id).body,
            )
        assert integrity_problems(conn) == {}
    finally:
        conn.close()

    # The failed runs say so, in one line that names the service that was unavailable.
    assert (pg_status, s3_status) == ("failed", "failed")
    print(f"[reliability] outage messages: {pg_message!r} / {s3_message!r}")
    for message, service in ((pg_message, r"(?i)postgres"), (s3_message, r"\bS3\b")):
        assert message and "\n" not in message, message
        assert re.search(service, message), (
            f"the failure does not name the service ({service}): {message!r}"
        )


# ---------------------------------------------------------------- 7. the raw archive is never lost


def _archive_objects(settings) -> dict[str, str]:
    import hashlib

    from ground.adapters import s3

    return {k: hashlib.sha256(s3.get_bytes(settings, k)).hexdigest() for k in s3.list_keys(settings, "raw/")}


def _archived_article_ids(settings, prefix: str = "raw/") -> set[str]:
    """Article ids with a readable 200 record in the archive (what reprocess can rebuild)."""
    from ground.adapters import s3
    from scrapers.canonical import article_id_from_url
    from scrapers.warc import iter_responses

    found = set()
    for key in s3.list_keys(settings, prefix):
        for resp in iter_responses(s3.get_bytes(settings, key)):
            if resp.status == 200 and article_id_from_url(resp.url or ""):
                found.add(article_id_from_url(resp.url))
    return found


def test_s3_killed_during_a_crawl_then_restarted_loses_no_archived_article(dedicated_stack, replica, spawn):
    stack = dedicated_stack
    site = replica(**CORPUS)
    truth = truth_ids(site.corpus, *SHORT_WINDOW)
    env = cli_env(stack.settings, site.base_url)
    first = run_pipeline(env, *SHORT_WINDOW, "rel_archive_first")
    assert first.returncode == 0, output(first)
    kept = _archive_objects(stack.settings)
    assert kept and _archived_article_ids(stack.settings) == truth

    # kill -9 of the S3 process while a second crawl runs (it re-validates with 304s)
    site.clear_log()
    victim = spawn(env, *SHORT_WINDOW, "rel_archive_killed")
    assert victim.wait_for(lambda: article_access_count(site) >= 1, poll=0.02), victim.text
    pid = __import__("devtools.stack.services", fromlist=["status"]).status(stack.settings)["s3"]["pid"]
    import os
    import signal

    os.kill(pid, signal.SIGKILL)
    assert victim.wait() == 1, victim.text
    stack.start_s3()
    # every object answered before the kill is still there, byte for byte
    after_kill = _archive_objects(stack.settings)
    assert {k: after_kill.get(k) for k in kept} == kept
    rerun = run_pipeline(env, *SHORT_WINDOW, "rel_archive_rerun")
    assert rerun.returncode == 0, output(rerun)
    assert _archived_article_ids(stack.settings) == truth
    conn = __import__("ground.adapters.db", fromlist=["connect"]).connect(stack.settings)
    try:
        assert {r[0] for r in rows(conn, "SELECT article_id FROM yonhap.articles")} == truth
        assert integrity_problems(conn) == {}
    finally:
        conn.close()


def test_a_lost_archive_day_is_refetched_in_full_once_and_reprocess_then_equals_the_first_load(
    settings, replica, db_conn
):
    from ground.adapters import s3

    site = replica(**CORPUS)
    env = cli_env(settings, site.base_url)
    first = run_pipeline(env, *WINDOW, "rel_lost_first")
    assert first.returncode == 0, output(first)
    loaded = snapshot(db_conn)
    lost_day = WINDOW[0] + (WINDOW[1] - WINDOW[0]) // 2
    day_ids = set(site.corpus.ids_on(lost_day))
    lost_prefix = f"raw/dt={lost_day.isoformat()}/"
    for key in s3.list_keys(settings, lost_prefix):
        s3.client(settings).delete_object(Bucket=settings.s3_bucket, Key=key)
    assert s3.list_keys(settings, lost_prefix) == []

    # reprocess names the missing day, exits 1, and still reprocesses the other days
    import subprocess

    from devtools.harness.runs import CLI, REPO

    gap = subprocess.run([CLI, "reprocess", "--from", WINDOW[0].isoformat(), "--to", WINDOW[1].isoformat(),
                          "--run-id", "rel_lost_reprocess_gap"], env=env, capture_output=True, text=True,
                         timeout=600, cwd=str(REPO))
    assert gap.returncode == 1, output(gap)
    said = gap.stdout + gap.stderr
    assert f"no archived pages for {lost_day.isoformat()} ({len(day_ids)} expected from yonhap.articles)" in said
    assert "yonhap-pipeline run" in said and "discovery broke" not in said
    assert snapshot(db_conn)["articles"] == loaded["articles"]  # nothing lost, nothing blocked

    # the next run does not trust the validators of that day: each of its pages in full, once
    site.clear_log()
    again = run_pipeline(env, *WINDOW, "rel_lost_refetch")
    assert again.returncode == 0, output(again)
    stored = len(loaded["articles"])
    assert f"raw archive: {len(day_ids)} of {stored} stored article(s) have no readable archived page" in \
        again.stdout + again.stderr
    article_hits = [e for e in site.access_log() if e["path"].startswith("/view/")]
    full = [e for e in article_hits if e["status"] == 200]
    refetched = {e["path"].split("/view/", 1)[1].split("?", 1)[0] for e in full}
    assert refetched == day_ids
    assert len(full) == len(day_ids)  # once each
    assert {e["status"] for e in article_hits if e not in full} <= {304}
    assert _archived_article_ids(settings, lost_prefix) == day_ids

    ok = subprocess.run([CLI, "reprocess", "--from", WINDOW[0].isoformat(), "--to", WINDOW[1].isoformat(),
                         "--run-id", "rel_lost_reprocess"], env=env, capture_output=True, text=True,
                        timeout=600, cwd=str(REPO))
    assert ok.returncode == 0, output(ok)
    assert snapshot(db_conn)["articles"] == loaded["articles"]
    assert integrity_problems(db_conn) == {}
