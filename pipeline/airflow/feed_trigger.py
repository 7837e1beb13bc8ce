"""The triggerer side of event-driven ingest: an Airflow 3 event trigger that polls the site.

`SiteFeedTrigger` runs inside the **triggerer** (one asyncio loop, no worker slot held) as the
trigger of the `AssetWatcher` on FEED_ASSET (pipeline.airflow.assets). Every poll is
:meth:`scrapers.feed_watch.FeedWatch.poll` -- at most one conditional request -- and when new
or changed article ids appear it yields one ``TriggerEvent``: Airflow turns it into an asset
event (``extra = {"from_trigger": True, "payload": …}``) and the scheduler starts a
`yonhap_fr_ingest` run for exactly those ids (docs/operators.md, "Freshness").

The watcher's memory (validators, ids seen) lives in Airflow's asset state store, so a triggerer
restart resumes where it was. It is saved one poll *after* the event that advanced it: if the
triggerer dies before the event reached the database, the ids are announced again (a run is
idempotent) rather than lost. The hourly runs stay the safety net for anything else.

Settings come from the triggerer's environment at run time (YONHAP_BASE_URL, YONHAP_USER_AGENT,
YONHAP_POLL_SECONDS), like the tasks': the trigger's serialized kwargs are only its name.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from ground.core.timeutil import utcnow

STATE_KEY = "feed_watch"
# After every poll, attempted or not: {"polled_at": ISO time, "note": …}. The watchdog DAG reads
# it (pipeline.run.watchdog): a silent watcher means a stopped triggerer.
HEARTBEAT_KEY = "feed_watch_heartbeat"


class SiteFeedTrigger(BaseEventTrigger):
    """Poll the site's feed (or first list page) and fire on new or changed article ids."""

    def __init__(self, watch: str = "yonhap_fr", **kwargs):
        super().__init__(**kwargs)
        self.watch = watch

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (f"{type(self).__module__}.{type(self).__qualname__}", {"watch": self.watch})

    async def _load_state(self) -> dict | None:
        store = self.asset_state_store
        if store is None:
            return None
        try:
            return await store.aget(f"{STATE_KEY}:{self.watch}", default=None)
        except Exception as err:  # noqa: BLE001 -- a missing memory costs one re-announcement
            self.log.warning("feed watch: state not readable (%s): starting fresh", err)
            return None

    async def _save_state(self, state: dict) -> bool:
        store = self.asset_state_store
        if store is None:
            return False
        try:
            await store.aset(f"{STATE_KEY}:{self.watch}", state)
            return True
        except Exception as err:  # noqa: BLE001 -- try again after the next poll
            self.log.warning("feed watch: state not saved (%s)", err)
            return False

    async def _beat(self, note: str) -> None:
        store = self.asset_state_store
        if store is None:
            return
        try:
            await store.aset(f"{HEARTBEAT_KEY}:{self.watch}", {"polled_at": utcnow().isoformat(), "note": note})
        except Exception as err:  # noqa: BLE001 -- the next poll beats again
            self.log.warning("feed watch: heartbeat not saved (%s)", err)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from ground.core.config import Settings, SettingsError
        from scrapers.feed_watch import FeedWatch, WatchState

        while True:  # a bad setting is reported, then re-read every minute (never raise: the watcher would stop)
            try:
                settings = Settings.from_env()
                break
            except SettingsError as err:
                self.log.error("feed watch not started: %s", err)
                await asyncio.sleep(60)
        watch = FeedWatch(settings.base_url, settings.user_agent, settings.poll_seconds,
                          state=WatchState.from_dict(await self._load_state()))
        self.log.info("feed watch: polling %s every %gs (state: %d ids remembered)",
                      settings.base_url, watch.interval(), len(watch.state.seen))
        saved = watch.state.to_dict()
        pending: dict | None = None  # state advanced by an event not yet known to be stored
        while True:
            if pending is not None and await self._save_state(pending):
                saved, pending = pending, None
            try:
                poll = await asyncio.to_thread(watch.poll)
            except Exception as err:  # noqa: BLE001 -- one bad poll must not end the watcher
                self.log.warning("feed watch: poll failed: %s: %s", type(err).__name__, err)
                await self._beat(f"poll failed: {type(err).__name__}")
                await asyncio.sleep(watch.interval())
                continue
            await self._beat(poll.note)
            if poll.source:
                self.log.info("feed watch: %s", poll.note)
            if poll.ids:
                yield TriggerEvent(poll.payload(utcnow()))
                pending = watch.state.to_dict()
            else:
                current = watch.state.to_dict()
                if current != saved and pending is None and await self._save_state(current):
                    saved = current
            await asyncio.sleep(poll.wait_seconds)
