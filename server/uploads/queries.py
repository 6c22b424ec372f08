"""Reads of uploads."""

from sqlalchemy import select

from server.core.extensions import db
from server.uploads.models import Upload

# Matches the schema's photo-id pattern: anything else names no upload.
ID_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def find(upload_id: str) -> Upload | None:
    """The upload, or None; a string no upload id could be is not looked up."""
    known = len(upload_id) <= 64 and set(upload_id) <= ID_CHARACTERS
    return db.session.get(Upload, upload_id) if known else None


def by_trace_id(trace_id: str) -> Upload | None:
    return db.session.scalar(select(Upload).where(Upload.trace_id == trace_id))
