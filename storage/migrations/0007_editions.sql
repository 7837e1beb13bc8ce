-- 0007: editions (issue 21) — English (AEN…) rows beside French (AFR…) ones in the same tables.
--
-- editions          one row per edition: code, article-id prefix, host, language and the text
--                   search configuration of its rows. Filled from yonhap.core.editions (the one
--                   place those facts live) by every `db upgrade` (storage/migrate.py), not here.
-- articles.edition  'fr' | 'en'; every row stored before this migration is French (AFR ids).
-- seen_articles.edition  likewise, for the completeness ledger.
-- crawl_runs.edition     the edition a run crawled: its completeness figures, the run note and
--                   the gate's volume history count that edition only.
-- search_vector     built with the row's edition's configuration (french / english): the loader
--                   and the trigger both call search_vector_of(title, body, edition).
-- article_completeness gains `edition`; daily_completeness is one row per (edition, KST day).
-- Ids never collide across editions: the prefixes differ.

CREATE TABLE yonhap.editions (
    edition     text PRIMARY KEY,
    id_prefix   text NOT NULL UNIQUE CHECK (id_prefix ~ '^A[A-Z]{2}$'),
    host        text NOT NULL,
    language    text NOT NULL,
    fts_config  regconfig NOT NULL
);

ALTER TABLE yonhap.articles ADD COLUMN edition text NOT NULL DEFAULT 'fr';
ALTER TABLE yonhap.seen_articles ADD COLUMN edition text NOT NULL DEFAULT 'fr';
ALTER TABLE yonhap.crawl_runs ADD COLUMN edition text NOT NULL DEFAULT 'fr';
CREATE INDEX articles_edition_published_idx ON yonhap.articles (edition, published_at);

-- The text search configuration of an edition ('simple' for an unknown one: never an error).
CREATE FUNCTION yonhap.search_config(edition text) RETURNS regconfig
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT coalesce((SELECT e.fts_config FROM yonhap.editions e WHERE e.edition = $1),
                          'simple'::regconfig) $$;

CREATE FUNCTION yonhap.search_vector_of(title text, body text, edition text) RETURNS tsvector
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT to_tsvector(yonhap.search_config(edition), coalesce(title, '') || ' ' || coalesce(body, '')) $$;

CREATE OR REPLACE FUNCTION yonhap.fill_search_vector() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.search_vector := yonhap.search_vector_of(NEW.title, NEW.body, NEW.edition);
    RETURN NEW;
END
$$;

-- Views: `edition` added at the end (CREATE OR REPLACE keeps the existing columns in place).
CREATE OR REPLACE VIEW yonhap.stories AS
SELECT DISTINCT ON (a.story_id)
    a.story_id, a.article_id, a.title, a.published_at,
    count(*) OVER (PARTITION BY a.story_id) AS versions,
    a.url, a.title_raw, a.version_label, a.duplicate_of, a.section, a.updated_at, a.dateline,
    a.lead, a.body, a.author_email, a.images, a.word_count, a.content_hash, a.first_seen_at,
    a.last_seen_at, a.raw_uri, a.run_id, a.is_routine, a.layout, a.field_sources, a.etag,
    a.last_modified, a.fetched_at, a.byline, a.editor_note, a.keywords, a.loaded_at, a.loaded_by_run,
    a.edition
FROM yonhap.articles a
WHERE a.duplicate_of IS NULL
ORDER BY a.story_id, a.published_at DESC NULLS LAST, a.updated_at DESC NULLS LAST, a.article_id DESC;

CREATE OR REPLACE VIEW yonhap.freshness AS
SELECT a.article_id, a.published_at, a.first_seen_at, a.loaded_at, a.loaded_by_run,
       a.loaded_at - a.published_at AS lag,
       (extract(epoch FROM a.loaded_at) - extract(epoch FROM a.published_at))::double precision AS lag_seconds,
       a.edition
FROM yonhap.articles a
WHERE a.published_at IS NOT NULL;

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
       s.edition
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

-- Per edition and KST day (it was per KST day; French-only installs see the same numbers).
CREATE VIEW yonhap.daily_completeness AS
WITH reasons AS (
    SELECT d.edition, d.kst_date, jsonb_object_agg(d.reason, d.n ORDER BY d.reason) AS rejected_reasons
    FROM (SELECT c.edition, c.kst_date, x.reason, count(*) AS n
          FROM yonhap.article_completeness c, unnest(c.reasons) AS x(reason)
          WHERE c.status = 'rejected'
          GROUP BY 1, 2, 3) d
    GROUP BY d.edition, d.kst_date
)
SELECT c.edition, c.kst_date,
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
LEFT JOIN reasons r ON r.edition = c.edition AND r.kst_date = c.kst_date
GROUP BY c.edition, c.kst_date, r.rejected_reasons;
