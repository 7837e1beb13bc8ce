"""A discovery gap on purpose, for tests/test_completeness.py: a Scrapy spider middleware that
silently drops the requests for the article ids in setting YONHAP_TEST_DROP_IDS, as a lost
request would be (no fetch, no error, no item). Loaded into the crawler subprocess through
``scrapers.stage.crawl(..., scrapy_overrides=...)``; never part of the product's settings."""

from __future__ import annotations

DROP_SETTING = "YONHAP_TEST_DROP_IDS"


class DropArticleRequests:
    def __init__(self, ids: set[str]):
        self.ids = ids

    @classmethod
    def from_crawler(cls, crawler):
        return cls(set(crawler.settings.getlist(DROP_SETTING)))

    def _keep(self, result) -> bool:
        return getattr(result, "meta", {}).get("article_id") not in self.ids

    def process_spider_output(self, response, result):
        return (r for r in result if self._keep(r))

    async def process_spider_output_async(self, response, result):
        async for r in result:
            if self._keep(r):
                yield r


def overrides(ids: list[str]) -> dict:
    from scrapers.settings import SPIDER_MIDDLEWARES

    return {"SPIDER_MIDDLEWARES": {**SPIDER_MIDDLEWARES, f"{__name__}.DropArticleRequests": 950},
            DROP_SETTING: list(ids)}
