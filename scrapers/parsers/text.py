"""Small pure helpers shared by the parsers: whitespace, French dates, Cloudflare e-mails,
and the block-text flattener that turns body markup into paragraphs."""

from __future__ import annotations

import re
from datetime import datetime

from yonhap.schema import USAGE_NOTICE
from yonhap.timeutil import KST

_WS_RE = re.compile(r"[ \t\n\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_FRENCH_TIME_RE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\s*(?:à\s*)?(\d{1,2})\s*[h:]\s*(\d{2})")
_BR = "\x00"  # marker for <br> while flattening
_PARA_SPLIT_RE = re.compile(r"\s*" + _BR + r"(?:\s*" + _BR + r")+\s*")
FIN_RE = re.compile(r"^\(\s*FIN\s*\)$")
EMAIL_PLACEHOLDER_RE = re.compile(r"^\[?\s*email\s*protected\s*\]?$", re.I)

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
        return el.text_content()
    return "".join(el.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]"))


def norm_or_none(text: str | None) -> str | None:
    value = clean(text)
    return value or None


def french_datetime(text: str | None) -> datetime | None:
    """'19.06.2024 à 20h04' (KST) -> aware datetime; None when absent or invalid."""
    m = _FRENCH_TIME_RE.search(text or "")
    if not m:
        return None
    d, mo, y, hh, mm = (int(g) for g in m.groups())
    try:
        return datetime(y, mo, d, hh, mm, tzinfo=KST)
    except ValueError:
        return None


def iso_datetime(text: str | None) -> datetime | None:
    """ISO-8601 with an offset -> aware datetime in KST; a zone-less value is KST wall time."""
    if not text or not text.strip():
        return None
    value = text.strip().replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=KST)
    return dt.astimezone(KST)


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
    """Caption text -> (caption without the usage notice, the notice or None)."""
    value = clean(text)
    notice = clean(USAGE_NOTICE)
    if notice in value:
        return clean(value.replace(notice, " ")), notice
    return value, None


def is_boilerplate_paragraph(text: str) -> bool:
    """Lines that are never body text: '(FIN)', the usage notice, the e-mail placeholder."""
    return (
        not text
        or FIN_RE.match(text) is not None
        or text == clean(USAGE_NOTICE)
        or EMAIL_PLACEHOLDER_RE.match(text) is not None
    )


def _local(tag) -> str:
    return tag.lower() if isinstance(tag, str) else ""


def flatten_blocks(el, skip) -> list[str]:
    """Paragraph texts of ``el`` in document order.

    Block elements end a paragraph, ``<br><br>`` splits one, a single ``<br>`` is a space;
    elements for which ``skip(el)`` is true contribute nothing (their tail text still counts).
    """
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            for part in _PARA_SPLIT_RE.split("".join(buf)):
                text = clean(part.replace(_BR, " "))
                if text:
                    out.append(text)
            buf.clear()

    def walk(node) -> None:
        if node.text:
            buf.append(node.text)
        for child in node:
            tag = _local(child.tag)
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
