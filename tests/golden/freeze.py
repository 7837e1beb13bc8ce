"""Freeze hand-picked hard cases from the replica as dated HTML snapshots + expected JSON.

Run once (``.venv/bin/python -m tests.golden.freeze``); the files are then committed and never
regenerated silently: the expected JSON is the replica's truth at freeze time, so a parser
change that breaks one of these pages fails tests/test_parsers_golden.py.

The hand-written pages of tests/golden/yna-cms/ (built from shared/yonhap-fr-site.md, not from
the replica) sit next to the frozen ones and are never written by this script.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from devtools.replica.corpus import Corpus

HERE = Path(__file__).resolve().parent
FIELDS = ("article_id", "url", "title_raw", "section", "published_at", "updated_at", "paragraphs",
          "lead", "byline", "editor_note", "keywords", "images", "author_email")
# Every page of the replica's template carries the invalid Person JSON-LD block: a warning.
WARNINGS = ["jsonld: invalid JSON (Person)"]


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


def expected(truth) -> dict:
    out = {}
    for name in FIELDS:
        value = getattr(truth, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    out["parse_warnings"] = list(WARNINGS)
    return out


def main() -> None:
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
        (folder / f"{stem}.html").write_bytes(corpus.render_article(article_id, layout, edited))
        (folder / f"{stem}.json").write_text(
            json.dumps(expected(truth), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        print(layout, stem)
    missing = sorted(set(CASES) - set(found))
    if missing:
        print("no replica page for:", ", ".join(missing))


if __name__ == "__main__":
    main()
