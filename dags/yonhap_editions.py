"""
### Yonhap's other editions (`yonhap_en_ingest`, `yonhap_en_backfill`, `yonhap_en_reprocess`)

Declared in this file for every edition of `ground.core.editions` but the French default
(whose DAGs, `yonhap_fr_*`, are the contract), by the factory that makes the French DAGs too
(`pipeline.airflow.dags`). Each is the French DAG's twin for its edition:
- `…_ingest`: hourly, each run owns its data interval `[start, end)` (Asia/Seoul) and crawls
  from **2 hours before** it; no feed-event lane yet (the French ingest has one).
- `…_backfill` / `…_reprocess`: the form, `from` / `to` KST dates (inclusive, not in the future,
  at most 31 days; the backfill's `source`: site, archive or auto, as the French one); one mapped
  partition per day; a day's `transform` waits for the two days
  before it to load.
The edition travels in the run descriptors, so every task reads that edition's settings: its
site root is `YONHAP_BASE_URL_<EDITION>` (e.g. `YONHAP_BASE_URL_EN`), else the edition's own
site. Run ids say the edition (`backfill_en__…`, `ingest_en__…`).

Crawls run in the pool of the edition's host (`yonhap_site_en` for en.yna.co.kr): every DAG
that talks to one host shares one pool, as the French DAGs share `yonhap_site`. Rows land in the
same tables with `edition` set (ids never collide: AEN… vs AFR…).

**Red?** As for the French DAGs: read the run note, then the red task's log (its last lines
name dag, task, run, error and the quality report); `yonhap.crawl_runs` says which stage failed.
See docs/operators.md.

**Alerts**: a red run sends one alert (`YONHAP_ALERT_WEBHOOK`, `YONHAP_ALERT_EMAIL`) naming what failed
and why, with the run note's figures and links; the same cause on the next runs sends nothing
more (a reminder every `YONHAP_ALERT_REMIND_HOURS`), and the first good run sends "recovered".
"""

from __future__ import annotations

from ground.core.editions import DEFAULT_EDITION, EDITIONS
from pipeline.airflow.dags import dags_for

# The French DAGs have a file each (yonhap_fr_*.py); every other edition gets the same three
# from the same factory.
for _code in EDITIONS:
    if _code != DEFAULT_EDITION:
        globals().update(dags_for(_code, doc_md=__doc__))
