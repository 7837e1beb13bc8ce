"""What every layout parser shares: the parsed page, and the parser interface.

Fundus style: one class per layout version, one method per field, each a pure function of
the page. A parser says how it recognizes its layout (``recognizes``); the registry asks the
registered parsers in turn and combines their answers with the metadata and generic layers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar

from scrapers.parsers.text import norm_or_none, text_of

TRUNCATED = "truncated: no </html>"


def html_complete(body: bytes) -> bool:
    """The page reached its end: ``</html>`` in its last 4 KiB (else it was cut in transit)."""
    return b"</html>" in body[-4096:].lower()


def _cls(name: str) -> str:
    """XPath predicate: element has CSS class ``name``."""
    return f'contains(concat(" ", normalize-space(@class), " "), " {name} ")'


def has_class(el, name: str) -> bool:
    return name in (el.get("class") or "").split()


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
        from lxml import etree  # lazy: only parsing needs lxml; CLI start-up loads this
        from lxml import html as lxml_html  # lazy: as above

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
                return lxml_html.fromstring(text, parser=lxml_html.HTMLParser(remove_comments=True))
            except LookupError:
                encoding = "utf-8"  # unknown charset label: the site serves UTF-8
            parser = lxml_html.HTMLParser(encoding=encoding, remove_comments=True)
            return lxml_html.fromstring(self.body, parser=parser)
        except (etree.ParserError, ValueError, LookupError):
            return None

    def xpath(self, expr: str) -> list[Any]:
        """Document-wide XPath, memoized: recognizes() and the field methods share queries."""
        if self.doc is None:
            return []
        cache = self.__dict__.setdefault("_xpath_cache", {})
        found = cache.get(expr)
        if found is None:
            found = cache[expr] = self.doc.xpath(expr)
        return found


def _charset(headers: dict[str, str]) -> str | None:
    for key, value in headers.items():
        if key.lower() == "content-type" and "charset=" in value.lower():
            return value.lower().split("charset=", 1)[1].split(";")[0].strip().strip('"') or None
    return None


class LayoutParser:
    """One layout version of the article page. Subclasses implement every field method;
    a method returns None (or an empty list) when its selector found nothing."""

    layout: ClassVar[str] = ""

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
