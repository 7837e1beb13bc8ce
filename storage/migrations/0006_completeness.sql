-- 0006: completeness — for each KST day, did we get every article the site showed?
--
-- seen_articles   one row per article id the crawler SAW on the site (a list page, the RSS feed,
--                 or an id the feed watcher announced) and meant to fetch because it may belong
--                 to the run's window. Written by the load from the crawl's staged `seen` list
--                 (every run, blocked or not); reprocesses see nothing (no site traffic).
--   kst_date        the KST day the site showed for it (its list/feed time), else its id's date
--   listed_at       that shown time, when the page gave one (minute precision)
--   sources         where it was seen, over all runs: list | feed | announced
--   robots_denied   robots.txt refused the fetch (policy, not a failure)
-- crawl_errors.article_id  the article a failed fetch was for (NULL for list/feed pages); the
--                 loader fills it, this migration fills earlier rows once from the URL.
-- article_completeness / daily_completeness (views) classify each seen id once, first match:
--   loaded > duplicate > rejected > failed > denied > unaccounted.
-- install_notices  a notice shown once per install (e.g. the volume gate's cold start): the
--                 first run that showed it keeps showing it on a rerun (idempotent), no other.

CREATE TABLE yonhap.seen_articles (
    article_id      text PRIMARY KEY CHECK (article_id <> ''),
    kst_date        date NOT NULL,
    listed_at       timestamptz,
    sources         text[] NOT NULL,
    robots_denied   boolean NOT NULL DEFAULT false,
    first_seen_run  text NOT NULL,
    last_seen_run   text NOT NULL,
    first_seen_at   timestamptz NOT NULL,
    last_seen_at    timestamptz NOT NULL
);
CREATE INDEX seen_articles_kst_date_idx ON yonhap.seen_articles (kst_date);

ALTER TABLE yonhap.crawl_errors ADD COLUMN article_id text;
UPDATE yonhap.crawl_errors SET article_id = substring(url FROM '/view/(A[A-Z]{2}[0-9]{17})');
CREATE INDEX crawl_errors_article_pending_idx ON yonhap.crawl_errors (article_id) WHERE resolved_at IS NULL;

-- A run's completeness over its window's KST days, as it stood when the run loaded.
ALTER TABLE yonhap.crawl_runs
    ADD COLUMN seen         integer,
    ADD COLUMN unaccounted  integer;

CREATE TABLE yonhap.install_notices (
    notice        text PRIMARY KEY,
    first_run_id  text NOT NULL,
    shown_at      timestamptz NOT NULL DEFAULT now(),
    detail        text
);

-- One row per seen article id: what became of it.
CREATE VIEW yonhap.article_completeness AS
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
       CASE WHEN a.article_id IS NULL THEN r.reasons END AS reasons
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

-- Per KST day: seen = loaded + duplicates + rejected + failed + denied + unaccounted;
-- rejected_reasons counts each reason over the day's rejected ids.
CREATE VIEW yonhap.daily_completeness AS
WITH reasons AS (
    SELECT d.kst_date, jsonb_object_agg(d.reason, d.n ORDER BY d.reason) AS rejected_reasons
    FROM (SELECT c.kst_date, x.reason, count(*) AS n
          FROM yonhap.article_completeness c, unnest(c.reasons) AS x(reason)
          WHERE c.status = 'rejected'
          GROUP BY 1, 2) d
    GROUP BY d.kst_date
)
SELECT c.kst_date,
       count(*)                                          AS seen,
       count(*) FILTER (WHERE c.status = 'loaded')       AS loaded,
       count(*) FILTER (WHERE c.status = 'duplicate')    AS duplicates,
       count(*) FILTER (WHERE c.status = 'rejected')     AS rejected,
       count(*) FILTER (WHERE c.status = 'failed')       AS failed,
       count(*) FILTER (WHERE c.status = 'denied')       AS denied,
       count(*) FILTER (WHERE c.status = 'unaccounted')  AS unaccounted,
       coalesce(r.rejected_reasons, '{}'::jsonb)              AS rejected_reasons,
       min(c.listed_at)                                  AS first_listed_at,
       max(c.listed_at)                                  AS last_listed_at
FROM yonhap.article_completeness c
LEFT JOIN reasons r ON r.kst_date = c.kst_date
GROUP BY c.kst_date, r.rejected_reasons;

-- Both views are SELECT-granted to yonhap_reader (storage/migrate.py READER_SURFACE).
