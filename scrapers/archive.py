"""Is the raw archive still holding what the database says it holds?

A conditional request (If-None-Match / If-Modified-Since) is only safe when the page's last
200 response is still readable in ``raw/``: a 304 answer stores no body, so trusting the
validators of a page whose archive object is gone (lost local data, a new bucket) would leave
that page unrecoverable. :func:`trusted_validators` keeps the validators whose ``raw_uri``
object exists — one listing per archive day, never one HEAD per article — and reports the rest,
which are then fetched in full and so archived again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ground.adapters import s3
from ground.core.config import Settings


@dataclass
class ArchiveCheck:
    kept: dict[str, dict]  # article_id -> validators (their archived page is readable)
    missing: list[str] = field(default_factory=list)  # article ids whose archived page is gone
    missing_days: list[str] = field(default_factory=list)  # raw/dt=… prefixes they pointed into

    def line(self) -> str | None:
        """One operator-facing line, or None when nothing is missing."""
        if not self.missing:
            return None
        total = len(self.kept) + len(self.missing)
        days = ", ".join(self.missing_days[:5]) + ("…" if len(self.missing_days) > 5 else "")
        return (f"raw archive: {len(self.missing)} of {total} stored article(s) have no readable archived page "
                f"({days}); fetching them in full to repair the archive")


def _raw_object(settings: Settings, raw_uri: str | None) -> str | None:
    """The archive key a raw_uri points into, or None when it is not in our bucket."""
    if not raw_uri:
        return None
    try:
        bucket, key = s3.split_uri(raw_uri)
    except ValueError:
        return None
    return key if bucket == settings.s3_bucket and key.startswith("raw/") else None


def trusted_validators(settings: Settings, validators: dict[str, dict]) -> ArchiveCheck:
    """Split stored validators by whether their ``raw_uri`` object is still in the archive.
    A validator without a raw_uri (rows loaded before the archive existed) is not trusted."""
    by_prefix: dict[str, list[tuple[str, str]]] = defaultdict(list)
    check = ArchiveCheck(kept={})
    for article_id, known in validators.items():
        key = _raw_object(settings, (known or {}).get("raw_uri"))
        if key is None:
            check.missing.append(article_id)
            continue
        by_prefix[key.rsplit("/", 1)[0] + "/"].append((article_id, key))
    for prefix in sorted(by_prefix):
        present = set(s3.list_keys(settings, prefix))
        for article_id, key in by_prefix[prefix]:
            if key in present:
                check.kept[article_id] = validators[article_id]
            else:
                check.missing.append(article_id)
                if prefix.rstrip("/") not in check.missing_days:
                    check.missing_days.append(prefix.rstrip("/"))
    if check.missing and not check.missing_days:
        check.missing_days.append("no raw_uri")
    check.missing.sort()
    return check
