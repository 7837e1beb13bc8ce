"""Frozen hard cases (tests/golden/<layout>/<date>_<id>_<case>.html + .json, made once by
tests/golden/freeze.py from the replica's truth): the parser must reproduce every field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scrapers.parsers.base import TRUNCATED
from scrapers.parsers.registry import Registry, build_item

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = sorted(GOLDEN.glob("*/*.html"))


def test_golden_cases_exist():
    layouts = {p.parent.name for p in CASES}
    assert layouts == {"reference", "redesign"} and len(CASES) >= 6


@pytest.mark.parametrize("page", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_golden_page(page: Path):
    expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    article_id = expected["article_id"]
    requested = f"http://127.0.0.1:8080/view/{article_id}?input=1195m"
    result = Registry().extract(page.read_bytes(), requested, {"Content-Type": "text/html; charset=utf-8"})
    item = build_item(result, requested_url=requested, base_url="http://127.0.0.1:8080", http_status=200,
                      fetched_at="2024-06-20T00:00:00+00:00", run_id="golden")
    assert item.parse_errors == []
    assert item.layout == f"{page.parent.name}-v1"
    got = item.to_dict()
    for name, want in expected.items():
        assert got[name] == want, name


def test_golden_truncated_variant_reports_and_keeps_what_it_can():
    page = CASES[0]
    expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    body = page.read_bytes()
    cut = body[: body.index(b"</article>") if b"</article>" in body else len(body) // 2]
    result = Registry().extract(cut, f"http://x/view/{expected['article_id']}")
    assert TRUNCATED in result.errors
    assert result.fields["title_raw"] == expected["title_raw"]
