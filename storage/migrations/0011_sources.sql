-- 0011 (issue 35): where each stored article came from, and which days were looked for where.
--
-- articles.source       'site' (fetched from the site by us), 'cc' (a Common Crawl capture),
--                       'wayback' (an Internet Archive capture). Rows stored before: 'site'.
-- freshness            gains `source`; freshness_hourly counts the site's rows only.
-- articles.captured_at  when the archive captured the page (NULL for our own site fetches);
--                       fetched_at is then that capture's time too: the content's age decides
--                       which fetch wins (a later site fetch updates the row, an older capture
--                       never overwrites a newer fetch).
-- seen_articles.sources also 'cc' / 'wayback': the ids an archive's index offered for the day.
-- searched_days         one row per (edition, KST day, source) a run looked at: the site's list
--                       pages and feed ('site'), or an archive's index ('cc', 'wayback'). A day
--                       looked for and seen nowhere shows in daily_completeness with seen = 0.
-- article_completeness  gains `source` (of the stored row, NULL when none);
-- daily_completeness    gains `searched` (sources looked at), `from_site`, `from_cc`,
--                       `from_wayback` (stored rows by source, duplicates included) and
--                       `missing` (seen, stored from no source: rejected + failed + denied +
--                       unaccounted), and lists days searched with nothing seen.

ALTER TABLE yonhap.articles
    ADD COLUMN source text NOT NULL DEFAULT 'site' CHECK (source IN ('site', 'cc', 'wayback')),
    ADD COLUMN captured_at timestamptz;
CREATE INDEX articles_source_idx ON yonhap.articles (source) WHERE source <> 'site';

CREATE TABLE yonhap.searched_days (
    edition            text NOT NULL,
    kst_date           date NOT NULL,
    source             text NOT NULL CHECK (source IN ('site', 'cc', 'wayback')),
    first_run          text NOT NULL,
    last_run           text NOT NULL,
    first_searched_at  timestamptz NOT NULL,
    last_searched_at   timestamptz NOT NULL,
    PRIMARY KEY (edition, kst_date, source)
);

-- Freshness is the ingest's: an archive capture loaded years after publication says nothing
-- about it. yonhap.freshness names each row's source; freshness_hourly counts the site's rows.
CREATE OR REPLACE VIEW yonhap.freshness AS
SELECT a.article_id, a.published_at, a.first_seen_at, a.loaded_at, a.loaded_by_run,
       a.loaded_at - a.published_at AS lag,
       (extract(epoch FROM a.loaded_at) - extract(epoch FROM a.published_at))::double precision AS lag_seconds,
       a.edition,
       r.kind AS run_kind,
       coalesce(r.kind IN ('airflow', 'event'), false) AS ingest,
       a.source
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
WHERE f.run_kind IS DISTINCT FROM 'backfill' AND f.run_kind IS DISTINCT FROM 'reprocess' AND f.source = 'site'
GROUP BY 1;

-- The stories view carries every article column: source and captured_at are appended.
CREATE OR REPLACE VIEW yonhap.stories AS
SELECT DISTINCT ON (a.story_id)
    a.story_id, a.article_id, a.title, a.published_at,
    count(*) OVER (PARTITION BY a.story_id) AS versions,
    a.url, a.title_raw, a.version_label, a.duplicate_of, a.section, a.updated_at, a.dateline,
    a.lead, a.body, a.author_email, a.images, a.word_count, a.content_hash, a.first_seen_at,
    a.last_seen_at, a.raw_uri, a.run_id, a.is_routine, a.layout, a.field_sources, a.etag,
    a.last_modified, a.fetched_at, a.byline, a.editor_note, a.keywords, a.loaded_at, a.loaded_by_run,
    a.edition, a.is_table, a.source, a.captured_at
FROM yonhap.articles a
WHERE a.duplicate_of IS NULL
ORDER BY a.story_id, a.published_at DESC NULLS LAST, a.updated_at DESC NULLS LAST, a.article_id DESC;

DROP VIEW yonhap.daily_completeness;
CREATE OR REPLACE VIEW yonhap.article_completeness AS
SELECT s.kst_date, s.article_id, s.listed_at, s.sources, s.first_seen_run, s.last_seen_run,
       CASE
           WHEN a.article_id IS NOT NULL AND a.duplicate_of IS NULL THEN 'loaded'
           WHEN a.article_id IS NOT NULL THEN 'duplicate'
           WHEN r.reasons IS NOT NULL THEN 'rejected'
           WHEN e.error IS NOT NULL THEN 'failed'
           WHEN s.robots_denied THEN 'denied'
           ELSE 'unaccounted'
       END AS status,
       CASE
           WHEN a.article_id IS NOT NULL THEN a.duplicate_of
           WHEN r.reasons IS NOT NULL THEN array_to_string(r.reasons, '; ')
           WHEN e.error IS NOT NULL THEN e.error
       END AS detail,
       CASE WHEN a.article_id IS NULL THEN r.reasons END AS reasons,
       s.edition,
       a.source
