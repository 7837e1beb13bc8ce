"""What every layout parser shares: the parsed page, and the parser interface.

Fundus style: one class per layout version, one method per field, each a pure function of
the page. A parser says how it recognizes its layout (``recognizes``); the registry asks the
registered parsers in turn and combines their answers with the metadata and generic layers.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar

from scrapers.parsers.text import norm_or_none, text_of

TRUNCATED = "truncated: no </html>"
NOT_HTML = "not HTML: no HTML markup in the first 8 KiB (a binary or text file?)"
# An HTML page shows one of these tags early; a PDF, an image, JSON or plain text does not.
_HTML_TAG_RE = re.compile(rb"<(?:!doctype\s+html|html|head|body|meta|title|div|p|article|main|section|script|link)[\s>/]",
                          re.IGNORECASE)


def looks_like_html(body: bytes) -> bool:
    """The bytes are an HTML page (or a piece of one): no NUL byte and an HTML tag early on."""
    start = body[:8192]
    return b"\x00" not in start and _HTML_TAG_RE.search(start) is not None


def html_complete(body: bytes) -> bool:
    """The page reached its end: ``</html>`` in its last 4 KiB (else it was cut in transit)."""
    tail = body[-4096:]
    return b"</html>" in tail or b"</html>" in tail.lower()


def _cls(name: str) -> str:
    """XPath predicate: element has CSS class ``name``."""
    return f'contains(concat(" ", normalize-space(@class), " "), " {name} ")'


def has_class(el, name: str) -> bool:
    return name in (el.get("class") or "").split()


def first_with_class(el, tag: str | None, name: str):
    """The first element under ``el`` (``el`` itself excluded) of ``tag`` (None: any) with
    CSS class ``name``, or None: a search of one landmark's subtree, never of the page."""
    for found in el.iter(tag) if tag else el.iter():
        if found is not el and has_class(found, name):
            return found
    return None


def all_with_class(el, tag: str | None, name: str) -> list:
    """Every element under ``el`` (``el`` excluded) of ``tag`` (None: any) with class ``name``."""
    return [f for f in (el.iter(tag) if tag else el.iter()) if f is not el and has_class(f, name)]


