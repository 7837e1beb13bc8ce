"""Scrapy items: the one item schema lives in yonhap.core.schema (Scrapy accepts dataclass items)."""

from yonhap.core.schema import CrawledArticle, CrawlError, ImageInfo

__all__ = ["CrawledArticle", "CrawlError", "ImageInfo"]
