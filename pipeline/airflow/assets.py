"""The assets the yonhap DAGs produce and watch. The "x-" scheme keeps Airflow from loading
every provider (boto3 included) to normalise the URI at parse time."""

from __future__ import annotations

from airflow.sdk import Asset, AssetWatcher

from pipeline.airflow.feed_trigger import SiteFeedTrigger

# Downstream DAGs can schedule on this (schedule=[ARTICLES_ASSET]).
ARTICLES_ASSET = Asset(name="yonhap_articles", uri="x-yonhap://articles", group="yonhap")

# The site's feed, watched in the triggerer (pipeline.airflow.feed_trigger): each new or changed
# article id it announces becomes an asset event, and yonhap_fr_ingest runs for those ids.
FEED_WATCH = "yonhap_fr"  # the watcher's name: its state keys end with it
FEED_ASSET = Asset(
    name="yonhap_fr_feed", uri="x-yonhap://feed", group="yonhap",
    watchers=[AssetWatcher(name="yonhap_fr_feed_watcher", trigger=SiteFeedTrigger(FEED_WATCH))],
)

# The feed watcher's asset, read (not scheduled on) by the French watchdog: its state holds
# the watcher's heartbeat (pipeline.airflow.feed_trigger.HEARTBEAT_KEY).
FEED_REF = Asset.ref(name=FEED_ASSET.name)
