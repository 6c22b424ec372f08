from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.core import clock
from server.core.dbtypes import UTCDateTime
from server.core.extensions import db


class Announcement(db.Model):
    """A notice published to a node: everyone whose home grid lies in its subtree sees it
    until it expires or is withdrawn. No row per reader is written when it is published."""

    __tablename__ = "announcements"
    __table_args__ = (
        # A reader's list: the notices of the nodes above their grid, pinned first, newest first.
        Index("ix_announcements_area_id_pinned_id", "area_id", "pinned", "id"),
        # A staff member's list of a node's subtree.
        Index("ix_announcements_area_path", "area_path", postgresql_ops={"area_path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    # The node's tree path, copied so subtree lists and the staff check need no join.
    area_path: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(50))
    body: Mapped[str] = mapped_column(Text)
    pinned: Mapped[bool] = mapped_column(default=False)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Set when staff withdraw it: gone from every reader's list, kept for the record.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AnnouncementRead(db.Model):
    """One row per reader who opened a notice: where unread marks and read counts come from."""

    __tablename__ = "announcement_reads"

    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
