"""The validation frame: ArticleRow dicts plus the derived columns the suite checks.

Pure functions, no GX here. Derived columns exist so that a GX expectation can state a
fact the raw row only implies (how long the body is, which minimum applies to this kind of
item, how French the text reads, which layer produced a field).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from typing import Any

from expectations import thresholds as t
from ground.core.editions import ALL_USAGE_NOTICES, ANY_ID_PATTERN, EDITIONS, FR, edition_of_id
from ground.core.schema import (
    BYLINE_NAMES,
    BYLINE_WORD,
    CUT_TEXT_REGEX,
    EDITOR_NOTE_TAG,
    LAYER_GENERIC,
    parse_time,
)

# Boilerplate that must never reach a stored body: page chrome and the markers the cleaner
# strips. Each entry: (label shown to operators, regex).
# Paragraph bounds inside a body (paragraphs are joined by a blank line).
_P_START = r"(?:^|\n\n)"
_P_END = r"(?:\n\n|$)"
_CONTINUATION_MARKERS = tuple(dict.fromkeys(e.continuation_marker for e in EDITIONS.values()))
BOILERPLATE = (
    ("skip links 'Go to Contents'", r"Go to (?:Contents|Navigation)"),
    ("footer 'Accueil Haut de page'", r"Accueil\s+Haut de page"),
    ("cookie banner", r"(?i:(?:utilise|utilisons) des cookies|politique (?:de|en matière de) cookies|acceptez l'usage)"),
    *((f"end marker '{e.end_marker}'", re.escape(e.end_marker)) for e in EDITIONS.values()),
    ("continuation marker " + "/".join(f"'{m}'" for m in _CONTINUATION_MARKERS),
     r"\((?:" + "|".join(re.escape(m.strip("()")).replace(r"A\ ", r"[AÀ]\ ") for m in _CONTINUATION_MARKERS) + r")\)"),
    *((f"usage notice '{n}'", re.escape(n.strip("()"))) for n in ALL_USAGE_NOTICES),
    ("obfuscated e-mail '[email protected]'", r"\[email(?:\xa0|&#160;|\s)protected\]"),
    ("e-mail line", _P_START + r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+" + _P_END),
    ("byline paragraph 'Par …'", _P_START + BYLINE_WORD + " " + BYLINE_NAMES + _P_END),
    ("editor's note '(ATTN …)'/'(NDLR …)'", _P_START + r"\(" + EDITOR_NOTE_TAG),
)
BOILERPLATE_REGEXES = [pattern for _label, pattern in BOILERPLATE]
NOTICE_REGEX = "|".join(re.escape(n.strip("()")) for n in ALL_USAGE_NOTICES)
EMAIL_REGEX = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
ARTICLE_ID_REGEX = rf"^{ANY_ID_PATTERN}$"  # any edition's id (AFR…, AEN…)
VERSION_PREFIX_REGEX = r"^\s*\((?:\d+(?:e|st|nd|rd|th)\s+)?LD\)|^\s*\((?:URGENT|LEAD)\)"
# A lead cut like a meta description ("… ont re...") instead of the whole first paragraph.
CUT_LEAD_REGEX = CUT_TEXT_REGEX
_URL_ID = re.compile(rf"/view/({ANY_ID_PATTERN})/?$")

# Common French function words; English/Korean text contains almost none of them. Words that
# are also frequent English words ("a", "on", "plus"…) are left out on purpose.
FRENCH_STOPWORDS = frozenset(
    """le la les des du de et est une un dans pour qui que sur au aux avec par pas ce cette ces
    ont été sont il elle ils elles se son sa ses leur leurs lors selon après entre contre où
    ne mais ou aussi être avoir était sera fait deux très dont même d l qu n""".split()
)
# The same for English (the en edition): words French text almost never uses.
ENGLISH_STOPWORDS = frozenset(
    """the of and to in is that for with was were by at from has have it its an are this which
    said will would been their they after than who but also not about over more into a on as or
    be his her had we our""".split()
)
STOPWORDS = {"fr": FRENCH_STOPWORDS, "en": ENGLISH_STOPWORDS}  # by Edition.language
# One frame column per language: the row's share when it is in that language, else None (no
# verdict): "french_share" (AFR ids), "english_share" (AEN ids); one gate check each.
SHARE_COLUMNS = {e.language: f"{e.language_name.lower()}_share" for e in EDITIONS.values()}
_TOKEN = re.compile(r"[a-zàâäçéèêëîïôöùûüÿœæ]+", re.IGNORECASE)

# Names a field can carry in ArticleRow.field_sources (the crawler records CrawledArticle
# field names; the transform may record row column names).
SOURCE_KEYS = {
    "title": ("title", "title_raw"),
    "body": ("body", "paragraphs"),
    "published_at": ("published_at",),
    "section": ("section",),
}
GATED_FIELDS = tuple(SOURCE_KEYS)  # fields with a null-rate and a fallback-share check
# ArticleRow.layout values meaning "no layout parser recognized the page" (the crawler writes
# scrapers.parsers.registry.UNRECOGNIZED; older rows may carry nothing).
NO_LAYOUT = frozenset({"", "unrecognized"})

FRAME_COLUMNS = (
    "row_index", "article_id", "url", "url_article_id", "title", "title_len", "body", "body_len",
    "body_min_len", "item_kind", "published_ts", "section", "lead", "language", *SHARE_COLUMNS.values(), "captions",
    "author_email", "word_count", "duplicate_of", "layout",
    *(f"{name}_source" for name in GATED_FIELDS),
)


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def item_kind(row: dict[str, Any]) -> str:
    if (row.get("version_label") or "").upper() == "URGENT":
        return "urgent"
    if row.get("is_routine"):
        return "routine"
    return "article"


BODY_MIN_BY_KIND = {
    "urgent": t.BODY_MIN_CHARS_URGENT,
    "routine": t.BODY_MIN_CHARS_ROUTINE,
    "article": t.BODY_MIN_CHARS_ARTICLE,
}


FRENCH_SAMPLE_CHARS = 2000  # the language shows in the first paragraphs; keeps 10k rows cheap


def language_share(language: str, *texts: str | None) -> float:
    """Share of the words of ``texts`` that are common words of ``language`` ("fr", "en")."""
    words = STOPWORDS[language]
    tokens = _tokens(texts)
    if not tokens:
        return 0.0
    return sum(1 for tok in tokens if tok in words) / len(tokens)


def _tokens(texts) -> list[str]:
    return [tok for text in texts if text for tok in _TOKEN.findall(text[:FRENCH_SAMPLE_CHARS].lower())]


def judged_language_share(language: str, title: str | None, lead: str | None, body: str | None) -> float | None:
    """The share the gate checks: the body's; a body under 80 characters is judged with the
    title and lead; None (no verdict) without a body or when the body is too short to judge
    in that language (thresholds.LANGUAGE_MIN_TOKENS)."""
    if not body:
        return None
    minimum = t.LANGUAGE_MIN_TOKENS[language]
    if minimum and len(_tokens((body,))) < minimum:  # the body's own words
        return None
    texts = (body,) if len(body) >= 80 else (title, lead, body)
    return round(language_share(language, *texts), 4)


def french_share(*texts: str | None) -> float:
    return language_share("fr", *texts)


def row_language(row: dict[str, Any]) -> str:
    """The language the row's text must be in: its id's edition's (French for a bad id)."""
    return (edition_of_id(row.get("article_id")) or FR).language


