-- 0010 (issue 32): tables are articles; freshness counts the ingest's loads.
--
-- is_table  the item is mostly figures (a price list, a part of a continued item: one <p> of
--           <br/>-separated figure lines): fewer than 80% of its letters-and-digits are letters
--           (transforms.clean.is_table). Such items are routine items too (is_routine), and are
--           judged by that share, not by their share of common words (docs/quality.md).
-- Rows stored before this migration get the same rule in SQL, from their body.
ALTER TABLE yonhap.articles ADD COLUMN is_table boolean NOT NULL DEFAULT false;

UPDATE yonhap.articles
SET is_table = true, is_routine = true
WHERE length(regexp_replace(body, '[^[:alnum:]]', '', 'g')) > 0
  AND length(regexp_replace(body, '[^[:alpha:]]', '', 'g'))::double precision
      < 0.8 * length(regexp_replace(body, '[^[:alnum:]]', '', 'g'));

-- Analysts filter on it (WHERE is_table / WHERE NOT is_table); few rows are tables.
CREATE INDEX articles_is_table_idx ON yonhap.articles (published_at) WHERE is_table;

-- The freshness views: a backfill or a reprocess loads articles days or years after their
-- publication, which says nothing about how fresh the ingest is. Each row of yonhap.freshness
-- now names the kind of the run that first loaded it (run_kind) and whether that run was the
-- ingest's (`ingest`: hourly runs, kind 'airflow', and feed-event runs, 'event');
-- freshness_hourly leaves out what backfill and reprocess runs loaded.
CREATE OR REPLACE VIEW yonhap.freshness AS
SELECT a.article_id, a.published_at, a.first_seen_at, a.loaded_at, a.loaded_by_run,
       a.loaded_at - a.published_at AS lag,
       (extract(epoch FROM a.loaded_at) - extract(epoch FROM a.published_at))::double precision AS lag_seconds,
       a.edition,
       r.kind AS run_kind,
       coalesce(r.kind IN ('airflow', 'event'), false) AS ingest
FROM yonhap.articles a
LEFT JOIN yonhap.crawl_runs r ON r.run_id = a.loaded_by_run
WHERE a.published_at IS NOT NULL;

CREATE OR REPLACE VIEW yonhap.freshness_hourly AS
SELECT date_trunc('hour', f.published_at, 'Asia/Seoul') AS hour,
       count(*) AS articles,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY f.lag_seconds) AS p50_lag_seconds,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY f.lag_seconds) AS p95_lag_seconds,
       max(f.lag_seconds) AS max_lag_seconds
FROM yonhap.freshness f
WHERE f.run_kind IS DISTINCT FROM 'backfill' AND f.run_kind IS DISTINCT FROM 'reprocess'
GROUP BY 1;

-- The stories view carries every article column: is_table is appended (see 0004).
CREATE OR REPLACE VIEW yonhap.stories AS
SELECT DISTINCT ON (a.story_id)
    a.story_id, a.article_id, a.title, a.published_at,
    count(*) OVER (PARTITION BY a.story_id) AS versions,
    a.url, a.title_raw, a.version_label, a.duplicate_of, a.section, a.updated_at, a.dateline,
    a.lead, a.body, a.author_email, a.images, a.word_count, a.content_hash, a.first_seen_at,
    a.last_seen_at, a.raw_uri, a.run_id, a.is_routine, a.layout, a.field_sources, a.etag,
    a.last_modified, a.fetched_at, a.byline, a.editor_note, a.keywords, a.loaded_at, a.loaded_by_run,
    a.edition, a.is_table
FROM yonhap.articles a
WHERE a.duplicate_of IS NULL
ORDER BY a.story_id, a.published_at DESC NULLS LAST, a.updated_at DESC NULLS LAST, a.article_id DESC;
