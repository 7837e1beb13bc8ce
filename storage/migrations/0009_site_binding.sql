-- 0009: one kind of site per database (issue 31) — replica pages never land beside live ones.
--
-- crawl_runs.site   the site root a run crawled (YONHAP_BASE_URL, e.g. https://fr.yna.co.kr or
--                   http://127.0.0.1:8800 for the bundled replica); NULL for runs before 0009
--                   until `stack up` reads their archived pages (storage/sites.py).
-- site_binding      one row: whether this database holds the live site (the editions' own
--                   sites) or a test site (the replica, a test server), bound by its first run
--                   with a site. A run of the other kind is refused before it starts and again
--                   inside the load's transaction; `yonhap-pipeline db remove-demo-rows`
--                   removes the rows of runs that crawled a test site.

ALTER TABLE yonhap.crawl_runs ADD COLUMN site text;

CREATE TABLE yonhap.site_binding (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    live       boolean NOT NULL,
    site       text NOT NULL,                   -- the site root of the run that bound it
    run_id     text NOT NULL,
    bound_at   timestamptz NOT NULL DEFAULT now()
);
