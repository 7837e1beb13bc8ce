"""Yonhap's foreign-language editions: every fact that differs between them, in one place.

The editions share one CMS (docs/site.md, "Article page: the real template"), so the crawler,
parsers, transforms and gate are one family; what differs is listed here, one profile per
edition. French (``fr``) is the product's default and contract; English (``en``) is the second
edition. Code asks ``edition(code)`` (or ``edition_of_id``) and never writes these values itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime


class UnknownEdition(ValueError):
    """An edition code outside EDITIONS; the message names the valid ones."""


@dataclass(frozen=True)
class Edition:
    code: str  # "fr": YONHAP_EDITION, the `edition` column, DAG ids, the replica's --edition
    language: str  # BCP 47 code of the text (html lang, RSS language)
    language_name: str  # for people: "the text does not look French"
    host: str  # site host; the crawl pool is per host
    id_prefix: str  # article ids: <prefix><YYYYMMDD><serial 4><version 2><desk 3>
    replica_desk: str  # desk digits the replica gives its ids (real pages use several)
    site_name: str  # og:site_name; titles carry " | <site_name>"
    news_list_label: str  # the info-con link to /news on every page: never a section
    update_label: str  # "Mis à jour <time>" under the title of an edited page
    months: tuple[str, ...]  # month names, January first (datelines, time lines)
    # Version labels of a developing story, as printed in "(…)" before the title: the first
    # update, the second, the third (later ones follow the same pattern).
    version_labels: tuple[str, ...]
    end_marker: str  # last paragraph of an item
    continuation_marker: str  # last paragraph of a part that continues ("-1", "-2" titles)
    usage_notices: tuple[str, ...]  # caption notices (stored apart, never in the caption)
    byline_word: str  # "Par Kim Min-ji" / "By Kim Min-ji" before the dateline
    byline_join: str  # between two names of one byline
    fts_config: str  # PostgreSQL text search configuration of search_vector
    sections: tuple[str, ...]  # desk labels of article:section
    routine_titles: tuple[str, ...]  # daily templated items: one story per day, never merged

    @property
    def site_pool(self) -> str:
        """The Airflow pool of every task that talks to this edition's host (all its DAGs)."""
        return "yonhap_site" if self.code == DEFAULT_EDITION else f"yonhap_site_{self.code}"

    @property
    def base_url(self) -> str:
        return f"https://{self.host}"

    @property
    def mobile_base_url(self) -> str:
        return f"https://m-{self.host}"

    @property
    def id_pattern(self) -> str:
        return rf"{self.id_prefix}\d{{17}}"

    def dateline_date(self, day) -> str:
        """The date part of a dateline: '19 juin', '1er juin' / 'June 19'."""
        month = self.months[day.month - 1]
        if self.code == "fr":
            return f"{'1er' if day.day == 1 else day.day} {month}"
        return f"{month} {day.day}"

    def time_line(self, dt: datetime) -> str:
        """The info line's time (KST wall time): '19.06.2024 à 20h04' / '15:41 June 19, 2024'."""
        if self.code == "fr":
            return f"{dt:%d.%m.%Y} à {dt:%H}h{dt:%M}"
        return f"{dt:%H:%M} {self.months[dt.month - 1]} {dt.day}, {dt.year}"

    def version_label(self, n: int) -> str:
        """Label of the n-th update (1 = first): fr 'LD', '2e LD' … / en 'LEAD', '2nd LD' …"""
        if n <= len(self.version_labels):
            return self.version_labels[n - 1]
        if self.code == "fr":
            return f"{n}e LD"
        return f"{n}th LD"


_MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
              "septembre", "octobre", "novembre", "décembre")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")

