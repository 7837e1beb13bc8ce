"""One kind of site per database: the live site, or a test site (the bundled replica).

Replica pages are our own French text under real-looking ``AFR…`` ids: in a production
database they would pass for Yonhap's articles. So every run records the site root it crawled
(``crawl_runs.site``) and the database is bound, by its first such run, to one kind
(``yonhap.site_binding``): live (the editions' own sites, ground.core.config.LIVE_SITES) or a
test site. A run of the other kind is refused when it starts (:func:`bind` from
``runs.start_run``) and again inside the load's transaction, under the load lock, so no path
(the CLI's stages one at a time, Airflow tasks, concurrent runs) can mix them.

Databases from before migration 0009 may already hold both (a `make demo` then a `make run` on
one local stack): their runs' sites are read back from the archived pages
(pipeline.run.sites), and :func:`mixed_runs` / :func:`remove_test_site_runs` say so and clean
up (`yonhap-pipeline db remove-demo-rows`).
"""

from __future__ import annotations

from ground.core.config import LIVE_SITES, SettingsError, is_live_site, site_root

REMOVE_COMMAND = "yonhap-pipeline db remove-demo-rows"


class SiteMismatch(SettingsError):
    """The run's site is not of the kind the database holds; ``str(err)`` is one line saying
    what to do."""


def binding(cur) -> tuple[bool, str] | None:
    """(live, site root) the database is bound to, or None before its first run with a site."""
    cur.execute("SELECT live, site FROM yonhap.site_binding")
    row = cur.fetchone()
    return (bool(row[0]), row[1]) if row else None


def _kind(live: bool) -> str:
    return "the live site" if live else "a test site (the bundled replica or a test server)"


def bind(cur, site: str, run_id: str) -> str:
    """Bind the database to ``site``'s kind if it has none yet; raise :class:`SiteMismatch`
    when it holds the other kind. Returns the site root to record on the run."""
    root = site_root(site)
    live = is_live_site(root)
    cur.execute(
        "INSERT INTO yonhap.site_binding (live, site, run_id) VALUES (%s, %s, %s) ON CONFLICT (singleton) DO NOTHING",
        (live, root, run_id),
    )
    bound_live, bound_site = binding(cur)
    if bound_live != live:
        if bound_live:
            raise SiteMismatch(
                f"run {run_id}: {root} is a test site, not the live site, and this database holds the live site "
                f"({bound_site}): test pages never go into it. For the replica use the demo's own stack "
                "(`make demo`, or YONHAP_LOCAL_DIR=.local/demo) or another DATABASE_URL"
            )
        raise SiteMismatch(
            f"run {run_id}: this database holds a test site ({bound_site}, e.g. the bundled replica), not the live "
            f"site {root}: use another database for the live site, or remove the test rows first (`{REMOVE_COMMAND}`)"
        )
    return root


def check_run(cur, run_id: str, site: str | None) -> None:
    """Inside the load: the run's recorded site (else ``site``, then recorded) must be of the
    database's kind. Runs with no site at all (rows written by hand) are not checked."""
    cur.execute("SELECT site FROM yonhap.crawl_runs WHERE run_id = %s", (run_id,))
    row = cur.fetchone()
    recorded = row[0] if row else None
    if recorded is None and site is None:
        return
    root = bind(cur, recorded or site, run_id)
    if row is not None and recorded is None:
        cur.execute("UPDATE yonhap.crawl_runs SET site = %s WHERE run_id = %s", (root, run_id))


def mixed_runs(cur, live: bool | None = None) -> tuple[int, int]:
    """(runs, articles) of test-site runs in a database of the live site (its binding, else
    ``live``: what the caller is about to crawl); (0, 0) when nothing is mixed."""
    bound = binding(cur)
    if not (bound[0] if bound else live):
        return 0, 0
    cur.execute(
        "SELECT count(*) FROM yonhap.crawl_runs WHERE site IS NOT NULL AND NOT (site = ANY(%s))", (list(LIVE_SITES),)
    )
    (runs,) = cur.fetchone()
    if not runs:
        return 0, 0
    cur.execute(
        "SELECT count(*) FROM yonhap.articles WHERE run_id IN "
        "(SELECT run_id FROM yonhap.crawl_runs WHERE site IS NOT NULL AND NOT (site = ANY(%s)))",
        (list(LIVE_SITES),),
    )
    return int(runs), int(cur.fetchone()[0])


