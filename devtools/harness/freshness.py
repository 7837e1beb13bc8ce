"""Freshness end to end, for real: the replica publishing in live mode, and the whole Airflow
stack (api-server, scheduler, dag-processor, **triggerer**; LocalExecutor) over a real
PostgreSQL and S3 over HTTP. bench/bench_freshness.py and tests/test_freshness_airflow.py
both drive :func:`run`.

Latency is measured in *site time*: the replica's clock (live mode) maps each real instant to
a site instant, so an article published at site time P and committed to yonhap.articles at
real time L has lag ``site(L) - P``. With ``speed=1`` a site minute is a real minute.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


@dataclass
class FreshnessConfig:
    day: date = date(2024, 6, 19)  # a Wednesday: the replica's site day
    site_start: str = "10:00"  # site clock at start (KST)
    publish_minutes: float = 15.0  # articles published in [site_start, +publish_minutes) are measured
    idle_minutes: float = 0.0  # then a quiet spell (the replica stops releasing) to count idle polls
    per_day: int = 5000  # replica density (stories fall between 06:00 and 22:00 KST)
    speed: float = 1.0
    poll_seconds: int = 60
    fault_rate: float = 0.0  # 503/429/reset on feed, list and article pages
    restart_triggerer_at: float | None = None  # minutes into the publishing phase
    restart_down_seconds: float = 20.0
    drain_minutes: float = 6.0  # after publishing: how long the last articles may take
    download_delay: str = "0"
    seed: int = 7


@dataclass
class FreshnessResult:
    config: dict[str, Any]
    published: int = 0
    loaded: int = 0
    missed: list[str] = field(default_factory=list)
    extra_rows: int = 0  # rows for ids the site never released (must be 0)
    lags: dict[str, float] = field(default_factory=dict)  # id -> site seconds
    watcher_requests: int = 0
    watcher_minutes: float = 0.0
    watcher_mean_interval_s: float | None = None  # mean spacing of the watcher's requests
    idle_requests: int = 0
    idle_minutes: float = 0.0
    idle_mean_interval_s: float | None = None
    event_runs: int = 0
    event_runs_failed: int = 0
    fast_lane: list[dict] = field(default_factory=list)  # per event run: seconds breakdown
    faults_served: int = 0
    freshness_view_rows: int = 0  # yonhap.freshness rows (one per loaded, dated article)
    article_rows: int = 0  # every row of yonhap.articles (the feed's first batch included)
    runs_with_figures: int = 0  # event runs whose crawl_runs row carries freshness_p50_s
    leftover_pids: list[int] = field(default_factory=list)  # processes still alive after the stop (killed)
    notes: list[str] = field(default_factory=list)

    def percentile(self, q: float) -> float | None:
        values = sorted(self.lags.values())
        if not values:
            return None
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["p50_s"], out["p95_s"] = self.percentile(50), self.percentile(95)
        return out


def _api(port: int, path: str) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2{path}", timeout=30) as resp:
        return json.loads(resp.read() or b"{}")


def _rows(url: str, sql: str, args=()) -> list[tuple]:
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()
    finally:
        conn.close()


class _SiteClock:
    """Real instant -> site instant, from one reading of the replica's clock."""

    def __init__(self, site):
        before = time.time()
        clock = site.admin("clock")
        after = time.time()
        self.real = (before + after) / 2
        self.site = datetime.fromisoformat(clock["site_now"])
        self.speed = float(clock["speed"])

    def at(self, real: float) -> datetime:
        return self.site + timedelta(seconds=(real - self.real) * self.speed)


@contextlib.contextmanager
def _stack(root: Path):
    from devtools.stack import services

    pgdata = root / "pg"
    pg_url = services.start_postgres(pgdata, services.free_port(), durable=False)
    try:
        endpoint = services.start_s3(root, services.free_port())
        try:
            yield pg_url, endpoint
        finally:
            services.stop_s3(root)
    finally:
        services.stop_postgres(pgdata)


