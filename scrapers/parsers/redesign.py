"""The redesigned article layout (``main.article-view``): ``header.article-head`` with
``h2.headline`` and ``<time datetime>``, body ``section.article-body`` of ``div.paragraph``
blocks, photos in ``div.media-block``, e-mail in ``address.reporter-mail``, byline in
``p.byline`` and editorial note in ``p.editor-note``. The head (og:title with its site suffix,
article:* meta, CONTENT_DATA) is the same as on the yna-cms template."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any

from scrapers.parsers.base import LayoutParser, Page, _cls, all_with_class, first_with_class
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
    LANDMARKS = (("main", "article-view"), ("div", "keyword-zone01"))

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

    # The methods below find the landmarks through Page.landmarks and search only inside them;
    # the XPaths above are what check-site prints.
    @classmethod
    def recognizes(cls, page: Page) -> bool:
        root = page.landmark("main", "article-view")
        return root is not None and first_with_class(root, "section", "article-body") is not None

    @cached_property
    def _root(self):
        return self.page.landmark("main", "article-view")

    @cached_property
    def _head(self):
        return first_with_class(self._root, "header", "article-head") if self._root is not None else None

    @cached_property
    def _body(self):
        return first_with_class(self._root, "section", "article-body") if self._root is not None else None

    def _text_in(self, el, tag: str | None, name: str) -> str | None:
        """The first non-empty text of a ``tag`` of class ``name`` under ``el``."""
        for found in all_with_class(el, tag, name) if el is not None else ():
            value = norm_or_none(text_of(found))
            if value:
                return value
        return None

    def _time(self, modified: bool) -> datetime | None:
        for el in self._head.iter("time") if self._head is not None else ():
            if ("modified" in (el.get("class") or "").split()) == modified:
                dt = iso_datetime(el.get("datetime"))
                if dt is not None:
                    return dt
        return None

    def title_raw(self) -> str | None:
        return self._text_in(self._head, None, "headline")

    def section(self) -> str | None:
        return self._text_in(self._head, None, "category")

    def published_at(self) -> datetime | None:
        return self._time(modified=False)

    def updated_at(self) -> datetime | None:
        return self._time(modified=True)

    def paragraphs(self) -> list[str]:
        if self._body is None:
            return []
        return [p for p in flatten_blocks(self._body, _skip_in_body) if not is_boilerplate_paragraph(p)]

    def images(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for block in all_with_class(self._body, "div", "media-block") if self._body is not None else ():
            img = next(block.iter("img"), None)
            if img is None:
                continue
            src = img.get("data-src") or img.get("src")
            if not src:
                continue
            text = first_with_class(block, None, "media-text")
            notice = first_with_class(block, None, "media-notice")
            caption, inline_notice = split_notice(text_of(text)) if text is not None else ("", None)
            out.append(
                {
                    "url": absolute_src(src, self.page.url),
                    "alt": norm_or_none(img.get("alt")),
                    "caption": caption or None,
                    "notice": (norm_or_none(text_of(notice)) if notice is not None else None) or inline_notice,
                }
            )
        return out

    def author_email(self) -> str | None:
        root = self._root
        if root is None:
            return None
        for el in root.iter():
            if el.get("data-cfemail") is not None or "email-protection#" in (el.get("href") or ""):
                email = cf_email_of(el)
                if email:
                    return email
        for el in all_with_class(root, "address", "reporter-mail"):
            m = EMAIL_RE.search(text_of(el))
            if m:
                return m.group(0)
        return None

    def byline(self) -> str | None:
        """'Par Kim Min-ji' -> 'Kim Min-ji' (a bare name is kept as written)."""
        text = self._text_in(self._root, "p", "byline")
        return (byline_of(text) or text) if text else None

    def editor_note(self) -> str | None:
        """'(NDLR : …)' -> 'NDLR : …'."""
        text = self._text_in(self._root, "p", "editor-note")
        return (editor_note_of(text) or text.strip("() ") or None) if text else None

    def keywords(self) -> list[str]:
        links = []
        for nav in all_with_class(self._root, "nav", "article-tags") if self._root is not None else ():
            links += list(nav.iter("a"))
        for zone in self.page.landmarks.get(("div", "keyword-zone01"), ()):
            for listing in all_with_class(zone, "div", "list"):
                links += list(listing.iter("a"))
        return dedupe_tags(text_of(a) for a in links)
