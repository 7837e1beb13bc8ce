"""PostgreSQL databases for tests and benches on one server: a migrated template copied per
test (CREATE DATABASE ... TEMPLATE, far cheaper than migrating), dropped after."""

from __future__ import annotations

from devtools.stack import services as stack

TEMPLATE_DB = "yonhap_template"


def admin_connection(url: str):
    import psycopg2

    conn = psycopg2.connect(url, application_name="yonhap-tests")
    conn.autocommit = True
    return conn


def url_for(base_url: str, database: str) -> str:
    return base_url.rsplit("/", 1)[0] + "/" + database


def url_as(url: str, user: str, password: str) -> str:
    """``url`` logged in as another role (the stack takes password logins only)."""
    from urllib.parse import quote, urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{parts.netloc.rsplit('@', 1)[-1]}"))


def start_with_retry(start, attempts: int = 3):
    # A free port can be grabbed by another session between probe and bind: retry.
    for attempt in range(attempts):
        try:
            return start(stack.free_port())
        except stack.StackError:
            if attempt == attempts - 1:
                raise


def create_database(server_url: str, name: str, template: str | None = None) -> str:
    from psycopg2 import sql

    conn = admin_connection(server_url)
    try:
        with conn.cursor() as cur:
            if template is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            else:
                cur.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
                )
    finally:
        conn.close()
    return url_for(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    from psycopg2 import sql

    conn = admin_connection(url_for(server_url, "postgres"))
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        conn.close()
