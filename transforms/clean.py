"""Field cleaning: pure functions over the crawler's extracted strings.

* :func:`split_title` — version prefix (``URGENT``, ``LD``, ``2e LD`` …) vs clean title; other
  bracketed tags such as ``(Interview)`` stay in the title.
* :func:`clean_paragraphs` — the second line of defense against page furniture that reached
  the body (the parsers remove it first): skip links, cookie banner, photo captions and their
  usage notices, the e-mail line (plain or obfuscated), end and continuation markers
  (``(FIN)``, ``(END)``, ``(MORE)``, ``(A SUIVRE)``), the section/date line, the footer, and a
  leading byline (``Par …``) or editor's note (``(ATTN : …)``, ``(NDLR : …)``) paragraph before
  the dateline (kept aside as ``byline`` / ``editor_note``).
* :func:`extract_dateline` — ``SEOUL, 19 juin (Yonhap)`` from the first paragraph (the
  paragraph itself keeps it: the body starts with the dateline).
* :func:`derive_lead` — the first body paragraph without its dateline prefix.
* :func:`is_routine` — the daily templated items (market openings/closings, press review, …);
  :func:`continued_part` — ``"…-1"``, ``"…-2"``: the parts of a continued item;
  :func:`is_table` — mostly figures (share of letters among letters and digits under 0.8).

All text goes through :func:`transforms.normalize.normalize_text` first.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from ground.core.editions import ALL_ROUTINE_TITLES, ALL_USAGE_NOTICES, EDITIONS, edition_of_id
from ground.core.schema import (
    BYLINE_NAMES,
    BYLINE_PREFIX,
    BYLINE_RE,
    EDITOR_NOTE,
    END_MARKER_WORDS,
    USAGE_NOTICE,
    ArticleRow,
    CrawledArticle,
    cut_stem,
    format_time,
)
from ground.core.timeutil import ARTICLE_ID_RE, KST, UTC, parse_site_time
from transforms.normalize import fold, normalize_text, split_paragraphs, word_count

# --- title -------------------------------------------------------------------------------

URGENT = "URGENT"
LD = "LD"
# "(URGENT)", "(LD)", "(2e LD)", "(3ème LD)" (fr), "(LEAD)", "(2nd LD)", "(3rd LD)", "(4th LD)"
# (en) at the very start of the title. The label is stored in the edition's own spelling.
_VERSION_RE = re.compile(
    r"^\(\s*(?:(?P<urgent>urgent)|(?P<lead>lead)"
    r"|(?:(?P<n>\d{1,2})\s*(?P<suffix>e|ème|eme|è|st|nd|rd|th)\s+)?(?P<ld>ld))\s*\)\s*",
    re.IGNORECASE,
)
_ENGLISH_SUFFIXES = ("st", "nd", "rd", "th")
_FIRST_UPDATE_LABELS = frozenset(e.version_label(1) for e in EDITIONS.values())  # "LD", "LEAD"


def split_title(title_raw: str) -> tuple[str | None, str]:
    """``"(2e LD) Poutine : …"`` -> ``("2e LD", "Poutine : …")``, ``"(LEAD) N. Korea …"`` ->
    ``("LEAD", "N. Korea …")``; no prefix -> ``(None, title)``."""
    text = normalize_text(title_raw)
    m = _VERSION_RE.match(text)
    if not m:
        return None, text
    if m.group("urgent"):
        label = URGENT
    elif m.group("lead"):
        label = EDITIONS["en"].version_label(1)
    else:
        n = int(m.group("n") or 1)
        english = (m.group("suffix") or "").lower() in _ENGLISH_SUFFIXES
        # "(1e LD)" is just the first update: "LD" (fr); an English "(1st LD)" is a "LEAD"
        label = EDITIONS["en" if english else "fr"].version_label(n)
    return label, text[m.end():].strip()


def version_rank(label: str | None) -> int:
    """Order of versions inside a story: URGENT flash 0, original 1, then the n-th update n + 1
    (LD / LEAD 2, 2e LD / 2nd LD 3, …)."""
    if label is None:
        return 1
    if label == URGENT:
        return 0
    if label in _FIRST_UPDATE_LABELS:
        return 2
    m = re.match(r"^(\d+)(?:e|st|nd|rd|th) LD$", label)
    return int(m.group(1)) + 1 if m else 1


# --- routine items -----------------------------------------------------------------------

# Daily templated items of every edition (site doc, "Title prefixes and story semantics").
ROUTINE_TITLES = ALL_ROUTINE_TITLES


def _title_key(title: str) -> str:
    return " ".join(re.findall(r"\w+", fold(title)))


_ROUTINE_KEYS = tuple(_title_key(t) for t in ROUTINE_TITLES)


def is_routine(title: str) -> bool:
    """True for the daily templated items (title equal to, or starting with, a known one)."""
    key = _title_key(title)
    return any(key == r or key.startswith(r + " ") for r in _ROUTINE_KEYS)


# Items that are mostly figures (price lists, the parts of a continued item): fewer than this
# share of their letters-and-digits are letters. Prose, routine market items included, is
# above 0.9; a price list is about 0.6. Migration 0010 applies the same rule in SQL.
TABLE_MAX_LETTER_SHARE = 0.8


def letter_share(text: str) -> float:
    """Share of letters among the letters and digits of ``text`` (1.0 when it has neither)."""
    letters = digits = 0
    for char in text:
        if char.isalpha():
            letters += 1
        elif char.isdigit():
            digits += 1
    return letters / (letters + digits) if letters + digits else 1.0


def is_table(body: str) -> bool:
    """True for an item that is mostly figures: a table, not prose (is_table column)."""
    return bool(body) and letter_share(body) < TABLE_MAX_LETTER_SHARE


# "Cours des changes-1", "Prix à la production - 2": a continued item split in parts (each part
# ends "(A SUIVRE)"/"(MORE)", the last "(FIN)"). Not a score such as "2-1" or "2 - 1".
_CONTINUED_RE = re.compile(r"(?<!\d)(?<!\d )-\s?(\d{1,2})$")


def continued_part(title: str | None) -> int | None:
    """Part number of a continued item's title (``"…-2"`` -> 2), else None."""
    if not title or title[-1] not in "0123456789":
        return None
    m = _CONTINUED_RE.search(title)
    return int(m.group(1)) if m else None


