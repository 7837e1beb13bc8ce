"""Freeze hand-picked hard cases from the replica as dated HTML snapshots + expected JSON.

Run once (``.venv/bin/python -m tests.golden.freeze``); the files are then committed and never
regenerated silently: the expected JSON is the replica's truth at freeze time, so a parser
change that breaks one of these pages fails tests/test_parsers_golden.py.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from yonhap.replica.corpus import Corpus

HERE = Path(__file__).resolve().parent
FIELDS = ("article_id", "url", "title_raw", "section", "published_at", "updated_at", "paragraphs",
          "images", "author_email", "lead")

# name -> predicate over (truth, variations, edited)
CASES = {
    "br_body_with_photo": lambda t, v, e: v["br_body"] and t.images and not e,
    "named_entities_three_photos": lambda t, v, e: v["entities"] == "named" and len(t.images) == 3 and not e,
    "edited_with_update_line": lambda t, v, e: e and v["jsonld"] and v["og"],
    "no_og_no_jsonld_lead_fallback": lambda t, v, e: not v["og"] and not v["jsonld"] and not e,
    "urgent_flash": lambda t, v, e: t.version_label == "URGENT" and not e,
    "routine_no_email": lambda t, v, e: t.is_routine and t.author_email is None and not e,
}
LAYOUT_OF = {"br_body_with_photo": "reference", "named_entities_three_photos": "reference",
             "edited_with_update_line": "redesign", "no_og_no_jsonld_lead_fallback": "reference",
             "urgent_flash": "redesign", "routine_no_email": "reference"}


def expected(truth) -> dict:
    out = {}
    for name in FIELDS:
        value = getattr(truth, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
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
                for name, pred in CASES.items():
                    if name not in found and pred(truth, truth.variations, edited):
                        found[name] = (article_id, edited)
        day += timedelta(days=1)
    for name, (article_id, edited) in sorted(found.items()):
        layout = LAYOUT_OF[name]
        truth = corpus.truth(article_id, edited)
        stem = f"{date.fromisoformat(truth.published_at.date().isoformat())}_{article_id}_{name}"
        folder = HERE / layout
        folder.mkdir(exist_ok=True)
        (folder / f"{stem}.html").write_bytes(corpus.render_article(article_id, layout, edited))
        (folder / f"{stem}.json").write_text(
            json.dumps(expected(truth), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        print(layout, stem)


if __name__ == "__main__":
    main()
