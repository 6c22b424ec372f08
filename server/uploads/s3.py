"""Photos in an S3-compatible object store (Tencent COS, Aliyun OSS, MinIO, AWS) through boto3.

One client per app, built at start-up and kept in ``app.extensions``: a boto3 client is
thread-safe and holds the connection pool, so requests share it instead of paying for a new
client (and new TLS connections) each time. Every call is bounded by connect/read timeouts and
one retry; a store that cannot be reached, or refuses us, becomes ``StorageUnavailable``.
The bucket stays private: ``url`` is a presigned GET (signature v4) that expires.
"""

import logging
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from flask import Flask

from server.uploads.storage import StorageUnavailable, checked_key

log = logging.getLogger(__name__)

EXTENSION = "microwish.s3"
# Error codes of a GetObject that mean "no such object" rather than "the store is broken".
MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = make_client(app.config)


def make_client(config):
    # A session of its own: boto3's default session is shared module state and not thread-safe.
    session = boto3.session.Session(
        aws_access_key_id=config["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=config["S3_SECRET_ACCESS_KEY"],
        region_name=config["S3_REGION"],
    )
    return session.client(
        "s3",
        endpoint_url=config["S3_ENDPOINT_URL"],
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": config["S3_ADDRESSING_STYLE"]},
            connect_timeout=config["S3_CONNECT_TIMEOUT_SECONDS"],
            read_timeout=config["S3_READ_TIMEOUT_SECONDS"],
            # Two tries in all: a retry rides out a dropped connection, more would keep a
            # resident's upload waiting on a store that is down.
            retries={"mode": "standard", "total_max_attempts": 2},
        ),
    )


class S3Storage:
    def __init__(self, client, bucket: str, url_max_age: int):
        self.client = client
        self.bucket = bucket
        self.url_max_age = url_max_age

    @classmethod
    def for_app(cls, app: Flask) -> "S3Storage":
        return cls(app.extensions[EXTENSION], app.config["S3_BUCKET"], app.config["MEDIA_URL_MAX_AGE_SECONDS"])

    def save(self, key: str, data: bytes, content_type: str) -> None:
        # One PUT: the object appears whole or not at all, like the local folder's rename.
        # The Content-Type is what the presigned link answers WeChat's checker with.
        try:
            self.client.put_object(Bucket=self.bucket, Key=checked_key(key), Body=data, ContentType=content_type)
        except (BotoCoreError, ClientError) as exc:
            raise _unavailable("save", key, exc) from None

    def open(self, key: str) -> BinaryIO:
        """The object's body as a stream (the caller reads it in blocks and closes it)."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=checked_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in MISSING_CODES:
                raise FileNotFoundError(key) from None
            raise _unavailable("open", key, exc) from None
        except BotoCoreError as exc:
            raise _unavailable("open", key, exc) from None
        return answer["Body"]

    def url(self, key: str) -> str:
        # Signed locally with the keys, no request to the store.
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": checked_key(key)}, ExpiresIn=self.url_max_age
        )

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=checked_key(key))  # a missing key is no error
        except (BotoCoreError, ClientError) as exc:
            raise _unavailable("delete", key, exc) from None


def _unavailable(action: str, key: str, exc: Exception) -> StorageUnavailable:
    log.error("object store: %s %s failed: %s", action, key, exc)
    return StorageUnavailable()
