-- The load's staging tables. stage_articles is a plain table in schema yonhap_load (migration
-- 0002), not a temp table, so that parallel workers can compute its search vectors; it is
-- created inside the load transaction (invisible to others, gone on rollback) and dropped
-- before the commit. The others live and die with the transaction.
DROP TABLE IF EXISTS yonhap_load.stage_articles;
CREATE TABLE "yonhap_load"."stage_articles"
AS SELECT ${staged_columns} FROM yonhap.articles WITH NO DATA;
CREATE TEMP TABLE stage_revisions (
    article_id text, content_hash text, title_raw text, body text, fetched_at timestamptz
) ON COMMIT DROP;
CREATE TEMP TABLE stage_rejects (
    item_key text, article_id text, url text, reasons jsonb, payload jsonb, stage text
) ON COMMIT DROP;
CREATE TEMP TABLE stage_errors (
    url text, status integer, error text, attempts integer, at timestamptz, article_id text
) ON COMMIT DROP;
CREATE TEMP TABLE stage_seen (
    article_id text, kst_date date, listed_at timestamptz, sources text[], robots_denied boolean
) ON COMMIT DROP;
CREATE TEMP TABLE stage_searched (kst_date date, source text) ON COMMIT DROP;
