"""The metadata layer: JSON-LD NewsArticle, then OpenGraph / article:* meta and the canonical
link. Layout-independent, so it survives redesigns; tried before any site selector."""

from __future__ import annotations

import json
from datetime import datetime

from scrapers.parsers.text import clean, iso_datetime, norm_or_none
from yonhap.schema import LAYER_JSONLD, LAYER_META

_ARTICLE_TYPES = {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle"}


def _walk_jsonld(data):
    if isinstance(data, list):
        for item in data:
            yield from _walk_jsonld(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _walk_jsonld(data["@graph"])


def _types(obj: dict) -> set[str]:
    t = obj.get("@type")
    return set(t) if isinstance(t, list) else {t} if isinstance(t, str) else set()


class Metadata:
    """Values from the page head; each accessor returns (value, layer) or (None, None)."""

    def __init__(self, doc):
        self.jsonld: dict = {}
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None
        self.jsonld_errors: list[str] = []
        for script in doc.xpath('//script[@type="application/ld+json"]'):
            raw = script.text or ""
            try:
                data = json.loads(raw)
            except ValueError:
                self.jsonld_errors.append("jsonld: invalid JSON")
                continue
            for obj in _walk_jsonld(data):
                if _types(obj) & _ARTICLE_TYPES and not self.jsonld:
                    self.jsonld = obj
        for meta in doc.iter("meta"):
            content = meta.get("content")
            key = (meta.get("property") or meta.get("name") or "").strip().lower()
            if content is not None and key and key not in self.meta:
                self.meta[key] = content
        hrefs = doc.xpath('//link[@rel="canonical"]/@href')
        self.canonical = hrefs[0].strip() if hrefs and hrefs[0].strip() else None

    # -- helpers ----------------------------------------------------------------------------
    def _ld_str(self, key: str) -> str | None:
        value = self.jsonld.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict):
            value = value.get("name") or value.get("@id") or value.get("url")
        return norm_or_none(value) if isinstance(value, str) else None

    def _meta(self, *keys: str) -> str | None:
        for key in keys:
            value = norm_or_none(self.meta.get(key))
            if value:
                return value
        return None

    def _time(self, ld_key: str, *meta_keys: str) -> tuple[datetime | None, str | None]:
        dt = iso_datetime(self._ld_str(ld_key))
        if dt is not None:
            return dt, LAYER_JSONLD
        for key in meta_keys:
            dt = iso_datetime(self.meta.get(key))
            if dt is not None:
                return dt, LAYER_META
        return None, None

    # -- fields -----------------------------------------------------------------------------
    def url(self) -> tuple[str | None, str | None]:
        if self.canonical:
            return self.canonical, LAYER_META
        value = self._ld_str("url") or self._ld_str("mainEntityOfPage")
        if value:
            return value, LAYER_JSONLD
        value = self._meta("og:url")
        return (value, LAYER_META) if value else (None, None)

    def title(self) -> tuple[str | None, str | None]:
        value = self._ld_str("headline")
        if value:
            return value, LAYER_JSONLD
        value = self._meta("og:title")
        return (value, LAYER_META) if value else (None, None)

    def section(self) -> tuple[str | None, str | None]:
        value = self._ld_str("articleSection")
        if value:
            return value, LAYER_JSONLD
        value = self._meta("article:section")
        return (value, LAYER_META) if value else (None, None)

    def published_at(self) -> tuple[datetime | None, str | None]:
        return self._time("datePublished", "article:published_time")

    def updated_at(self) -> tuple[datetime | None, str | None]:
        """A modification time equal to the publication time means "never modified"."""
        modified, layer = self._time("dateModified", "article:modified_time")
        published, _ = self.published_at()
        if modified is not None and published is not None and modified <= published:
            if layer == LAYER_JSONLD:  # JSON-LD may repeat datePublished; meta may still know
                dt = iso_datetime(self.meta.get("article:modified_time"))
                if dt is not None and dt > published:
                    return dt, LAYER_META
            return None, None
        return modified, layer

    def lead(self) -> tuple[str | None, str | None]:
        value = self._meta("og:description", "description")
        if value:
            return value, LAYER_META
        value = self._ld_str("description")
        return (value, LAYER_JSONLD) if value else (None, None)

    def author_email(self) -> tuple[str | None, str | None]:
        author = self.jsonld.get("author")
        for obj in author if isinstance(author, list) else [author]:
            if isinstance(obj, dict) and isinstance(obj.get("email"), str) and "@" in obj["email"]:
                return clean(obj["email"]), LAYER_JSONLD
        return None, None

    def image_urls(self) -> tuple[list[str], str | None]:
        image = self.jsonld.get("image")
        urls: list[str] = []
        for obj in image if isinstance(image, list) else [image]:
            if isinstance(obj, str):
                urls.append(obj)
            elif isinstance(obj, dict) and isinstance(obj.get("url"), str):
                urls.append(obj["url"])
        if urls:
            return urls, LAYER_JSONLD
        og = self._meta("og:image")
        # og:image is often the site logo when an article has no photo: not an article image.
        if og and "logo" not in og.lower():
            return [og], LAYER_META
        return [], None
