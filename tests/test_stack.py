def test_smoke(settings, db_conn):
    with db_conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM yonhap.articles")
        assert cur.fetchone() == (0,)
