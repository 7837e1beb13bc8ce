"""Configuration of the replica site: one frozen value, the same in the server process and
in tests (the fixture builds an identical in-process Corpus from it)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import date, datetime, time

from ground.core.editions import DEFAULT_EDITION, UnknownEdition, edition
from ground.core.timeutil import KST

# "yna-cms" = the real template (docs/site.md), "redesign" = a simulated redesign.
LAYOUTS = ("yna-cms", "redesign")
DEFAULT_LAYOUT = "yna-cms"
# "versioned": the main versions of a story on one KST day share a serial, digits 00/51/52/53;
# "sequential": every article its own serial, digits 00 (the first-round scheme).
ID_SCHEMES = ("versioned", "sequential")
# Transient kinds clear on retry; "dead" is a persistent 404 (articles only).
TRANSIENT_FAULTS = ("503", "429", "reset", "slow", "truncated")
FAULT_KINDS = TRANSIENT_FAULTS + ("dead",)
MAX_DAYS = 20 * 366
# Ids carry a 4-digit serial per KST day: with "sequential" ids a day may hold per_day plus the
# previous day's late versions (~1.6% more at 9000: at most 9142 over 3 seeds x 60 days), so
# 10000 would overflow the serial. 9000 = 6.25 articles a minute.
MAX_PER_DAY = 9000
MAX_SPEED = 3600.0


class ReplicaConfigError(ValueError):
    """A replica option has a bad value; the message names the option."""


def _as_date(name: str, value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return datetime.strptime(str(value), "%Y-%m-%d").date()
    except ValueError:
        raise ReplicaConfigError(f"{name} {value!r} is not a date (YYYY-MM-DD)") from None


def _as_rate(name: str, value) -> float:
    try:
        rate = float(value)
    except (TypeError, ValueError):
        raise ReplicaConfigError(f"{name} {value!r} is not a number") from None
    if not 0.0 <= rate <= 1.0:
        raise ReplicaConfigError(f"{name} {value!r} must be between 0 and 1")
    return rate


def parse_site_time(name: str, value) -> datetime:
    """A site date-time, KST-aware: "2024-06-19T08:00" (KST), "2024-06-19T08:00:00+09:00",
    "2024-06-19" (00:00 KST), a datetime (naive = KST) or a date."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime.combine(value, time(0))
    else:
        try:
            dt = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ReplicaConfigError(
                f"{name} {value!r} is not a date-time (ISO: 2024-06-19T08:00 = KST, "
                "or with an offset: 2024-06-19T08:00:00+09:00)") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=KST)
    return dt.astimezone(KST)


def parse_fault_kinds(value) -> tuple[str, ...]:
    """"503,429" or a sequence -> validated tuple in canonical order."""
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",") if v.strip()]
    else:
        items = [str(v).strip() for v in value]
    unknown = sorted(set(items) - set(FAULT_KINDS))
    if unknown:
        raise ReplicaConfigError(
            f"fault kinds {unknown} unknown; choose from {','.join(FAULT_KINDS)}"
        )
    if not items:
        raise ReplicaConfigError("fault kinds: at least one kind is needed")
    return tuple(k for k in FAULT_KINDS if k in items)


