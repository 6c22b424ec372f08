"""Storing a photo, recording WeChat's verdict on one, and reading one back.

The image check is asynchronous: ``store_upload`` only submits it (through server/core/moderation.py;
media_check_async answers a trace_id at once) and the verdict arrives later at ``/wechat/push``.
The submit happens inside the upload request, with the WeChat client's connect/read timeouts,
and before any row is written, so no database lock is held while WeChat is asked. If WeChat
cannot be reached the upload still succeeds and stays ``checking`` with no trace_id; the
media_recheck job (server/uploads/tasks.py) submits it again.
"""

import logging
import secrets
from typing import BinaryIO

from flask import current_app
from werkzeug.datastructures import FileStorage

from server import moderation
from server.accounts.models import User
from server.core import clock
from server.core.errors import AppError, NotFound, Unprocessable
from server.core.extensions import db
from server.core.transaction_end import on_transaction_end
from server.uploads import images, queries
from server.uploads.models import STATUSES, Upload
from server.uploads.storage import get_storage, key_from_media_token

log = logging.getLogger(__name__)


class FileTooLarge(AppError):
    status, code = 413, "payload_too_large"

    def __init__(self):
        megabytes = current_app.config["UPLOAD_MAX_BYTES"] / (1024 * 1024)
        super().__init__(f"图片不能超过 {megabytes:g} MB", details={"file": [f"不能超过 {megabytes:g} MB"]})


def new_upload_id() -> str:
    return secrets.token_urlsafe(16)  # 22 characters of [A-Za-z0-9_-]


def store_upload(owner: User, file: FileStorage) -> Upload:
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = file.stream.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge()
    try:
        image = images.clean(data)
    except images.ImageRefused as exc:
        raise Unprocessable(exc.message, code=exc.code, details={"file": [exc.detail]}) from None
    upload_id = new_upload_id()
    now = clock.now()
    key = f"{clock.to_shanghai(now):%Y/%m}/{upload_id}.{image.extension}"
    storage = get_storage()
    storage.save(key, image.data, image.mime)  # a store that is down: 503, and no row is written
    _delete_unless_committed(db.session(), storage, key)
    trace_id = submit_check(storage.url(key), owner.openid, upload_id)
    upload = Upload(
        id=upload_id,
        owner_id=owner.id,
        storage_key=key,
        mime=image.mime,
        size=len(image.data),
        width=image.width,
        height=image.height,
        status="checking",
        trace_id=trace_id,
        check_attempts=1,
        check_submitted_at=now,
        created_at=now,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def _delete_unless_committed(session, storage, key: str) -> None:
    """The file is stored before its row; if the row's transaction ends without a commit (an
    error later in the request, a lost race on an Idempotency-Key, the database gone), the file
    is deleted again instead of staying in the folder or bucket with no row naming it."""
    on_transaction_end(session, "uploads.stored", discarded=_delete_stored).append((storage, key))


def _delete_stored(stored: list) -> None:
    for storage, key in stored:
        try:
            storage.delete(key)
        except Exception:  # the request's own answer matters more than this cleanup
            log.warning("stored photo %s not deleted after its row was not committed", key, exc_info=True)


def submit_check(media_url: str, openid: str, upload_id: str) -> str | None:
    """Ask WeChat to check an image; its trace_id, or None when WeChat could not be reached."""
    trace_id = moderation.submit_image_check(media_url, openid=openid)
    if trace_id is None:
        log.warning("upload %s stays 'checking' until its image check is sent again", upload_id)
    return trace_id


def record_media_verdict(trace_id: str, suggest: str, label: int | None = None) -> Upload | None:
    """WeChat's verdict on one image: the upload it names, or None when it names none. What a
    hidden photo means for the wishes using it is theirs to decide (server/wishes/operations.py)."""
    if suggest not in STATUSES or suggest == "checking":
        log.warning("media check %s: unexpected verdict %r ignored", trace_id, suggest)
        return None
    upload = queries.by_trace_id(trace_id)
    if upload is None:
        log.warning("media check %s: no upload has this trace_id (verdict %s ignored)", trace_id, suggest)
        return None
    upload.status, upload.verdict_label, upload.checked_at = suggest, label, clock.now()
    db.session.flush()
    log.info("media check %s: upload %s is %s (label %s)", trace_id, upload.id, suggest, label)
    return upload


def open_upload(upload: Upload) -> BinaryIO:
    """The stored bytes of an upload already found visible (server/wishes/photos.py)."""
    try:
        return get_storage().open(upload.storage_key)
    except FileNotFoundError:
        log.error("upload %s: its file %s is missing from storage", upload.id, upload.storage_key)
        raise NotFound("未找到该图片", details={"upload_id": upload.id}) from None


def open_media(token: str) -> tuple[BinaryIO, str]:
    """The bytes and MIME type behind a signed media link (for WeChat's image checker)."""
    key = key_from_media_token(token)
    extension = key.rsplit(".", 1)[-1] if key else ""
    mime = images.MIME_BY_EXTENSION.get(extension)
    try:
        if mime is None:
            raise FileNotFoundError(key)
        return get_storage().open(key), mime
    except FileNotFoundError:
        raise NotFound("未找到该图片") from None
