"""The local stack's durable S3 endpoint: moto's S3 server, written through to plain files.

    python -m devtools.stack.s3_server --host 127.0.0.1 --port 9000 --data .local/s3 \
        --credentials .local/credentials.json

moto implements the S3 protocol (signatures, listings, ranges, multipart, presigned URLs) but
keeps objects only in memory. This wraps its WSGI application so that every successful write
is on disk, fsync'ed, *before* the client gets its answer, and restores the files into moto
when the server starts (through the same S3 requests a client would send). So objects survive
``make stop``, a ``kill -9`` of this process and a reboot; the pipeline still talks to it only
over HTTP. Why this and not another server: docs/architecture.md ("The local S3 endpoint").

On disk, under ``--data``: ``<bucket>/<key>`` is the object's bytes (a key's ``/`` makes
folders, so ``yonhap-fr/raw/dt=2024-06-18/<run>.warc.gz`` is the WARC file itself), and
``.meta/<bucket>/<key>.json`` its content type and user metadata. What is kept: buckets (with
their region), objects, content types, ``x-amz-meta-*``. Not kept: ACLs, tags, versions,
lifecycle rules (the pipeline uses none of them).

Credentials are checked as S3 checks them: every request must carry a Signature Version 4
(``Authorization`` header, or a presigned URL's ``X-Amz-*`` query) made with the install's key
pair (``--credentials``: the JSON file `stack up` generates, mode 0600), within 15 minutes of
its date (a presigned URL: until it expires), over the request's own method, path, query and
signed headers, and the body hash it signs. Anything else (anonymous, another key, a wrong
signature, Signature Version 2) gets ``403 AccessDenied`` before moto sees it. moto's own IAM
checks were not used: they answer an unsigned request with a 500, know no presigned SigV4 URL
and cannot be given a chosen key pair.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import io
import json
import os
import re
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote
from xml.etree import ElementTree

META_DIR = ".meta"
BUCKET_META = ".bucket.json"
_SAFE = "!$&'()+,;=@-_.~ "  # kept as is in file names (besides letters and digits)
_MUTATING = ("PUT", "POST", "DELETE")
# Sub-resources whose writes change no object bytes (tagging, ACL, …): not mirrored.
_OBJECT_SUBRESOURCES_IGNORED = ("tagging", "acl", "retention", "legal-hold", "partNumber", "uploads")


# ---------------------------------------------------------------- key <-> file name


def _segment(seg: str) -> str:
    """One key segment as a file name: percent-encoded; names a file system cannot hold
    ('', '.', '..', very long ones) and names starting with '~' become '~' + hex."""
    encoded = quote(seg, safe=_SAFE)
    if seg in ("", ".", "..") or seg.startswith("~") or len(encoded) > 200:
        return "~" + seg.encode("utf-8").hex()
    return encoded


def _unsegment(name: str) -> str:
    if name.startswith("~"):
        return bytes.fromhex(name[1:]).decode("utf-8")
    return unquote(name)


def key_path(root: Path, bucket: str, key: str) -> Path:
    return root.joinpath(_segment(bucket), *(_segment(s) for s in key.split("/")))


def meta_path(root: Path, bucket: str, key: str) -> Path:
    path = key_path(root / META_DIR, bucket, key)
    return path.with_name(path.name + ".json")


def key_of(root: Path, bucket: str, path: Path) -> str:
    rel = path.relative_to(root / _segment(bucket))
    return "/".join(_unsegment(part) for part in rel.parts)


# ---------------------------------------------------------------- durable writes


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(path: Path, data: bytes) -> None:
    """Write, fsync, rename into place, fsync the folder: the bytes are there or the old ones are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _remove(path: Path, stop: Path) -> None:
    """Delete a file and the folders it leaves empty, up to ``stop``."""
    path.unlink(missing_ok=True)
    parent = path.parent
    while parent != stop and parent.is_dir():
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent
    _fsync_dir(parent if parent.is_dir() else stop)


# ---------------------------------------------------------------- in-process S3 calls


