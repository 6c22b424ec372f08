from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core import clock
from server.core.dbtypes import UTCDateTime
from server.core.extensions import db

LEVELS = ("district", "street", "community", "grid")


def path_ids(path: str) -> list[int]:
    """The ids along a tree path, root first: "/1/4/9/" -> [1, 4, 9]."""
    return [int(part) for part in path.strip("/").split("/") if part]


class Area(db.Model):
    """A node of the tree. ``path`` ("/1/4/9/") lets one indexed prefix match cover a subtree."""

    __tablename__ = "areas"
    __table_args__ = (
        CheckConstraint(f"level IN {LEVELS}", name="level"),
        Index("ix_areas_parent_id_id", "parent_id", "id"),
        # Names are unique among siblings (a sheet's rows are matched by name); districts, whose
        # parent is NULL, are not compared by it.
        UniqueConstraint("parent_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(255), default="", index=True)
    # Communities may switch review off; None means "follow the REVIEW_REQUIRED setting".
    review_required: Mapped[bool | None] = mapped_column(default=None)
    # A community's lifecycle windows (server/areas/rules.py); None means "the setting's".
    review_window_seconds: Mapped[int | None] = mapped_column(default=None)
    unclaimed_escalation_seconds: Mapped[int | None] = mapped_column(default=None)
    claim_reminder_seconds: Mapped[int | None] = mapped_column(default=None)
    claim_timeout_seconds: Mapped[int | None] = mapped_column(default=None)
    confirm_window_seconds: Mapped[int | None] = mapped_column(default=None)
    # Set on a retired node and its whole subtree: no new content there, what exists stays readable.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    def covers(self, other_path: str) -> bool:
        """True when the node at ``other_path`` is this node or lies below it."""
        return other_path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Area {self.id} {self.level} {self.name}>"


class GridCode(db.Model):
    """A grid's "bind me" mini-program code: its scene key and the PNG WeChat drew for it.

    WeChat's codes are permanent, so each grid's is generated once and kept; the primary key
    lets one of two concurrent first requests store it, and the scene key (random, not the
    grid id) keeps printed codes meaning the same grid wherever the data is moved.
    """

    __tablename__ = "grid_codes"

    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)
    scene: Mapped[str] = mapped_column(String(32), unique=True)
    png: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