def mixed_notice(runs: int, articles: int) -> str:
    """The one line `stack up` and `run` show while a live database still holds test rows."""
    return (f"this database holds the live site and {runs} run(s) of a test site (the bundled replica, e.g. an "
            f"earlier `make demo`; {articles} article row(s)): `{REMOVE_COMMAND}` removes them")


def unknown_runs(cur) -> list[str]:
    """Runs from before migration 0009 whose site is not known yet."""
    cur.execute("SELECT run_id FROM yonhap.crawl_runs WHERE site IS NULL ORDER BY run_id")
    return [r for (r,) in cur.fetchall()]


def archived_pages(cur, run_ids: list[str]) -> dict[str, str]:
    """One archived page (its WARC record URI) per run among ``run_ids`` that changed an article."""
    cur.execute(
        "SELECT DISTINCT ON (run_id) run_id, raw_uri FROM yonhap.articles "
        "WHERE run_id = ANY(%s) AND raw_uri IS NOT NULL ORDER BY run_id, article_id",
        (run_ids,),
    )
    return dict(cur.fetchall())


def record_site(cur, run_id: str, url: str) -> None:
    cur.execute("UPDATE yonhap.crawl_runs SET site = %s WHERE run_id = %s AND site IS NULL", (site_root(url), run_id))


def test_site_runs(cur) -> list[tuple[str, list[str]]]:
    """(run_id, curated file URIs) of every run that crawled a test site."""
    cur.execute(
        "SELECT run_id, coalesce(curated_uris, '{}') FROM yonhap.crawl_runs "
        "WHERE site IS NOT NULL AND NOT (site = ANY(%s)) ORDER BY run_id",
        (list(LIVE_SITES),),
    )
    return [(r, list(uris)) for r, uris in cur.fetchall()]


def remove_test_site_runs(cur, run_ids: list[str]) -> dict[str, int]:
    """Delete the rows of these (test-site) runs from every table; rows a live run changed
    since stay. The binding then follows what is left: the live site when live runs remain,
    else none (the next run binds). Returns rows deleted per table."""
    deleted: dict[str, int] = {}
    statements = {
        "articles": "DELETE FROM yonhap.articles WHERE run_id = ANY(%s)",  # revisions cascade
        "article_revisions": "DELETE FROM yonhap.article_revisions WHERE run_id = ANY(%s)",
        "rejected_items": "DELETE FROM yonhap.rejected_items WHERE run_id = ANY(%s)",
        "crawl_errors": "DELETE FROM yonhap.crawl_errors WHERE run_id = ANY(%s)",
        "seen_articles": "DELETE FROM yonhap.seen_articles WHERE first_seen_run = ANY(%s) AND last_seen_run = ANY(%s)",
        "install_notices": "DELETE FROM yonhap.install_notices WHERE first_run_id = ANY(%s)",
        "crawl_runs": "DELETE FROM yonhap.crawl_runs WHERE run_id = ANY(%s)",
    }
    for table, statement in statements.items():
        cur.execute(statement, (run_ids,) * statement.count("%s"))
        deleted[table] = cur.rowcount
    cur.execute("DELETE FROM yonhap.site_binding WHERE NOT live")
    cur.execute(
        "SELECT run_id, site FROM yonhap.crawl_runs WHERE site = ANY(%s) ORDER BY started_at, run_id LIMIT 1",
        (list(LIVE_SITES),),
    )
    first_live = cur.fetchone()
    if first_live is not None:
        cur.execute(
            "INSERT INTO yonhap.site_binding (live, site, run_id) VALUES (true, %s, %s) ON CONFLICT (singleton) DO NOTHING",
            (first_live[1], first_live[0]),
        )
    return deleted
