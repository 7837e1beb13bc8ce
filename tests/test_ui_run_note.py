"""An operator's view, in a real browser: the product's local stack (`stack up --airflow`, as
`make run` starts it), a two-day backfill triggered through the REST API as the form would,
then Debian's chromium (headless, driven by Playwright) logs in through Airflow's own login
page, opens the run and reads its note. The figures on screen must be those the partitions
recorded in yonhap.crawl_runs and the ledger's. The screenshot stays in test-artifacts/ui/.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.ui_support import ADMIN, artifact_dir, local_stack, open_browser

pytestmark = [pytest.mark.airflow, pytest.mark.slow]

DAYS = (date(2024, 6, 18), date(2024, 6, 19))
RUN_ID = "ui_two_days"
DAG_ID = "yonhap_fr_backfill"


def _keep(page, name: str) -> str:
    """Screenshot and HTML of the page, kept as artifacts; returns the PNG path."""
    out = artifact_dir()
    png = out / f"{name}.png"
    page.screenshot(path=str(png), full_page=True, animations="disabled")  # the dialog fully in
    (out / f"{name}.html").write_text(page.content())
    return str(png)


def _log_in(page, base_url: str, password: str) -> None:
    """Airflow's login page, filled in as a person would (SimpleAuthManager's form)."""
    page.goto(base_url + "/", wait_until="networkidle")
    try:
        page.locator("input[name='username']").fill(ADMIN, timeout=30_000)
        page.locator("input[name='password']").fill(password)
        page.locator("button[type='submit']").click()
        page.wait_for_url(re.compile(r"^(?!.*/auth/login).*$"), timeout=30_000)
    except Exception as err:  # the page as it stood, for whoever reads the failure
        raise AssertionError(f"login failed at {page.url}: {err} (see {_keep(page, 'login-failed')})") from err


def test_an_operator_reads_the_backfill_figures_in_the_run_note():
    from playwright.sync_api import sync_playwright

    with local_stack(*DAYS, per_day=12) as stack:
        assert stack.api("PATCH", f"/dags/{DAG_ID}", {"is_paused": False})[0] == 200
        status, body = stack.api("POST", f"/dags/{DAG_ID}/dagRuns", {
            "logical_date": None, "dag_run_id": RUN_ID,
            "conf": {"from": DAYS[0].isoformat(), "to": DAYS[1].isoformat()},
        })
        assert status == 200, body
        run = stack.wait_run(DAG_ID, RUN_ID, timeout=900)
        assert run["state"] == "success", (run, stack.task_states(DAG_ID, RUN_ID), stack.log_tails())
        note = stack.wait_note(DAG_ID, RUN_ID, timeout=120)

        # The truth of the figures: what the partitions recorded.
        loaded, rejected, seen, runs = stack.query(
            "SELECT sum(loaded), sum(rejected), sum(seen), count(*) FROM yonhap.crawl_runs WHERE kind = 'backfill'")[0]
        assert runs == len(DAYS) and loaded > 0 and seen >= loaded, (loaded, rejected, seen, runs)
        figures = f"loaded {loaded} · rejected {rejected}"
        ledger = f"{seen} seen · 0 unaccounted"
        assert figures in note and ledger in note, note

        with sync_playwright() as playwright:
            browser = open_browser(playwright)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                _log_in(page, stack.base_url, stack.password)
                page.goto(f"{stack.base_url}/dags/{DAG_ID}/runs/{RUN_ID}", wait_until="networkidle")
                try:
                    # The run header shows the note's first paragraph (the verdict), clamped ...
                    header = page.get_by_text(f"{DAG_ID} · backfill").first
                    header.wait_for(timeout=60_000)
                    preview = header.inner_text()
                    # ... and its note button opens the whole note, rendered.
                    page.get_by_role("button", name="Edit note").click()
                    dialog = page.get_by_role("dialog")
                    dialog.get_by_text(figures, exact=False).wait_for(timeout=30_000)
                    shown = dialog.inner_text()
                except Exception as err:
                    raise AssertionError(f"run note not on {page.url}: {err} (see {_keep(page, 'run-note-missing')})") \
                        from err
                screenshot = _keep(page, "backfill-run-note")
            finally:
                browser.close()

    # The note as rendered: the verdict first, then one line per figure group, the same
    # figures as the rows (Markdown would run single-newline lines together).
    assert preview.startswith("succeeded · yonhap_fr_backfill · backfill"), preview
    lines = [line.strip() for line in shown.splitlines() if line.strip()]
    assert any(line.startswith("succeeded · ") for line in lines), lines
    assert any(figures in line and line.startswith("pages ") for line in lines), lines
    assert any(line.startswith("completeness ") and line.endswith(ledger) for line in lines), lines
    print(f"screenshot: {screenshot}")