def boilerplate_found(text: str | None) -> list[str]:
    """Labels of the boilerplate patterns present in ``text`` (for messages only; the suite
    itself checks the regexes)."""
    if not text:
        return []
    return [label for label, pattern in BOILERPLATE if re.search(pattern, text)]


def _published(value: Any) -> datetime | None:
    try:
        return parse_time(value) if isinstance(value, str) else None
    except ValueError:
        return None  # unparseable counts as missing: the row is rejected with that reason


def has_layout(row: dict[str, Any]) -> bool:
    return (row.get("layout") or "") not in NO_LAYOUT


def field_source(row: dict[str, Any], name: str) -> str | None:
    """Layer that produced ``name`` (as recorded). On a page no layout parser recognized, a
    field present without a recorded layer counts as the fallback layer. None: the field
    was not extracted at all (the null-rate check covers that)."""
    sources = row.get("field_sources") or {}
    source = next((sources[key] for key in SOURCE_KEYS[name] if sources.get(key)), None)
    if source is None and not has_layout(row) and _blank_to_none(row.get(name)) is not None:
        return LAYER_GENERIC
    return source


def captions_text(images: Any) -> str | None:
    if not isinstance(images, list):
        return None
    texts = [img.get("caption") for img in images if isinstance(img, dict) and img.get("caption")]
    return "\n".join(texts) or None


