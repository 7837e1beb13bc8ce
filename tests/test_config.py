from pathlib import Path

import pytest

from ground.core.config import DEFAULT_USER_AGENT, Settings, SettingsError
from ground.core.timeutil import Window, article_date


def test_defaults_match_contract():
    s = Settings.from_env({})
    assert s.base_url == "https://fr.yna.co.kr"
    assert s.download_delay == 1.0
    assert s.concurrency == 2
    assert s.s3_bucket == "yonhap-fr"
    assert s.needs_local_postgres and s.needs_local_s3
    assert "yonhap-pipeline" in s.user_agent and "http" in s.user_agent
    assert s.user_agent == DEFAULT_USER_AGENT
    assert (s.cc_index_url, s.cc_data_url, s.wayback_url) == (
        "https://index.commoncrawl.org", "https://data.commoncrawl.org", "https://web.archive.org")
    assert s.archive_delay == 1.0


@pytest.mark.parametrize(
    "var,value",
    [
        ("YONHAP_DOWNLOAD_DELAY", "fast"),
        ("YONHAP_DOWNLOAD_DELAY", "-1"),
        ("YONHAP_CONCURRENCY", "0"),
        ("YONHAP_CONCURRENCY", "two"),
        ("YONHAP_BASE_URL", "ftp://x"),
        ("DATABASE_URL", "mysql://x"),
        ("S3_BUCKET", "Bad_Bucket"),
        ("S3_ENDPOINT_URL", "localhost:9000"),
        ("YONHAP_USER_AGENT", "Mozilla/5.0 (X11; Linux x86_64)"),
        ("YONHAP_USER_AGENT", "Scrapy/2.19 (+https://scrapy.org)"),
        ("YONHAP_ALERT_WEBHOOK", "hooks.slack.com/services/x"),
        ("YONHAP_ALERT_EMAIL", "ops@example.org, not-an-address"),
        ("YONHAP_SMTP_URL", "mail.example.org:25"),
        ("YONHAP_SMTP_URL", "smtp://mail.example.org:99999"),
        ("YONHAP_ALERT_REMIND_HOURS", "often"),
        ("YONHAP_STALE_AFTER_HOURS", "0"),
        ("YONHAP_CC_INDEX_URL", "index.commoncrawl.org"),
        ("YONHAP_CC_DATA_URL", "s3://commoncrawl"),
        ("YONHAP_WAYBACK_URL", "web.archive.org"),
        ("YONHAP_ARCHIVE_DELAY", "soon"),
    ],
)
def test_bad_value_names_the_variable(var, value):
    with pytest.raises(SettingsError) as err:
        Settings.from_env({var: value})
    msg = str(err.value)
    assert msg.startswith(var) and "\n" not in msg


def test_alert_settings_parse_and_never_echo_an_smtp_password():
    s = Settings.from_env({"YONHAP_ALERT_WEBHOOK": "https://hooks.example.org/T0/B0/xyz",
                           "YONHAP_ALERT_EMAIL": "ops@example.org; oncall@localhost",
                           "YONHAP_SMTP_URL": "smtps://alerts:pw@mail.example.org:465", "YONHAP_ALERT_REMIND_HOURS": "12"})
    assert s.alert_email == ("ops@example.org", "oncall@localhost") and s.alert_remind_hours == 12
    assert s.smtp_url == "smtps://alerts:pw@mail.example.org:465" and s.alert_webhook.endswith("/xyz")
    with pytest.raises(SettingsError) as err:
        Settings.from_env({"YONHAP_SMTP_URL": "http://alerts:s3cret@mail.example.org"})
    assert "s3cret" not in str(err.value) and str(err.value).startswith("YONHAP_SMTP_URL")


def test_cli_bad_setting_exit_2_one_line(pipeline_process):
    env = {"YONHAP_CONCURRENCY": "lots", "PATH": "/usr/bin:/bin"}
    proc = pipeline_process("run", "--from", "2024-06-18", "--to", "2024-06-18", env=env, text=True)
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "YONHAP_CONCURRENCY" in lines[0]


def test_window_days_and_ids():
    from datetime import date

    w = Window.for_dates(date(2024, 6, 18), date(2024, 6, 20))
    assert [d.isoformat() for d in w.kst_dates()] == ["2024-06-18", "2024-06-19", "2024-06-20"]
    assert len(w.days()) == 3
    assert article_date("AFR20240619002900884") == date(2024, 6, 19)
    assert article_date("AFR2024061900290088") is None
    assert article_date("AFR20241340002900884") is None  # month 13
    assert article_date("AFR20240230002900884") is None  # 30 February
    with pytest.raises(ValueError):
        Window.for_dates(date(2024, 6, 20), date(2024, 6, 18))


def test_local_dir_and_airflow_paths_are_at_the_repo_root():
    """Modules moved deeper into packages must still find the repo root (.local/, dags/)."""
    from devtools.stack import airflow as local_airflow
    from ground.core.config import DEFAULT_LOCAL_DIR

    repo = Path(__file__).resolve().parent.parent
    assert DEFAULT_LOCAL_DIR == repo / ".local"
    assert local_airflow.DAGS_FOLDER == repo / "dags" and (repo / "dags" / "yonhap_fr_ingest.py").exists()