def run(cfg: FreshnessConfig, log=print) -> FreshnessResult:
    from devtools.harness.databases import create_database as _create_database
    from devtools.harness.local_stack import reap_processes
    from devtools.harness.replica import start_replica
    from devtools.harness.runs import cli_env
    from devtools.stack import airflow as airflow_local
    from devtools.stack import services
    from ground.core.config import Settings
    from ground.core.timeutil import KST
    from storage import migrate

    result = FreshnessResult(config=dict(cfg.__dict__, day=cfg.day.isoformat()))
    root = Path(tempfile.mkdtemp(prefix="bench-fresh-"))
    hh, mm = (int(x) for x in cfg.site_start.split(":"))
    site_start = datetime(cfg.day.year, cfg.day.month, cfg.day.day, hh, mm, tzinfo=KST)
    publish_end = site_start + timedelta(minutes=cfg.publish_minutes)
    with _stack(root) as (pg_url, endpoint):
        migrate.upgrade_url(pg_url)
        server = pg_url.rsplit("/", 1)[0] + "/postgres"
        af_url = _create_database(server, f"airflow_{uuid.uuid4().hex[:8]}")
        settings = Settings.from_env({
            "DATABASE_URL": pg_url, "S3_ENDPOINT_URL": endpoint, "S3_BUCKET": "fresh-bench",
            **services.s3_keys_env(root), "AWS_DEFAULT_REGION": "us-east-1",
            "YONHAP_LOCAL_DIR": str(root),
        })
        kinds = "503,429,reset"
        site = start_replica(root, access_log=str(root / "access.jsonl"), start=cfg.day, end=cfg.day,
                             per_day=cfg.per_day, seed=cfg.seed, live=True, speed=cfg.speed,
                             live_start=site_start.isoformat(), fault_rate=cfg.fault_rate, fault_kinds=kinds)
        home = root / "airflow"
        home.mkdir()
        port = services.free_port()
        extra = airflow_local.connection_env(settings.database_url, settings, settings.s3_endpoint_url)
        extra.update(cli_env(settings, site.base_url, YONHAP_DOWNLOAD_DELAY=cfg.download_delay,
                             YONHAP_CONCURRENCY="2", YONHAP_POLL_SECONDS=str(cfg.poll_seconds)))
        env = airflow_local.airflow_env(home, af_url.replace("postgresql://", "postgresql+psycopg2://", 1), port, extra)
        env.update({
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "30",
        })
        rundir = home / "run"
        try:
            t0 = time.monotonic()
            airflow_local.airflow_cli(env, "db", "migrate", timeout=900)
            airflow_local.ensure_pool(env)
            airflow_local.start_components(env, rundir, port)
            airflow_local.wait_healthy(port, timeout=300, rundir=rundir)
            airflow_local.wait_dags_registered(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"], timeout=300)
            airflow_local.airflow_cli(env, "dags", "unpause", "yonhap_fr_ingest")
            log(f"airflow up in {time.monotonic() - t0:.0f}s; site {site.base_url}")
            _drive(cfg, result, site, env, rundir, pg_url, port, site_start, publish_end, log)
        finally:
            for name in reversed(airflow_local.COMPONENTS):  # every one `start_components` started
                airflow_local.stop_process(name, rundir)
            site.stop()
    # Anything of ours still alive under root (found by its command line or working dir) is
    # reported and killed: a run must leave no server behind.
    result.leftover_pids = reap_processes(root)
    shutil.rmtree(root, ignore_errors=True)
    return result


def _by_watcher(entry: dict) -> bool:
    """The feed watcher names itself in its user agent (scrapers.feed_watch.WATCHER_TOKEN)."""
    from scrapers.feed_watch import WATCHER_TOKEN

    return (entry.get("ua") or "").endswith(WATCHER_TOKEN)


def _mean_interval(entries: list[dict]) -> float | None:
    """Mean seconds between consecutive polls of the feed or list page (a count over a window
    miscounts its edges; robots.txt, once a day, is counted in the totals only)."""
    times = sorted(e["t"] for e in entries if e["path"] != "/robots.txt")
    return (times[-1] - times[0]) / (len(times) - 1) if len(times) >= 2 else None


def _event_run_timing(port: int, run_id: str) -> dict:
    """One event run: wall seconds from `plan` start to `fresh` end (load committed), the
    gaps between tasks, and the fast lane's own breakdown (its XCom)."""
    from urllib.parse import quote

    rid = quote(run_id, safe="")
    tis = {t["task_id"]: t for t in _api(port, f"/dags/yonhap_fr_ingest/dagRuns/{rid}/taskInstances")["task_instances"]}
    out: dict[str, Any] = {"run_id": run_id, "state": {k: v["state"] for k, v in tis.items()}}
    times = {k: (datetime.fromisoformat(v["start_date"]), datetime.fromisoformat(v["end_date"]))
             for k, v in tis.items() if v.get("start_date") and v.get("end_date")}
    if "plan" in times and "fresh" in times:
        out["wall_s"] = (times["fresh"][1] - times["plan"][0]).total_seconds()
        for name in ("plan", "lane", "fresh"):
            if name in times:
                out[f"{name}_task_s"] = (times[name][1] - times[name][0]).total_seconds()
        if "lane" in times:
            out["gaps_s"] = ((times["lane"][0] - times["plan"][1]).total_seconds()
                             + (times["fresh"][0] - times["lane"][1]).total_seconds())
        try:
            xcom = _api(port, f"/dags/yonhap_fr_ingest/dagRuns/{rid}/taskInstances/fresh/xcomEntries/return_value")
            value = xcom.get("value")
            value = json.loads(value) if isinstance(value, str) else value
            out["stages_s"] = (value or {}).get("seconds")
            out["targets"] = (value or {}).get("targets")
            out["items"] = (value or {}).get("items")
        except Exception as err:  # noqa: BLE001 -- a missing breakdown is reported, not fatal
            out["stages_s"] = f"unavailable: {err}"
    return out


def _released_between(corpus, start: datetime, end: datetime) -> dict[str, datetime]:
    out = {}
    for article_id in corpus.ids_on(start.date()):
        published = corpus.truth(article_id).published_at
        if start <= published < end:
            out[article_id] = published
    return out


def _drive(cfg, result, site, env, rundir, pg_url, port, site_start, publish_end, log) -> None:
    from devtools.stack import airflow as airflow_local

    clock = _SiteClock(site)
    site.clear_log()
    watch_began = time.time()
    restarted = False
    first_seen: dict[str, float] = {}
    deadline_site = publish_end + timedelta(minutes=cfg.drain_minutes)
    while clock.at(time.time()) < deadline_site:
        now = time.time()
        if (cfg.restart_triggerer_at is not None and not restarted
                and clock.at(now) >= site_start + timedelta(minutes=cfg.restart_triggerer_at)):
            log("restarting the triggerer")
            airflow_local.stop_process("triggerer", rundir)
            time.sleep(cfg.restart_down_seconds)
            airflow_local.start_process("triggerer", [str(Path(sys.executable).parent / "airflow"), "triggerer"],
                                        env, rundir)
            restarted = True
        expected = _released_between(site.corpus, site_start, min(clock.at(now), publish_end))
        loaded = {aid for (aid,) in _rows(pg_url, "SELECT article_id FROM yonhap.articles")}
        for aid in loaded:
            first_seen.setdefault(aid, now)
        if clock.at(now) >= publish_end and expected and expected.keys() <= loaded:
            break
        log(f"site {clock.at(now):%H:%M:%S}: published {len(expected)}, loaded {len(expected.keys() & loaded)}")
        time.sleep(10)
    publish_real_end = time.time()
    if cfg.idle_minutes:
        # Quiet: ask the replica to stop releasing (its clock freezes), count the watcher's requests.
        site.admin("clock?pause=1")
        site.clear_log()
        idle_began = time.time()
        time.sleep(cfg.idle_minutes * 60)
        idle_log = site.access_log()
        result.idle_minutes = (time.time() - idle_began) / 60
        idle = [e for e in idle_log if _by_watcher(e)]
        result.idle_requests = len(idle)
        result.idle_mean_interval_s = _mean_interval(idle)
    expected = _released_between(site.corpus, site_start, publish_end)
    loaded_at = {aid: ts.timestamp() for aid, ts in _rows(
        pg_url, "SELECT article_id, loaded_at FROM yonhap.articles")}
    result.published = len(expected)
    result.loaded = len(expected.keys() & loaded_at.keys())
    result.missed = sorted(expected.keys() - loaded_at.keys())
    released_ever = set(_released_between(site.corpus, site_start.replace(hour=0, minute=0), clock.at(time.time())))
    result.extra_rows = len(loaded_at.keys() - released_ever)
    for aid, published in expected.items():
        if aid in loaded_at:
            result.lags[aid] = (clock.at(loaded_at[aid]) - published).total_seconds()
    access = [json.loads(line) for line in (Path(env["YONHAP_LOCAL_DIR"]) / "access.jsonl").read_text().splitlines()
              if line.strip()] if (Path(env["YONHAP_LOCAL_DIR"]) / "access.jsonl").exists() else []
    window = [e for e in access if watch_began <= e.get("t", 0) <= publish_real_end]
    result.faults_served = sum(1 for e in window if e.get("fault"))
    hourly = _rows(pg_url, "SELECT coalesce(sum((stats->'crawl'->>'rss_requests')::int "
                           "+ (stats->'crawl'->>'list_pages')::int), 0) FROM yonhap.crawl_runs WHERE kind = 'airflow'")[0][0]
    kinds: dict[str, int] = {}
    for e in window:
        path = e["path"]
        kind = ("article" if path.startswith("/view/") else "feed" if path.startswith("/RSS/")
                else "robots" if path == "/robots.txt" else "list" if path.startswith("/news") else "other")
        kinds[f"{kind} {e['status']}"] = kinds.get(f"{kind} {e['status']}", 0) + 1
    result.notes.append(f"site requests while publishing: {dict(sorted(kinds.items()))}; "
                        f"hourly runs' feed + list requests: {hourly}")
    watcher = [e for e in window if _by_watcher(e)]
    result.watcher_requests = len(watcher)
    result.watcher_mean_interval_s = _mean_interval(watcher)
    result.watcher_minutes = (publish_real_end - watch_began) / 60
    others = sum(1 for e in window if not _by_watcher(e) and not e["path"].startswith("/view/"))
    result.notes.append(f"non-article requests of the crawls (robots.txt per Scrapy process, hourly feed/list): {others}")
    result.freshness_view_rows = _rows(pg_url, "SELECT count(*) FROM yonhap.freshness")[0][0]
    result.article_rows = len(loaded_at)
    result.runs_with_figures = _rows(pg_url, "SELECT count(*) FROM yonhap.crawl_runs WHERE kind = 'event' "
                                             "AND freshness_p50_s IS NOT NULL")[0][0]
    runs = _api(port, "/dags/yonhap_fr_ingest/dagRuns?limit=500")["dag_runs"]
    events = [r for r in runs if r["run_type"] == "asset_triggered"]
    result.event_runs = len(events)
    result.event_runs_failed = sum(1 for r in events if r["state"] == "failed")
    for r in events:
        result.fast_lane.append(_event_run_timing(port, r["dag_run_id"]))
    log(f"published {result.published}, loaded {result.loaded}, missed {len(result.missed)}, "
        f"p50 {result.percentile(50)}, p95 {result.percentile(95)}, watcher {result.watcher_requests} requests "
        f"in {result.watcher_minutes:.1f} min, event runs {result.event_runs} ({result.event_runs_failed} failed)")
