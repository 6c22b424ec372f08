"""Photos as wishes use them: a resident's or a claimer's uploads attached to a wish, and who
may see a photo, which follows from the wishes using it. Wishes build on server/uploads here;
uploads knows nothing of wishes. (What a failed image check does to a wish:
``operations.record_media_verdict``.)"""

from sqlalchemy import select

from server.accounts.models import User
from server.core.dbtypes import insert_ignoring_duplicates
from server.core.errors import NotFound, Unprocessable
from server.core.extensions import db
from server.uploads import queries as uploads
from server.uploads.models import Upload
from server.wishes import permissions
from server.wishes.models import Wish, WishPhoto

RISKY_MESSAGE = "图片未通过内容安全检测，请更换图片"


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


def wishes_using(upload_id: str) -> list[Wish]:
    return list(
        db.session.scalars(
            select(Wish).join(WishPhoto, WishPhoto.wish_id == Wish.id).where(WishPhoto.upload_id == upload_id)
        )
    )


def visible_upload(user: User, upload_id: str) -> Upload:
    """The upload, or 404 when ``user`` may not see it (or it does not exist)."""
    upload = uploads.find(upload_id)
    if upload is None or not permissions.can_view_photo(user, upload, wishes_using(upload.id)):
        raise NotFound("未找到该图片", details={"upload_id": upload_id})
    return upload
