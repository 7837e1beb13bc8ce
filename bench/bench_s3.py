"""The local S3 endpoint: what durability costs, and how long a restart takes.

    .venv/bin/python -m bench.bench_s3 [--objects 10000] [--size 30000] [--runs 3]

Two servers, each in its own process on 127.0.0.1, driven by boto3 over HTTP as the pipeline
drives them: plain ``moto.server`` (in memory, the endpoint of earlier rounds) and
``devtools.stack.s3_server`` (the same moto, every write fsync'ed to files before it is answered).
Measures PUT objects/s (median of ``--runs`` batches of 500), GET objects/s, and the durable
server's restart time with ``--objects`` stored (kill -9, start, first answer). Prints medians
and ratios and writes bench/out/s3.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.output import write_markdown

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "s3.md"
BATCH = 500


# The credentials file of the durable server (it accepts only its pair; in-memory moto any).
_CREDENTIALS: dict[str, str] = {}


def _client(endpoint: str):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=_CREDENTIALS["key"],
                        aws_secret_access_key=_CREDENTIALS["secret"], region_name="us-east-1")


def _wait(endpoint: str, proc: subprocess.Popen, timeout: float = 600) -> float:
    import urllib.error
    import urllib.request

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.returncode}")
        try:
            urllib.request.urlopen(endpoint + "/", timeout=1)
            return time.monotonic() - started
        except urllib.error.HTTPError:
            return time.monotonic() - started
        except OSError:
            time.sleep(0.05)
    raise SystemExit("server did not answer")


def _start(kind: str, port: int, data: Path) -> subprocess.Popen:
    if kind == "moto":
        cmd = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    else:
        cmd = [sys.executable, "-m", "devtools.stack.s3_server", "--port", str(port), "--data", str(data),
               "--credentials", _CREDENTIALS["file"]]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _rates(endpoint: str, size: int, runs: int) -> tuple[float, float]:
    client = _client(endpoint)
    client.create_bucket(Bucket="bench")
    body = os.urandom(size)
    puts, gets = [], []
    for run in range(runs):
        keys = [f"raw/dt=2024-06-{run + 1:02d}/obj{i:05d}.warc.gz" for i in range(BATCH)]
        started = time.perf_counter()
        for key in keys:
            client.put_object(Bucket="bench", Key=key, Body=body)
        puts.append(BATCH / (time.perf_counter() - started))
        started = time.perf_counter()
        for key in keys:
            client.get_object(Bucket="bench", Key=key)["Body"].read()
        gets.append(BATCH / (time.perf_counter() - started))
    return statistics.median(puts), statistics.median(gets)


def _fill(data: Path, objects: int, size: int) -> None:
    """Lay ``objects`` files out as the durable server stores them (what a long-lived stack has)."""
    from devtools.stack.s3_server import META_DIR, key_path, write_durably

    (data / "bench").mkdir(parents=True, exist_ok=True)
    (data / META_DIR / "bench").mkdir(parents=True, exist_ok=True)
    body = os.urandom(size)
    for i in range(objects):
        path = key_path(data, "bench", f"raw/dt=2024-{1 + i // 3000:02d}-01/run{i:06d}.warc.gz")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    write_durably(data / "probe", b"")  # one fsync'ed write, as the server's last one
    (data / "probe").unlink()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=30_000, help="bytes per object (a day's WARC is larger)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from devtools.stack import services as stack

    tmp = Path(tempfile.mkdtemp(prefix="bench-s3-"))
    keys = stack.ensure_credentials(tmp)
    _CREDENTIALS.update(key=keys.s3_access_key_id, secret=keys.s3_secret_access_key,
                        file=str(stack.credentials_path(tmp)))
    results: dict[str, tuple[float, float]] = {}
    try:
        for kind in ("moto", "durable"):
            port = stack.free_port()
            proc = _start(kind, port, tmp / kind)
            try:
                _wait(f"http://127.0.0.1:{port}", proc)
                results[kind] = _rates(f"http://127.0.0.1:{port}", args.size, args.runs)
            finally:
                proc.kill()
                proc.wait()
        restart = tmp / "restart"
        _fill(restart, args.objects, args.size)
        restarts = []
        for _ in range(args.runs):
            port = stack.free_port()
            proc = _start("durable", port, restart)
            try:
                restarts.append(_wait(f"http://127.0.0.1:{port}", proc))
                listed = sum(page.get("KeyCount", 0) for page in _client(f"http://127.0.0.1:{port}")
                             .get_paginator("list_objects_v2").paginate(Bucket="bench"))
                if listed != args.objects:
                    raise SystemExit(f"restored {listed} objects, expected {args.objects}")
            finally:
                proc.kill()  # kill -9: the next start must not depend on a clean shutdown
                proc.wait()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    moto_put, moto_get = results["moto"]
    dur_put, dur_get = results["durable"]
    restart_s = statistics.median(restarts)
    lines = [
        "# Local S3 endpoint", "",
        f"boto3 over HTTP on 127.0.0.1, {args.size:,}-byte objects, medians of {args.runs} batches of {BATCH}.", "",
        "| server | PUT objects/s | GET objects/s |", "|---|---:|---:|",
        f"| moto.server (in memory) | {moto_put:,.0f} | {moto_get:,.0f} |",
        f"| devtools.stack.s3_server (durable) | {dur_put:,.0f} | {dur_get:,.0f} |",
        f"| ratio durable / moto | {dur_put / moto_put:.2f} | {dur_get / moto_get:.2f} |",
        "",
        f"**Restart with {args.objects:,} stored objects** (kill -9, start, first answer; all listed after): "
        f"**{restart_s:.1f} s** median ({', '.join(f'{r:.1f}' for r in restarts)}), "
        f"{1000 * restart_s / args.objects:.2f} ms per object.",
        "",
        "A crawl writes one WARC object per run and day, so PUT rate is not on a run's critical path; "
        "the restart is paid once per `make run`.",
    ]
    write_markdown(OUT, lines)


if __name__ == "__main__":
    main()
