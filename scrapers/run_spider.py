"""Subprocess entry point: ``python -m scrapers.run_spider CONFIG.json``.

Scrapy runs here, in its own process and reactor, never in the caller (Airflow tasks and the
CLI call scrapers.stage.crawl, which starts this). The config JSON carries the run (window,
validators, retry URLs) and the politeness settings; results are files in ``out_dir``:
items.jsonl, spider.json (errors, 304 ids, Scrapy stats) and warc/dt=YYYY-MM-DD.warc.gz.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from scrapers.settings import scrapy_settings


def run(config: dict) -> int:
    from scrapy.crawler import CrawlerProcess  # lazy: Scrapy loads only in the crawler subprocess

    from scrapers.spiders.yonhap_fr import YonhapFrSpider  # lazy: imports Scrapy, as above

    settings = scrapy_settings(
        user_agent=config["user_agent"],
        download_delay=float(config["download_delay"]),
        concurrency=int(config["concurrency"]),
        out_dir=config["out_dir"],
        extra={
            "YONHAP_RUN_ID": config["run_id"],
            "YONHAP_S3_BUCKET": config["bucket"],
            "LOG_LEVEL": config.get("log_level", "INFO"),
            **(config.get("scrapy_settings") or {}),
        },
    )
    # The root handler (LOG_INSTALL_ROOT_HANDLER, on by default) writes LOG_FORMAT lines.
    process = CrawlerProcess(settings)
    process.crawl(YonhapFrSpider, config=config)
    process.start()
    done = Path(config["out_dir"]) / "spider.json"
    if not done.exists():
        logging.getLogger("scrapers.run_spider").error("the spider did not finish (no spider.json)")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m scrapers.run_spider CONFIG.json", file=sys.stderr)
        return 2
    config = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    return run(config)


if __name__ == "__main__":
    sys.exit(main())
