"""Event-driven ingest through the real Airflow: the replica publishes in live mode (site minute
= real minute) with 5% faults on the feed, list and article pages; the triggerer's feed watcher
announces new ids; the scheduler starts `yonhap_fr_ingest` event runs; the triggerer is killed
and restarted mid-test. Every article published is loaded exactly once, within minutes.

The long version (60+ articles at the default 60 s poll, idle polling counted) is
bench/bench_freshness.py; both use devtools/harness/freshness.py.
"""

from __future__ import annotations

import pytest

from devtools.harness.freshness import FreshnessConfig, run

pytestmark = [pytest.mark.airflow, pytest.mark.slow]


def test_published_articles_reach_the_table_within_minutes_through_faults_and_a_triggerer_restart():
    cfg = FreshnessConfig(publish_minutes=3.5, drain_minutes=5, poll_seconds=30, per_day=5000,
                          fault_rate=0.05, restart_triggerer_at=1.5, restart_down_seconds=15, seed=3)
    result = run(cfg)
    assert result.published >= 10, result.to_dict()
    assert result.missed == [], result.to_dict()
    assert result.extra_rows == 0
    assert result.loaded == result.published == len(result.lags)
    assert result.event_runs >= 2 and result.event_runs_failed == 0, result.fast_lane
    assert result.percentile(95) <= 300, sorted(result.lags.values())
    # One request per poll, polls 30 s apart (the site's own access log; robots.txt once a day
    # adds one, a restart another): never more often than the poll.
    assert result.watcher_requests >= 4 and result.watcher_mean_interval_s >= 30 * 0.9, result.notes
    assert result.freshness_view_rows == result.article_rows >= result.loaded
    assert result.runs_with_figures >= 1
    assert result.leftover_pids == [], "processes left after the stack was stopped (killed)"
    fast = [r for r in result.fast_lane if r.get("targets") and r["targets"] <= 10 and "wall_s" in r]
    assert fast and all(set(r["stages_s"]) >= {"crawl", "transform", "validate", "load", "gx_wait"} for r in fast)
