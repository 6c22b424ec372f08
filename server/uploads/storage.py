"""Where photo bytes live, behind a narrow interface: ``save``, ``open``, ``url``.

The local-folder backend is the default (UPLOAD_FOLDER, or instance/uploads); with S3_BUCKET set
the photos go to an S3-compatible store (``server/uploads/s3.py``). ``url`` is a link that works
without our bearer token, for WeChat's image checker, and expires after MEDIA_URL_MAX_AGE_SECONDS:
the local backend answers a signed link to ``/media/<token>``, the S3 backend a presigned GET.
A store that cannot be reached raises ``StorageUnavailable`` (503 in the one error shape).
"""

import contextlib
import os
import re
import tempfile
from typing import BinaryIO, Protocol

from flask import current_app, has_request_context, request
from itsdangerous import BadData, URLSafeTimedSerializer

from server.core import signing
from server.core.errors import ServiceUnavailable

MEDIA_PATH = "/media/"
# Keys are made by this package ("2026/05/<id>.jpg"); anything else is refused, so a key can never
# walk out of the folder.
KEY = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*\.[a-z0-9]{1,5}$")


class StorageUnavailable(ServiceUnavailable):
    code, message = "storage_unavailable", "图片存储暂时不可用，请稍后重试"


class Storage(Protocol):
    def save(self, key: str, data: bytes, content_type: str) -> None: ...

    def open(self, key: str) -> BinaryIO: ...

    def url(self, key: str) -> str: ...

    def delete(self, key: str) -> None: ...


class LocalStorage:
    def __init__(self, folder: str, public_base_url: str):
        self.folder = folder
        self.public_base_url = public_base_url.rstrip("/")

    def _path(self, key: str) -> str:
        return os.path.join(self.folder, *checked_key(key).split("/"))

    def save(self, key: str, data: bytes, content_type: str) -> None:  # the key's extension names the type
        """Write whole or not at all: a temporary file in the same folder, then an atomic rename."""
        path = self._path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")  # the caller streams and closes it

    def url(self, key: str) -> str:
        return f"{self.public_base_url}{MEDIA_PATH}{media_token(key)}"

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._path(key))


def checked_key(key: str) -> str:
    """``key`` when this package could have made it; anything else is a bug, never a path."""
    if not KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def init_app(app) -> None:
    """Build the object store's client once per app, at start-up, when one is configured."""
    if app.config["S3_BUCKET"]:
        from server.uploads import s3  # boto3 is loaded only by apps that use it

        s3.init_app(app)


def get_storage() -> Storage:
    if current_app.config["S3_BUCKET"]:
        from server.uploads import s3

        return s3.S3Storage.for_app(current_app)
    folder = current_app.config["UPLOAD_FOLDER"] or os.path.join(current_app.instance_path, "uploads")
    return LocalStorage(folder, public_base_url())


def public_base_url() -> str:
    """PUBLIC_BASE_URL, or (development, tests) the host this request came to."""
    configured = current_app.config["PUBLIC_BASE_URL"]
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.url_root.rstrip("/")
    raise RuntimeError("PUBLIC_BASE_URL is not set")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing.signing_keys(), salt="media-url")


def media_token(key: str) -> str:
    return _serializer().dumps(key)


def key_from_media_token(token: str) -> str | None:
    """The storage key a media link names, or None when the link is forged or expired."""
    try:
        key = _serializer().loads(token, max_age=current_app.config["MEDIA_URL_MAX_AGE_SECONDS"])
    except BadData:  # forged, expired or garbled
        return None
    return key if isinstance(key, str) and KEY.fullmatch(key) else None
