"""bench/report.py: assembling the report and the summary section of docs/measurements.md (no benchmark is
run here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import report
from bench.report import END_MARK, START_MARK, Bench, Outcome

FRAGMENT_BOLD = """# Extraction benchmark

1000 pages, median of 3 runs.

| extractor | pages/s |
|---|---:|
| ours | 571 |

**Speed ratio: 9.7x** (target >= 5x)
"""

FRAGMENT_TABLE_ONLY = """# Load benchmark

Rows per batch: 5,000.

| measure | result | target | ratio |
|---|---|---|---|
| load stage | 11.9 s | <= 30 s | 0.40 |

```
| not | a table |
```
"""


def test_headline_prefers_a_bold_statement_about_a_ratio():
    assert report.headline(FRAGMENT_BOLD) == "**Speed ratio: 9.7x** (target >= 5x)"


def test_headline_falls_back_to_the_first_data_row():
    assert report.headline(FRAGMENT_TABLE_ONLY) == "measure: load stage; result: 11.9 s; target: <= 30 s; ratio: 0.40"


def test_headline_prefers_a_bold_table_row_over_bold_prose_without_a_ratio():
    text = "# R\n\nCorpus **100 articles**.\n\n| measure | value |\n|---|---|\n| pages/s | **1,307** |\n"
    assert report.headline(text) == "measure: pages/s; value: **1,307**"


def test_headline_takes_a_statement_about_a_budget_before_table_rows():
    text = "# T\n\n| n | s |\n|---|---|\n| 10 | **1.0** |\n\nBudget for 100k: met (55.7 s).\n"
    assert report.headline(text) == "Budget for 100k: met (55.7 s)."


def test_checks_flag_missing_medians_and_ratios_unless_deterministic():
    bare = Outcome(Bench("x", "x"), "ok", fragment="# X\n\n| a | 1 |\n")
    assert report.checks(bare) == ["no median of repeated runs", "no ratio against a baseline or target"]
    counted = Outcome(Bench("y", "y", deterministic=True), "ok", fragment="# Y\n\nseek / bound 0.8\n")
    assert report.checks(counted) == []
    assert report.checks(Outcome(Bench("z", "z"), "ok", fragment=FRAGMENT_BOLD)) == []


def test_summary_section_is_appended_once_then_replaced_in_place(tmp_path: Path):
    summary = tmp_path / "measurements.md"
    summary.write_text("# Title\n\nIntro.\n\n## Later\n\nText stays.\n", encoding="utf-8")
    report.update_summary("## Performance\n\nfirst", summary)
    first = summary.read_text(encoding="utf-8")
    assert first.startswith("# Title\n\nIntro.\n\n## Later\n\nText stays.\n\n" + START_MARK)
    assert first.endswith(END_MARK + "\n") and "first" in first

    summary.write_text(first + "\n## After the section\n", encoding="utf-8")
    report.update_summary("## Performance\n\nsecond", summary)
    again = summary.read_text(encoding="utf-8")
    assert "first" not in again and "second" in again
    assert again.count(START_MARK) == 1 and again.endswith("\n## After the section\n")
    report.update_summary("## Performance\n\nsecond", summary)
    assert summary.read_text(encoding="utf-8") == again  # idempotent


def test_summary_with_one_marker_is_refused_untouched(tmp_path: Path):
    summary = tmp_path / "measurements.md"
    summary.write_text(f"# T\n{START_MARK}\nold\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="only one of the performance markers"):
        report.update_summary("## Performance", summary)
    assert summary.read_text(encoding="utf-8") == f"# T\n{START_MARK}\nold\n"


def test_a_failing_bench_is_recorded_and_the_report_goes_on(tmp_path: Path, monkeypatch, child_processes):
    monkeypatch.setattr(report, "LOG_DIR", tmp_path / "logs")
    monkeypatch.setattr(report, "OUT_DIR", tmp_path)
    missing = report.run_bench(Bench("does_not_exist", "a bench module that is not there", timeout=60), quick=False)
    assert missing.status == "failed" and missing.detail.startswith("exit 1")
    assert "No module named" in missing.detail  # the log tail is kept for the reader
    ok = Outcome(Bench("extract", "extraction"), "ok", seconds=3.0, fragment=FRAGMENT_BOLD)
    info = report.machine()
    text = report.render_report([missing, ok], info, "full", "0.1 / 0.1 / 0.1", 4.0)
    assert "| [does_not_exist](#does_not_exist) | failed |" in text
    assert "**FAILED**: exit 1" in text
    assert "### Extraction benchmark" in text  # fragments are demoted under the report's headings
    assert info["commit"] in text and info["cpu"] in text
    section = report.summary_section([missing, ok], info, "full")
    assert section.startswith("## Performance") and "| a bench module that is not there | **failed** |" in section


def test_the_suites_history_ends_the_report(tmp_path: Path, monkeypatch):
    history = tmp_path / "suite_history.md"
    monkeypatch.setattr(report, "SUITE_HISTORY", history)
    ok = Outcome(Bench("extract", "extraction"), "ok", seconds=3.0, fragment=FRAGMENT_BOLD)
    info = {"date": "d", "cpu": "c", "cores": "2", "ram": "r", "python": "p", "os": "o", "load": "l", "commit": "x"}
    assert "## suite:" not in report.render_report([ok], info, "full", "l", 1.0)
    history.write_text("## suite: `make test` wall time\n\n| when | wall |\n|---|---|\n| now | 14 min |\n")
    text = report.render_report([ok], info, "full", "l", 1.0)
    assert text.rstrip().endswith("| now | 14 min |") and '<a id="suite"></a>' in text
    assert (Path(report.__file__).parent / "suite_history.md").exists()  # the committed history


def test_supported_args_keeps_only_flags_the_bench_lists(child_processes):
    seek = Bench("seek", "seek")
    assert report.supported_args(seek, ("--quick", "--rows", "10")) == ["--quick"]


def test_every_present_bench_has_a_description():
    names = [b.name for b in report.discover()]
    assert len(names) == len(set(names))
    assert {"seek", "incremental", "peers"} <= set(names)
