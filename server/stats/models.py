from datetime import date

from sqlalchemy import JSON, Date, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core.extensions import db


class DailyStats(db.Model):
    """One Asia/Shanghai calendar day of one area node's subtree: what the overview would say
    for that day, kept so dashboards over months read a few rows instead of every wish."""

    __tablename__ = "daily_stats"
    __table_args__ = (UniqueConstraint("area_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    day: Mapped[date] = mapped_column(Date)
    total: Mapped[int]
    counts: Mapped[dict] = mapped_column(JSON)
    responded: Mapped[int]
    response_due: Mapped[int]
    resolved: Mapped[int]
    resolution_due: Mapped[int]
    satisfied: Mapped[int]
    rated: Mapped[int]
    # Points earned that day by the verified party members of the subtree.
    points: Mapped[int]
