"""Proof-of-delivery photos and nightly exports on S3; driver sessions in DynamoDB."""
from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
# ok: removed-api -- has typing Iterator ## a deprecated alias of collections.abc.Iterator, not removed
from typing import Any, Iterator

import boto3
# ok: undeclared-dependency -- declared botocore
from botocore.config import Config
# ok: hallucinated-attribute -- has botocore.exceptions ClientError
from botocore.exceptions import ClientError
# expect: hallucinated-attribute -- lacks boto3.exceptions NoSuchKey ## modelled errors live on client.exceptions
from boto3.exceptions import NoSuchKey
# expect: undeclared-dependency -- undeclared s3transfer ## boto3's dependency, not declared by the project
from s3transfer.manager import TransferConfig

log = logging.getLogger(__name__)

REGION = "eu-central-1"
# ok: unknown-keyword-argument -- runs: botocore.config.Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 5, "mode": "standard"}) ## Config(*args, **kwargs) checks its keywords
CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 5, "mode": "standard"})


def s3_client() -> Any:
    # ok: unknown-keyword-argument -- accepts boto3.session.Session.client config && accepts boto3.session.Session.client region_name ## boto3.client(*args, **kwargs) forwards to Session.client
    return boto3.client("s3", region_name=REGION, config=CLIENT_CONFIG)


def s3_client_with_timeout() -> Any:
    # expect: unknown-keyword-argument -- raises TypeError: boto3.client("s3", region_name="us-east-1", timeout=3) ## timeouts go in botocore Config
    return boto3.client("s3", region_name=REGION, timeout=10)


def slow_config() -> Config:
    # expect: unknown-keyword-argument -- raises TypeError: botocore.config.Config(timeout=5)
    return Config(timeout=60, retries={"max_attempts": 10})


class ProofStore:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket
        self.s3 = s3_client()

    def upload_photo(self, path: Path, order_id: int) -> str:
        key = f"proofs/{order_id}/{path.name}"
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        # ok: hallucinated-attribute -- has boto3.client("s3", region_name="eu-central-1") upload_file ## injected into the S3 client by boto3 at creation
        self.s3.upload_file(str(path), self.bucket, key, ExtraArgs={"ContentType": content_type})
        return key

    def put_json(self, key: str, body: bytes) -> None:
        # ok: unknown-keyword-argument -- true: {"Bucket", "Key", "Body", "ContentType"} <= set(boto3.client("s3", region_name="eu-central-1").meta.service_model.operation_model("PutObject").input_shape.members)
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")

    def put_json_lowercase(self, key: str, body: bytes) -> None:
        # expect: unknown-keyword-argument -- true: "bucket" not in boto3.client("s3", region_name="eu-central-1").meta.service_model.operation_model("PutObject").input_shape.members && raises ParamValidationError: boto3.client("s3", region_name="eu-central-1").put_object(bucket="b", key="k", Body=b"") ## botocore validates the parameters before any request is sent
        self.s3.put_object(bucket=self.bucket, key=key, Body=body)

    def photo_url(self, key: str, expires: int = 3600) -> str:
        # ok: unknown-keyword-argument -- accepts boto3.client("s3", region_name="eu-central-1").generate_presigned_url ExpiresIn
        return self.s3.generate_presigned_url("get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires)

    def photo_url_legacy(self, key: str) -> str:
        # expect: hallucinated-attribute -- lacks boto3.client("s3", region_name="eu-central-1") get_object_url
        return self.s3.get_object_url(Bucket=self.bucket, Key=key)

    def exists(self, key: str) -> bool:
        try:
            self.s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            # ok: hallucinated-attribute -- has botocore.exceptions.ClientError({"Error": {"Code": "404"}}, "HeadObject") response ## ClientError(error_response, operation_name) sets .response
            if exc.response["Error"]["Code"] in ("404", "NoSuchKey"):
                return False
            raise
        return True

    def read(self, key: str) -> bytes | None:
        try:
            obj = self.s3.get_object(Bucket=self.bucket, Key=key)
        # ok: hallucinated-attribute -- has boto3.client("s3", region_name="eu-central-1").exceptions NoSuchKey ## generated from the service model at run time
        except self.s3.exceptions.NoSuchKey:
            return None
        return obj["Body"].read()

    def download(self, key: str, dest: Path) -> None:
        # expect: hallucinated-attribute -- lacks boto3.client("s3", region_name="eu-central-1") download_to_file ## the method is download_file
        self.s3.download_to_file(self.bucket, key, str(dest))

    def list_keys(self, prefix: str) -> Iterator[str]:
        # ok: hallucinated-attribute -- has boto3.client("s3", region_name="eu-central-1") get_paginator
        paginator = self.s3.get_paginator("list_objects_v2")
        # ok: unknown-keyword-argument -- true: {"Bucket", "Prefix"} <= set(boto3.client("s3", region_name="eu-central-1").meta.service_model.operation_model("ListObjectsV2").input_shape.members)
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"]

    def list_keys_simple(self, prefix: str) -> list[str]:
        # expect: unknown-keyword-argument -- true: "Limit" not in boto3.client("s3", region_name="eu-central-1").meta.service_model.operation_model("ListObjectsV2").input_shape.members && raises ParamValidationError: boto3.client("s3", region_name="eu-central-1").list_objects_v2(Bucket="b", Limit=10) ## the parameter is MaxKeys
        resp = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix, Limit=100)
        return [item["Key"] for item in resp.get("Contents", [])]


