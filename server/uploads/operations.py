"""Storing a photo, attaching photos to a wish, and recording WeChat's verdict on one.

The image check is asynchronous: ``store_upload`` only submits it (media_check_async answers a
trace_id at once) and the verdict arrives later at ``/wechat/push``. The submit happens inside
the upload request, with the WeChat client's connect/read timeouts, and before any row is
written, so no database lock is held while WeChat is asked. If WeChat cannot be reached the
upload still succeeds and stays ``checking`` with no trace_id; the media_recheck job
(server/uploads/tasks.py) submits it again.
"""

import contextlib
import logging
import secrets
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from server import clock
from server.accounts.models import User
from server.dbtypes import insert_ignoring_duplicates
from server.errors import AppError, InvalidState, NotFound, Unprocessable
from server.extensions import db
from server.txhooks import transaction_bag
from server.uploads import images, permissions, queries
from server.uploads.models import STATUSES, Upload, WishPhoto
from server.uploads.storage import get_storage, key_from_media_token
from server.wechat import client as wechat
from server.wechat.errors import WeChatError
from server.wishes.models import Wish

log = logging.getLogger(__name__)

# media_check_async scene: 3 is "forum", what a wish board is closest to.
MEDIA_CHECK_SCENE = 3
RISKY_MESSAGE = "图片未通过内容安全检测，请更换图片"
RETURN_TO_REVIEW_NOTE = "图片未通过内容安全检测，已退回审核"
# Matches the schema's photo-id pattern: anything else names no upload.
ID_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


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
    transaction_bag(session, "uploads.stored", discarded=_delete_stored).append((storage, key))


def _delete_stored(stored: list) -> None:
    for storage, key in stored:
        try:
            storage.delete(key)
        except Exception:  # the request's own answer matters more than this cleanup
            log.warning("stored photo %s not deleted after its row was not committed", key, exc_info=True)


def submit_check(media_url: str, openid: str, upload_id: str) -> str | None:
    """Ask WeChat to check an image; its trace_id, or None when WeChat could not be reached."""
    try:
        return wechat.check_media_async(media_url, openid=openid, scene=MEDIA_CHECK_SCENE)
    except WeChatError as exc:
        log.warning("image check of upload %s not submitted (%s): it stays 'checking' until re-sent", upload_id, exc)
        return None


def attach_photos(user: User, wish: Wish, photo_ids: list[str] | None) -> None:
    """Link ``user``'s uploads to ``wish``: each must exist, be theirs and not be risky (422)."""
    ids = list(photo_ids or [])
    if not ids:
        return
    if len(set(ids)) != len(ids):
        raise Unprocessable("同一张图片不能重复添加", details={"photos": ["同一张图片不能重复添加"]})
    found = {upload.id: upload for upload in db.session.scalars(select(Upload).where(Upload.id.in_(ids)))}
    unknown = [photo_id for photo_id in ids if photo_id not in found or found[photo_id].owner_id != user.id]
    if unknown:
        raise Unprocessable(
            "图片不存在或不是您上传的",
            details={"photos": [f"图片 {photo_id} 不存在或不是您上传的" for photo_id in unknown]},
        )
    if any(found[photo_id].status == "risky" for photo_id in ids):
        raise Unprocessable(RISKY_MESSAGE, code="content_risky", details={"photos": [RISKY_MESSAGE]})
    for photo_id in ids:
        # The same claimer may send the same proof again after a dispute reopened the wish.
        insert_ignoring_duplicates(WishPhoto.__table__, wish_id=wish.id, upload_id=photo_id)


def record_media_verdict(trace_id: str, suggest: str, label: int | None = None) -> Upload | None:
    """WeChat's verdict on one image. A hidden photo (review or risky) sends an open wish using
    it back to review; a wish already claimed or further along only loses the photo from view."""
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
    if upload.hidden:
        _return_wishes_to_review(upload)
    return upload


def _return_wishes_to_review(upload: Upload) -> None:
    # server.wishes.operations imports this module (attach_photos): imported here, not at the top.
    from server.wishes import operations as wish_operations

    for wish in queries.wishes_using(upload.id):
        if wish.status != "open":
            continue
        # Claimed in the meantime (409): the photo is hidden all the same.
        with contextlib.suppress(InvalidState):
            wish_operations.return_to_review(wish, note=RETURN_TO_REVIEW_NOTE)


def visible_upload(user: User, upload_id: str) -> Upload:
    """The upload, or 404 when ``user`` may not see it (or it does not exist)."""
    known = len(upload_id) <= 64 and set(upload_id) <= ID_CHARACTERS
    upload = db.session.get(Upload, upload_id) if known else None
    if upload is None or not permissions.can_view(user, upload, queries.wishes_using(upload.id)):
        raise NotFound("未找到该图片", details={"upload_id": upload_id})
    return upload


def open_upload(upload: Upload) -> BinaryIO:
    """The stored bytes of an upload already found visible (``visible_upload``)."""
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
