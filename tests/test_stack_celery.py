"""The Celery profile's settings (devtools/stack/celery.py): validated like every setting, and the
same in docker-compose's `celery` profile as in `stack up --airflow --executor celery`."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from devtools.stack import celery
from ground.core.config import SettingsError

REPO = Path(__file__).resolve().parent.parent


def _compose_default(value: str) -> str:
    """``${VAR:-default}`` as compose resolves it with VAR unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))


def test_compose_celery_profile_uses_the_local_profiles_settings():
    import yaml

    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    common = {k: _compose_default(v) for k, v in compose["x-airflow-common"]["environment"].items()}
    worker = compose["services"]["airflow-worker"]
    profile = celery.CeleryProfile.from_env({})

    # Every shared setting, same value (the executor is chosen in .env: AIRFLOW_EXECUTOR).
    shared = celery.shared_settings()
    assert compose["x-airflow-common"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "${AIRFLOW_EXECUTOR:-LocalExecutor}"
    assert shared.pop("AIRFLOW__CORE__EXECUTOR") == "CeleryExecutor"
    assert {k: common[k] for k in shared} == shared
    # The executor's own: concurrency, queue, workers, broker kind and the result backend.
    local = celery.executor_env(profile, common["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    for key in ("AIRFLOW__CELERY__WORKER_CONCURRENCY", "AIRFLOW__OPERATORS__DEFAULT_QUEUE",
                "AIRFLOW__CELERY__RESULT_BACKEND"):
        assert common[key] == local[key], key
    assert _compose_default(worker["deploy"]["replicas"]) == str(celery.DEFAULT_WORKERS)
    broker, ours = urlsplit(common["AIRFLOW__CELERY__BROKER_URL"]), urlsplit(celery.DEFAULT_BROKER_URL)
    assert (broker.scheme, broker.port, broker.path) == (ours.scheme, ours.port, ours.path)
    assert worker["command"][:2] == ["celery", "worker"]
    assert worker["profiles"] == ["celery"] and compose["services"]["redis"]["profiles"] == ["celery"]
    # The image installs the same provider pin the local install does.
    assert "-r requirements-celery.txt" in (REPO / "Dockerfile").read_text()
    pin = (REPO / "requirements-celery.txt").read_text()
    assert re.search(r"^apache-airflow-providers-celery==[\d.]+$", pin, re.M)


@pytest.mark.parametrize("env, variable", [
    ({"YONHAP_CELERY_BROKER_URL": "http://127.0.0.1:6379"}, "YONHAP_CELERY_BROKER_URL"),
    ({"YONHAP_CELERY_BROKER_URL": "redis://"}, "YONHAP_CELERY_BROKER_URL"),
    ({"YONHAP_CELERY_WORKERS": "0"}, "YONHAP_CELERY_WORKERS"),
    ({"YONHAP_CELERY_WORKERS": "two"}, "YONHAP_CELERY_WORKERS"),
    ({"YONHAP_CELERY_CONCURRENCY": "-1"}, "YONHAP_CELERY_CONCURRENCY"),
    ({"YONHAP_CELERY_QUEUE": "a queue"}, "YONHAP_CELERY_QUEUE"),
])
def test_a_bad_celery_setting_names_its_variable(env, variable):
    with pytest.raises(SettingsError, match=variable):
        celery.CeleryProfile.from_env(env)


def test_profile_defaults_and_rabbitmq():
    profile = celery.CeleryProfile.from_env({})
    assert (profile.broker_url, profile.workers, profile.concurrency, profile.queue) == (
        "redis://127.0.0.1:6379/0", 2, 2, "yonhap")
    assert profile.worker_names() == ["worker1", "worker2"]
    amqp = celery.CeleryProfile.from_env({"YONHAP_CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1//",
                                          "YONHAP_CELERY_WORKERS": "3"})
    assert amqp.broker_address == ("127.0.0.1", 5672) and amqp.workers == 3


def test_workers_differ_in_name_and_hostname_and_serve_no_logs_of_their_own(monkeypatch):
    first, second = celery.worker_env(1), celery.worker_env(2)
    assert first[celery.WORKER_ENV] == "worker1" and second[celery.WORKER_ENV] == "worker2"
    # Airflow's serve-logs would bind every interface: the stack's one loopback log server serves them.
    profile = celery.CeleryProfile.from_env({})
    assert "--skip-serve-logs" in celery.worker_argv("airflow", profile, 1)
    assert not any("LOG_SERVER_PORT" in key for key in first)
    monkeypatch.setenv(celery.WORKER_ENV, "worker2")
    assert celery.worker_hostname() == f"{socket.getfqdn()}-worker2"
    monkeypatch.delenv(celery.WORKER_ENV)
    assert celery.worker_hostname() == socket.getfqdn()
    assert celery.result_backend("postgresql+psycopg2://u:p@h:5/airflow") == "db+postgresql://u:p@h:5/airflow"


def test_an_unreachable_broker_is_refused_naming_the_variable_without_its_password():
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    profile = celery.CeleryProfile.from_env({"YONHAP_CELERY_BROKER_URL": f"redis://:s3cret@127.0.0.1:{port}/0"})
    with pytest.raises(SettingsError, match="YONHAP_CELERY_BROKER_URL") as err:
        celery.check_broker(profile)
    assert "s3cret" not in str(err.value) and f"127.0.0.1:{port}" in str(err.value)