def _call(app, method: str, path: str, query: str = "", body: bytes = b"", headers: dict[str, str] | None = None):
    """One S3 request straight into the WSGI app (no socket): (status code, headers, body)."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),  # WSGI strings are bytes as latin-1
        "RAW_URI": quote(path) + (f"?{query}" if query else ""),
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        # moto picks its S3 backend by the signed service name: sign as s3, like boto3 does
        "HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/s3/aws4_request, "
                              "SignedHeaders=host, Signature=0",
    }
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    captured: dict[str, Any] = {}

    def start_response(status, response_headers, exc_info=None):
        captured["status"] = int(status.split()[0])
        captured["headers"] = {k.lower(): v for k, v in response_headers}
        return lambda chunk: None

    result = app(environ, start_response)
    try:
        data = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return captured["status"], captured["headers"], data


# ---------------------------------------------------------------- the write-through layer


class DurableS3:
    """WSGI middleware: mirror every successful bucket/object write of ``app`` into ``root``."""

    def __init__(self, app, root: Path):
        self.app = app
        self.root = root
        self.lock = threading.Lock()  # one mirror write at a time: a PUT's bytes, then its meta

    # -- restore -------------------------------------------------------------------------
    def restore(self) -> tuple[int, int]:
        """Load every stored bucket and object into the app; (buckets, objects)."""
        buckets = objects = 0
        if not self.root.is_dir():
            return 0, 0
        for bucket_dir in sorted(p for p in self.root.iterdir() if p.is_dir() and p.name != META_DIR):
            bucket = _unsegment(bucket_dir.name)
            region = self._bucket_region(bucket)
            body = b""
            if region and region != "us-east-1":
                body = (f'<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                        f"<LocationConstraint>{region}</LocationConstraint></CreateBucketConfiguration>").encode()
            status, _, data = _call(self.app, "PUT", f"/{bucket}", body=body)
            if status >= 300 and b"BucketAlreadyOwnedByYou" not in data:
                raise RuntimeError(f"restore: bucket {bucket!r}: HTTP {status}: {data[:200]!r}")
            buckets += 1
            for dirpath, _dirs, files in os.walk(bucket_dir):
                for name in files:
                    if name.startswith(".tmp-"):  # a write that never completed
                        Path(dirpath, name).unlink(missing_ok=True)
                        continue
                    path = Path(dirpath, name)
                    key = key_of(self.root, bucket, path)
                    meta = self._meta(bucket, key)
                    headers = {"Content-Type": meta.get("content_type") or "application/octet-stream"}
                    headers.update({f"x-amz-meta-{k}": v for k, v in (meta.get("metadata") or {}).items()})
                    status, _, data = _call(self.app, "PUT", f"/{bucket}/{key}", body=path.read_bytes(),
                                            headers=headers)
                    if status >= 300:
                        raise RuntimeError(f"restore: s3://{bucket}/{key}: HTTP {status}: {data[:200]!r}")
                    objects += 1
        return buckets, objects

    def _meta(self, bucket: str, key: str) -> dict[str, Any]:
        try:
            return json.loads(meta_path(self.root, bucket, key).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}

    def _bucket_region(self, bucket: str) -> str | None:
        try:
            path = self.root / META_DIR / _segment(bucket) / BUCKET_META
            return json.loads(path.read_text(encoding="utf-8")).get("region")
        except (FileNotFoundError, ValueError):
            return None

    # -- mirror --------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in _MUTATING:
            return self.app(environ, start_response)
        captured: dict[str, Any] = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda chunk: None

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        status, headers = captured["status"], captured["headers"]
        if status.startswith("2"):
            try:
                self._mirror(method, environ)
            except OSError as err:
                # Not on disk means not durable: the client must not take it as stored.
                body = (f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>InternalError</Code>"
                        f"<Message>local S3: could not write to disk: {err}</Message></Error>").encode()
                status, headers = "500 Internal Server Error", [("Content-Type", "application/xml")]
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [body]

    def _mirror(self, method: str, environ) -> None:
        path = environ.get("PATH_INFO", "")
        path = path.decode("utf-8") if isinstance(path, bytes) else path.encode("latin-1").decode("utf-8")
        bucket, _, key = path.lstrip("/").partition("/")
        if not bucket:
            return
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        with self.lock:
            if not key:
                if method == "PUT" and not query:
                    self._mirror_bucket(bucket)
                elif method == "DELETE" and not query:
                    _remove(self.root / META_DIR / _segment(bucket) / BUCKET_META, self.root / META_DIR)
                    with contextlib.suppress(FileNotFoundError):
                        (self.root / _segment(bucket)).rmdir()  # moto refuses to delete a non-empty bucket
                elif method == "POST" and "delete" in query:  # DeleteObjects: resync the bucket
                    self._resync_deleted(bucket)
                return
            if any(name in query for name in _OBJECT_SUBRESOURCES_IGNORED):
                return  # a part upload, or a write that changes no bytes
            if method == "DELETE":
                if "uploadId" not in query:  # aborting a multipart upload deletes nothing stored
                    _remove(key_path(self.root, bucket, key), self.root / _segment(bucket))
                    _remove(meta_path(self.root, bucket, key), self.root / META_DIR)
                return
            if method == "POST" and "uploadId" not in query:
                return
            self._mirror_object(bucket, key)  # PUT (plain or copy), or a completed multipart upload

    def _mirror_bucket(self, bucket: str) -> None:
        status, _, data = _call(self.app, "GET", f"/{bucket}", "location")
        region = "us-east-1"
        if status == 200 and b"<LocationConstraint" in data:
            text = data.decode("utf-8", "replace")
            inner = text.split("<LocationConstraint", 1)[1].split(">", 1)[1].split("<", 1)[0].strip()
            region = inner or "us-east-1"
        (self.root / _segment(bucket)).mkdir(parents=True, exist_ok=True)
        _fsync_dir(self.root)
        write_durably(self.root / META_DIR / _segment(bucket) / BUCKET_META,
                      json.dumps({"bucket": bucket, "region": region}).encode())

    def _mirror_object(self, bucket: str, key: str) -> None:
        status, headers, data = _call(self.app, "GET", f"/{bucket}/{key}")
        if status != 200:
            raise OSError(f"s3://{bucket}/{key} not readable after its write (HTTP {status})")
        meta = {
            "key": key,
            "content_type": headers.get("content-type"),
            "metadata": {k[len("x-amz-meta-"):]: v for k, v in headers.items() if k.startswith("x-amz-meta-")},
            "etag": headers.get("etag"),
        }
        write_durably(key_path(self.root, bucket, key), data)
        write_durably(meta_path(self.root, bucket, key), json.dumps(meta, ensure_ascii=False).encode())

    def _resync_deleted(self, bucket: str) -> None:
        """After a DeleteObjects: remove the files whose keys the app no longer has."""
        live: set[str] = set()
        token = None
        while True:
            query = "list-type=2" + (f"&continuation-token={quote(token, safe='')}" if token else "")
            status, _, data = _call(self.app, "GET", f"/{bucket}", query)
            if status != 200:
                raise OSError(f"s3://{bucket}: listing failed after DeleteObjects (HTTP {status})")
            tree = ElementTree.fromstring(data)
            ns = tree.tag.split("}")[0] + "}" if tree.tag.startswith("{") else ""
            live.update(el.text or "" for el in tree.iter(f"{ns}Key"))
            token_el = tree.find(f"{ns}NextContinuationToken")
            if token_el is None or not token_el.text:
                break
            token = token_el.text
        bucket_dir = self.root / _segment(bucket)
        for dirpath, _dirs, files in os.walk(bucket_dir):
            for name in files:
                path = Path(dirpath, name)
                key = key_of(self.root, bucket, path)
                if key not in live:
                    _remove(path, bucket_dir)
                    _remove(meta_path(self.root, bucket, key), self.root / META_DIR)


# ---------------------------------------------------------------- credentials (SigV4)

SIGV4 = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=15)  # S3's RequestTimeTooSkewed limit
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class Denied(Exception):
    """The request is not signed with the install's keys; ``str(err)`` says why."""


