-- 0001: the analyst surface of schema `yonhap` (docs/analysts.md).
-- Applied once, inside the migration transaction (storage/migrate.py); never edit after release:
-- add 0002_*.sql instead.

CREATE TABLE yonhap.articles (
    article_id     text PRIMARY KEY CHECK (article_id <> ''),
    url            text NOT NULL UNIQUE,            -- canonical URL
    title          text NOT NULL,                   -- without version prefix
    title_raw      text NOT NULL,                   -- as published
    version_label  text,                            -- LD, 2e LD, URGENT, ... or NULL
    story_id       text NOT NULL,
    duplicate_of   text,                            -- article_id of the original, or NULL
    section        text,
    published_at   timestamptz,
    updated_at     timestamptz,
    dateline       text,
    lead           text,
    body           text NOT NULL,
    author_email   text,
    images         jsonb NOT NULL DEFAULT '[]'::jsonb,
    word_count     integer NOT NULL CHECK (word_count >= 0),
    content_hash   text NOT NULL,
    first_seen_at  timestamptz NOT NULL,
    last_seen_at   timestamptz NOT NULL,
    raw_uri        text,
    run_id         text NOT NULL,                   -- run that last changed the content
    -- additions (yonhap.core.schema.ARTICLE_COLUMNS)
    is_routine     boolean NOT NULL DEFAULT false,  -- weather, exchange rates, ... bulletins
    layout         text,                            -- parser that handled the page
    field_sources  jsonb NOT NULL DEFAULT '{}'::jsonb,
    etag           text,                            -- HTTP validator, verbatim
    last_modified  text,                            -- HTTP Last-Modified header, verbatim
    fetched_at     timestamptz,
    search_vector  tsvector GENERATED ALWAYS AS (
        to_tsvector('french'::regconfig, coalesce(title, '') || ' ' || coalesce(body, ''))
    ) STORED
);
CREATE INDEX articles_published_at_idx ON yonhap.articles (published_at);
CREATE INDEX articles_section_published_idx ON yonhap.articles (section, published_at);
CREATE INDEX articles_story_id_idx ON yonhap.articles (story_id);
CREATE INDEX articles_search_idx ON yonhap.articles USING gin (search_vector);

CREATE TABLE yonhap.article_revisions (
    article_id    text NOT NULL REFERENCES yonhap.articles (article_id) ON DELETE CASCADE,
    revision      integer NOT NULL CHECK (revision >= 1),
    content_hash  text NOT NULL,
    title_raw     text NOT NULL,
    body          text NOT NULL,
    fetched_at    timestamptz NOT NULL,
    run_id        text,
    PRIMARY KEY (article_id, revision),
    UNIQUE (article_id, content_hash)
);

-- One row per story: its latest non-duplicate version.
CREATE VIEW yonhap.stories AS
SELECT DISTINCT ON (a.story_id)
    a.story_id, a.article_id, a.title, a.published_at,
    count(*) OVER (PARTITION BY a.story_id) AS versions,
    a.url, a.title_raw, a.version_label, a.duplicate_of, a.section, a.updated_at, a.dateline,
    a.lead, a.body, a.author_email, a.images, a.word_count, a.content_hash, a.first_seen_at,
    a.last_seen_at, a.raw_uri, a.run_id, a.is_routine, a.layout, a.field_sources, a.etag,
    a.last_modified, a.fetched_at
FROM yonhap.articles a
WHERE a.duplicate_of IS NULL
ORDER BY a.story_id, a.published_at DESC NULLS LAST, a.updated_at DESC NULLS LAST, a.article_id DESC;

CREATE TABLE yonhap.crawl_runs (
    run_id              text PRIMARY KEY CHECK (run_id ~ '^[A-Za-z0-9_.-]+$'),
    kind                text NOT NULL,              -- cli | scheduled | backfill | reprocess | ...
    window_start        timestamptz NOT NULL,
    window_end          timestamptz NOT NULL,
    started_at          timestamptz NOT NULL,
    finished_at         timestamptz,
    status              text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'blocked')),
    pages               integer NOT NULL DEFAULT 0,
    items               integer NOT NULL DEFAULT 0,
    loaded              integer NOT NULL DEFAULT 0,
    rejected            integer NOT NULL DEFAULT 0,
    duplicates          integer NOT NULL DEFAULT 0,
    errors              integer NOT NULL DEFAULT 0,
    not_modified        integer NOT NULL DEFAULT 0,
    quality_success     boolean,
    quality_report_uri  text,
    message             text,
    stats               jsonb NOT NULL DEFAULT '{}'::jsonb,
    curated_written     boolean NOT NULL DEFAULT false,
    curated_uris        text[],                     -- curated/articles/dt=…/<run_id>.parquet files
    CHECK (window_end > window_start)
);
CREATE INDEX crawl_runs_started_at_idx ON yonhap.crawl_runs (started_at);

CREATE TABLE yonhap.rejected_items (
    id           bigserial PRIMARY KEY,
    run_id       text NOT NULL,
    item_key     text NOT NULL,                     -- hash of the item: reruns replace, never duplicate
    article_id   text,
    url          text,
    reasons      text[] NOT NULL,
    payload      jsonb NOT NULL,
    stage        text NOT NULL,                     -- parse | transform | validate
    rejected_at  timestamptz NOT NULL,
    UNIQUE (run_id, item_key)
);
CREATE INDEX rejected_items_article_id_idx ON yonhap.rejected_items (article_id);

CREATE TABLE yonhap.crawl_errors (
    id           bigserial PRIMARY KEY,
    run_id       text NOT NULL,
    url          text NOT NULL,
    status       integer,                           -- HTTP status, or NULL for network errors
    error        text NOT NULL,
    attempts     integer NOT NULL,
    at           timestamptz NOT NULL,
    resolved_at  timestamptz,                       -- a later fetch of the URL succeeded
    UNIQUE (run_id, url)
);
CREATE INDEX crawl_errors_pending_idx ON yonhap.crawl_errors (url) WHERE resolved_at IS NULL;

-- The read-only role `yonhap_reader` and its grants are (re)applied by storage/migrate.py after
-- every upgrade: roles are cluster-wide and may need an administrator (see docs/analysts.md).
