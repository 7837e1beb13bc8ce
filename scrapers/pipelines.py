"""Item pipeline: the staging hand-off. Items stream to ``<out_dir>/items.jsonl`` as they come
(the parent process uploads them to S3 staging when the crawl ends), so memory stays flat."""

from __future__ import annotations

import json
from pathlib import Path

from ground.core.schema import CrawledArticle


class StagingPipeline:
    def __init__(self, out_dir: str, stats):
        self.path = Path(out_dir) / "items.jsonl"
        self.stats = stats
        self._file = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("YONHAP_OUT_DIR"), crawler.stats)

    def open_spider(self, spider=None):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 (closed in close_spider)

    def close_spider(self, spider=None):
        if self._file is not None:
            self._file.close()
            self._file = None

    def process_item(self, item, spider=None):
        if not isinstance(item, CrawledArticle):
            raise TypeError(f"unexpected item type {type(item).__name__}")
        # Shallow: the item's values are plain JSON types already (asdict deep-copies, slowly).
        self._file.write(json.dumps(vars(item), ensure_ascii=False, sort_keys=True) + "\n")
        self.stats.inc_value("yonhap/items")
        return item
