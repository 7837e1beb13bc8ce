-- 0004: round 2 article fields (docs/analysts.md): byline, editor_note, keywords.
--
-- byline       names only, without "Par "/"By " ("Kim Min-ji"); NULL when the page shows none
-- editor_note  the editor's note before the dateline, without its parentheses
--              ("ATTN : ajout de précisions aux paragraphes 4 à 6", "NDLR : …"); NULL when none
-- keywords     the page's tags, without "#", page order, deduplicated; '{}' when none
--
-- Adding columns with a constant default is a catalog-only change (no table rewrite); existing
-- rows read byline/editor_note NULL and keywords '{}' until they are refetched.

ALTER TABLE yonhap.articles
    ADD COLUMN byline       text,
    ADD COLUMN editor_note  text,
    ADD COLUMN keywords     text[] NOT NULL DEFAULT '{}';

-- Analysts filter by tag (keywords @> ARRAY['Corée du Nord'], 'x' = ANY(keywords)): a GIN index
-- answers @> / && / <@. New entries go to the pending list like the search index's (the loader
-- raises gin_pending_list_limit for its transaction).
CREATE INDEX articles_keywords_idx ON yonhap.articles USING gin (keywords);

-- The stories view lists its columns: the new ones are appended (CREATE OR REPLACE keeps the
-- existing columns, their order and the view's grants; storage/migrate.py re-grants
-- yonhap_reader after every upgrade anyway).
CREATE OR REPLACE VIEW yonhap.stories AS
SELECT DISTINCT ON (a.story_id)
    a.story_id, a.article_id, a.title, a.published_at,
    count(*) OVER (PARTITION BY a.story_id) AS versions,
    a.url, a.title_raw, a.version_label, a.duplicate_of, a.section, a.updated_at, a.dateline,
    a.lead, a.body, a.author_email, a.images, a.word_count, a.content_hash, a.first_seen_at,
    a.last_seen_at, a.raw_uri, a.run_id, a.is_routine, a.layout, a.field_sources, a.etag,
    a.last_modified, a.fetched_at, a.byline, a.editor_note, a.keywords
FROM yonhap.articles a
WHERE a.duplicate_of IS NULL
ORDER BY a.story_id, a.published_at DESC NULLS LAST, a.updated_at DESC NULLS LAST, a.article_id DESC;