def text_outside(el, name: str) -> str:
    """The text of ``el`` without that of its descendants of class ``name`` (their tails kept)."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and not has_class(child, name):
            parts.append(text_outside(child, name))
        parts.append(child.tail or "")
    return "".join(parts)


# (tag, CSS class) of the landmarks every registered layout looks up (LayoutParser.LANDMARKS).
_LANDMARKS: set[tuple[str, str]] = set()


@functools.lru_cache(maxsize=4)
def _classes_by_tag(pairs: frozenset[tuple[str, str]]) -> dict[str, frozenset[str]]:
    by_tag: dict[str, set[str]] = {}
    for tag, name in pairs:
        by_tag.setdefault(tag, set()).add(name)
    return {tag: frozenset(names) for tag, names in by_tag.items()}


@dataclass
class Page:
    """One fetched page: raw bytes, URL, response headers, and its lxml tree (or None)."""

    body: bytes
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @cached_property
    def truncated(self) -> bool:
        return not html_complete(self.body)

    @cached_property
    def doc(self):
        """The page's lxml tree (plain ``etree`` elements: lxml.html's element classes cost a
        Python call per element the parsers touch), or None when there is nothing to parse."""
        from lxml import etree  # lazy: only parsing needs lxml; CLI start-up loads this

        if not self.body or not self.body.strip():
            return None
        encoding = _charset(self.headers) or "utf-8"
        try:
            try:
                self.body.decode(encoding)
            except UnicodeDecodeError:
                # Invalid bytes: decode the Python way (one U+FFFD per bad sequence) rather
                # than libxml2's, and parse the text.
                text = self.body.decode(encoding, errors="replace")
                return etree.fromstring(text, parser=etree.HTMLParser(remove_comments=True))
            except LookupError:
                encoding = "utf-8"  # unknown charset label: the site serves UTF-8
            return etree.fromstring(self.body, parser=_html_parser(encoding))
        except (etree.ParserError, etree.XMLSyntaxError, ValueError, LookupError):
            return None

    @cached_property
    def landmarks(self) -> dict[tuple[str, str], list]:
        """(tag, class) -> the page's elements of that tag and class, in document order, for
        every landmark a registered layout declares: found in one pass, so recognizes() and the
        field methods never search the whole page again (a real page has ~900 elements)."""
        index: dict[tuple[str, str], list] = {}
        wanted = frozenset(_LANDMARKS)
        if self.doc is None or not wanted:
            return index
        by_tag = _classes_by_tag(wanted)
        # lxml's tag-filtered iteration runs in C and skips every other element (an XPath
        # with class predicates costs more than the parse itself).
        for el in self.doc.iter(*by_tag):
            classes = el.get("class")
            if classes:
                names = by_tag[el.tag]
                for name in classes.split():
                    if name in names:
                        index.setdefault((el.tag, name), []).append(el)
        return index

    def landmark(self, tag: str, name: str):
        """The first ``tag`` element of class ``name`` in the page, or None."""
        found = self.landmarks.get((tag, name))
        return found[0] if found else None

    def xpath(self, expr: str) -> list[Any]:
        """Document-wide XPath, memoized (check-site's probes; the field methods use landmarks)."""
        if self.doc is None:
            return []
        cache = self.__dict__.setdefault("_xpath_cache", {})
        found = cache.get(expr)
        if found is None:
            found = cache[expr] = self.doc.xpath(expr)
        return found


@functools.lru_cache(maxsize=8)
def _html_parser(encoding: str):
    from lxml import etree  # lazy, as in Page.doc

    return etree.HTMLParser(encoding=encoding, remove_comments=True)


def _charset(headers: dict[str, str]) -> str | None:
    for key, value in headers.items():
        if key.lower() == "content-type" and "charset=" in value.lower():
            return value.lower().split("charset=", 1)[1].split(";")[0].strip().strip('"') or None
    return None


class LayoutParser:
    """One layout version of the article page. Subclasses implement every field method;
    a method returns None (or an empty list) when its selector found nothing."""

    layout: ClassVar[str] = ""
    # (tag, class) of the landmarks the methods look up through Page.landmark().
    LANDMARKS: ClassVar[tuple[tuple[str, str], ...]] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _LANDMARKS.update(cls.LANDMARKS)

    def __init__(self, page: Page):
        self.page = page

    @classmethod
    def recognizes(cls, page: Page) -> bool:
        raise NotImplementedError

    def _first_text(self, expr: str) -> str | None:
        """The first non-empty text (whitespace collapsed) of the elements ``expr`` selects."""
        for el in self.page.xpath(expr):
            value = norm_or_none(text_of(el))
            if value:
                return value
        return None

    # Fields, in CrawledArticle order.
    def title_raw(self) -> str | None:
        raise NotImplementedError

    def section(self) -> str | None:
        raise NotImplementedError

    def published_at(self) -> datetime | None:
        raise NotImplementedError

    def updated_at(self) -> datetime | None:
        raise NotImplementedError

    def paragraphs(self) -> list[str]:
        raise NotImplementedError

    def images(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def author_email(self) -> str | None:
        raise NotImplementedError

    # Round-2 fields: a layout without them keeps these defaults.
    def byline(self) -> str | None:
        return None

    def editor_note(self) -> str | None:
        return None

    def keywords(self) -> list[str]:
        return []

    def warnings(self) -> list[str]:
        """Oddities the layout noticed (recorded, never a reason to refuse the page)."""
        return []

    # What check-site prints: the selector each field method uses.
    selectors: ClassVar[dict[str, str]] = {}
    # What check-site probes on every fetched page (label -> XPath): the layout's landmarks,
    # so an operator sees which of them still match when the site drifts.
    probes: ClassVar[dict[str, str]] = {}