FR = Edition(
    code="fr", language="fr", language_name="French", host="fr.yna.co.kr", id_prefix="AFR", replica_desk="884",
    site_name="AGENCE DE PRESSE YONHAP", news_list_label="Actualités", update_label="Mis à jour",
    months=_MONTHS_FR, version_labels=("LD", "2e LD", "3e LD"),
    end_marker="(FIN)", continuation_marker="(A SUIVRE)",
    usage_notices=("(Utilisation en Corée du Sud uniquement et redistribution interdite)",
                   "(PHOTO NOT FOR SALE)"),
    byline_word="Par", byline_join=" et ", fts_config="french",
    # French desk labels, inferred from the English ones (docs/site.md, "Sections").
    sections=("Nord-Corée", "Politique", "Economie", "Société", "Culture", "Sports", "Monde",
              "Sciences/Technologie"),
    routine_titles=("KOSPI-ouverture", "KOSDAQ-ouverture", "FOREX-ouverture", "KOSPI-clôture",
                    "KOSDAQ-clôture", "FOREX-clôture", "FOREX-Cours à 15h30",
                    "Les principaux titres des quotidiens coréens",
                    "Un jour dans l'histoire de la Corée"),
)

EN = Edition(
    code="en", language="en", language_name="English", host="en.yna.co.kr", id_prefix="AEN", replica_desk="320",
    site_name="Yonhap News Agency", news_list_label="All News", update_label="Updated",
    months=_MONTHS_EN, version_labels=("LEAD", "2nd LD", "3rd LD"),
    end_marker="(END)", continuation_marker="(MORE)",
    usage_notices=("(For Use Only in the Republic of Korea. No Redistribution)",
                   "(PHOTO NOT FOR SALE)"),
    byline_word="By", byline_join=" and ", fts_config="english",
    # Desk labels as the English pages print them in article:section (public-en examples),
    # "Economy Business" and "Life,Health" included as written.
    sections=("North Korea", "Politics", "Economy Business", "Life,Health", "Culture", "Sports",
              "World", "Science"),
    routine_titles=("KOSPI-open", "KOSDAQ-open", "FOREX-open", "KOSPI-close", "KOSDAQ-close",
                    "FOREX-close", "FOREX-rate at 3:30 p.m.", "Headlines from Korean dailies",
                    "Today in Korean history"),
)

EDITIONS: dict[str, Edition] = {e.code: e for e in (FR, EN)}
DEFAULT_EDITION = FR.code

# Any edition's article id, and its parts (prefix, date, serial, version, desk).
ID_PREFIX_PATTERN = "(?:" + "|".join(e.id_prefix for e in EDITIONS.values()) + ")"
ANY_ID_PATTERN = ID_PREFIX_PATTERN + r"\d{17}"
ID_PARTS_RE = re.compile(
    rf"^(?P<prefix>{ID_PREFIX_PATTERN})"
    r"(?P<date>\d{8})(?P<serial>\d{4})(?P<version>\d{2})(?P<desk>\d{3})$")
_BY_PREFIX = {e.id_prefix: e for e in EDITIONS.values()}
_BY_HOST = {e.host: e for e in EDITIONS.values()} | {f"m-{e.host}": e for e in EDITIONS.values()}


def edition(code: str | None) -> Edition:
    """The profile of an edition code ("fr", "en"); None is the default (fr)."""
    if code is None:
        return EDITIONS[DEFAULT_EDITION]
    found = EDITIONS.get(code.strip().lower())
    if found is None:
        raise UnknownEdition(f"edition {code!r} must be one of {', '.join(EDITIONS)}")
    return found


def edition_of_id(article_id: str | None) -> Edition | None:
    """The edition an article id belongs to (by its prefix), None for anything else."""
    return _BY_PREFIX.get((article_id or "")[:3]) if article_id and len(article_id) == 20 else None


def edition_of_host(host: str | None) -> Edition | None:
    """The edition whose (desktop or mobile) host this is, None for another host."""
    return _BY_HOST.get((host or "").lower().removeprefix("www."))


# Every edition's values, for the checks that must accept a row of either edition.
ALL_SECTIONS = tuple(s for e in EDITIONS.values() for s in e.sections)
ALL_ROUTINE_TITLES = tuple(t for e in EDITIONS.values() for t in e.routine_titles)
ALL_USAGE_NOTICES = tuple(dict.fromkeys(n for e in EDITIONS.values() for n in e.usage_notices))
