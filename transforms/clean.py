"""Field cleaning: pure functions over the crawler's extracted strings.

* :func:`split_title` — version prefix (``URGENT``, ``LD``, ``2e LD`` …) vs clean title; other
  bracketed tags such as ``(Interview)`` stay in the title.
* :func:`clean_paragraphs` — the second line of defense against page furniture that reached
  the body (the parsers remove it first): skip links, cookie banner, photo captions and their
  usage notice, the obfuscated e-mail line, ``(FIN)``, the section/date line, the footer.
* :func:`extract_dateline` — ``SEOUL, 19 juin (Yonhap)`` from the first paragraph (the
  paragraph itself keeps it: the body starts with the dateline).
* :func:`is_routine` — the daily templated items (market openings/closings, press review, …).

All text goes through :func:`transforms.normalize.normalize_text` first.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from transforms.normalize import fold, normalize_text, split_paragraphs, word_count
from yonhap.schema import USAGE_NOTICE, ArticleRow, CrawledArticle, format_time
from yonhap.timeutil import ARTICLE_ID_RE, KST, UTC

# --- title -------------------------------------------------------------------------------

URGENT = "URGENT"
LD = "LD"
# "(URGENT)", "(LD)", "(2e LD)", "(3ème LD)" … at the very start of the title.
_VERSION_RE = re.compile(
    r"^\(\s*(?:(?P<urgent>urgent)|(?:(?P<n>\d{1,2})\s*(?:e|ème|eme|è)\s+)?(?P<ld>ld))\s*\)\s*",
    re.IGNORECASE,
)


def split_title(title_raw: str) -> tuple[str | None, str]:
    """``"(2e LD) Poutine : …"`` -> ``("2e LD", "Poutine : …")``; no prefix -> ``(None, title)``."""
    text = normalize_text(title_raw)
    m = _VERSION_RE.match(text)
    if not m:
        return None, text
    if m.group("urgent"):
        label = URGENT
    elif m.group("n") and int(m.group("n")) > 1:
        label = f"{int(m.group('n'))}e {LD}"
    else:
        label = LD  # "(1e LD)" is just the first update
    return label, text[m.end():].strip()


def version_rank(label: str | None) -> int:
    """Order of versions inside a story: URGENT flash 0, original 1, LD 2, 2e LD 3, …"""
    if label is None:
        return 1
    if label == URGENT:
        return 0
    if label == LD:
        return 2
    m = re.match(r"^(\d+)e LD$", label)
    return int(m.group(1)) + 1 if m else 1


# --- routine items -----------------------------------------------------------------------

# Daily templated items (site doc, "Title prefixes and story semantics").
ROUTINE_TITLES = (
    "KOSPI-ouverture",
    "KOSDAQ-ouverture",
    "FOREX-ouverture",
    "KOSPI-clôture",
    "KOSDAQ-clôture",
    "FOREX-clôture",
    "FOREX-Cours à 15h30",
    "Les principaux titres des quotidiens coréens",
    "Un jour dans l'histoire de la Corée",
)


def _title_key(title: str) -> str:
    return " ".join(re.findall(r"\w+", fold(title)))


_ROUTINE_KEYS = tuple(_title_key(t) for t in ROUTINE_TITLES)


def is_routine(title: str) -> bool:
    """True for the daily templated items (title equal to, or starting with, a known one)."""
    key = _title_key(title)
    return any(key == r or key.startswith(r + " ") for r in _ROUTINE_KEYS)


# --- body --------------------------------------------------------------------------------

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_EMAIL_PLACEHOLDER_RE = re.compile(r"\[\s*email\s+protected\s*\]", re.IGNORECASE)
_FIN_RE = re.compile(r"\s*\(\s*FIN\s*\)\s*$")
_SKIP_LINKS_RE = re.compile(r"^(?:go to (?:contents|navigation)\s*)+$")
_FOOTER_RE = re.compile(r"^(?:accueil\s*)?(?:haut de page)$|^accueil$")
# The same furniture glued to real text when a fallback extractor merged blocks.
_GLUED_SKIP_LINKS_RE = re.compile(r"^(?:Go to (?:Contents|Navigation)\s*)+", re.IGNORECASE)
_GLUED_FOOTER_RE = re.compile(r"\s*Accueil\s+Haut de page\s*$", re.IGNORECASE)
# "Actualités 19.06.2024 à 20h04", "Mis à jour 19.06.2024 à 21h10" (the info line under the title)
_INFO_LINE_RE = re.compile(r"^[\w/ -]{0,40}\d{2}\.\d{2}\.\d{4} a \d{1,2}h\d{2}$")
_COOKIE_WORDS = ("accept", "politique", "voir en detail", "continuant", "parametr")
_USAGE_KEY = fold(USAGE_NOTICE)

# Why a paragraph was removed (reported in the cleaning counters).
DROP_SKIP_LINKS = "skip links"
DROP_COOKIES = "cookie banner"
DROP_CAPTION = "photo caption"
DROP_EMAIL = "e-mail line"
DROP_FIN = "(FIN)"
DROP_FOOTER = "footer"
DROP_INFO_LINE = "section/date line"


@dataclass
class CleanBody:
    paragraphs: list[str]
    emails: list[str] = field(default_factory=list)  # addresses found on e-mail-only lines
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
        if "FIN" in paragraph and _FIN_RE.search(paragraph):
            paragraph = _FIN_RE.sub("", paragraph)
            reason = DROP_FIN
        if not paragraph:  # nothing but furniture
            drop(reason or DROP_FIN)
            continue
        if "@" in paragraph and len(paragraph) <= _SHORT and _EMAIL_RE.fullmatch(paragraph):
            out.emails.append(paragraph)
            drop(DROP_EMAIL)
            continue
        out.paragraphs.append(paragraph)
    return out


def clean_lead(lead: str | None) -> str | None:
    text = normalize_text(lead)
    text = normalize_text(text.replace(USAGE_NOTICE, " "))
    return text or None


def clean_caption(caption: str | None) -> str | None:
    """Captions are stored without the usage notice."""
    return clean_lead(caption)


# --- dateline ----------------------------------------------------------------------------

# "SEOUL, 19 juin (Yonhap)", "PYONGYANG/SEOUL, 1er juillet (Yonhap)", "NEW YORK, 3 mai 2024 (Yonhap)"
_DATELINE_RE = re.compile(
    r"^(?P<dateline>[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’ ./-]{1,60}, \d{1,2}(?:er)? [a-zéèêûôîàç.]+(?: \d{4})? \(Yonhap\))"
)


def extract_dateline(first_paragraph: str | None) -> str | None:
    if not first_paragraph:
        return None
    m = _DATELINE_RE.match(first_paragraph)
    return m.group("dateline") if m else None


# --- one item -> one row -----------------------------------------------------------------


class Unusable(ValueError):
    """The item cannot become a row; ``reasons`` say why (it becomes a transform reject)."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def content_hash(title_raw: str, body: str) -> str:
    """sha256 hex of the normalized title (as published) and the clean body."""
    return hashlib.sha256(f"{title_raw}\n\n{body}".encode()).hexdigest()


def _site_time(value: str | None, name: str, reasons: list[str], naive_tz=None):
    """ISO string -> aware datetime; a zone-less site time is KST wall-clock (site doc)."""
    naive_tz = naive_tz or KST
    if value is None or value == "":
        return None
    try:
        dt = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        reasons.append(f"unparseable {name} {value!r}")
        return None
    return dt.replace(tzinfo=naive_tz) if dt.tzinfo is None else dt


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
        dateline=extract_dateline(body.paragraphs[0] if body.paragraphs else None),
        lead=clean_lead(item.lead),
        body=text,
        author_email=author_email,
        images=images,
        word_count=word_count(text),
        content_hash=content_hash(title_raw, text),
        raw_uri=item.raw_uri,
        run_id=run_id or item.run_id,
        is_routine=is_routine(title),
        layout=item.layout,
        field_sources=dict(item.field_sources or {}),
        etag=item.etag,
        last_modified=item.last_modified,
        fetched_at=format_time(fetched_utc),
    )