FROM yonhap.seen_articles s
LEFT JOIN yonhap.articles a ON a.article_id = s.article_id
LEFT JOIN LATERAL (
    SELECT ri.reasons FROM yonhap.rejected_items ri
    WHERE ri.article_id = s.article_id ORDER BY ri.rejected_at DESC, ri.id DESC LIMIT 1
) r ON true
LEFT JOIN LATERAL (
    SELECT ce.error FROM yonhap.crawl_errors ce
    WHERE ce.article_id = s.article_id AND ce.resolved_at IS NULL ORDER BY ce.at DESC, ce.id DESC LIMIT 1
) e ON true;

-- Per edition and KST day, as before, plus the sources: every day some run looked at appears,
-- seen or not (a day no archive holds: seen = 0, searched = {cc,wayback}).
CREATE VIEW yonhap.daily_completeness AS
WITH reasons AS (
    SELECT d.edition, d.kst_date, jsonb_object_agg(d.reason, d.n ORDER BY d.reason) AS rejected_reasons
    FROM (SELECT c.edition, c.kst_date, x.reason, count(*) AS n
          FROM yonhap.article_completeness c, unnest(c.reasons) AS x(reason)
          WHERE c.status = 'rejected'
          GROUP BY 1, 2, 3) d
    GROUP BY d.edition, d.kst_date
), days AS (
    SELECT c.edition, c.kst_date,
           count(*)                                          AS seen,
           count(*) FILTER (WHERE c.status = 'loaded')       AS loaded,
           count(*) FILTER (WHERE c.status = 'duplicate')    AS duplicates,
           count(*) FILTER (WHERE c.status = 'rejected')     AS rejected,
           count(*) FILTER (WHERE c.status = 'failed')       AS failed,
           count(*) FILTER (WHERE c.status = 'denied')       AS denied,
           count(*) FILTER (WHERE c.status = 'unaccounted')  AS unaccounted,
           min(c.listed_at)                                  AS first_listed_at,
           max(c.listed_at)                                  AS last_listed_at,
           count(*) FILTER (WHERE c.source = 'site')         AS from_site,
           count(*) FILTER (WHERE c.source = 'cc')           AS from_cc,
           count(*) FILTER (WHERE c.source = 'wayback')      AS from_wayback,
           count(*) FILTER (WHERE c.source IS NULL)          AS missing
    FROM yonhap.article_completeness c
    GROUP BY c.edition, c.kst_date
), searched AS (
    SELECT d.edition, d.kst_date, array_agg(d.source ORDER BY d.source) AS searched
    FROM yonhap.searched_days d
    GROUP BY d.edition, d.kst_date
)
SELECT coalesce(d.edition, s.edition)                    AS edition,
       coalesce(d.kst_date, s.kst_date)                  AS kst_date,
       coalesce(d.seen, 0)                               AS seen,
       coalesce(d.loaded, 0)                             AS loaded,
       coalesce(d.duplicates, 0)                         AS duplicates,
       coalesce(d.rejected, 0)                           AS rejected,
       coalesce(d.failed, 0)                             AS failed,
       coalesce(d.denied, 0)                             AS denied,
       coalesce(d.unaccounted, 0)                        AS unaccounted,
       coalesce(r.rejected_reasons, '{}'::jsonb)         AS rejected_reasons,
       d.first_listed_at,
       d.last_listed_at,
       coalesce(s.searched, '{}'::text[])                AS searched,
       coalesce(d.from_site, 0)                          AS from_site,
       coalesce(d.from_cc, 0)                            AS from_cc,
       coalesce(d.from_wayback, 0)                       AS from_wayback,
       coalesce(d.missing, 0)                            AS missing
FROM days d
FULL JOIN searched s ON s.edition = d.edition AND s.kst_date = d.kst_date
LEFT JOIN reasons r ON r.edition = coalesce(d.edition, s.edition) AND r.kst_date = coalesce(d.kst_date, s.kst_date);

-- Both views stay SELECT-granted to yonhap_reader (storage/migrate.py READER_SURFACE re-grants
-- after every upgrade); searched_days is read through daily_completeness only.
