from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core import clock
from server.core.dbtypes import UTCDateTime
from server.core.extensions import db

REASONS = {
    "wish_confirmed": "完成微心愿",
    "five_star_bonus": "五星好评奖励",
    "claim_timeout": "认领超时未完成",
    "pledge_kept": "承诺践诺",
    "volunteer_hours": "志愿服务时长",
    "store_redeem": "积分超市兑换",
    "store_refund": "兑换取消退还",
}


def reason_name(reason: str) -> str:
    return REASONS.get(reason, reason)


class PointEntry(db.Model):
    """Never updated or deleted. The unique key makes each award exist at most once."""

    __tablename__ = "point_entries"
    __table_args__ = (
        UniqueConstraint("user_id", "reason", "source"),
        Index("ix_point_entries_created_at_user_id", "created_at", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    delta: Mapped[int]
    reason: Mapped[str] = mapped_column(String(32))
    # What earned it, e.g. "wish:42".
    source: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    @property
    def reason_name(self) -> str:
        return reason_name(self.reason)
