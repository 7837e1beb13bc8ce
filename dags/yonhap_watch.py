"""
### Watching the pipeline: the site canary and the staleness watchdog (every edition)

**`yonhap_<edition>_canary`** (`yonhap_fr_canary`, `yonhap_en_canary`), daily at 06:00 KST:
`check_site` runs `yonhap-pipeline check-site` against the edition's site (the feed, a list
page, three articles; robots.txt obeyed, in the site's pool). Red, with one alert, when a
layer or selector stopped matching or a template assumption broke -- *"the site changed:
yna-cms: selector article.story-news matched nothing (3 of 3 pages)"* -- so the markup change
is known before a real batch is blocked by the quality gate. An unreachable site is retried
once (10 min later), then red.

**`yonhap_<edition>_watchdog`** (`yonhap_fr_watchdog`, `yonhap_en_watchdog`), every 15 minutes:
`check_freshness` is red when the ingest went stale without any task failing:
- the feed watcher (French edition) has not polled for 5 poll intervals (at least 5 min):
  the triggerer is down;
- no article published in the last two days was loaded for `YONHAP_STALE_AFTER_HOURS` (3 h)
  while the same KST hours of the 7 days before usually had articles (a quiet night is fine).

**Alerts**: every yonhap DAG sends one alert per red run and one "recovered" after the next
good one (`YONHAP_ALERT_WEBHOOK`, `YONHAP_ALERT_EMAIL`; docs/operators.md "Alerts"), so a
watchdog that stays red says so once, then every `YONHAP_ALERT_REMIND_HOURS`. To silence
one, pause its DAG.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import CronTriggerTimetable, dag

from ground.core.editions import EDITIONS
from ground.core.timeutil import KST
from pipeline.airflow import tasks
from pipeline.airflow.dags import dag_defaults


def canary_dag(code: str):
    edition = EDITIONS[code]

    @dag(
        dag_id=f"yonhap_{code}_canary",
        # A check owns no window: a trigger timetable (runs at 06:00 KST, no data interval).
        schedule=CronTriggerTimetable("0 6 * * *", timezone="Asia/Seoul"),
        start_date=datetime(2024, 6, 1, tzinfo=KST),
        catchup=False,
        max_active_runs=1,
        **dag_defaults(code),
        doc_md=__doc__,
        tags=["yonhap", edition.host, "canary"],
    )
    def canary():
        tasks.check_site.override(pool=edition.site_pool, execution_timeout=timedelta(minutes=10))(code)

    return canary()


def watchdog_dag(code: str):
    edition = EDITIONS[code]

    @dag(
        dag_id=f"yonhap_{code}_watchdog",
        schedule=CronTriggerTimetable("*/15 * * * *", timezone="Asia/Seoul"),
        start_date=datetime(2024, 6, 1, tzinfo=KST),
        catchup=False,
        max_active_runs=1,
        **dag_defaults(code),
        doc_md=__doc__,
        tags=["yonhap", edition.host, "watchdog"],
    )
    def watchdog():
        tasks.check_freshness.override(execution_timeout=timedelta(minutes=5))(code)

    return watchdog()


for _code in EDITIONS:
    globals()[f"yonhap_{_code}_canary"] = canary_dag(_code)
    globals()[f"yonhap_{_code}_watchdog"] = watchdog_dag(_code)
