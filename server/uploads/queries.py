"""Reads of uploads."""

from sqlalchemy import select

from server.extensions import db
from server.uploads.models import Upload, WishPhoto
from server.wishes.models import Wish


def wishes_using(upload_id: str) -> list[Wish]:
    return list(
        db.session.scalars(
            select(Wish).join(WishPhoto, WishPhoto.wish_id == Wish.id).where(WishPhoto.upload_id == upload_id)
        )
    )


def by_trace_id(trace_id: str) -> Upload | None:
    return db.session.scalar(select(Upload).where(Upload.trace_id == trace_id))