# --- body --------------------------------------------------------------------------------

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_EMAIL_PLACEHOLDER_RE = re.compile(r"\[\s*email\s+protected\s*\]", re.IGNORECASE)
# End markers "(FIN)" (fr) / "(END)" (en) and continuation markers "(A SUIVRE)" / "(MORE)".
_END_MARKER_RE = re.compile(r"\s*\(\s*(?:" + END_MARKER_WORDS + r")\s*\)\s*$", re.IGNORECASE)
_SKIP_LINKS_RE = re.compile(r"^(?:go to (?:contents|navigation)\s*)+$")
_FOOTER_RE = re.compile(r"^(?:accueil\s*)?(?:haut de page)$|^accueil$|^(?:home\s*)?(?:back to top)$")
# The same furniture glued to real text when a fallback extractor merged blocks.
_GLUED_SKIP_LINKS_RE = re.compile(r"^(?:Go to (?:Contents|Navigation)\s*)+", re.IGNORECASE)
_GLUED_FOOTER_RE = re.compile(r"\s*(?:Accueil\s+Haut de page|Home\s+Back to top)\s*$", re.IGNORECASE)
# The info line under the title (folded): "Actualités 19.06.2024 à 20h04", "Mis à jour 19.06.2024
# à 21h10" (fr); "All News 15:41 April 19, 2023", "Updated 16:02 April 19, 2023" (en).
_INFO_LINE_RE = re.compile(r"^[\w/ -]{0,40}(?:\d{2}\.\d{2}\.\d{4} a \d{1,2}h\d{2}"
                           r"|\d{1,2}:\d{2} [a-z]+ \d{1,2}, \d{4})$")
_COOKIE_WORDS = ("accept", "politique", "voir en detail", "continuant", "parametr")
_USAGE_KEY = fold(USAGE_NOTICE)
# Photo usage notices of every edition (inside captions; a caption that reached the body
# carries one). The French one comes first: _drop_reason tests it apart.
PHOTO_NOT_FOR_SALE = EDITIONS["en"].usage_notices[1]
ENGLISH_NOTICE = EDITIONS["en"].usage_notices[0]
NOTICES = (USAGE_NOTICE, *(n for n in ALL_USAGE_NOTICES if n != USAGE_NOTICE))
_NOTICE_RES = tuple(re.compile(r"\s*" + re.escape(n), re.IGNORECASE) for n in NOTICES)
# A byline paragraph (ground.core.schema.BYLINE_RE), or an editor's note (EDITOR_NOTE_RE) that may
# be followed by the byline when both were one line: "(ATTN : …) Par Kim Min-ji".
_NOTE_RE = re.compile(rf"^{EDITOR_NOTE}(?: {BYLINE_PREFIX}(?P<byline>{BYLINE_NAMES}))?$", re.S)

