"""A backfill or reprocess partition waits for the days before it to load (story links and
duplicates look back LINK_LOOKBACK_DAYS at stored rows; pipeline.run.descriptor).

It polls the run rows in its own process for up to LINK_WAIT_IN_TASK (cheap: the usual wait
is the day before's validate and load), then is rescheduled (UP_FOR_RESCHEDULE: no worker slot
held, no retry spent) to try again after LINK_WAIT. One transform per DAG run at a time
(max_active_tis_per_dagrun), and the scheduler queues mapped tasks in map-index (= day) order,
so the waiting one is normally the next day's. After LINK_WAIT_MAX it goes ahead with a
warning (a missed story link is better than a stuck backfill).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from airflow.sdk import get_current_context
from airflow.sdk.exceptions import AirflowRescheduleException

from pipeline.airflow.connections import task_settings
from pipeline.run import stages
from pipeline.run.descriptor import LINK_LOOKBACK_DAYS, RunDescriptor

log = logging.getLogger("yonhap.dags")

LINK_POLL = timedelta(seconds=1)
LINK_WAIT_IN_TASK = timedelta(seconds=60)
LINK_WAIT = timedelta(seconds=5)
LINK_WAIT_MAX = timedelta(hours=6)


def wait_for_earlier_days(run: RunDescriptor) -> None:
    """Return once the partitions of the days before ``run``'s have loaded (or after
    LINK_WAIT_MAX); until then, poll, then reschedule the task."""
    ctx = get_current_context()
    settings = task_settings(run.edition)
    earlier = run.link_predecessors(ctx["dag_run"].run_id)
    waiting = stages.unfinished_runs(settings, earlier)
    if not waiting:
        return
    log.info("transform waits for %s to load first: story links and duplicates look back %d days at stored "
             "rows", ", ".join(waiting), LINK_LOOKBACK_DAYS)
    deadline = time.monotonic() + LINK_WAIT_IN_TASK.total_seconds()
    while waiting and time.monotonic() < deadline:
        time.sleep(LINK_POLL.total_seconds())
        waiting = stages.unfinished_runs(settings, earlier)
    if not waiting:
        log.info("the days before have loaded: transform goes on")
        return
    first = ctx["ti"].get_first_reschedule_date(ctx) if ctx.get("task_reschedule_count") else None
    now = datetime.now(UTC)
    if first is not None and now - first > LINK_WAIT_MAX:
        log.warning("transform goes ahead after %s although %s have not loaded: story links to those days "
                    "may be missed", LINK_WAIT_MAX, ", ".join(waiting))
        return
    log.info("still waiting for %s: rescheduled in %ds (no worker slot held meanwhile)", ", ".join(waiting),
             LINK_WAIT.seconds)
    raise AirflowRescheduleException(now + LINK_WAIT)
