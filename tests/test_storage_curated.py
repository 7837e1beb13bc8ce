"""curated/ rebuilt from PostgreSQL (storage.curated, `yonhap-pipeline curated rebuild`), and
the archive check that decides which stored validators are still safe (scrapers.archive):
a real PostgreSQL and S3 over HTTP (fixtures_stack)."""

from __future__ import annotations

from datetime import date, datetime

import pyarrow as pa
import pyarrow.parquet as pq

from ground.adapters import s3
from ground.core.timeutil import KST
from scrapers.archive import trusted_validators
from storage import curated, parquet, stage, synthetic
from tests.storage_helpers import stage_batch

DAY_1, DAY_2 = datetime(2024, 6, 18, tzinfo=KST), datetime(2024, 6, 19, tzinfo=KST)


def _ids_per_file(settings, day: date) -> dict[str, list[str]]:
    out = {}
    for key in s3.list_keys(settings, f"curated/articles/dt={day:%Y-%m-%d}/"):
        table = pq.read_table(pa.BufferReader(s3.get_bytes(settings, key)))
        out[key] = table.column("article_id").to_pylist()
    return out


def test_rebuild_restores_lost_days_each_article_once_and_leaves_complete_days(settings, db_conn):
    first = [synthetic.make_article(i, "c1", day=DAY_1) for i in range(6)] + \
            [synthetic.make_article(i, "c1", day=DAY_2) for i in range(4)]
    stage_batch(settings, "c1", first)
    stage.load(settings, "c1")
    # a second run updates two day-1 articles in place: day 1 now has two files
    edited = [synthetic.make_article(i, "c2", day=DAY_1, body=f"SEOUL, 18 juin (Yonhap) -- Texte corrigé {i}.")
              for i in range(2)]
    stage_batch(settings, "c2", edited)
    stage.load(settings, "c2")
    assert len(_ids_per_file(settings, DAY_1.date())) == 2
    complete_day2 = _ids_per_file(settings, DAY_2.date())

    lost = parquet.key_for("c1", DAY_1.date())
    s3.client(settings).delete_object(Bucket=settings.s3_bucket, Key=lost)  # day 1 now misses 4 articles
    report = curated.rebuild(settings, db_conn, DAY_1.date(), date(2024, 6, 20))
    assert report.rebuilt == {"2024-06-18": 6}
    assert report.complete == ["2024-06-19"] and report.empty == ["2024-06-20"]
    files = _ids_per_file(settings, DAY_1.date())
    assert list(files) == [parquet.key_for("rebuild_20240618", DAY_1.date())]
    ids = next(iter(files.values()))
    assert sorted(ids) == sorted(a.article_id for a in first[:6]) and len(ids) == len(set(ids))
    table = pq.read_table(pa.BufferReader(s3.get_bytes(settings, next(iter(files)))))
    bodies = dict(zip(table.column("article_id").to_pylist(), table.column("body").to_pylist(), strict=True))
    assert bodies[edited[0].article_id] == edited[0].body  # the stored (latest) content
    assert _ids_per_file(settings, DAY_2.date()) == complete_day2  # untouched

    again = curated.rebuild(settings, db_conn, DAY_1.date(), DAY_2.date())
    assert again.rebuilt == {} and again.complete == ["2024-06-18", "2024-06-19"]  # idempotent


def test_validators_are_trusted_only_while_their_archived_page_is_readable(settings):
    s3.ensure_bucket(settings)
    s3.put_bytes(settings, "raw/dt=2024-06-18/run_a.warc.gz", b"archived")
    bucket = settings.s3_bucket
    validators = {
        "AFR20240618000100884": {"etag": '"a"', "raw_uri": f"s3://{bucket}/raw/dt=2024-06-18/run_a.warc.gz#offset=0"},
        "AFR20240618000200884": {"etag": '"b"', "raw_uri": f"s3://{bucket}/raw/dt=2024-06-18/gone.warc.gz#offset=0"},
        "AFR20240619000100884": {"etag": '"c"', "raw_uri": f"s3://{bucket}/raw/dt=2024-06-19/run_a.warc.gz#offset=9"},
        "AFR20240619000200884": {"etag": '"d"', "raw_uri": "s3://another-bucket/raw/dt=2024-06-19/run_a.warc.gz"},
        "AFR20240619000300884": {"etag": '"e"', "raw_uri": None},
    }
    check = trusted_validators(settings, validators)
    assert check.kept == {"AFR20240618000100884": validators["AFR20240618000100884"]}
    assert check.missing == sorted(set(validators) - {"AFR20240618000100884"})
    assert "raw/dt=2024-06-19" in check.missing_days and "raw/dt=2024-06-18" in check.missing_days
    line = check.line()
    assert line.startswith("raw archive: 4 of 5 stored article(s)") and "\n" not in line
    assert trusted_validators(settings, {}).line() is None