def _headers(environ) -> dict[str, str]:
    out = {}
    for name, value in environ.items():
        if name.startswith("HTTP_"):
            out[name[5:].replace("_", "-").lower()] = value
        elif name in ("CONTENT_TYPE", "CONTENT_LENGTH") and value != "":
            out[name.replace("_", "-").lower()] = value
    return out


def _raw_target(environ) -> tuple[str, str]:
    """(path, query) as the client sent them (percent-encoded)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw is None:
        raw = quote(environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8"), safe="/~")
        raw += f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else ""
    path, _, query = raw.partition("?")
    return path, query


def _canonical_targets(path: str, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(path, query) as a client may have signed them: as sent (what botocore signs), or
    re-encoded the way the SigV4 specification canonicalizes them (other clients)."""
    def query(items) -> str:
        return "&".join(f"{k}={v}" for k, v in sorted(items))

    sent = (path, query(pairs))
    spec = (quote(unquote(path), safe="/~"),
            query((quote(unquote(k), safe="-_.~"), quote(unquote(v), safe="-_.~")) for k, v in pairs))
    return [sent] if spec == sent else [sent, spec]


def _signature(secret: str, amz_date: str, scope: list[str], canonical_request: str) -> str:
    string_to_sign = "\n".join([SIGV4, amz_date, "/".join(scope),
                                hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()])
    key = f"AWS4{secret}".encode()
    for part in scope:  # date, region, service, "aws4_request"
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def verify_sigv4(environ, access_key: str, secret_key: str, now: datetime | None = None) -> None:
    """Raise :class:`Denied` unless the request is signed (SigV4) with this key pair. A body
    whose hash is signed is read and checked, then put back for the app."""
    now = now or datetime.now(UTC)
    headers = _headers(environ)
    path, query = _raw_target(environ)
    pairs = [(k, v) for k, _, v in (p.partition("=") for p in query.split("&") if p)]
    auth = headers.get("authorization", "")
    if auth.startswith(SIGV4 + " "):
        parts = dict(p.strip().split("=", 1) for p in auth[len(SIGV4):].split(",") if "=" in p)
        credential, signed, given = parts.get("Credential", ""), parts.get("SignedHeaders", ""), parts.get("Signature", "")
        amz_date = headers.get("x-amz-date", "")
        payload = headers.get("x-amz-content-sha256", "")
        if not payload:
            raise Denied("x-amz-content-sha256 missing")
        expires = None
    elif any(k == "X-Amz-Signature" for k, _ in pairs):
        params = {k: unquote(v) for k, v in pairs}
        if params.get("X-Amz-Algorithm") != SIGV4:
            raise Denied("not a Signature Version 4 URL")
        credential, signed, given = params.get("X-Amz-Credential", ""), params.get("X-Amz-SignedHeaders", ""), \
            params["X-Amz-Signature"]
        amz_date, payload = params.get("X-Amz-Date", ""), "UNSIGNED-PAYLOAD"
        pairs = [(k, v) for k, v in pairs if k != "X-Amz-Signature"]
        try:
            expires = timedelta(seconds=int(params.get("X-Amz-Expires", "")))
        except ValueError:
            raise Denied("X-Amz-Expires missing") from None
    elif auth or any(k in ("Signature", "AWSAccessKeyId") for k, _ in pairs):
        raise Denied("only Signature Version 4 is accepted")
    else:
        raise Denied("anonymous request")
    scope = credential.split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise Denied("malformed credential scope")
    if not hmac.compare_digest(scope[0], access_key):
        raise Denied("unknown access key")
    try:
        when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise Denied("missing or malformed X-Amz-Date") from None
    if when - now > MAX_SKEW or (now - when > MAX_SKEW if expires is None else now > when + expires):
        raise Denied("request expired or too far from the server's time")
    names = [n for n in signed.lower().split(";") if n]
    if "host" not in names or any(n not in headers for n in names):
        raise Denied("signed headers missing")
    signed_part = ["".join(f"{n}:{' '.join(headers[n].split())}\n" for n in sorted(names)), ";".join(sorted(names)),
                   payload]
    method = environ.get("REQUEST_METHOD", "GET").upper()
    if not any(
        hmac.compare_digest(_signature(secret_key, amz_date, [amz_date[:8], *scope[2:]],
                                       "\n".join([method, target, query, *signed_part])), given)
        for target, query in _canonical_targets(path, pairs)
    ):
        raise Denied("signature does not match")
    if _HEX64.match(payload):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        if hashlib.sha256(body).hexdigest() != payload:
            raise Denied("body does not match its signed hash")
        environ["wsgi.input"] = io.BytesIO(body)