@dataclass(frozen=True)
class ReplicaConfig:
    """Everything that decides the replica's bytes. Same config -> same responses."""

    seed: int = 1
    start: date = date(2024, 6, 1)
    end: date = date(2024, 6, 30)
    per_day: int = 60  # articles originating per day, routine items included
    fault_rate: float = 0.0  # fraction of fault-eligible paths that misbehave
    fault_kinds: tuple[str, ...] = FAULT_KINDS
    persistent_rate: float = 0.0  # fraction of faulty paths whose transient fault never clears
    slow_delay: float = 0.2  # seconds, for the "slow" fault
    retry_after: int = 1  # seconds, Retry-After of the 429 fault
    layout: str = DEFAULT_LAYOUT
    id_scheme: str = "versioned"
    apply_edits: bool = False  # serve the edited version of articles that have one
    hostile: bool = False  # add a few hostile pages on the first day
    edition: str = DEFAULT_EDITION  # "fr" | "en": the language, ids and words of the site
    canonical_base: str | None = None  # host of canonical / og:url links; None: the edition's
    # Live mode: a clock publishes the corpus over time (site_now = live_start + speed x wall s).
    live: bool = False
    speed: float = 1.0  # site seconds per wall second (live mode)
    live_start: datetime | None = None  # site time when the server starts; live default: start 00:00 KST

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "start", _as_date("--start", self.start))
        set_(self, "end", _as_date("--end", self.end))
        try:
            set_(self, "seed", int(self.seed))
            set_(self, "per_day", int(self.per_day))
            set_(self, "retry_after", int(self.retry_after))
            set_(self, "slow_delay", float(self.slow_delay))
        except (TypeError, ValueError) as err:
            raise ReplicaConfigError(f"bad replica option: {err}") from None
        if self.end < self.start:
            raise ReplicaConfigError(f"--end {self.end} is before --start {self.start}")
        if (self.end - self.start).days + 1 > MAX_DAYS:
            raise ReplicaConfigError(f"date range longer than {MAX_DAYS} days")
        if not 1 <= self.per_day <= MAX_PER_DAY:
            raise ReplicaConfigError(f"--per-day {self.per_day} must be between 1 and {MAX_PER_DAY}")
        set_(self, "fault_rate", _as_rate("--fault-rate", self.fault_rate))
        set_(self, "persistent_rate", _as_rate("--persistent-rate", self.persistent_rate))
        set_(self, "fault_kinds", parse_fault_kinds(self.fault_kinds))
        if not 0 <= self.slow_delay <= 60:
            raise ReplicaConfigError(f"--slow-delay {self.slow_delay} must be between 0 and 60")
        if not 0 <= self.retry_after <= 3600:
            raise ReplicaConfigError(f"--retry-after {self.retry_after} must be between 0 and 3600")
        if self.layout not in LAYOUTS:
            raise ReplicaConfigError(f"--layout {self.layout!r} must be one of {', '.join(LAYOUTS)}")
        if self.id_scheme not in ID_SCHEMES:
            raise ReplicaConfigError(
                f"--id-scheme {self.id_scheme!r} must be one of {', '.join(ID_SCHEMES)}")
        try:
            set_(self, "edition", edition(self.edition).code)
        except UnknownEdition as err:
            raise ReplicaConfigError(f"--edition: {err}") from None
        set_(self, "canonical_base", str(self.canonical_base or edition(self.edition).base_url).rstrip("/"))
        if not self.canonical_base.startswith(("http://", "https://")):
            raise ReplicaConfigError(f"--canonical-base {self.canonical_base!r} must be an http(s) URL")
        set_(self, "live", bool(self.live))
        try:
            set_(self, "speed", float(self.speed))
        except (TypeError, ValueError):
            raise ReplicaConfigError(f"--speed {self.speed!r} is not a number") from None
        if not (math.isfinite(self.speed) and 0 < self.speed <= MAX_SPEED):
            raise ReplicaConfigError(f"--speed {self.speed!r} must be > 0 and <= {MAX_SPEED:g}")
        if self.live_start is not None:
            set_(self, "live_start", parse_site_time("--live-start", self.live_start))
        elif self.live:
            set_(self, "live_start", datetime.combine(self.start, time(0), KST))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def to_dict(self) -> dict:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    def to_args(self) -> list[str]:
        """Command-line flags that rebuild this config (`python -m devtools.replica ...`)."""
        args = [
            "--seed", str(self.seed), "--start", self.start.isoformat(),
            "--end", self.end.isoformat(), "--per-day", str(self.per_day),
            "--fault-rate", repr(self.fault_rate), "--fault-kinds", ",".join(self.fault_kinds),
            "--persistent-rate", repr(self.persistent_rate),
            "--slow-delay", repr(self.slow_delay), "--retry-after", str(self.retry_after),
            "--layout", self.layout, "--id-scheme", self.id_scheme, "--edition", self.edition,
            "--canonical-base", self.canonical_base, "--speed", repr(self.speed),
        ]
        if self.live_start is not None:
            args += ["--live-start", self.live_start.isoformat()]
        if self.live:
            args.append("--live")
        if self.apply_edits:
            args.append("--apply-edits")
        if self.hostile:
            args.append("--hostile")
        return args
