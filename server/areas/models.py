from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db

LEVELS = ("district", "street", "community", "grid")


class Area(db.Model):
    """A node of the tree. ``path`` ("/1/4/9/") lets one indexed prefix match cover a subtree."""

    __tablename__ = "areas"
    __table_args__ = (
        CheckConstraint(f"level IN {LEVELS}", name="level"),
        Index("ix_areas_parent_id_id", "parent_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(255), default="", index=True)
    # Communities may switch review off; None means "follow the REVIEW_REQUIRED setting".
    review_required: Mapped[bool | None] = mapped_column(default=None)

    def covers(self, other_path: str) -> bool:
        """True when the node at ``other_path`` is this node or lies below it."""
        return other_path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Area {self.id} {self.level} {self.name}>"