def frame_record(index: int, row: dict[str, Any]) -> dict[str, Any]:
    title = _blank_to_none(row.get("title"))
    body = _blank_to_none(row.get("body"))
    kind = item_kind(row)
    url = row.get("url") or ""
    url_id = _URL_ID.search(url.split("?", 1)[0])
    published = _published(row.get("published_at"))
    record = {
        "row_index": index,
        "article_id": row.get("article_id"),
        "url": _blank_to_none(url),
        "url_article_id": url_id.group(1) if url_id else None,
        "title": title,
        "title_len": len(title) if title else 0,
        "body": body,
        "body_len": len(body) if body else 0,
        "body_min_len": BODY_MIN_BY_KIND[kind],
        "item_kind": kind,
        "published_ts": published,
        "section": _blank_to_none(row.get("section")),
        "lead": _blank_to_none(row.get("lead")),
        # the body is what loads; a short body is judged with the title and lead; no body,
        # no verdict (a title alone is too short, and the body checks already reject it); a
        # table (mostly figures, decided on its share of letters: row is_table) has no
        # common words to count, so no verdict either
        "language": (language := row_language(row)),
        **{column: judged_language_share(language, title, row.get("lead"), body)
           if code == language and not row.get("is_table") else None
           for code, column in SHARE_COLUMNS.items()},
        "captions": captions_text(row.get("images")),
        "author_email": _blank_to_none(row.get("author_email")),
        # not an int (schema drift) counts as zero words, which the suite rejects
        "word_count": row.get("word_count") if isinstance(row.get("word_count"), int) else 0,
        "duplicate_of": _blank_to_none(row.get("duplicate_of")),
        "layout": _blank_to_none(row.get("layout")),
    }
    for name in GATED_FIELDS:
        record[f"{name}_source"] = field_source(row, name)
    return record


def build_frame(rows: list[dict[str, Any]]):
    """pandas DataFrame of :func:`frame_record` for every row (index = position in ``rows``)."""
    import pandas as pd  # lazy: ~0.3 s; DAG parsing and --help never need it

    records = [frame_record(i, row) for i, row in enumerate(rows)]
    frame = pd.DataFrame.from_records(records, columns=list(FRAME_COLUMNS))
    # One dtype per column even when every value is missing, so the checks see the same
    # types on every batch (an all-None object column would break the time comparisons).
    frame["published_ts"] = pd.to_datetime(frame["published_ts"], utc=True)
    for column in ("title_len", "body_len", "body_min_len", "row_index", "word_count"):
        frame[column] = frame[column].astype("int64")
    for column in SHARE_COLUMNS.values():
        frame[column] = frame[column].astype("float64")
    return frame


def main_layout(rows: list[dict[str, Any]]) -> str | None:
    """The layout most rows were parsed with (named in operator messages)."""
    layouts = Counter(row["layout"] for row in rows if has_layout(row))
    return layouts.most_common(1)[0][0] if layouts else None
