from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.core import clock
from server.core.dbtypes import UTCDateTime
from server.core.extensions import db

# The nodes a store hangs off: a community's, or one grid's.
STORE_LEVELS = ("community", "grid")
REWARD_STATUSES = ("active", "withdrawn")
# pending: paid, waiting to be picked up; collected: handed over (核销); cancelled: refunded.
REDEMPTION_STATUSES = ("pending", "collected", "cancelled")


class Reward(db.Model):
    __tablename__ = "rewards"
    __table_args__ = (
        CheckConstraint(f"status IN {REWARD_STATUSES}", name="status"),
        CheckConstraint("price_points > 0", name="price_points"),
        # The last item cannot be sold twice: a racing decrement past zero fails here too.
        CheckConstraint("stock >= 0", name="stock"),
        Index(
            "ix_rewards_area_path_status", "area_path", "status", postgresql_ops={"area_path": "varchar_pattern_ops"}
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    # The area's tree path, copied so subtree lists need no join.
    area_path: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(Text)
    # Who gave it: a unit organisation's name (双报到), or the community itself when None.
    donor_name: Mapped[str | None] = mapped_column(String(64))
    price_points: Mapped[int]
    stock: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Redemption(db.Model):
    """One item bought with points. The ledger holds its debit (and its refund, if cancelled)
    under the source ``redemption:<id>``; this row holds where it stands."""

    __tablename__ = "redemptions"
    __table_args__ = (
        CheckConstraint(f"status IN {REDEMPTION_STATUSES}", name="status"),
        CheckConstraint("price_points > 0", name="price_points"),
        CheckConstraint("status <> 'collected' OR collected_at IS NOT NULL", name="collected_at"),
        CheckConstraint("status <> 'cancelled' OR cancelled_at IS NOT NULL", name="cancelled_at"),
        # Keyset paging newest first: a person's own, a reward's, an area's.
        Index("ix_redemptions_user_id_id", "user_id", "id"),
        Index("ix_redemptions_reward_id_id", "reward_id", "id"),
        Index("ix_redemptions_area_path", "area_path", postgresql_ops={"area_path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The reward's area path, copied so staff lists by area need no join.
    area_path: Mapped[str] = mapped_column(String(255))
    # What was paid: the reward's price may change later.
    price_points: Mapped[int]
    # The pick-up code only the redeemer is shown (server/store/operations.py: new_code).
    code: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    collected_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