def export_nightly(bucket: str, files: list[Path]) -> int:
    # ok: unknown-keyword-argument -- accepts boto3.session.Session.resource region_name && accepts boto3.session.Session.resource config ## boto3.resource(*args, **kwargs) forwards to Session.resource
    s3 = boto3.resource("s3", region_name=REGION, config=CLIENT_CONFIG)
    # ok: hallucinated-attribute -- has boto3.resource("s3", region_name="eu-central-1") Bucket ## resource sub-resources are generated at run time
    target = s3.Bucket(bucket)
    for path in files:
        # ok: hallucinated-attribute -- has boto3.resource("s3", region_name="eu-central-1").Bucket("b") upload_file ## resource actions are generated at run time
        target.upload_file(str(path), f"exports/{path.name}")
    # ok: hallucinated-attribute -- has boto3.resource("s3", region_name="eu-central-1").Bucket("b").objects filter
    return sum(1 for _ in target.objects.filter(Prefix="exports/"))


def purge_exports(bucket: str) -> None:
    # ok: unknown-keyword-argument -- accepts boto3.session.Session.resource region_name
    s3 = boto3.resource("s3", region_name=REGION)
    # expect: hallucinated-attribute -- lacks boto3.resource("s3", region_name="eu-central-1").Bucket("b") list_objects
    for summary in s3.Bucket(bucket).list_objects(Prefix="exports/"):
        summary.delete()


def save_session(table_name: str, driver_id: str, token_hash: str, ttl: int) -> None:
    # ok: hallucinated-attribute, unknown-keyword-argument -- has boto3.resource("dynamodb", region_name="eu-central-1") Table && accepts boto3.session.Session.resource region_name
    table = boto3.resource("dynamodb", region_name=REGION).Table(table_name)
    # ok: hallucinated-attribute -- has boto3.resource("dynamodb", region_name="eu-central-1").Table("t") put_item
    table.put_item(Item={"driver_id": driver_id, "token_hash": token_hash, "expires_at": ttl})


def save_sessions(table_name: str, rows: list[dict[str, Any]]) -> None:
    # ok: hallucinated-attribute, unknown-keyword-argument -- has boto3.resource("dynamodb", region_name="eu-central-1") Table && accepts boto3.session.Session.resource region_name
    table = boto3.resource("dynamodb", region_name=REGION).Table(table_name)
    # expect: hallucinated-attribute -- lacks boto3.resource("dynamodb", region_name="eu-central-1").Table("t") batch_put ## the helper is batch_writer()
    table.batch_put(rows)


def transfer_settings() -> TransferConfig:
    return TransferConfig(multipart_threshold=16 * 1024 * 1024)
