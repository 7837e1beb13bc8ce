"""Stage hand-off files: what one stage writes, the next reads back unchanged."""

from ground.adapters import staging


def test_records_with_unicode_line_breaks_inside_strings_round_trip():
    # json.dumps(ensure_ascii=False) leaves these unescaped; a record must not split at them.
    records = [
        {"body": "avant\u2028après\u2029fin", "n": 1},
        {"body": "NEL\x85 FS\x1c GS\x1d RS\x1e VT\x0b FF\x0c", "n": 2},
        {"body": "ligne\nsuivante\r\n", "n": 3},
    ]
    assert staging.decode_jsonl(staging.encode_jsonl(records)) == records


def test_lines_are_split_on_newlines_only():
    data = staging.encode_jsonl([{"a": "x\u2028y"}, {"a": "z"}])
    assert [line.decode("utf-8") for line in staging.jsonl_lines(data)] == ['{"a": "x\u2028y"}', '{"a": "z"}']


def test_a_large_file_reads_back_whole_across_decompression_blocks():
    # ~6 MB compressed of poorly compressible lines: many inflate blocks, lines cut at block edges
    import random

    rng = random.Random(5)
    records = [{"n": n, "text": rng.randbytes(rng.randint(0, 1500)).hex() + "é\u2028" * (n % 3)} for n in range(6000)]
    data = staging.encode_jsonl(records)
    assert len(data) > 3 * (1 << 20)
    assert staging.decode_jsonl(data) == records


def test_concatenated_gzip_members_are_all_read():
    import gzip

    data = staging.encode_jsonl([{"a": 1}]) + gzip.compress(b'{"a": 2}\n') + staging.encode_jsonl([{"a": 3}])
    assert staging.decode_jsonl(data) == [{"a": 1}, {"a": 2}, {"a": 3}]
    assert staging.decode_jsonl(b"") == []


def test_a_corrupt_or_truncated_file_is_a_clear_error():
    import pytest

    data = staging.encode_jsonl([{"a": n} for n in range(1000)])
    with pytest.raises(ValueError, match="not valid gzip"):
        staging.decode_jsonl(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not valid gzip"):
        staging.decode_jsonl(b"this is not gzip at all")


def test_a_reader_that_stops_early_leaves_no_thread_behind(monkeypatch):
    import threading
    import time

    data = staging.encode_jsonl({"n": n, "pad": "x" * 5000} for n in range(20_000))  # inflates by >100x
    assert sum(1 for _ in staging.jsonl_lines(data)) == 20_000  # read whole through the capped output
    monkeypatch.setattr(staging, "_INFLATED_MAX", 1 << 16)  # the helper fills its queue and waits
    monkeypatch.setattr(staging, "_INFLATED_AHEAD", 2)
    before = threading.active_count()
    lines = staging.jsonl_lines(data)
    assert next(lines).startswith(b'{"n": 0')
    lines.close()
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() == before


def test_a_reader_that_never_starts_leaves_no_thread_behind(monkeypatch):
    import gc
    import threading
    import time

    data = staging.encode_jsonl({"n": n, "pad": "x" * 5000} for n in range(20_000))
    monkeypatch.setattr(staging, "_INFLATED_MAX", 1 << 16)  # the helper fills its queue and waits
    monkeypatch.setattr(staging, "_INFLATED_AHEAD", 2)
    before = threading.active_count()
    lines = staging.jsonl_lines(data)  # inflating starts now, far ahead of any reader
    time.sleep(0.2)
    del lines
    gc.collect()
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() == before
