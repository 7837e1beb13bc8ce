"""Small pure helpers shared by the parsers: whitespace, dates (French, English, CONTENT_DATA),
Cloudflare e-mails, caption notices, end markers, editor notes and bylines, and the block-text
flattener that turns body markup into paragraphs."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urljoin

from ground.core.schema import BYLINE_RE, EDITOR_NOTE_RE, END_MARKER_WORDS, USAGE_NOTICE
from ground.core.timeutil import KST, parse_site_time

_WS_RE = re.compile(r"[ \t\n\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_FRENCH_TIME_RE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\s*(?:à\s*)?(\d{1,2})\s*[h:]\s*(\d{2})")
_MONTHS_EN = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
              "october", "november", "december")
# English edition info line: "15:41 April 19, 2023" (KST).
_ENGLISH_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})\s+(" + "|".join(_MONTHS_EN) + r")\s+(\d{1,2}),\s*(\d{4})", re.I)
_COMPACT_TIME_RE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?\s*$")
_BR = "\x00"  # marker for <br> while flattening
_PARA_SPLIT_RE = re.compile(r"\s*" + _BR + r"(?:\s*" + _BR + r")+\s*")
_LINE_SPLIT_RE = re.compile(r"\s*" + _BR + r"\s*")
# End markers: the last part ends "(FIN)" / "(END)"; continued items "(A SUIVRE)" / "(MORE)".
END_MARKER_RE = re.compile(r"^\(\s*(?:" + END_MARKER_WORDS + r")\s*\)$", re.I)
EMAIL_PLACEHOLDER_RE = re.compile(r"^\[?\s*email\s*protected\s*\]?$", re.I)
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
EMAIL_LINE_RE = re.compile(r"^" + EMAIL_RE.pattern + r"$")
# "prenom.nom@yna.co.kr (FIN)" when the <br/> between them is missing.
_EMAIL_END_RE = re.compile(
    r"^(?:" + EMAIL_RE.pattern + r"|\[?\s*email\s*protected\s*\]?)\s*\(\s*(?:" + END_MARKER_WORDS + r")\s*\)$", re.I
)
# Photo usage notices, removed from captions (stored apart). "(Yonhap)" is not one.
NOTICES = (
    USAGE_NOTICE,
    "(PHOTO NOT FOR SALE)",
    "(For Use Only in the Republic of Korea. No Redistribution)",
)
_NOTICE_RES = tuple(
    re.compile(r"\(\s*" + r"\s+".join(re.escape(w) for w in n.strip("()").split()) + r"\s*\)", re.I)
    for n in NOTICES
)
# Editorial notes and bylines before the dateline: ground.core.schema.EDITOR_NOTE_RE, BYLINE_RE.
# "SEOUL, 19 juin (Yonhap) -- ", "WASHINGTON, April 18 (Yonhap) -- ": the dateline prefix.
DATELINE_RE = re.compile(r"^[^\n]{0,80}?\((?:Yonhap|AFP|AP|Reuters)[^)]*\)\s*(?:--|–|—)\s*")

# Block-level tags: a new paragraph starts before and after them.
BLOCK_TAGS = frozenset(
    "p div section article blockquote ul ol li h1 h2 h3 h4 h5 h6 table tr td th dl dt dd "
    "figure figcaption header footer aside nav main pre hr form".split()
)
# Never text of the article body.
SKIP_TAGS = frozenset("script style noscript template iframe object embed svg button input select form nav".split())


def clean(text: str | None) -> str:
    """Collapse every run of whitespace (incl. no-break spaces) to one space, strip."""
    if not text:
        return ""
    return _WS_RE.sub(" ", text).strip()


def text_of(el) -> str:
    """Visible text of an element: like text_content(), minus script/style contents (an
    injected <script> in a title must not become part of the title)."""
    if el.find(".//script") is None and el.find(".//style") is None:
        return "".join(el.itertext())
    return "".join(el.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]"))


def norm_or_none(text: str | None) -> str | None:
    value = clean(text)
    return value or None


def _kst_time(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime | None:
    """The KST wall-clock time the site shows; None for an impossible date or time."""
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=KST)
    except ValueError:
        return None


def french_datetime(text: str | None) -> datetime | None:
    """'19.06.2024 à 20h04' (KST) -> aware datetime; None when absent or invalid."""
    m = _FRENCH_TIME_RE.search(text or "")
    if not m:
        return None
    d, mo, y, hh, mm = (int(g) for g in m.groups())
    return _kst_time(y, mo, d, hh, mm)


def english_datetime(text: str | None) -> datetime | None:
    """'15:41 April 19, 2023' (KST, the English edition's info line) -> aware datetime."""
    m = _ENGLISH_TIME_RE.search(text or "")
    if not m:
        return None
    hh, mm, month, d, y = m.groups()
    return _kst_time(int(y), _MONTHS_EN.index(month.lower()) + 1, int(d), int(hh), int(mm))


def compact_datetime(text: str | None) -> datetime | None:
    """CONTENT_DATA's 'YYYYMMDDhhmmss' (KST) -> aware datetime."""
    m = _COMPACT_TIME_RE.match(text or "")
    if not m:
        return None
    y, mo, d, hh, mm, ss = (int(g) if g else 0 for g in m.groups())
    return _kst_time(y, mo, d, hh, mm, ss)


def iso_datetime(text: str | None) -> datetime | None:
    """ISO-8601 with an offset -> aware datetime in KST; a zone-less value is KST wall time."""
    if not text or not text.strip():
        return None
    try:
        return parse_site_time(text).astimezone(KST)
    except ValueError:
        return None


def decode_cfemail(hex_value: str | None) -> str | None:
    """Cloudflare e-mail obfuscation: byte 0 is the key, each later byte XOR key is a char."""
    if not hex_value:
        return None
    try:
        data = bytes.fromhex(hex_value.strip())
    except ValueError:
        return None
    if len(data) < 2:
        return None
    key = data[0]
    try:
        return bytes(b ^ key for b in data[1:]).decode("utf-8")
    except UnicodeDecodeError:
        return None


def cf_email_of(el) -> str | None:
    """The address behind a Cloudflare-protected link: ``data-cfemail="HEX"`` or an
    ``href="/cdn-cgi/l/email-protection#HEX"`` fragment."""
    hex_value = el.get("data-cfemail")
    if not hex_value:
        href = el.get("href") or ""
        if "email-protection#" in href:
            hex_value = href.split("#", 1)[1]
    email = decode_cfemail(hex_value)
    return clean(email) if email and "@" in email else None


def split_notice(text: str) -> tuple[str, str | None]:
    """Caption text -> (caption without the usage notice, the notice or None). A trailing
    "(Yonhap)" is part of the caption."""
    value = clean(text)
    for notice_re in _NOTICE_RES:
        m = notice_re.search(value)
        if m:
            return clean(value[: m.start()] + " " + value[m.end():]), clean(m.group(0))
    return value, None


def is_notice(text: str) -> bool:
    value = clean(text)
    return any(r.fullmatch(value) for r in _NOTICE_RES)


def is_boilerplate_paragraph(text: str) -> bool:
    """Lines (already clean) that are never body text: end markers, a usage notice alone, an
    e-mail line or its Cloudflare placeholder. Cheap for ordinary lines (10k-line pages)."""
    if not text:
        return True
    if text[0] == "(" and (END_MARKER_RE.match(text) is not None or is_notice(text)):
        return True
    if "@" in text or "protected" in text:
        return (
            EMAIL_PLACEHOLDER_RE.match(text) is not None
            or EMAIL_LINE_RE.match(text) is not None
            or _EMAIL_END_RE.match(text) is not None
        )
    return False


def editor_note_of(line: str) -> str | None:
    """'(ATTN : ajout de précisions)' -> 'ATTN : ajout de précisions'; None when not a note."""
    m = EDITOR_NOTE_RE.match(clean(line))
    return clean(m.group("note")) if m else None


def byline_of(line: str) -> str | None:
    """'Par Kim Min-ji et Park Jae-ho' -> 'Kim Min-ji et Park Jae-ho'; None when not a byline."""
    value = clean(line)
    if len(value) > 120:
        return None
    m = BYLINE_RE.match(value)
    return m.group("byline") if m else None


def strip_dateline(paragraph: str) -> str:
    """The paragraph without its dateline prefix ('SEOUL, 19 juin (Yonhap) -- ')."""
    m = DATELINE_RE.match(paragraph)
    if m:
        return paragraph[m.end():].strip()
    if " -- " in paragraph[:120]:
        return paragraph.split(" -- ", 1)[1].strip()
    return paragraph.strip()


def has_dateline(paragraph: str) -> bool:
    return DATELINE_RE.match(paragraph) is not None


def absolute_src(src: str, page_url: str) -> str:
    """Protocol-relative photo URLs ("//img6.yna.co.kr/…") are https; others resolve
    against the page."""
    src = src.strip()
    if src.startswith("//"):
        return "https:" + src
    return urljoin(page_url, src)


def flatten_blocks(el, skip, *, br_splits: bool = False) -> list[str]:
    """Paragraph texts of ``el`` in document order.

    Block elements end a paragraph, ``<br><br>`` splits one; a single ``<br>`` is a space,
    or (``br_splits``) also ends a paragraph, so every ``<br>``-separated line is its own.
    Elements for which ``skip(el)`` is true contribute nothing (their tail text still counts).
    """
    out: list[str] = []
    buf: list[str] = []
    splitter = _LINE_SPLIT_RE if br_splits else _PARA_SPLIT_RE

    def flush() -> None:
        if buf:
            joined = "".join(buf)
            for part in splitter.split(joined) if _BR in joined else (joined,):
                text = clean(part.replace(_BR, " "))
                if text:
                    out.append(text)
            buf.clear()

    def walk(node) -> None:
        if node.text:
            buf.append(node.text)
        for child in node:
            tag = child.tag
            tag = tag.lower() if isinstance(tag, str) else ""
            if not tag:  # comments, processing instructions
                pass
            elif tag in SKIP_TAGS or skip(child):
                if tag in BLOCK_TAGS or tag in SKIP_TAGS:
                    flush()
            elif tag == "br":
                buf.append(_BR)
            elif tag in BLOCK_TAGS:
                flush()
                walk(child)
                flush()
            else:
                walk(child)
            if child.tail:
                buf.append(child.tail)

    walk(el)
    flush()
    return out
