"""Freeze hand-picked hard cases from the replica as dated HTML snapshots + expected JSON, and
print drafts of expected JSON for review.

Run once (``.venv/bin/python -m tests.golden.freeze``); the files are then committed and never
regenerated silently: the expected JSON is the replica's truth at freeze time, so a parser
change that breaks one of these pages fails tests/test_parsers_golden.py.

The hand-written pages of tests/golden/yna-cms/ (built from the facts of docs/site.md, not from
the replica) sit next to the frozen ones and are never written by this script.

Every expected JSON lists every field of the item (ground/core/schema.py ``CrawledArticle``),
``field_sources`` included. ``--draft PAGE.html`` prints what the current parser gives for a
page, as a starting point only: each value is checked by hand against the page before it is
committed (a draft copied unread would make the test pass whatever the parser does).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date, timedelta
from pathlib import Path

from devtools.replica.corpus import Corpus
from ground.core.schema import CrawledArticle
from scrapers.parsers.registry import REPLICA_PARSERS, Registry, build_item

HERE = Path(__file__).resolve().parent
FIELDS = ("article_id", "url", "title_raw", "section", "published_at", "updated_at", "paragraphs",
          "lead", "byline", "editor_note", "keywords", "images", "author_email")
# Every page of the replica's template carries the invalid Person JSON-LD block: a warning.
WARNINGS = ["jsonld: invalid JSON (Person)"]
ITEM_FIELDS = tuple(f.name for f in dataclasses.fields(CrawledArticle))

# The fetch every golden page is parsed as (tests/test_parsers_golden.py): a tracking query on
# the requested URL, a fixed time and run, no validators (etag, last_modified) in the headers.
BASE_URL = "http://127.0.0.1:8080"
FETCHED_AT = "2024-06-20T00:00:00+00:00"
RUN_ID = "golden"
HEADERS = {"Content-Type": "text/html; charset=utf-8"}


def requested_url(article_id: str) -> str:
    return f"{BASE_URL}/view/{article_id}?input=1195m"


def parse(page: Path, article_id: str) -> CrawledArticle:
    """The item the crawler builds from a golden page (the replica's parsers: its redesign too)."""
    requested = requested_url(article_id)
    result = Registry(REPLICA_PARSERS).extract(page.read_bytes(), requested, HEADERS)
    return build_item(result, requested_url=requested, base_url=BASE_URL, http_status=200,
                      fetched_at=FETCHED_AT, run_id=RUN_ID)


def fetch_fields(article_id: str) -> dict:
    """The fields the fetch decides, not the page (the same on every golden page)."""
    return {"requested_url": requested_url(article_id), "http_status": 200, "fetched_at": FETCHED_AT,
            "run_id": RUN_ID, "etag": None, "last_modified": None, "parse_errors": [], "raw_uri": None,
            "source": "site", "captured_at": None}


def _plain(t, v) -> bool:
    return t.author_email is not None and v["email_form"] == "plain"


def _cf(t, v) -> bool:
    return t.author_email is not None and v["email_form"] == "cf"


# name -> (layout, predicate over (truth, variations, edited))
CASES = {
    "byline_note_cf_email": ("yna-cms", lambda t, v, e: t.byline and t.editor_note and _cf(t, v) and not e),
    "two_names_plain_email": ("yna-cms", lambda t, v, e: t.byline and " et " in t.byline and _plain(t, v)),
    "empty_caption_and_yonhap_caption": ("yna-cms", lambda t, v, e: any(i["caption"] is None for i in t.images)
                                         and any((i["caption"] or "").endswith("(Yonhap)") for i in t.images)),
    "photo_not_for_sale": ("yna-cms", lambda t, v, e: any(i["notice"] == "(PHOTO NOT FOR SALE)" for i in t.images)),
    "continued_a_suivre": ("yna-cms", lambda t, v, e: t.kind == "continued" and v["end_marker"] == "(A SUIVRE)"),
    "continued_more": ("yna-cms", lambda t, v, e: t.kind == "continued" and v["end_marker"] == "(MORE)"),
    "edited_with_update_line": ("yna-cms", lambda t, v, e: e and v["show_update"]),
    "edited_without_update_line": ("yna-cms", lambda t, v, e: e and not v["show_update"]),
    "routine_no_email": ("yna-cms", lambda t, v, e: t.is_routine and t.author_email is None and not e),
    "urgent_flash": ("redesign", lambda t, v, e: t.version_label == "URGENT" and not e),
    "edited_byline_note": ("redesign", lambda t, v, e: e and t.byline and t.editor_note),
}


def expected(truth, layout: str, field_sources: dict[str, str]) -> dict:
    """The replica's truth, the fetch's fields, and the layers (``field_sources``: from a draft
    of the parser, to be checked by hand before the file is committed)."""
    out = {}
    for name in FIELDS:
        value = getattr(truth, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    out |= fetch_fields(truth.article_id)
    out |= {"layout": f"{layout}-v1", "field_sources": field_sources, "parse_warnings": list(WARNINGS)}
    return {name: out[name] for name in ITEM_FIELDS}


def draft(page: Path) -> str:
    """What the current parser gives for ``page`` (named <date>_<article id>_<case>.html), in
    the expected JSON's form: a draft to check by hand, never to commit unread."""
    article_id = page.stem.split("_")[1]
    return json.dumps(parse(page, article_id).to_dict(), ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str]) -> None:
    if argv[:1] == ["--draft"]:
        for name in argv[1:]:
            print(draft(Path(name)), end="")
        return
    corpus = Corpus()
    found: dict[str, tuple] = {}
    day = corpus.config.start
    while len(found) < len(CASES) and day <= corpus.config.end:
        for article_id in corpus.ids_on(day):
            for edited in (False, True):
                truth = corpus.truth(article_id, edited)
                if edited and not truth.has_edit:
                    continue
                for name, (_layout, pred) in CASES.items():
                    taken = (article_id, edited) in found.values()  # one snapshot per page
                    if name not in found and not taken and pred(truth, truth.variations, edited):
                        found[name] = (article_id, edited)
        day += timedelta(days=1)
    for name, (article_id, edited) in sorted(found.items()):
        layout = CASES[name][0]
        truth = corpus.truth(article_id, edited)
        stem = f"{date.fromisoformat(truth.published_at.date().isoformat())}_{article_id}_{name}"
        folder = HERE / layout
        folder.mkdir(exist_ok=True)
        page = folder / f"{stem}.html"
        page.write_bytes(corpus.render_article(article_id, layout, edited))
        sources = parse(page, article_id).field_sources
        page.with_suffix(".json").write_text(
            json.dumps(expected(truth, layout, sources), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        print(layout, stem, "(check field_sources by hand)")
    missing = sorted(set(CASES) - set(found))
    if missing:
        print("no replica page for:", ", ".join(missing))


if __name__ == "__main__":
    main(sys.argv[1:])
