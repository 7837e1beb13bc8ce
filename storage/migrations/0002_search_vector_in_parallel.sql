-- 0002: articles.search_vector is computed by the loader, in parallel, instead of row by row.
--
-- Why: French to_tsvector is the most expensive part of a bulk load (about 16 of 27 CPU seconds
-- per 50k articles, bench/bench_load.py), and a GENERATED column evaluates it in the single
-- inserting process. The loader now computes the vectors with a parallel query over its
-- staging table (storage/load.py) and writes them with the rows.
--
-- The column keeps its meaning: always search_vector_of(title, body). Any other writer gets
-- it filled by the trigger below, exactly as the generated column did; only a transaction
-- that sets yonhap.search_vector_from_loader = 'on' (the loader, which computes the same
-- function) skips it, and a NULL vector is computed even then.

CREATE FUNCTION yonhap.search_vector_of(title text, body text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT to_tsvector('french'::regconfig, coalesce(title, '') || ' ' || coalesce(body, '')) $$;

ALTER TABLE yonhap.articles ALTER COLUMN search_vector DROP EXPRESSION;

CREATE FUNCTION yonhap.fill_search_vector() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.search_vector := yonhap.search_vector_of(NEW.title, NEW.body);
    RETURN NEW;
END
$$;

CREATE TRIGGER articles_search_vector
    BEFORE INSERT OR UPDATE OF title, body, search_vector ON yonhap.articles
    FOR EACH ROW
    WHEN (NEW.search_vector IS NULL
          OR current_setting('yonhap.search_vector_from_loader', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION yonhap.fill_search_vector();

-- The loader's scratch space: its staging tables live here (not in pg_temp, which parallel
-- workers cannot read), are created and dropped inside the load transaction, and are never
-- visible to anyone else. Nothing here is granted to yonhap_reader.
CREATE SCHEMA yonhap_load;
