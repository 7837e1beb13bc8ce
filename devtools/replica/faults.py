"""Seeded fault injection, decided per (seed, path, attempt number).

A path is faulty with probability `fault_rate`. A faulty article path may be *dead*
(persistent 404). Otherwise it misbehaves on its first 1–2 attempts (the kind can change from
one attempt to the next) and answers normally afterwards, so a crawler that retries twice
gets every page; a `persistent_rate` fraction of faulty paths never recovers. The server
counts attempts per path (query string ignored); the same decisions are available here as
pure functions, so tests can know in advance what a path will do.

Live mode: the feed and list pages (`/RSS/…`, `/news…`) are polled again and again, so a plan
per path would leave them either always fine or faulty on the first attempts only. There, every
attempt is decided on its own (`live_fault`): faulty with probability `fault_rate`, the kind one
of the transient `fault_kinds` (never "dead"; `persistent_rate` does not apply). Article pages
keep the per-path plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from devtools.replica.config import TRANSIENT_FAULTS, ReplicaConfig
from devtools.replica.corpus import derive, unit

NEVER = 10**9  # "every attempt" for persistent faults


def eligible(path: str) -> bool:
    """Faults hit content pages only: articles, list pages and the feed (never robots/admin)."""
    return path.startswith(("/view/", "/news", "/RSS/"))


@dataclass(frozen=True)
class FaultPlan:
    kind: str | None  # kind of the first faulty attempt; None = the path behaves
    failures: int  # attempts that misbehave (NEVER when persistent)
    persistent: bool

    @property
    def clears(self) -> bool:
        return self.kind is not None and not self.persistent


def polled(path: str) -> bool:
    """Paths a live crawler polls (feed, list pages): faults per attempt in live mode."""
    return path.startswith(("/RSS/", "/news"))


def live_fault(config: ReplicaConfig, path: str, attempt: int) -> str | None:
    """Live mode, polled paths: the fault of the `attempt`-th request, independent per attempt."""
    path = path.split("?", 1)[0]
    if config.fault_rate <= 0 or not polled(path):
        return None
    if unit(config.seed, "live-fault", path, attempt) >= config.fault_rate:
        return None
    transient = [k for k in config.fault_kinds if k in TRANSIENT_FAULTS]
    if not transient:
        return None
    return transient[derive(config.seed, "live-kind", path, attempt) % len(transient)]


def plan_for(config: ReplicaConfig, path: str) -> FaultPlan:
    path = path.split("?", 1)[0]
    if config.fault_rate <= 0 or not eligible(path):
        return FaultPlan(None, 0, False)
    if unit(config.seed, "fault", path) >= config.fault_rate:
        return FaultPlan(None, 0, False)
    kinds = [k for k in config.fault_kinds if k != "dead" or path.startswith("/view/")]
    if not kinds:
        return FaultPlan(None, 0, False)
    kind = kinds[derive(config.seed, "kind", path, 1) % len(kinds)]
    if kind == "dead":
        return FaultPlan("dead", NEVER, True)
    persistent = unit(config.seed, "persist", path) < config.persistent_rate
    failures = NEVER if persistent else 1 + derive(config.seed, "count", path) % 2
    return FaultPlan(kind, failures, persistent)


def fault_for_attempt(config: ReplicaConfig, path: str, attempt: int) -> str | None:
    """Fault served to the `attempt`-th request (1-based) of a path, or None."""
    if config.live and polled(path.split("?", 1)[0]):
        return live_fault(config, path, attempt)
    plan = plan_for(config, path)
    if plan.kind is None or attempt > plan.failures:
        return None
    if attempt == 1 or plan.kind == "dead":
        return plan.kind
    transient = [k for k in config.fault_kinds if k in TRANSIENT_FAULTS]
    return transient[derive(config.seed, "kind", path.split("?", 1)[0], attempt) % len(transient)]
