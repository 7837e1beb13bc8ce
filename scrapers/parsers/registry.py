"""The parser registry and the layered extraction of one article page.

For each field: metadata (JSON-LD, then OpenGraph/article meta, then the page's CONTENT_DATA,
which counts as "meta") when it carries the field, then the layout parser that recognized the
page, then the generic layer (trafilatura). The layer that produced each field is recorded in
``field_sources`` so a site redesign shows up as a shift from "selector" to "generic".

Errors (-> quarantine): truncated page, missing title / body / published_at (and, in
build_item, a canonical id that is not the requested one). Warnings (recorded on the item,
never a reason to refuse it): invalid JSON-LD, no CONTENT_DATA, titles that disagree, …
Pure: bytes + url + headers in, fields out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ground.core.schema import LAYER_GENERIC, LAYER_META, LAYER_SELECTOR, CrawledArticle
from scrapers.canonical import article_id_from_url, canonicalize
from scrapers.parsers.base import NOT_HTML, TRUNCATED, LayoutParser, Page, looks_like_html
from scrapers.parsers.generic import GenericExtractor
from scrapers.parsers.metadata import Metadata, dedupe_tags, strip_site_suffix
from scrapers.parsers.redesign import RedesignParser
from scrapers.parsers.text import clean, strip_dateline
from scrapers.parsers.yna_cms import YnaCmsParser

UNRECOGNIZED = "unrecognized"
# Production: the layouts the real site serves (docs/site.md), nothing else.
DEFAULT_PARSERS: tuple[type[LayoutParser], ...] = (YnaCmsParser,)
# The replica's simulated redesign has a parser too, but only the replica's tests and runs
# register it, by name (``parsers=[…]`` or YONHAP_PARSERS): a guessed layout must never decide
# what a real page yields.
REPLICA_PARSERS: tuple[type[LayoutParser], ...] = (YnaCmsParser, RedesignParser)
PARSERS_BY_NAME = {p.layout: p for p in REPLICA_PARSERS}
# Comma-separated layout names; unset = DEFAULT_PARSERS (see Registry.from_names).
PARSERS_ENV = "YONHAP_PARSERS"


@dataclass
class Extraction:
    """Extracted fields of one page (CrawledArticle field names), their layers, errors (the
    item is quarantined) and warnings (recorded only)."""

    fields: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    layout: str | None = None
    warnings: list[str] = field(default_factory=list)


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt is not None else None


class Registry:
    """The layout parsers in the order they are asked; configurable (tests register only one,
    or the replica's set)."""

    def __init__(self, parsers: tuple[type[LayoutParser], ...] | list[type[LayoutParser]] = DEFAULT_PARSERS):
        self.parsers = tuple(parsers)

    @classmethod
    def from_names(cls, names: list[str] | None) -> Registry:
        if names is None:
            # Test hook (reliability suite): the CLI subprocess has no parser option.
            names = [n.strip() for n in os.environ.get(PARSERS_ENV, "").split(",") if n.strip()]
        if not names:
            return cls()
        unknown = [n for n in names if n not in PARSERS_BY_NAME]
        if unknown:
            raise ValueError(f"unknown parser(s) {unknown}; known: {sorted(PARSERS_BY_NAME)}")
        return cls([PARSERS_BY_NAME[n] for n in names])

    def parser_for(self, page: Page) -> LayoutParser | None:
        for parser_cls in self.parsers:
            if parser_cls.recognizes(page):
                return parser_cls(page)
        return None

    def extract(self, body: bytes, url: str, headers: dict[str, str] | None = None) -> Extraction:
        page = Page(body=body or b"", url=url, headers=dict(headers or {}))
        result = Extraction()
        if page.body.strip() and not looks_like_html(page.body):
            result.errors.append(NOT_HTML)  # not a page at all: no layout, nothing truncated
            return result
        if page.truncated:
            result.errors.append(TRUNCATED)
        if page.doc is None:
            result.errors.append("unparseable: empty or not HTML")
            return result
        meta = Metadata(page.doc)
        result.warnings.extend(meta.warnings)
        parser = self.parser_for(page)
        result.layout = parser.layout if parser else UNRECOGNIZED
        generic = GenericExtractor(page)

        def take(name: str, *candidates) -> None:
            """First non-empty candidate wins; each candidate is (callable, layer)."""
            for getter, layer in candidates:
                if getter is None:
                    continue
                value = getter()
                if isinstance(value, tuple):  # metadata accessors return (value, layer)
                    value, layer = value
                if value not in (None, "", []):
                    result.fields[name] = value
                    result.sources[name] = layer
                    return

        sel = parser  # shorthand; None when no layout matched
        take(
            "title_raw",
            (meta.title, None),
            (sel and sel.title_raw, LAYER_SELECTOR),
            (lambda: strip_site_suffix(generic.title(), meta.site_name), LAYER_GENERIC),
        )
        result.warnings.extend(_title_warnings(meta, sel))
        take("section", (meta.section, None), (sel and sel.section, LAYER_SELECTOR))
        take(
            "published_at",
            (meta.published_at, None),
            (sel and sel.published_at, LAYER_SELECTOR),
            (generic.published_at, LAYER_GENERIC),
        )
        take("updated_at", (meta.updated_at, None), (sel and sel.updated_at, LAYER_SELECTOR))
        take("paragraphs", (sel and sel.paragraphs, LAYER_SELECTOR), (generic.paragraphs, LAYER_GENERIC))
        take("byline", (sel and sel.byline, LAYER_SELECTOR))
        take("editor_note", (sel and sel.editor_note, LAYER_SELECTOR))
        self._keywords(result, meta, sel)
        if sel is not None:
            # The layout parser is authoritative for images: no figure means no photo (og:image
            # then is usually the site logo).
            images = sel.images()
            result.fields["images"] = images
            if images:
                result.sources["images"] = LAYER_SELECTOR
            result.warnings.extend(sel.warnings())
        else:
            take("images", (lambda: _meta_images(meta), None))
        take("author_email", (meta.author_email, None), (sel and sel.author_email, LAYER_SELECTOR))
        paragraphs = result.fields.get("paragraphs") or []
        # The lead is the whole first paragraph minus its dateline, never og:description.
        take("lead", (lambda: lead_from(paragraphs), result.sources.get("paragraphs", LAYER_SELECTOR)))
        take("url", (meta.url, None))

        for key in ("published_at", "updated_at"):
            if key in result.fields:
                result.fields[key] = _iso(result.fields[key])
        if "url" in result.fields:
            result.fields["url"] = canonicalize(result.fields["url"], url)
        if "title_raw" not in result.fields:
            result.errors.append("missing: title")
        if not paragraphs:
            result.errors.append("missing: body")
        if "published_at" not in result.fields:
            result.errors.append("missing: published_at")
        result.warnings = list(dict.fromkeys(result.warnings))
        return result

    @staticmethod
    def _keywords(result: Extraction, meta: Metadata, sel: LayoutParser | None) -> None:
        """CONTENT_DATA KEYWORD first (meta), then the page's tag list (selector): page order,
        deduplicated; a disagreement between the two is a warning."""
        from_meta, _ = meta.keywords()
        from_page = sel.keywords() if sel is not None else []
        tags = dedupe_tags([*from_meta, *from_page])
        result.fields["keywords"] = tags
        if tags:
            result.sources["keywords"] = LAYER_META if from_meta else LAYER_SELECTOR
        if from_meta and from_page and from_meta != from_page:
            result.warnings.append("keywords: CONTENT_DATA KEYWORD differs from the page's tag list")


def _title_warnings(meta: Metadata, sel: LayoutParser | None) -> list[str]:
    head = meta.head_title()
    out = []
    cd_title = meta.content_data_title()
    if head and cd_title and clean(head) != clean(cd_title):
        out.append("title: CONTENT_DATA title differs from og:title")
    page_title = sel.title_raw() if sel is not None else None
    reference = head or cd_title
    if reference and page_title and clean(page_title) != clean(reference):
        out.append("title: page h1 differs from og:title")
    return out


def lead_from(paragraphs: list[str]) -> str | None:
    """The whole first paragraph without its dateline prefix ("SEOUL, 19 juin (Yonhap) -- ")."""
    if not paragraphs:
        return None
    return strip_dateline(paragraphs[0]) or None


def _meta_images(meta: Metadata) -> tuple[list[dict[str, Any]], str | None]:
    urls, layer = meta.image_urls()
    images = [{"url": u, "alt": None, "caption": None, "notice": None} for u in urls]
    return images, layer


def build_item(
    extraction: Extraction,
    *,
    requested_url: str,
    base_url: str,
    http_status: int,
    fetched_at: str,
    run_id: str,
    etag: str | None = None,
    last_modified: str | None = None,
    raw_uri: str | None = None,
) -> CrawledArticle:
    """The item for one article response; the article id comes from the requested URL (the
    canonical link must agree, else it is a parse error)."""
    requested = canonicalize(requested_url, base_url)
    article_id = article_id_from_url(requested) or ""
    errors = list(extraction.errors)
    url = extraction.fields.get("url") or requested
    canonical_id = article_id_from_url(url)
    if not article_id:
        errors.append(f"bad url: no article id in {requested_url}")
        article_id = canonical_id or ""
    elif canonical_id != article_id:
        if canonical_id is not None:
            errors.append(f"mismatch: canonical id {canonical_id} != requested {article_id}")
        url = requested
    fields = {k: v for k, v in extraction.fields.items() if k != "url"}
    return CrawledArticle(
        article_id=article_id,
        url=url,
        requested_url=requested_url,
        http_status=http_status,
        fetched_at=fetched_at,
        run_id=run_id,
        etag=etag,
        last_modified=last_modified,
        layout=extraction.layout,
        field_sources=dict(extraction.sources),
        parse_errors=errors,
        parse_warnings=list(extraction.warnings),
        raw_uri=raw_uri,
        **fields,
    )


__all__ = ["Registry", "Extraction", "build_item", "DEFAULT_PARSERS", "REPLICA_PARSERS", "LAYER_META"]
