"""The Celery profile of local Airflow (`yonhap-pipeline stack up --airflow --executor celery`).

Airflow's CeleryExecutor as a deployment runs it, on one machine: the scheduler sends each task
to a queue on a real broker (Redis or RabbitMQ, ``YONHAP_CELERY_BROKER_URL``); task results go
to the Airflow metadata database on PostgreSQL (``db+postgresql://…``); ``YONHAP_CELERY_WORKERS``
workers (default 2) run as separate processes, each ``airflow celery worker`` with its own
Celery node name, pidfile and task hostname (``<fqdn>-worker<N>``, what the task instances
show), so one can be stopped or killed alone. They start without Airflow's all-interfaces
``serve-logs`` (``--skip-serve-logs``): on one machine the stack's loopback log server serves
every worker's task logs (devtools.stack.airflow). The pool ``yonhap_site`` is the
scheduler's: it caps crawls across every worker.

The settings every Celery deployment of this product shares (docker-compose's ``celery``
profile too; tests/test_stack_celery.py keeps them equal) are :func:`shared_settings`.

A fresh machine has no broker: ``apt-get install redis-server`` (or ``rabbitmq-server`` with
``YONHAP_CELERY_BROKER_URL=amqp://guest:guest@127.0.0.1:5672//``); `up` checks the broker
answers before it starts anything and names the variable when it does not.
"""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from ground.core.config import SettingsError, env_int

EXECUTORS = ("local", "celery")
CELERY_EXECUTOR = "CeleryExecutor"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"
BROKER_SCHEMES = {"redis": 6379, "rediss": 6379, "amqp": 5672, "amqps": 5671, "pyamqp": 5672}
DEFAULT_WORKERS = 2
DEFAULT_CONCURRENCY = 2  # task slots per worker: 2 cores here, and crawls queue on the pool anyway
DEFAULT_QUEUE = "yonhap"
WORKER_ENV = "YONHAP_CELERY_WORKER"  # the worker's name inside its processes (worker_hostname)
_QUEUE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class CeleryProfile:
    broker_url: str
    workers: int
    concurrency: int
    queue: str

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> CeleryProfile:
        env = dict(os.environ if env is None else env)
        broker = (env.get("YONHAP_CELERY_BROKER_URL") or "").strip() or DEFAULT_BROKER_URL
        scheme = urlsplit(broker).scheme
        if scheme not in BROKER_SCHEMES or not urlsplit(broker).hostname:
            raise SettingsError(f"YONHAP_CELERY_BROKER_URL must be a redis:// or amqp:// URL with a host, got {broker!r}")
        queue = (env.get("YONHAP_CELERY_QUEUE") or "").strip() or DEFAULT_QUEUE
        if not _QUEUE_RE.match(queue):
            raise SettingsError(f"YONHAP_CELERY_QUEUE must match [A-Za-z0-9_.-]{{1,64}}, got {queue!r}")
        return cls(
            broker_url=broker,
            workers=env_int("YONHAP_CELERY_WORKERS", env, DEFAULT_WORKERS, 1, 16),
            concurrency=env_int("YONHAP_CELERY_CONCURRENCY", env, DEFAULT_CONCURRENCY, 1, 32),
            queue=queue,
        )

    @property
    def broker_address(self) -> tuple[str, int]:
        parts = urlsplit(self.broker_url)
        return parts.hostname or "127.0.0.1", parts.port or BROKER_SCHEMES[parts.scheme]

    def worker_names(self) -> list[str]:
        return [f"worker{n}" for n in range(1, self.workers + 1)]


def shared_settings() -> dict[str, str]:
    """What every Celery deployment of this product sets beyond the broker and the backend.

    * heartbeat timeout 60 s (Airflow: 300): a worker that vanishes (kill -9, a lost machine)
      has its running tasks failed and retried on another worker within about a minute;
    * queued timeout 180 s (Airflow: 600): a task a dead worker had taken off the queue but
      not started is sent again sooner;
    * prefetch 1: a worker reserves no more tasks than it has free slots, so a lost worker
      holds nothing that another could have run.
    """
    return {
        "AIRFLOW__CORE__EXECUTOR": CELERY_EXECUTOR,
        "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "60",
        "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "180",
    }


def result_backend(sql_alchemy_conn: str) -> str:
    """Celery's result backend: the Airflow metadata database (SQLAlchemy URL, ``db+`` prefix)."""
    return "db+" + sql_alchemy_conn.replace("postgresql+psycopg2://", "postgresql://", 1)


def executor_env(profile: CeleryProfile, sql_alchemy_conn: str) -> dict[str, str]:
    """The environment of every Airflow process of a Celery stack (scheduler, API, workers)."""
    env = shared_settings()
    env.update({
        "AIRFLOW__CELERY__BROKER_URL": profile.broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": result_backend(sql_alchemy_conn),
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(profile.concurrency),
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": profile.queue,
    })
    return env


def worker_env(index: int) -> dict[str, str]:
    """What differs between the workers of one machine: name and hostname."""
    return {
        WORKER_ENV: f"worker{index}",
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "devtools.stack.celery.worker_hostname",
    }


def worker_argv(airflow: str, profile: CeleryProfile, index: int) -> list[str]:
    # No --pid: Airflow writes a pidfile only with --daemon; the stack's supervisor keeps ours.
    # --skip-serve-logs: Airflow's serve-logs binds every interface (the stack's log server does not).
    return [airflow, "celery", "worker", "--celery-hostname", f"worker{index}@%h", "--queues", profile.queue,
            "--concurrency", str(profile.concurrency), "--skip-serve-logs"]


def check_executor(executor: str) -> None:
    """``--executor``: one of EXECUTORS, or SettingsError naming the option."""
    if executor not in EXECUTORS:
        raise SettingsError(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")


def worker_hostname() -> str:
    """``[core] hostname_callable`` of the workers: the machine's name plus the worker's, so the
    task instances say which of a machine's workers ran them."""
    name = os.environ.get(WORKER_ENV)
    fqdn = socket.getfqdn()
    return f"{fqdn}-{name}" if name else fqdn


def check_broker(profile: CeleryProfile, timeout: float = 3.0) -> None:
    """A TCP connection to the broker, or SettingsError naming the variable and the install."""
    host, port = profile.broker_address
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as err:
        raise SettingsError(
            f"Celery broker {host}:{port} (YONHAP_CELERY_BROKER_URL) does not answer ({err.strerror or err}): "
            "start Redis (apt-get install redis-server) or RabbitMQ, or point the variable at one"
        ) from None
