"""Shared pytest fixtures. Component fixtures live in tests/fixtures_*.py plugins."""

pytest_plugins = [
    "tests.fixtures_stack",
    "tests.fixtures_replica",
    "tests.fixtures_webarchive",
    "tests.fixtures_airflow",
    "tests.alert_receivers",
]
