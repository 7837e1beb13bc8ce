"""What the tasks log and how a failure is reported: a stage's figures (log lines and the
small XCom), the failed task's summary and one-line reason (XCom ``failure``, read by the run's
alert), a refused or failed `plan` written as the run's note, and which failures fail a task
at once instead of being retried."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from airflow.sdk.exceptions import AirflowFailException

from pipeline.airflow.alerts import FAILURE_XCOM
from pipeline.airflow.connections import task_settings
from pipeline.airflow.run_note import set_run_note
from pipeline.run import stages
from pipeline.run.descriptor import RunDescriptor

log = logging.getLogger("yonhap.dags")

# --- a stage's figures -----------------------------------------------------------------------


def log_stats(stage: str, run: RunDescriptor, stats: dict[str, Any]) -> None:
    keys = ("targets", "items", "pages", "errors", "not_modified", "seen", "articles", "revisions", "rejects",
            "rows_in", "rows_passed", "rows_rejected", "loaded", "rejected", "duplicates", "unaccounted",
            "fresh_articles", "freshness_p50_s", "freshness_p95_s")
    shown = {k: stats[k] for k in keys if k in stats}
    log.info("%s %s window [%s, %s): %s", stage, run.run_id, run.window.start.isoformat(),
             run.window.end.isoformat(), shown)
    # (the validate stage logs its report and browse links itself)
    for warning in stats.get("warnings") or []:
        log.warning("quality warning: %s", warning)
    for day, gap in sorted((stats.get("unaccounted_days") or {}).items()):
        log.warning("completeness %s: %d seen id(s) in no table (e.g. %s): a discovery gap",
                    day, gap["unaccounted"], " ".join(gap["ids"]))


def stage_xcom(stage: str, run: RunDescriptor, result: dict[str, Any]) -> dict[str, Any]:
    """Log the stage's figures; its XCom: scalar counts and the report links, never rows."""
    log_stats(stage, run, result)
    return {k: v for k, v in result.items() if isinstance(v, (str, int, float, bool, type(None)))
            or k in ("failed_critical", "warnings", "seconds", "unaccounted_days")}


# --- failing a task ----------------------------------------------------------------------------


def last_try(ti) -> bool:
    """Whether this try of ``ti`` is its last (the run row is marked failed only then)."""
    if ti is None:
        return True
    try:
        return int(ti.try_number) > int(ti.max_tries)
    except (AttributeError, TypeError, ValueError):
        return True


@contextmanager
def no_retry_when_final() -> Iterator[None]:
    """A blocked quality gate, a missing archive, too many failed pages or a site that gave no
    usable answer fail the task without retries (retrying cannot fix the data, and the crawl
    already retried every request); any other error is left to the task's retries."""
    try:
        yield
    except (stages.GateBlocked, stages.ArchiveMissing, stages.CrawlDegraded) as err:
        log.error("%s", err)
        raise AirflowFailException(str(err)) from None
    except stages.StageFailed as err:
        if not err.final:
            raise
        # The site gave no usable answer after the crawl's own retries: red now (the row says
        # why); the next scheduled run tries again, rather than this one in a minute.
        log.error("%s", err)
        raise AirflowFailException(str(err)) from None


def refuse(ctx, line: str) -> NoReturn:
    """Fail the task (no retry) with ``line``: logged first, written as the run's note."""
    log.error("%s", line)
    set_run_note(ctx["dag_run"].dag_id, ctx["dag_run"].run_id, f"**failed** · {line}")
    raise AirflowFailException(line)


@contextmanager
def failure_noted(ctx) -> Iterator[None]:
    """Any error inside is also written as the run's note (a red `plan` leaves no partition
    whose summary could say why)."""
    try:
        yield
    except AirflowFailException:
        raise
    except Exception as err:
        line = stages.describe_error(err, task_settings())
        set_run_note(ctx["dag_run"].dag_id, ctx["dag_run"].run_id, f"**failed** · plan: {line}")
        raise


# --- reporting a failed task -------------------------------------------------------------------


def failure_summary(context: dict[str, Any]) -> str:
    """One short paragraph for a failed task: dag, task, run, error, quality report."""
    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    error = context.get("exception")
    report = None
    if ti is not None and str(ti.task_id).rsplit(".", 1)[-1] == "load":  # a blocked load: its gate's report
        try:  # the validate task of the same run (same map index inside a partition)
            gate = ti.xcom_pull(task_ids=_validate_task_id(ti.task_id), map_indexes=ti.map_index)
            if isinstance(gate, dict):
                report = gate.get("report_uri")
        except Exception:  # noqa: BLE001 -- a failure report must not fail itself
            report = None
    lines = [
        f"yonhap task failed: dag={getattr(ti, 'dag_id', '?')} task={getattr(ti, 'task_id', '?')}"
        f" map_index={getattr(ti, 'map_index', -1)} run={getattr(dag_run, 'run_id', '?')}"
        f" try={getattr(ti, 'try_number', '?')}",
        f"error: {type(error).__name__ + ': ' if error else ''}{error}",
    ]
    if report:
        lines.append(f"quality report: {report}")
    return "\n".join(lines)


def _validate_task_id(task_id: str) -> str:
    prefix = task_id.rsplit(".", 1)[0] + "." if "." in task_id else ""
    return prefix + "validate"


def failure_line(context: dict[str, Any]) -> str:
    """The failed task's reason in one line, named by its task: ``crawl: fr.yna.co.kr unreachable: …``."""
    ti = context.get("ti") or context.get("task_instance")
    task = str(getattr(ti, "task_id", "task")).rsplit(".", 1)[-1]
    error = context.get("exception")
    text = next((line.strip() for line in str(error or "").splitlines() if line.strip()), "")
    text = text or (type(error).__name__ if error else "failed")
    return text if text.startswith(f"{task}: ") else f"{task}: {text}"


def log_failure(context: dict[str, Any]) -> None:
    """on_failure_callback of every task (its last try): logs the summary and leaves the
    one-line reason as XCom ``failure`` for the DAG run's alert (pipeline.airflow.alerts).
    Alerts are DAG-level (dag_callbacks): one per run, not one per task."""
    log.error(failure_summary(context))
    ti = context.get("ti") or context.get("task_instance")
    try:
        ti.xcom_push(key=FAILURE_XCOM, value=failure_line(context))
    except Exception as err:  # noqa: BLE001 -- the alert falls back on the run rows
        log.warning("failure reason not left for the alert: %s", err)


def failure_callbacks() -> list[Any]:
    return [log_failure]
