-- 0005: freshness — how long after publication an article reached the database.
--
-- loaded_at      when the row was FIRST committed to yonhap.articles: the loader sets it on
--                insert to its load transaction's time (now()) and never changes it (updates,
--                new revisions and 304 touches leave it alone). Rows loaded before this
--                migration get their first_seen_at (the fetch that first loaded them: a few
--                seconds to minutes before their load).
-- loaded_by_run  the run that first loaded the row (articles.run_id is the run that LAST
--                changed it). Set on insert only. Rows loaded before this migration get the
--                run of their first revision, which the loader always wrote in the inserting
--                run; NULL when unknown (a row no loader wrote).
--
-- The backfill UPDATE touches no title/body column, so the search-vector trigger (0002) does
-- not fire.

ALTER TABLE yonhap.articles
    ADD COLUMN loaded_at      timestamptz,
    ADD COLUMN loaded_by_run  text;

UPDATE yonhap.articles a SET
    loaded_at = a.first_seen_at,
    loaded_by_run = (SELECT r.run_id FROM yonhap.article_revisions r
                     WHERE r.article_id = a.article_id AND r.revision = 1);

ALTER TABLE yonhap.articles
    ALTER COLUMN loaded_at SET DEFAULT now(),
    ALTER COLUMN loaded_at SET NOT NULL;

-- The load's freshness figures read the rows a run first loaded (storage/load.py).
CREATE INDEX articles_loaded_by_run_idx ON yonhap.articles (loaded_by_run);

-- The run's figures (storage/load.py _freshness_of_run): over the articles it first loaded,
-- p50 / p95 of loaded_at - published_at in seconds; NULL when it first loaded none.
ALTER TABLE yonhap.crawl_runs
    ADD COLUMN freshness_p50_s  double precision,
    ADD COLUMN freshness_p95_s  double precision;

-- The stories view carries every article column: the new ones are appended (see 0004).
CREATE OR REPLACE VIEW yonhap.stories AS
SELECT DISTINCT ON (a.story_id)
    a.story_id, a.article_id, a.title, a.published_at,
    count(*) OVER (PARTITION BY a.story_id) AS versions,
    a.url, a.title_raw, a.version_label, a.duplicate_of, a.section, a.updated_at, a.dateline,
    a.lead, a.body, a.author_email, a.images, a.word_count, a.content_hash, a.first_seen_at,
    a.last_seen_at, a.raw_uri, a.run_id, a.is_routine, a.layout, a.field_sources, a.etag,
    a.last_modified, a.fetched_at, a.byline, a.editor_note, a.keywords, a.loaded_at, a.loaded_by_run
FROM yonhap.articles a
WHERE a.duplicate_of IS NULL
ORDER BY a.story_id, a.published_at DESC NULLS LAST, a.updated_at DESC NULLS LAST, a.article_id DESC;

-- One row per article with a publication time: its publication -> load lag.
CREATE VIEW yonhap.freshness AS
SELECT a.article_id, a.published_at, a.first_seen_at, a.loaded_at, a.loaded_by_run,
       a.loaded_at - a.published_at AS lag,
       (extract(epoch FROM a.loaded_at) - extract(epoch FROM a.published_at))::double precision AS lag_seconds
FROM yonhap.articles a
WHERE a.published_at IS NOT NULL;

-- Per KST hour of publication (`hour`: the hour's start, an instant): the lag's distribution.
CREATE VIEW yonhap.freshness_hourly AS
SELECT date_trunc('hour', f.published_at, 'Asia/Seoul') AS hour,
       count(*) AS articles,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY f.lag_seconds) AS p50_lag_seconds,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY f.lag_seconds) AS p95_lag_seconds,
       max(f.lag_seconds) AS max_lag_seconds
FROM yonhap.freshness f
GROUP BY 1;

-- Both views are SELECT-granted to yonhap_reader by storage/migrate.py (READER_SURFACE), like
-- the rest of the analyst surface.