class SignedOnly:
    """WSGI middleware: requests not signed with the install's key pair never reach ``app``."""

    def __init__(self, app, access_key: str, secret_key: str):
        self.app = app
        self.access_key = access_key
        self.secret_key = secret_key

    def __call__(self, environ, start_response):
        try:
            verify_sigv4(environ, self.access_key, self.secret_key)
        except Denied as why:
            body = (f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code>"
                    f"<Message>Access Denied: {why}</Message></Error>").encode()
            if environ.get("REQUEST_METHOD") == "HEAD":
                body = b""
            start_response("403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
            return [body]
        return self.app(environ, start_response)


def read_keys(path: Path) -> tuple[str, str]:
    """The S3 key pair of a credentials file (ground.adapters.local_stack.LocalCredentials)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["s3_access_key_id"], data["s3_secret_access_key"]


def build_app(root: Path) -> DurableS3:
    from moto.moto_server.werkzeug_app import (  # lazy: ~1 s; tests import the helpers
        DomainDispatcherApplication,
        create_backend_app,
    )

    return DurableS3(DomainDispatcherApplication(create_backend_app), root)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data", type=Path, required=True, help="folder the objects are kept in")
    parser.add_argument("--credentials", type=Path, required=True,
                        help="JSON file with s3_access_key_id and s3_secret_access_key: the only keys accepted")
    args = parser.parse_args(argv)
    access_key, secret_key = read_keys(args.credentials)
    from moto.moto_server.werkzeug_app import MotoRequestHandler  # lazy: as in build_app
    from werkzeug.serving import run_simple

    args.data.mkdir(parents=True, exist_ok=True)
    app = build_app(args.data)
    started = time.monotonic()
    buckets, objects = app.restore()  # before the port opens: a client never sees a partial store
    print(f"restored {buckets} bucket(s), {objects} object(s) from {args.data} in "
          f"{time.monotonic() - started:.2f} s", flush=True)
    run_simple(args.host, args.port, SignedOnly(app, access_key, secret_key), threaded=True,
               request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
