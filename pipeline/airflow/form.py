"""The backfill / reprocess form: its Airflow params (checked at trigger time) and the checks
`plan` applies again, by the rules the CLI uses."""

from __future__ import annotations

from datetime import date
from typing import Any

from airflow.sdk import Param

from ground.core.schema import RUN_SOURCE_SITE, RUN_SOURCES
from ground.core.timeutil import MAX_RUN_DAYS, check_run_range
from pipeline.run.descriptor import check_source


def form_days(params: dict[str, Any], today: date | None = None) -> tuple[date, date]:
    """The form's days by the one range rule the CLI uses too (ground.core.timeutil.check_run_range:
    dates, order, not in the future, at most MAX_RUN_DAYS days); DayRangeError carries the
    one-line reason."""
    return check_run_range(params.get("from"), params.get("to"), today=today)


def form_source(params: dict[str, Any]) -> str:
    """The form's ``source`` (absent on a reprocess form and on older triggers: the site);
    UnknownSource names the choices."""
    return check_source(params.get("source"))


def form_params(with_source: bool = False) -> dict[str, Param]:
    """Two required dates (validated again in `plan`); the backfill's also ``source`` (site |
    archive | auto, default site)."""
    source = {"source": Param(
        RUN_SOURCE_SITE, type="string", enum=list(RUN_SOURCES), title="Source",
        description="site: fetch from the site; archive: from the web archives (Common Crawl, the Wayback "
                    "Machine), no request to the site; auto: the site, then the archives for what it does not give.",
    )} if with_source else {}
    return {
        "from": Param(
            type="string", format="date", title="From (KST date, inclusive)",
            description="First KST publication date, YYYY-MM-DD.",
        ),
        "to": Param(
            type="string", format="date", title="To (KST date, inclusive)",
            description=f"Last KST publication date, YYYY-MM-DD; not in the future; at most {MAX_RUN_DAYS} days in all.",
        ),
        **source,
    }