# Why a paragraph was removed (reported in the cleaning counters).
DROP_SKIP_LINKS = "skip links"
DROP_COOKIES = "cookie banner"
DROP_CAPTION = "photo caption"
DROP_EMAIL = "e-mail line"
DROP_FIN = "end marker"  # an end or continuation marker: "(FIN)", "(END)", "(MORE)", …
DROP_BYLINE = "byline"
DROP_NOTE = "editor note"
DROP_FOOTER = "footer"
DROP_INFO_LINE = "section/date line"


@dataclass
class CleanBody:
    paragraphs: list[str]
    emails: list[str] = field(default_factory=list)  # addresses found on e-mail-only lines
    byline: str | None = None  # from a leading "Par …" paragraph
    editor_note: str | None = None  # from a leading "(ATTN : …)" paragraph, no parentheses
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> count


def _image_texts(images: list[dict]) -> set[str]:
    texts = set()
    for image in images or ():
        for key in ("alt", "caption", "title"):
            value = image.get(key) if isinstance(image, dict) else None
            if value:
                texts.add(normalize_text(value))
    texts.discard("")
    return texts


_SHORT = 160  # furniture lines (skip links, footer, date line, e-mail) are short


def _drop_reason(paragraph: str, image_texts: set[str]) -> str | None:
    if paragraph in image_texts:
        return DROP_CAPTION
    if "ookie" in paragraph and len(paragraph) < 600:  # Cookie / cookie
        folded = fold(paragraph)
        if any(w in folded for w in _COOKIE_WORDS):
            return DROP_COOKIES
    if "edistribution" in paragraph and _USAGE_KEY in fold(paragraph):
        return DROP_CAPTION
    if "(" in paragraph and any(r.search(paragraph) for r in _NOTICE_RES[1:]):
        return DROP_CAPTION
    if len(paragraph) <= _SHORT:
        folded = fold(paragraph)
        if _SKIP_LINKS_RE.match(folded):
            return DROP_SKIP_LINKS
        if _FOOTER_RE.match(folded):
            return DROP_FOOTER
        if _INFO_LINE_RE.match(folded):
            return DROP_INFO_LINE
    return None


def clean_paragraphs(paragraphs: list[str], images: list[dict] | None = None) -> CleanBody:
    """Normalized body paragraphs without page furniture (see the module docstring)."""
    out = CleanBody(paragraphs=[])
    image_texts = _image_texts(images or [])

    def drop(reason: str) -> None:
        out.dropped[reason] = out.dropped.get(reason, 0) + 1

    for paragraph in split_paragraphs(paragraphs):
        reason = _drop_reason(paragraph, image_texts)
        if reason:
            drop(reason)
            continue
        if paragraph[:5].lower() == "go to" or paragraph.endswith(("page", "PAGE")):
            paragraph = _GLUED_FOOTER_RE.sub("", _GLUED_SKIP_LINKS_RE.sub("", paragraph))
            reason = DROP_FOOTER
        if "rotected" in paragraph and _EMAIL_PLACEHOLDER_RE.search(paragraph):
            paragraph = normalize_text(_EMAIL_PLACEHOLDER_RE.sub(" ", paragraph))
            reason = DROP_EMAIL
        while paragraph and paragraph[-1] == ")" and _END_MARKER_RE.search(paragraph):
            paragraph = _END_MARKER_RE.sub("", paragraph)
            reason = DROP_FIN
        if not paragraph:  # nothing but furniture
            drop(reason or DROP_FIN)
            continue
        if "@" in paragraph and len(paragraph) <= _SHORT and _EMAIL_RE.fullmatch(paragraph):
            out.emails.append(paragraph)
            drop(DROP_EMAIL)
            continue
        if not out.paragraphs:  # before the dateline paragraph: a byline or editor's note?
            reason = _leading_note(paragraph, out)
            if reason:
                drop(reason)
                continue
        out.paragraphs.append(paragraph)
    return out


