"""The completeness ledger against the replica's truth: for each KST day, every article id the
crawl saw on the site is loaded, a duplicate, rejected (with its reason), failed (an unresolved
crawl error) or, when none of these, *unaccounted* -- which must be 0 unless an id was lost.

1. A 3-day CLI run of a replica with faults (transient, a dead 404 page, a page truncated on
   every attempt) and a re-sent duplicate: every id is accounted for, by the truth's reasons.
2. A discovery gap on purpose (tests/gap_injection.py drops the request of one listed id):
   the ledger shows it unaccounted, the run's figures say so, and the next run closes it.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from devtools.harness.runs import cli_env, output, rows, run_pipeline, truth_ids
from ground.core.timeutil import KST
from pipeline.run.descriptor import RunDescriptor
from tests.gap_injection import overrides

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

WINDOW = (date(2024, 6, 2), date(2024, 6, 4))
# Seed 2 (checked below): in the window, dead article pages (404), pages truncated on every
# attempt, pages truncated on their first attempts only, re-sent duplicates; no list page or
# feed fails for good, so discovery is complete.
FAULTY = dict(start=date(2024, 6, 1), end=date(2024, 6, 4), per_day=25, seed=2, fault_rate=0.1,
              persistent_rate=0.5, fault_kinds=("truncated", "dead"))


def _ledger(conn) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in rows(conn, "SELECT article_id, kst_date, status, detail "
                                            "FROM yonhap.article_completeness")}


def test_every_seen_id_is_accounted_for_by_the_truths_reasons(settings, replica, db_conn):
    from devtools.replica import ReplicaConfig, faults

    site = replica(**FAULTY)
    config = ReplicaConfig(**FAULTY)
    truth = truth_ids(site.corpus, *WINDOW)
    plans = {i: faults.plan_for(config, f"/view/{i}") for i in truth}
    dead = {i for i, p in plans.items() if p.kind == "dead"}
    never = {i for i, p in plans.items() if p.persistent}
    duplicates = {i for i in truth if site.truth(i).duplicate_of}
    lists = ["/news", "/RSS/news.xml", *(f"/news/{n}" for n in range(1, site.corpus.page_count() + 2))]
    assert dead and never - dead, plans
    assert duplicates - never and not any(faults.plan_for(config, p).persistent for p in lists)

    proc = run_pipeline(cli_env(settings, site.base_url), *WINDOW, "ledger_1")
    assert proc.returncode == 0, output(proc)
    ledger = _ledger(db_conn)

    # Seen: exactly the window's articles, each on the KST day the site showed it.
    assert set(ledger) == truth
    for article_id, (day, _status, _detail) in ledger.items():
        assert day == site.truth(article_id).published_at.astimezone(KST).date(), article_id
    # What became of each, by the truth's own reasons.
    status = {i: s for i, (_d, s, _x) in ledger.items()}
    assert {i for i, s in status.items() if s == "unaccounted"} == set()
    for article_id in dead:
        assert status[article_id] == "failed" and "404" in ledger[article_id][2], ledger[article_id]
    transient = {i for i, p in plans.items() if p.clears}
    assert transient and never - dead
    # A page truncated on every attempt is quarantined with its reason; truncated only at
    # first, it was retried and loaded.
    for article_id in never - dead:
        assert status[article_id] == "rejected" and "truncated" in ledger[article_id][2], ledger[article_id]
    missing = never
    for article_id in duplicates - missing:
        assert status[article_id] == "duplicate", article_id
        assert ledger[article_id][2] == site.truth(article_id).duplicate_of
    assert {i for i, s in status.items() if s == "loaded"} == truth - missing - duplicates
    failed_ids = {r[0] for r in rows(db_conn, "SELECT article_id FROM yonhap.crawl_errors WHERE resolved_at IS NULL")}
    assert {i for i in missing if status[i] == "failed"} == failed_ids

    # Per day: the columns add up to what was seen, and the reasons are counted.
    days = rows(db_conn, "SELECT kst_date, seen, loaded, duplicates, rejected, failed, denied, unaccounted, "
                         "rejected_reasons FROM yonhap.daily_completeness ORDER BY 1")
    assert [d[0] for d in days] == [WINDOW[0] + timedelta(days=n) for n in range(3)]
    for _day, seen, *parts, unaccounted, _reasons in days:
        assert seen == sum(parts) + unaccounted and unaccounted == 0
    assert sum(d[4] for d in days) == sum(s == "rejected" for s in status.values()) >= 1
    assert sum(sum(d[8].values()) for d in days) >= sum(d[4] for d in days)
    # The run recorded the same, and said so at the end of its output.
    assert rows(db_conn, "SELECT seen, unaccounted FROM yonhap.crawl_runs WHERE run_id = 'ledger_1'") == [
        (len(truth), 0)]
    assert f"completeness {WINDOW[0]} → {WINDOW[1]}: {len(truth)} seen · 0 unaccounted" in proc.stdout, output(proc)
    # Analysts read it with the reader role.
    with db_conn.cursor() as cur:
        cur.execute("SET ROLE yonhap_reader")
        cur.execute("SELECT sum(unaccounted) FROM yonhap.daily_completeness")
        assert cur.fetchone() == (0,)
        cur.execute("RESET ROLE")

    # A rerun (304s, the failures retried and failing again) changes no verdict, and asks
    # each broken page (dead, truncated on every request) once: no retry storm.
    first_run = _fetches(site.clear_log(), never)
    assert all(first_run[i] >= 2 for i in never - dead), first_run  # run 1 retried the truncated ones
    again = run_pipeline(cli_env(settings, site.base_url), *WINDOW, "ledger_2")
    assert again.returncode == 0, output(again)
    assert {i: v[1] for i, v in _ledger(db_conn).items()} == status
    assert _fetches(site.clear_log(), never) == {i: 1 for i in never}

    # Broken for more than a day: the ingest's runs stop asking; a backfill still asks once.
    import dataclasses

    from ground.core.timeutil import Window
    from pipeline.run import stages

    with db_conn.cursor() as cur:
        cur.execute("UPDATE yonhap.crawl_errors SET at = at - interval '2 days'")
        cur.execute("UPDATE yonhap.rejected_items SET rejected_at = rejected_at - interval '2 days'")
    db_conn.commit()
    local = dataclasses.replace(settings, base_url=site.base_url, download_delay=0.0)
    window = Window.for_dates(*WINDOW)
    for run_id, kind, fetches in (("ingest_aged", "airflow", 0), ("backfill_aged", "backfill", 1)):
        stages.prepare(local, run_id, window, kind)
        stages.run_crawl(local, RunDescriptor(run_id, window, kind))
        assert _fetches(site.clear_log(), never) == {i: fetches for i in never}, kind


def _fetches(log: list[dict], ids) -> dict[str, int]:
    return {i: sum(1 for e in log if e["path"] == f"/view/{i}") for i in ids}


def test_a_listed_id_never_fetched_shows_up_as_unaccounted_and_the_run_says_so(settings, replica, db_conn):
    from ground.core.timeutil import Window
    from pipeline.run import report, stages
    from scrapers import stage as crawl_stage

    site = replica(start=date(2024, 6, 1), end=date(2024, 6, 3), per_day=20, seed=5)
    day = date(2024, 6, 2)
    lost = sorted(site.corpus.ids_on(day))[7]
    window = Window.for_dates(day, day)
    settings = settings.with_(base_url=site.base_url, download_delay=0.0)

    stages.prepare(settings, "gap_1", window)
    crawled = crawl_stage.crawl(settings, "gap_1", window, scrapy_overrides=overrides([lost]))
    assert crawled.seen == len(site.corpus.ids_on(day)) and crawled.items == crawled.seen - 1
    stages.run_transform(settings, "gap_1")
    gate = stages.run_validate(settings, "gap_1", window)
    loaded = stages.run_load(settings, "gap_1", gate=gate)

    assert loaded["unaccounted"] == 1
    assert loaded["unaccounted_days"] == {day.isoformat(): {"unaccounted": 1, "ids": [lost]}}
    assert rows(db_conn, "SELECT article_id, status FROM yonhap.article_completeness WHERE status <> 'loaded'") == [
        (lost, "unaccounted")]
    assert rows(db_conn, "SELECT unaccounted FROM yonhap.daily_completeness WHERE kst_date = %s", (day,)) == [(1,)]
    lines = report.runs_report(settings, ["gap_1"]).lines("gap run")
    assert lines[0].startswith("**succeeded, with gaps**"), lines
    assert any("**1 unaccounted**" in line and lost in line for line in lines), lines

    # The next run of the day fetches it: the gap closes.
    stages.prepare(settings, "gap_2", window)
    stages.run_crawl(settings, RunDescriptor("gap_2", window, "cli"))
    stages.run_transform(settings, "gap_2")
    stages.run_load(settings, "gap_2", gate=stages.run_validate(settings, "gap_2", window))
    assert rows(db_conn, "SELECT unaccounted, loaded FROM yonhap.daily_completeness WHERE kst_date = %s",
                (day,)) == [(0, len(site.corpus.ids_on(day)))]
