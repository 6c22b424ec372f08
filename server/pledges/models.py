from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core import clock
from server.core.dbtypes import UTCDateTime
from server.core.extensions import db

# pending until the grid worker assesses it; then kept or not kept, for good.
STATUSES = ("pending", "kept", "not_kept")
OUTCOMES = ("kept", "not_kept")


class Pledge(db.Model):
    """One public pledge per member per year (the unique key); the text is theirs to edit
    until it is assessed."""

    __tablename__ = "pledges"
    __table_args__ = (
        UniqueConstraint("user_id", "year"),
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        CheckConstraint("(status = 'pending') = (assessed_at IS NULL)", name="assessed_when_not_pending"),
        Index("ix_pledges_grid_id_year_id", "grid_id", "year", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    year: Mapped[int]
    # The member's home grid when they pledged, and its path: whose grid worker assesses it.
    grid_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    area_path: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    assessed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assessment_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
