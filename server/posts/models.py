from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core import clock
from server.core.dbtypes import UTCDateTime
from server.core.extensions import db

# The posts of the report's 设岗定责 (slugs; names shown in Chinese).
KINDS = {
    "policy_promotion": "政策宣传岗",
    "sanitation": "环境卫生岗",
    "neighbourhood_watch": "邻里守望岗",
    "civility": "文明劝导岗",
    "mediation": "矛盾调解岗",
    "care": "关爱帮扶岗",
    "safety_patrol": "安全巡查岗",
    "volunteer": "志愿服务岗",
}


class ServicePost(db.Model):
    """A post of a community. ``held`` counts its holders; the CHECK keeps it within
    ``capacity``, and taking a place is a conditional UPDATE of it, so a full post refuses
    more whatever the race."""

    __tablename__ = "service_posts"
    __table_args__ = (
        CheckConstraint(f"kind IN {tuple(KINDS)}", name="kind"),
        CheckConstraint("capacity >= 1", name="capacity"),
        CheckConstraint("held >= 0 AND held <= capacity", name="held_within_capacity"),
        Index("ix_service_posts_community_id_id", "community_id", "id"),
        Index("ix_service_posts_area_path", "area_path", postgresql_ops={"area_path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    # The community's tree path, copied so subtree lists need no join.
    area_path: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(50))
    duties: Mapped[str] = mapped_column(Text)
    capacity: Mapped[int]
    held: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    @property
    def kind_name(self) -> str:
        return KINDS[self.kind]


class PostHolder(db.Model):
    """A party member on a post. One post per member per community: the unique key decides
    between two racing takes, of one post or of two."""

    __tablename__ = "post_holders"
    __table_args__ = (
        UniqueConstraint("community_id", "user_id"),
        Index("ix_post_holders_post_id_id", "post_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("service_posts.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The staff member who appointed them; None when they took the post themselves.
    appointed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
