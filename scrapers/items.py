"""Scrapy items: the one item schema lives in yonhap.schema (Scrapy accepts dataclass items)."""

from yonhap.schema import CrawledArticle, CrawlError, ImageInfo

__all__ = ["CrawledArticle", "CrawlError", "ImageInfo"]
