"""Scrapy items: the one item schema lives in ground.core.schema (Scrapy accepts dataclass items)."""

from ground.core.schema import CrawledArticle, CrawlError, ImageInfo

__all__ = ["CrawledArticle", "CrawlError", "ImageInfo"]