def _leading_note(paragraph: str, out: CleanBody) -> str | None:
    """A byline or editor's-note paragraph (before any body text): recorded on ``out``; returns
    the drop reason, None for body text."""
    if len(paragraph) > 400 or paragraph[0] not in "(PB":
        return None
    m = BYLINE_RE.match(paragraph)
    if m:
        out.byline = out.byline or m.group("byline")
        return DROP_BYLINE
    m = _NOTE_RE.match(paragraph)
    if m:
        out.editor_note = out.editor_note or normalize_text(m.group("note"))
        if m.group("byline"):
            out.byline = out.byline or m.group("byline")
        return DROP_NOTE
    return None


def clean_byline(byline: str | None) -> str | None:
    """Names only: normalized, without a leading "Par "/"By "."""
    text = normalize_text(byline)
    m = _BYLINE_PREFIX_RE.match(text)
    return (text[m.end():] if m else text) or None


def clean_editor_note(note: str | None) -> str | None:
    """The note's text, normalized, without its enclosing parentheses."""
    text = normalize_text(note)
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text or None


def clean_keywords(keywords: list[str] | None) -> list[str]:
    """Tags normalized, without "#", empty ones dropped, first occurrence kept (page order)."""
    out: list[str] = []
    seen: set[str] = set()
    for tag in keywords or ():
        text = normalize_text(tag if isinstance(tag, str) else None).lstrip("#").strip()
        if text and text not in seen:
            seen.add(text)
            out.append(text)
    return out


_BYLINE_PREFIX_RE = re.compile(r"^(?:par|by)\s+", re.IGNORECASE)


def _without_notices(text: str) -> str:
    if "(" in text:
        for notice in _NOTICE_RES:
            text = notice.sub(" ", text)
        text = normalize_text(text)
    return text


def clean_lead(lead: str | None) -> str | None:
    text = _without_notices(normalize_text(lead))
    return text or None


def clean_caption(caption: str | None) -> str | None:
    """Captions are stored without the usage notice (any of NOTICES)."""
    return clean_lead(caption)


# --- dateline ----------------------------------------------------------------------------

# "SEOUL, 19 juin (Yonhap)", "PYONGYANG/SEOUL, 1er juillet (Yonhap)", "NEW YORK, 3 mai 2024 (Yonhap)"
# (fr); "SEOUL, June 19 (Yonhap)", "WASHINGTON, Sept. 3, 2024 (Yonhap)" (en).
_DATELINE_RE = re.compile(
    r"^(?P<dateline>[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’ ./-]{1,60}, "
    r"(?:\d{1,2}(?:er)? [a-zéèêûôîàç.]+(?: \d{4})?|[A-Z][a-z]+\.? \d{1,2}(?:, \d{4})?) \(Yonhap\))"
)


def extract_dateline(first_paragraph: str | None) -> str | None:
    if not first_paragraph:
        return None
    m = _DATELINE_RE.match(first_paragraph)
    return m.group("dateline") if m else None


# What follows the dateline: " -- " (also an en/em dash). A looser form catches datelines the
# strict pattern does not know ("SÉOUL, 19 JUIN (Yonhap) --").
_DATELINE_SEP_RE = re.compile(r"^\s*(?:--|–|—)\s*")
_LOOSE_DATELINE_RE = re.compile(r"^[^\n]{0,80}?\(Yonhap\)\s*(?:--|–|—)\s*")


def derive_lead(first_paragraph: str | None) -> str | None:
    """The lead: the whole first body paragraph without its dateline prefix."""
    if not first_paragraph:
        return None
    m = _DATELINE_RE.match(first_paragraph)
    if m:
        text = _DATELINE_SEP_RE.sub("", first_paragraph[m.end():], count=1)
    else:
        text = _LOOSE_DATELINE_RE.sub("", first_paragraph, count=1)
    return text.strip() or None


def choose_lead(item_lead: str | None, first_paragraph: str | None) -> str | None:
    """The item's lead when given, else the one derived from the body; a given lead that is
    only the cut start of the derived one (a meta description ending "...") gives way to it."""
    given = clean_lead(item_lead)
    derived = derive_lead(first_paragraph)
    if given is None:
        return derived
    stem = cut_stem(given)
    if derived and stem is not None and derived != given and derived.startswith(stem):
        return derived
    return given


# --- one item -> one row -----------------------------------------------------------------


