from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.core import clock
from server.core.dbtypes import UTCDateTime
from server.core.extensions import db

# checking: sent to (or waiting to be re-sent to) WeChat's image check; the rest are its verdicts.
STATUSES = ("checking", "pass", "review", "risky")
# Verdicts that hide a photo from everyone but the staff in scope of the wish using it.
HIDDEN_STATUSES = frozenset({"review", "risky"})
MIME_TYPES = ("image/jpeg", "image/png", "image/webp")


class Upload(db.Model):
    """One stored photo. ``id`` is an opaque random token: it is what wishes reference."""

    __tablename__ = "uploads"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        CheckConstraint(f"mime IN {MIME_TYPES}", name="mime"),
        Index("ix_uploads_owner_id", "owner_id"),
        Index("ix_uploads_status_created_at", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    storage_key: Mapped[str] = mapped_column(String(128), unique=True)
    mime: Mapped[str] = mapped_column(String(16))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    status: Mapped[str] = mapped_column(String(8), default="checking")
    # WeChat's media_check_async id; None while the check could not be submitted.
    trace_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    verdict_label: Mapped[int | None]
    # How often the check was submitted, and when last: the media_recheck job sends a photo
    # again when WeChat was unreachable or its verdict never came (server/uploads/tasks.py).
    check_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    check_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    @property
    def hidden(self) -> bool:
        return self.status in HIDDEN_STATUSES
