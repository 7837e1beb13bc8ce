"""The redesigned article layout (``main.article-view``): ``header.article-head`` with
``h2.headline`` and ``<time datetime>``, body ``section.article-body`` of ``div.paragraph``
blocks, photos in ``div.media-block``, e-mail in ``address.reporter-mail``, byline in
``p.byline`` and editorial note in ``p.editor-note``. The head (og:title with its site suffix,
article:* meta, CONTENT_DATA) is the same as on the yna-cms template."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scrapers.parsers.base import LayoutParser, Page, _cls
from scrapers.parsers.metadata import dedupe_tags
from scrapers.parsers.text import (
    EMAIL_RE,
    absolute_src,
    byline_of,
    cf_email_of,
    editor_note_of,
    flatten_blocks,
    is_boilerplate_paragraph,
    iso_datetime,
    norm_or_none,
    split_notice,
    text_of,
)

BODY_SKIP_CLASSES = frozenset(
    {"media-block", "media-caption", "end-mark", "reporter-mail", "reporter-card", "related-articles",
     "banner", "ad", "ads", "share", "byline", "editor-note", "keyword-zone01", "keywords"}
)


def _skip_in_body(el) -> bool:
    classes = set((el.get("class") or "").split())
    return bool(classes & BODY_SKIP_CLASSES) or el.tag in ("address", "aside", "nav", "picture", "figure")


class RedesignParser(LayoutParser):
    layout = "redesign-v1"

    ROOT = f"//main[{_cls('article-view')}]"
    HEAD = f"{ROOT}//header[{_cls('article-head')}]"
    BODY = f"{ROOT}//section[{_cls('article-body')}]"
    selectors = {
        "title_raw": f"{HEAD}//*[{_cls('headline')}]",
        "section": f"{HEAD}//*[{_cls('category')}]",
        "published_at": f"{HEAD}//time[not({_cls('modified')})]/@datetime",
        "updated_at": f"{HEAD}//time[{_cls('modified')}]/@datetime",
        "paragraphs": f"{BODY}//div[{_cls('paragraph')}] (minus end-mark, media, reporter)",
        "images": f"{BODY}//div[{_cls('media-block')}]",
        "author_email": f"{ROOT}//*[contains(@href, 'email-protection#') or @data-cfemail]",
        "author_email_plain": f"{ROOT}//address[{_cls('reporter-mail')}]",
        "byline": f"{ROOT}//p[{_cls('byline')}]",
        "editor_note": f"{ROOT}//p[{_cls('editor-note')}]",
        "keywords": f"{ROOT}//nav[{_cls('article-tags')}]//a | //div[{_cls('keyword-zone01')}]//div[{_cls('list')}]//a",
    }

    probes = {
        "main.article-view": ROOT,
        "header.article-head .headline": f"{HEAD}//*[{_cls('headline')}]",
        "section.article-body": BODY,
        "div.paragraph": f"{BODY}//div[{_cls('paragraph')}]",
        "div.media-block": f"{BODY}//div[{_cls('media-block')}]",
        "p.byline": f"{ROOT}//p[{_cls('byline')}]",
        "p.editor-note": f"{ROOT}//p[{_cls('editor-note')}]",
        "nav.article-tags a": f"{ROOT}//nav[{_cls('article-tags')}]//a",
    }

    @classmethod
    def recognizes(cls, page: Page) -> bool:
        return bool(page.xpath(cls.ROOT)) and bool(page.xpath(cls.BODY))

    def _first_time(self, expr: str) -> datetime | None:
        for value in self.page.xpath(expr):
            dt = iso_datetime(str(value))
            if dt is not None:
                return dt
        return None

    def title_raw(self) -> str | None:
        return self._first_text(self.selectors["title_raw"])

    def section(self) -> str | None:
        return self._first_text(self.selectors["section"])

    def published_at(self) -> datetime | None:
        return self._first_time(self.selectors["published_at"])

    def updated_at(self) -> datetime | None:
        return self._first_time(self.selectors["updated_at"])

    def paragraphs(self) -> list[str]:
        bodies = self.page.xpath(self.BODY)
        if not bodies:
            return []
        return [p for p in flatten_blocks(bodies[0], _skip_in_body) if not is_boilerplate_paragraph(p)]

    def images(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for block in self.page.xpath(self.selectors["images"]):
            imgs = block.xpath(".//img")
            if not imgs:
                continue
            src = imgs[0].get("data-src") or imgs[0].get("src")
            if not src:
                continue
            text = block.xpath(f".//*[{_cls('media-text')}]")
            notice = block.xpath(f".//*[{_cls('media-notice')}]")
            caption, inline_notice = split_notice(text_of(text[0])) if text else ("", None)
            out.append(
                {
                    "url": absolute_src(src, self.page.url),
                    "alt": norm_or_none(imgs[0].get("alt")),
                    "caption": caption or None,
                    "notice": (norm_or_none(text_of(notice[0])) if notice else None) or inline_notice,
                }
            )
        return out

    def author_email(self) -> str | None:
        for el in self.page.xpath(self.selectors["author_email"]):
            email = cf_email_of(el)
            if email:
                return email
        for el in self.page.xpath(self.selectors["author_email_plain"]):
            m = EMAIL_RE.search(text_of(el))
            if m:
                return m.group(0)
        return None

    def byline(self) -> str | None:
        """'Par Kim Min-ji' -> 'Kim Min-ji' (a bare name is kept as written)."""
        text = self._first_text(self.selectors["byline"])
        return (byline_of(text) or text) if text else None

    def editor_note(self) -> str | None:
        """'(NDLR : …)' -> 'NDLR : …'."""
        text = self._first_text(self.selectors["editor_note"])
        return (editor_note_of(text) or text.strip("() ") or None) if text else None

    def keywords(self) -> list[str]:
        return dedupe_tags(text_of(a) for a in self.page.xpath(self.selectors["keywords"]))