class Unusable(ValueError):
    """The item cannot become a row; ``reasons`` say why (it becomes a transform reject)."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def content_hash(title_raw: str, body: str) -> str:
    """sha256 hex of the normalized title (as published) and the clean body.

    Only the text counts: byline, editor_note and keywords are left out on purpose. (1) Every
    stored row's hash stays what it was, so reloading and refetching stay idempotent (no
    revision per article the day this column set grew). (2) article_revisions keeps the history
    of the *text* (title_raw + body); a tag-only or byline-only edit would add a revision
    identical to the previous one. Such an edit is not lost: the loader compares every column
    and updates the row in place. (3) A re-sent text with other tags is still an exact
    duplicate."""
    return hashlib.sha256(f"{title_raw}\n\n{body}".encode()).hexdigest()


def _site_time(value: str | None, name: str, reasons: list[str], naive_tz=KST):
    """ISO string -> aware datetime (ground.core.timeutil.parse_site_time); a zone-less site
    time is KST wall-clock (site doc). An unparseable one adds a reason and gives None."""
    if value is None or value == "":
        return None
    try:
        return parse_site_time(str(value), naive_tz)
    except ValueError:
        reasons.append(f"unparseable {name} {value!r}")
        return None


def _own_url(item: CrawledArticle) -> str:
    """The canonical URL, unless it names another article while the requested URL names this
    one (a re-sent page whose canonical link points at the original)."""
    def names_id(url: str | None) -> bool:
        path = (url or "").split("#", 1)[0].split("?", 1)[0]
        return path.rstrip("/").endswith("/" + item.article_id)

    if names_id(item.url) or not names_id(item.requested_url):
        return item.url
    parts = urlsplit(item.requested_url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def clean_item(item: CrawledArticle, run_id: str | None = None) -> ArticleRow:
    """CrawledArticle -> ArticleRow (story_id = own id, duplicate_of None until linking).

    Raises :class:`Unusable` only when no row can be built: missing/invalid article id,
    parse errors reported by the crawler, a non-200 page, unparseable times. An empty body
    or title still yields a row: the quality gate owns those expectations.
    """
    reasons: list[str] = []
    if not item.article_id or not ARTICLE_ID_RE.match(item.article_id):
        reasons.append(f"no valid article id ({item.article_id!r})")
    if item.parse_errors:
        reasons.extend(f"parse error: {e}" for e in item.parse_errors)
    if item.http_status != 200:
        reasons.append(f"HTTP status {item.http_status}")
    if not item.url:
        reasons.append("no canonical URL")
    published = _site_time(item.published_at, "published_at", reasons)
    updated = _site_time(item.updated_at, "updated_at", reasons)
    fetched = _site_time(item.fetched_at, "fetched_at", reasons, naive_tz=UTC)  # fetch times are UTC
    if fetched is None and not any("fetched_at" in r for r in reasons):
        reasons.append("no fetched_at")
    if reasons:
        raise Unusable(reasons)

    title_raw = normalize_text(item.title_raw)
    version_label, title = split_title(title_raw)
    body = clean_paragraphs(item.paragraphs, item.images)
    text = "\n\n".join(body.paragraphs)
    images = []
    for image in item.images or ():
        if isinstance(image, dict) and image.get("url"):
            images.append({**image, "caption": clean_caption(image.get("caption")),
                           "alt": normalize_text(image.get("alt")) or None})
    author_email = normalize_text(item.author_email) or (body.emails[0] if body.emails else None)
    first = body.paragraphs[0] if body.paragraphs else None
    fetched_utc = fetched.astimezone(UTC)
    return ArticleRow(
        article_id=item.article_id,
        url=_own_url(item),
        title=title,
        title_raw=title_raw,
        version_label=version_label,
        story_id=item.article_id,
        duplicate_of=None,
        section=normalize_text(item.section) or None,
        published_at=format_time(published),
        updated_at=format_time(updated),
        dateline=extract_dateline(first),
        lead=choose_lead(item.lead, first),
        body=text,
        author_email=author_email,
        images=images,
        word_count=word_count(text),
        content_hash=content_hash(title_raw, text),
        raw_uri=item.raw_uri,
        run_id=run_id or item.run_id,
        is_routine=is_routine(title) or is_table(text),  # a table is a routine item
        is_table=is_table(text),
        layout=item.layout,
        field_sources=dict(item.field_sources or {}),
        etag=item.etag,
        last_modified=item.last_modified,
        fetched_at=format_time(fetched_utc),
        byline=clean_byline(item.byline) or body.byline,
        editor_note=clean_editor_note(item.editor_note) or body.editor_note,
        keywords=clean_keywords(item.keywords),
        edition=edition_of_id(item.article_id).code,  # the id is valid here: AFR… or AEN…
        source=item.source,
        captured_at=item.captured_at,
    )
