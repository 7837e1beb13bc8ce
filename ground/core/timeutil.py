"""KST time helpers and the run window.

All displayed times on the site are Korea Standard Time (UTC+9, no DST). A run owns a
half-open window [start, end) of KST wall-clock time; a run "for 2024-06-19" is
[2024-06-19 00:00 KST, 2024-06-20 00:00 KST).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from ground.core.editions import ID_PARTS_RE, ID_PREFIX_PATTERN

KST = ZoneInfo("Asia/Seoul")
UTC = UTC

# An article id of any edition (AFR…, AEN…: ground.core.editions), group 1 its KST date.
ARTICLE_ID_RE = re.compile(rf"^{ID_PREFIX_PATTERN}(\d{{8}})\d{{9}}$")


def article_date(article_id: str) -> date | None:
    """KST publication date carried by an article id (``AFR20240619002900884`` -> 2024-06-19;
    ``AEN…`` alike)."""
    m = ARTICLE_ID_RE.match(article_id or "")
    if not m:
        return None
    digits = m.group(1)
    try:  # not strptime: this runs a few times per crawled page
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def id_time(article_id: str) -> datetime | None:
    """Midnight KST of the date in the id (fallback when a page shows no publication time)."""
    day = article_date(article_id)
    return datetime.combine(day, time(0), KST) if day else None




def id_parts(article_id: str) -> tuple[str, int, int, str] | None:
    """``AFR<YYYYMMDD><serial 4><version 2><desk 3>`` -> ``(date 'YYYYMMDD', serial, version, desk)``.

    ``AFR20240619002951884`` -> ``("20240619", 29, 51, "884")``; version digits 00 = first,
    51 = LD, 52 = 2e LD, … (docs/site.md, "Article ids"). None for anything else
    (an impossible date too). On the replica ("versioned" ids, docs/replica.md) the main
    versions of a story published on one KST day share the serial; flashes, routine items,
    duplicates and continued parts have their own serial and 00.
    """
    m = ID_PARTS_RE.match(article_id or "") if isinstance(article_id, str) else None
    if not m or article_date(article_id) is None:
        return None
    return m["date"], int(m["serial"]), int(m["version"]), m["desk"]


def parse_site_time(text: str, naive_tz: tzinfo = KST) -> datetime:
    """An ISO-8601 time as the site (or a crawled item) writes it -> aware datetime, its offset
    kept; "Z" is UTC and a zone-less value is ``naive_tz`` wall-clock time (the site shows KST).
    Raises ValueError when ``text`` is not such a time."""
    dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return dt.replace(tzinfo=naive_tz) if dt.tzinfo is None else dt


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_kst(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError(f"naive datetime {dt!r}: every time in this project is tz-aware")
    return dt.astimezone(KST)


class DayRangeError(ValueError):
    """A KST day range is refused; the message is the one-line reason."""


# The most KST days one run (CLI `run`/`reprocess`, one backfill/reprocess form) may cover: a
# longer range is split by the user, so a typo cannot start months of polite crawling.
MAX_RUN_DAYS = 31
RANGE_REFUSED = "range refused"  # how every refusal line starts (CLI stderr, task log, run note)


def check_day_range(first: date, last: date) -> None:
    """The order rule alone (a window, a curated rebuild): ``first <= last``."""
    if first > last:
        raise DayRangeError(f"{RANGE_REFUSED}: from {first} is after to {last}")


_ISO_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_day_range(first: date | str | None, last: date | str | None) -> tuple[date, date]:
    """Both bounds as KST dates (YYYY-MM-DD text or dates), ``from <= to``; else DayRangeError."""
    days = []
    for label, raw in (("from", first), ("to", last)):
        if isinstance(raw, date):
            days.append(raw)
            continue
        text = str(raw).strip()
        try:
            days.append(date.fromisoformat(text))
        except (TypeError, ValueError):
            if _ISO_DAY_RE.match(text):  # the shape is right, the day is not: 2024-02-30
                raise DayRangeError(f"{RANGE_REFUSED}: {label} {text} is not a real date") from None
            raise DayRangeError(f"{RANGE_REFUSED}: {label} must be a date YYYY-MM-DD, got {raw!r}") from None
    check_day_range(*days)
    return days[0], days[1]


def check_run_range(first: date | str | None, last: date | str | None, *,
                    today: date | None = None) -> tuple[date, date]:
    """THE range rule of a run, for the CLI options and the Airflow form alike, so both refuse a
    range with the same one line (DayRangeError): parse_day_range, then ``to`` not after today
    (KST) and at most MAX_RUN_DAYS days. Returns the days."""
    first_day, last_day = parse_day_range(first, last)
    today = today or utcnow().astimezone(KST).date()
    if last_day > today:
        raise DayRangeError(f"{RANGE_REFUSED}: to {last_day} is in the future (today is {today} KST)")
    span = (last_day - first_day).days + 1
    if span > MAX_RUN_DAYS:
        raise DayRangeError(f"{RANGE_REFUSED}: {span} days requested; at most {MAX_RUN_DAYS} per run "
                            "(split the range)")
    return first_day, last_day


@dataclass(frozen=True)
class Window:
    """Half-open KST window [start, end) a run owns."""

    start: datetime
    end: datetime

    def __post_init__(self):
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Window bounds must be tz-aware")
        if self.end <= self.start:
            raise ValueError(f"empty window: {self.start.isoformat()} >= {self.end.isoformat()}")

    @classmethod
    def for_dates(cls, first: date, last: date) -> Window:
        """Window covering KST days first..last inclusive."""
        check_day_range(first, last)
        return cls(
            datetime.combine(first, time(0), KST),
            datetime.combine(last + timedelta(days=1), time(0), KST),
        )

    def contains(self, dt: datetime) -> bool:
        return self.start <= dt < self.end

    def kst_dates(self) -> list[date]:
        """Every KST date the window touches."""
        first = to_kst(self.start).date()
        last = to_kst(self.end - timedelta(microseconds=1)).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def days(self) -> list[Window]:
        """The window split into KST-day partitions (for backfills)."""
        out = []
        for d in self.kst_dates():
            day = Window.for_dates(d, d)
            out.append(Window(max(day.start, self.start), min(day.end, self.end)))
        return out

    def label(self) -> str:
        s, e = to_kst(self.start), to_kst(self.end)
        return f"{s:%Y%m%dT%H%M}-{e:%Y%m%dT%H%M}"

    def __str__(self) -> str:
        return f"[{to_kst(self.start).isoformat()}, {to_kst(self.end).isoformat()})"


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Retry-After as delta-seconds or an HTTP date -> seconds (>= 0), None when absent/bad."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
