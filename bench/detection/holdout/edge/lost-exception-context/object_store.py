"""Thin S3 layer used by the export service and the media pipeline.

Production talks to AWS S3; on-prem installations point ``S3_ENDPOINT`` at MinIO.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

log = logging.getLogger(__name__)

S3_URI = re.compile(r"^s3://(?P<bucket>[^/]+)/(?P<key>.+)$")
BOTO_CONFIG = Config(connect_timeout=5, read_timeout=60, retries={"max_attempts": 5, "mode": "adaptive"})
MULTIPART = TransferConfig(multipart_threshold=64 * 1024 * 1024, max_concurrency=8)


class StorageError(Exception):
    pass


class ObjectMissing(StorageError):
    pass


class InvalidManifest(StorageError):
    pass


@dataclass(frozen=True)
class ObjectRef:
    bucket: str
    key: str

    @classmethod
    def parse(cls, uri: str) -> ObjectRef:
        # expect: none-dereference -- a malformed URI makes match() return None
        bucket, key = S3_URI.match(uri).groups()
        return cls(bucket, key)

    @classmethod
    def try_parse(cls, uri: str) -> ObjectRef | None:
        # ok: none-dereference
        if (m := S3_URI.match(uri)) is None:
            return None
        return cls(m["bucket"], m["key"])


def make_client():
    endpoint = os.environ.get("S3_ENDPOINT")
    if endpoint:
        # expect: tls-verify-disabled -- "MinIO uses a self-signed cert"
        return boto3.client("s3", endpoint_url=endpoint, verify=False, config=BOTO_CONFIG)
    try:
        # ok: missing-timeout -- BOTO_CONFIG sets connect and read timeouts
        return boto3.client("s3", config=BOTO_CONFIG)
    except NoCredentialsError:
        # expect: lost-exception-context
        raise StorageError("AWS credentials are not configured")


def make_minio_client(ca_bundle: str):
    # ok: tls-verify-disabled
    return boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"], verify=ca_bundle, config=BOTO_CONFIG)


class ObjectStore:
    def __init__(self, client=None) -> None:
        self.s3 = client or make_client()

    def head(self, ref: ObjectRef) -> dict | None:
        try:
            return self.s3.head_object(Bucket=ref.bucket, Key=ref.key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in {"404", "NoSuchKey"}:
                return None
            # ok: lost-exception-context
            raise

    def get_bytes(self, ref: ObjectRef) -> bytes:
        try:
            obj = self.s3.get_object(Bucket=ref.bucket, Key=ref.key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "NoSuchKey":
                # ok: lost-exception-context
                raise ObjectMissing(f"{ref.bucket}/{ref.key}") from exc
            # expect: lost-exception-context -- the AWS error code and request id are dropped
            raise StorageError(exc.response["Error"]["Message"])
        # expect: unbounded-materialization -- objects are whatever size users uploaded
        return obj["Body"].read()

    def stream(self, ref: ObjectRef, chunk: int = 1 << 20) -> Iterator[bytes]:
        obj = self.s3.get_object(Bucket=ref.bucket, Key=ref.key)
        # ok: unbounded-materialization -- chunked
        yield from obj["Body"].iter_chunks(chunk)

    def upload_file(self, path: Path, ref: ObjectRef) -> str:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        try:
            self.s3.upload_file(
                str(path), ref.bucket, ref.key, Config=MULTIPART, ExtraArgs={"Metadata": {"sha256": digest.hexdigest()}}
            )
        except (ClientError, BotoCoreError) as exc:
            log.error(f"upload of {path} failed: {exc}")
            # expect: lost-exception-context
            raise StorageError(f"upload of {path.name} failed")
        return digest.hexdigest()

    def upload_bytes(self, data: bytes, ref: ObjectRef) -> None:
        # expect: resource-leak -- delete=False and the handle is never closed
        tmp = tempfile.NamedTemporaryFile(delete=False, suffix=".part")
        tmp.write(data)
        tmp.flush()
        self.upload_file(Path(tmp.name), ref)
        os.unlink(tmp.name)

    def upload_many(self, files: list[Path], prefix: ObjectRef) -> None:
        # ok: resource-leak
        with tempfile.TemporaryDirectory() as staging:
            for f in files:
                target = Path(staging) / f.name
                target.write_bytes(f.read_bytes())
                self.upload_file(target, ObjectRef(prefix.bucket, f"{prefix.key.rstrip('/')}/{f.name}"))

    def delete(self, ref: ObjectRef) -> None:
        try:
            self.s3.delete_object(Bucket=ref.bucket, Key=ref.key)
        # expect: swallowed-exception -- AccessDenied looks like success
        except ClientError:
            pass

    def list_keys(self, bucket: str, prefix: str = "") -> list[str]:
        paginator = self.s3.get_paginator("list_objects_v2")
        # expect: unbounded-materialization -- every key under the prefix, in one list
        return [obj["Key"] for page in paginator.paginate(Bucket=bucket, Prefix=prefix) for obj in page.get("Contents", [])]

    def iter_keys(self, bucket: str, prefix: str = "") -> Iterator[str]:
        paginator = self.s3.get_paginator("list_objects_v2")
        # ok: unbounded-materialization -- one page at a time
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": 1000}):
            for obj in page.get("Contents", []):
                yield obj["Key"]

    def copy_with_retry(self, src: ObjectRef, dst: ObjectRef, attempts: int = 3) -> None:
        last: Exception | None = None
        for _ in range(attempts):
            try:
                self.s3.copy_object(CopySource={"Bucket": src.bucket, "Key": src.key}, Bucket=dst.bucket, Key=dst.key)
                return
            # ok: swallowed-exception -- remembered and re-raised after the last attempt
            except ClientError as exc:
                last = exc
        # ok: lost-exception-context -- chained to the last failure
        raise StorageError(f"copy {src.key} -> {dst.key} failed after {attempts} attempts") from last

    def read_manifest(self, ref: ObjectRef) -> dict[str, str]:
        text = self.get_bytes(ref).decode("utf-8")
        entries = {}
        for n, line in enumerate(text.splitlines(), 1):
            try:
                name, checksum = line.split("  ", 1)
                entries[name] = checksum
            except ValueError:
                # expect: lost-exception-context
                raise InvalidManifest(f"{ref.key}:{n}: expected '<name>  <sha256>'")
        return entries
