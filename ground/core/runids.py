"""Run ids: the one rule. A run id names S3 keys (staging/<run_id>/, raw/…/<run_id>.warc.gz)
and the row in yonhap.crawl_runs, so it is restricted to [A-Za-z0-9_.-]."""

from __future__ import annotations

import re
from datetime import datetime

from ground.core.editions import DEFAULT_EDITION
from ground.core.timeutil import Window, utcnow

RUN_ID_PATTERN = r"[A-Za-z0-9_.-]+"
_RUN_ID_OK = re.compile(RUN_ID_PATTERN)
_RUN_ID_BAD_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")


class BadRunId(ValueError):
    """A run id outside the rule; the message says so in one line."""


def check_run_id(run_id: str) -> str:
    if not _RUN_ID_OK.fullmatch(run_id or ""):
        raise BadRunId(f"run id {run_id!r} must match {RUN_ID_PATTERN} (it names S3 keys)")
    return run_id


def safe_run_id(*parts: object) -> str:
    """A run id from arbitrary parts (e.g. an Airflow dag run id with ':' and '+')."""
    raw = "__".join(str(p) for p in parts if p is not None and str(p) != "")
    return check_run_id(_RUN_ID_BAD_CHARS.sub("_", raw).strip("_"))


def edition_prefix(kind: str, edition: str) -> str:
    """A run-id prefix: the kind, plus the edition for all but the default (``backfill_en``,
    ``cli_en``), so two editions' runs of one range never share an id."""
    return kind if edition == DEFAULT_EDITION else f"{kind}_{edition}"


# The kinds of pipeline run an Airflow DAG run plans (pipeline.run.descriptor: interval_run,
# announced_run, day_runs); "event" ids carry no edition (the French feed's event runs).
DAG_RUN_KINDS = ("ingest", "backfill", "reprocess")


def dag_run_ids(dag_run_id: str, edition: str = DEFAULT_EDITION) -> list[str]:
    """The run ids Airflow's plan gives the pipeline runs of DAG run ``dag_run_id``: an hourly
    or event run's id, or the prefix of a partition's (which adds ``__<YYYYMMDD>``)."""
    return [safe_run_id(edition_prefix(k, edition), dag_run_id) for k in DAG_RUN_KINDS] + [
        safe_run_id("event", dag_run_id)]


def default_run_id(window: Window, now: datetime | None = None, prefix: str = "cli") -> str:
    """``<prefix>_<first KST day>_<last KST day>_<UTC stamp>``: what a CLI command uses
    when no --run-id is given."""
    days = window.kst_dates()
    stamp = (now or utcnow()).strftime("%Y%m%dT%H%M%SZ")
    return f"{prefix}_{days[0]:%Y%m%d}_{days[-1]:%Y%m%d}_{stamp}"
