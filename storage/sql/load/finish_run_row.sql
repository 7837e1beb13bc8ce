-- The run row's counts, status, quality result and freshness figures, written only when they
-- differ. Changing the run's content invalidates its curated file (rewritten after the commit).
UPDATE yonhap.crawl_runs SET
    status = %(status)s, finished_at = now(), pages = %(pages)s, items = %(items)s,
    loaded = %(loaded)s, rejected = %(rejected)s, duplicates = %(duplicates)s,
    errors = %(errors)s, not_modified = %(not_modified)s,
    quality_success = %(quality_success)s, quality_report_uri = %(quality_report_uri)s,
    message = %(message)s, stats = %(stats)s, freshness_p50_s = %(freshness_p50_s)s::double precision,
    freshness_p95_s = %(freshness_p95_s)s::double precision, curated_written = false,
    seen = %(seen)s, unaccounted = %(unaccounted)s
WHERE run_id = %(run_id)s
  AND (status, pages, items, loaded, rejected, duplicates, errors, not_modified,
       quality_success, quality_report_uri, message, stats, freshness_p50_s, freshness_p95_s,
       seen, unaccounted)
      IS DISTINCT FROM
      (%(status)s, %(pages)s, %(items)s, %(loaded)s, %(rejected)s, %(duplicates)s,
       %(errors)s, %(not_modified)s, %(quality_success)s, %(quality_report_uri)s,
       %(message)s, %(stats)s::jsonb, %(freshness_p50_s)s::double precision,
       %(freshness_p95_s)s::double precision, %(seen)s::integer, %(unaccounted)s::integer)
