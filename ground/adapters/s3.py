"""S3 access (boto3) for every stage: one client factory, bucket creation, small helpers.

When ``S3_ENDPOINT_URL`` is unset the running local stack's endpoint (local_stack) is used,
with the key pair `stack up` generated for this install (the endpoint refuses any other); it is
never started here (`stack up` does). An explicitly empty value means AWS itself. With an
endpoint or AWS and no ``AWS_ACCESS_KEY_ID``, boto3's own credential chain applies.
"""

from __future__ import annotations

from functools import lru_cache

from ground.adapters import local_stack
from ground.core.config import Settings


def endpoint_url(settings: Settings) -> str | None:
    if settings.s3_use_aws:
        return None
    if settings.s3_endpoint_url:
        return settings.s3_endpoint_url
    return local_stack.running_s3_endpoint(settings)


def access_keys(settings: Settings) -> tuple[str | None, str | None]:
    """(key id, secret) to sign with: the local endpoint's own pair when it is the one in use."""
    if settings.needs_local_s3:
        return local_stack.running_s3_keys(settings)
    return settings.aws_access_key_id, settings.aws_secret_access_key


@lru_cache(maxsize=8)
def _client(endpoint: str | None, key: str | None, secret: str | None, region: str):
    import boto3  # lazy: ~0.15 s; DAG parsing and --help never need it
    from botocore.config import Config  # lazy: as above

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        region_name=region,
        # SigV4 everywhere, presigned links too (the local endpoint accepts nothing else)
        config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=60,
                      signature_version="s3v4"),
    )


def client(settings: Settings):
    return _client(endpoint_url(settings), *access_keys(settings), settings.aws_region)


def uri(settings: Settings, key: str) -> str:
    return f"s3://{settings.s3_bucket}/{key}"


def split_uri(s3_uri: str) -> tuple[str, str]:
    """``s3://bucket/key#frag`` -> (bucket, key); the fragment is dropped."""
    if not s3_uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {s3_uri!r}")
    rest = s3_uri[5:].split("#", 1)[0]
    bucket, _, key = rest.partition("/")
    return bucket, key


def ensure_bucket(settings: Settings) -> None:
    """Create the bucket when missing (every command that writes calls this)."""
    from botocore.exceptions import ClientError  # lazy: as in _client()

    s3 = client(settings)
    try:
        s3.head_bucket(Bucket=settings.s3_bucket)
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code")
        if code not in ("404", "NoSuchBucket", "NotFound"):
            raise
        kwargs = {}
        if settings.aws_region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": settings.aws_region}
        try:
            s3.create_bucket(Bucket=settings.s3_bucket, **kwargs)
        except ClientError as create_err:
            if create_err.response.get("Error", {}).get("Code") not in (
                "BucketAlreadyOwnedByYou",
                "BucketAlreadyExists",
            ):
                raise


def put_bytes(settings: Settings, key: str, data: bytes, content_type: str = "application/octet-stream") -> str:
    client(settings).put_object(Bucket=settings.s3_bucket, Key=key, Body=data, ContentType=content_type)
    return uri(settings, key)


def get_bytes(settings: Settings, key: str) -> bytes:
    return client(settings).get_object(Bucket=settings.s3_bucket, Key=key)["Body"].read()


def get_range(settings: Settings, key: str, offset: int, length: int) -> bytes:
    rng = f"bytes={offset}-{offset + length - 1}"
    return client(settings).get_object(Bucket=settings.s3_bucket, Key=key, Range=rng)["Body"].read()


def exists(settings: Settings, key: str) -> bool:
    from botocore.exceptions import ClientError  # lazy: as in _client()

    try:
        client(settings).head_object(Bucket=settings.s3_bucket, Key=key)
        return True
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise


def list_keys(settings: Settings, prefix: str) -> list[str]:
    keys: list[str] = []
    paginator = client(settings).get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=settings.s3_bucket, Prefix=prefix):
        keys.extend(obj["Key"] for obj in page.get("Contents", []))
    return keys
