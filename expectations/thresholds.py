"""Every number the quality gate judges by, in one place (docs/quality.md explains each).

Shares are fractions of the batch (0.2 = 20 %). Changing a value here changes the suite, the
messages and the docs table at once.
"""

from __future__ import annotations

from datetime import timedelta

# --- row level ---------------------------------------------------------------------------
TITLE_MIN_CHARS = 5
TITLE_MAX_CHARS = 300

# Minimum body length by kind of item: an URGENT flash may be a single sentence, a routine
# market/press-review item is a short template, everything else is a real article.
BODY_MIN_CHARS_URGENT = 15
BODY_MIN_CHARS_ROUTINE = 40
BODY_MIN_CHARS_ARTICLE = 120
BODY_MAX_CHARS = 40_000  # longer means the extractor swallowed the page (lists, footers…)

# Share of tokens (title + lead + body) that are common function words of the row's language
# (French for AFR ids, English for AEN ids). News prose sits around 0.3 in either; text in
# another language (or Korean) sits near 0.
FRENCH_MIN_STOPWORD_SHARE = 0.08
LANGUAGE_MIN_STOPWORD_SHARE = FRENCH_MIN_STOPWORD_SHARE
# Fewest words a text needs for a language verdict, per language. English headlines (and so
# URGENT flashes, one headline-like line) drop function words: "Tokyo confirms emergency aid"
# holds none, so a short English text gets no verdict. French ones keep their articles ("la",
# "le", "des") and are always judged, as before the English edition.
LANGUAGE_MIN_TOKENS = {"fr": 0, "en": 15}

# Published time: inside the run window, one hour of slack each side for clock/listing skew.
# The window the gate gets is the crawl window: the ingest DAG already widened it by its
# look-back (pipeline.run.descriptor.INGEST_LOOKBACK), so it is not added a second time here.
WINDOW_SLACK = timedelta(hours=1)
FUTURE_TOLERANCE = timedelta(minutes=10)  # our clock vs the site's clock

# --- batch level -------------------------------------------------------------------------
# Highest tolerated share of rows with the field missing or empty.
NULL_RATE_MAX = {
    "title": 0.05,
    "body": 0.20,
    "published_at": 0.10,
    "section": 0.20,
}
# Highest tolerated share of a field produced by the generic (trafilatura) fallback layer, or
# by no layout parser at all. Above it the site has most likely changed its markup.
FALLBACK_SHARE_MAX = 0.30
# Duplicates (same text re-sent under a new id): warn above the first, fail above the second.
DUPLICATE_RATE_WARN = 0.20
DUPLICATE_RATE_MAX = 0.50
# When more rows than this are rejected by row-level checks the run goes red as well: a
# markup change that poisons every row must not pass as "0 rows loaded".
REJECTED_SHARE_MAX = 0.30
REJECTED_SHARE_MIN_ROWS = 5  # below this many rows one bad row is not a trend

# --- volume band -------------------------------------------------------------------------
MIN_COMPARABLE_RUNS = 4  # fewer earlier runs of the same weekday/hour -> cold-start band
HISTORY_COMPARABLE_MAX = 8  # use the most recent N comparable runs
BAND_LOW_FACTOR = 0.4  # lower bound = factor * smallest recent count
BAND_HIGH_FACTOR = 2.5  # upper bound = factor * largest recent count
BAND_HIGH_PAD = 10  # + a few rows, so quiet hours do not fail on noise
# Cold start: the French service publishes a few dozen items a day; allow a lot more.
COLD_START_MAX_PER_DAY = 500
COLD_START_MIN_FULL_DAY = 1  # a whole KST day with zero items means discovery broke
