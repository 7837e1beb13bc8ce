"""The generic layer: trafilatura, the last resort when neither metadata nor a layout parser
found a field. Imported lazily (trafilatura is slow to import and to run)."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from scrapers.parsers.base import Page
from scrapers.parsers.text import (
    byline_of,
    clean,
    editor_note_of,
    is_boilerplate_paragraph,
    iso_datetime,
    split_notice,
)


class GenericExtractor:
    def __init__(self, page: Page):
        self.page = page

    @cached_property
    def _document(self):
        import trafilatura  # lazy: ~0.1 s; only pages the other layers miss need it

        if self.page.doc is None:
            return None
        try:
            return trafilatura.bare_extraction(
                self.page.body,
                url=self.page.url,
                with_metadata=True,
                include_comments=False,
                include_tables=False,
                include_images=False,
                favor_precision=True,
            )
        except Exception:  # trafilatura can fail on odd markup; the layer then has nothing
            return None

    def title(self) -> str | None:
        doc = self._document
        return clean(doc.title) or None if doc is not None and doc.title else None

    def published_at(self) -> datetime | None:
        doc = self._document
        if doc is None or not doc.date:
            return None
        return iso_datetime(doc.date)  # a bare date means midnight KST: better than nothing

    def paragraphs(self) -> list[str]:
        doc = self._document
        if doc is None or not doc.text:
            return []
        title = self.title()
        out = []
        for line in doc.text.split("\n"):
            text, _notice = split_notice(line)
            if is_boilerplate_paragraph(text) or (title and text == title):
                continue
            if not out and (editor_note_of(text) or byline_of(text)):
                continue  # an editorial note or byline before the dateline is not body text
            out.append(text)
        return out
