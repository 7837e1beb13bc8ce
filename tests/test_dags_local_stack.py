"""devtools.stack.airflow building blocks (the full `stack up --airflow` is exercised by the
scheduler test in test_airflow_e2e.py, which uses these same functions)."""

from __future__ import annotations

import json
import sys

from devtools.stack import airflow as airflow_local
from ground.adapters.local_stack import pid_alive


def test_metadata_database_is_created_once_on_the_same_server(stack_settings):
    import psycopg2

    first = airflow_local.metadata_url(stack_settings.database_url)
    again = airflow_local.metadata_url(stack_settings.database_url)
    assert first == again
    assert first.startswith("postgresql+psycopg2://") and first.endswith("/airflow")
    conn = psycopg2.connect(first.replace("postgresql+psycopg2://", "postgresql://", 1))
    conn.close()


def test_connections_given_to_airflow_round_trip_into_task_settings(settings, monkeypatch):
    from pipeline.airflow.connections import task_settings

    url = settings.database_url  # with the session stack's generated password
    assert ":" in url.split("@")[0].removeprefix("postgresql://")
    for name, value in airflow_local.connection_env(url, settings, settings.s3_endpoint_url).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/elsewhere")
    monkeypatch.delenv("S3_ENDPOINT_URL", raising=False)
    resolved = task_settings()
    assert resolved.database_url == url
    assert resolved.s3_endpoint_url == settings.s3_endpoint_url
    assert (resolved.aws_access_key_id, resolved.aws_secret_access_key) == (
        settings.aws_access_key_id,
        settings.aws_secret_access_key,
    )


def test_airflow_env_points_every_process_at_one_installation_on_loopback(tmp_path):
    env = airflow_local.airflow_env(tmp_path, "postgresql+psycopg2://u@h:1/airflow", 8123, {"X_EXTRA": "1"})
    assert env["AIRFLOW_HOME"] == str(tmp_path)
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(airflow_local.DAGS_FOLDER)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8123/execution/"
    assert env["PATH"].split(":")[0] == str(airflow_local._bin_dir())
    assert env["X_EXTRA"] == "1"
    # Servers on loopback; one log server for task and trigger logs, on a free port unless set.
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1"
    port = env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"]
    assert env["AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT"] == port and port not in ("8793", "8794")
    wide = airflow_local.airflow_env(tmp_path, "postgresql+psycopg2://u@h:1/airflow", 8123, bind_host="0.0.0.0",
                                     log_port=8901)
    assert (wide["AIRFLOW__API__HOST"], wide["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"]) == ("0.0.0.0", "8901")
    assert wide["AIRFLOW__API__BASE_URL"] == "http://127.0.0.1:8123"  # clients reach a wildcard over loopback


def test_make_run_says_which_site_it_schedules():
    from ground.core.config import Settings

    assert airflow_local.site_line(Settings.from_env({})) == "live: https://fr.yna.co.kr"
    replica = Settings.from_env({"YONHAP_BASE_URL": "http://127.0.0.1:8800"})
    assert airflow_local.site_line(replica, demo=True) == "replica: http://127.0.0.1:8800 (not the live site)"
    assert airflow_local.site_line(replica).startswith("test site: http://127.0.0.1:8800")


def test_a_bind_error_logged_by_this_start_fails_up(tmp_path):
    import pytest

    old = tmp_path / "triggerer.log"
    old.write_text("[Errno 98] Address already in use (an earlier start, already reported)\n")
    since = airflow_local.log_sizes(tmp_path)
    airflow_local.check_bind_errors(tmp_path, since)  # nothing new
    (tmp_path / "log-server.log").write_text("ERROR:    [Errno 98] error while attempting to bind on address "
                                             "('127.0.0.1', 8793): address already in use\n")
    with pytest.raises(airflow_local.AirflowLocalError, match="log-server could not bind .*YONHAP_LOG_SERVER_PORT"):
        airflow_local.check_bind_errors(tmp_path, since)


def test_admin_password_is_generated_once_and_kept(tmp_path):
    first = airflow_local.admin_password(tmp_path)
    assert len(first) >= 12
    assert airflow_local.admin_password(tmp_path) == first
    assert json.loads((tmp_path / "passwords.json").read_text()) == {"admin": first}


def test_background_processes_start_once_and_stop_idempotently(tmp_path, child_processes):
    argv = [sys.executable, "-c", "import time; time.sleep(120)"]
    env = {"PATH": "/usr/bin:/bin", "AIRFLOW_HOME": str(tmp_path)}
    pid = airflow_local.start_process("sleeper", argv, env, tmp_path)
    assert airflow_local.start_process("sleeper", argv, env, tmp_path) == pid  # reused, not doubled
    assert pid_alive(pid)
    assert airflow_local.stop_process("sleeper", tmp_path) is True
    assert not pid_alive(pid)
    assert not (tmp_path / "sleeper.pid").exists()
    assert airflow_local.stop_process("sleeper", tmp_path) is False


def test_up_refuses_a_taken_port_before_starting_anything(settings, tmp_path, monkeypatch):
    import socket

    import pytest

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("YONHAP_AIRFLOW_PORT", str(port))
        local = settings.with_(local_dir=tmp_path)
        with pytest.raises(airflow_local.AirflowLocalError, match=f"port {port} is already in use"):
            airflow_local.up(local)
    # Refused up front: no metadata migration, no component started.
    assert not airflow_local.airflow_home(local).exists()
