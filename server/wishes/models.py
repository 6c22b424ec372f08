from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.accounts.models import User
from server.core import clock
from server.core.dbtypes import EncryptedText, UTCDateTime
from server.core.extensions import db

STATUSES = (
    "pending_review",
    "open",
    "rejected",
    "cancelled",
    "claimed",
    "fulfilled",
    "confirmed",
    "disputed",
    "closed",
)

CATEGORIES = {
    "errand": "跑腿代办",
    "repair": "维修",
    "companion": "陪伴就医",
    "elderly_care": "助老助残",
    "tutoring": "学业辅导",
    "cleaning": "家政清洁",
    "legal": "法律咨询",
    "other": "其他",
}

# How a closed ticket ended; `completed` only for a wish that was confirmed.
RESOLUTIONS = ("completed", "unresolved", "duplicate", "invalid")


def is_escalated(wish) -> bool:
    """Open past the escalation window and reported to the grid workers in this open period
    (``wish``: a Wish or a row with its status, escalated_at and status_since)."""
    return (
        wish.status == "open"
        and wish.escalated_at is not None
        and (wish.status_since is None or wish.escalated_at >= wish.status_since)
    )


class Wish(db.Model):
    __tablename__ = "wishes"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        CheckConstraint("stars IS NULL OR (stars BETWEEN 1 AND 5)", name="stars"),
        # Every open wish is in the pool everyone sees, so an open-pool page is the same for
        # every caller and a worker may reuse it (miniprogram_api/wishes.py).
        CheckConstraint("status <> 'open' OR opened_at IS NOT NULL", name="open_is_in_pool"),
        # Keyset paging (newest first) under each filter the lists offer.
        Index("ix_wishes_status_id", "status", "id"),
        Index("ix_wishes_grid_id_status_id", "grid_id", "status", "id"),
        Index("ix_wishes_owner_id_id", "owner_id", "id"),
        Index("ix_wishes_claimer_id_id", "claimer_id", "id"),
        # Subtree lists and statistics: a prefix LIKE on area_path. PostgreSQL can use a btree
        # for LIKE only under the C collation or with the pattern operator class.
        Index("ix_wishes_area_path_status", "area_path", "status", postgresql_ops={"area_path": "varchar_pattern_ops"}),
        # The scheduled sweeps (server/wishes/tasks.py): overdue rows of one status, oldest first.
        Index("ix_wishes_status_status_since", "status", "status_since"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    # The grid's tree path, copied so subtree lists and statistics need no join.
    area_path: Mapped[str] = mapped_column(String(255))
    category: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(EncryptedText("wishes.address"))
    contact_phone: Mapped[str] = mapped_column(EncryptedText("wishes.contact_phone"))
    photos: Mapped[list] = mapped_column(JSON, default=list)
    desired_by: Mapped[date | None] = mapped_column(Date)

    status: Mapped[str] = mapped_column(String(16))
    claimer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    fulfil_note: Mapped[str | None] = mapped_column(Text)
    fulfil_photos: Mapped[list] = mapped_column(JSON, default=list)
    stars: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(Text)
    dispute_reason: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(String(16))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # First entry into the open pool, and the deadline for a response (response rate).
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the wish entered its current status (set by every transition): the sweeps' due time.
    status_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=clock.now)
    # Marks of the sweeps, each compared with status_since so it counts once per stay in a status.
    review_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    claimer: Mapped[User | None] = relationship(foreign_keys=[claimer_id])

    @property
    def category_name(self) -> str:
        return CATEGORIES[self.category]

    @property
    def escalated(self) -> bool:
        return is_escalated(self)


class WishEvent(db.Model):
    """One timeline entry per transition: the audit trail the resident sees."""

    __tablename__ = "wish_events"
    __table_args__ = (Index("ix_wish_events_wish_id_id", "wish_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("wishes.id"))
    # None when the system acted (scheduled jobs).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The claimer this event took the wish from (release, timeout, dispute reopened), so they hear of it.
    previous_claimer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="joined")


class WishPhoto(db.Model):
    """A photo (server/uploads) used by a wish, the resident's or the claimer's proof of
    fulfilment: who may see a photo follows from the wishes using it."""

    __tablename__ = "wish_photos"
    __table_args__ = (Index("ix_wish_photos_upload_id", "upload_id"),)

    wish_id: Mapped[int] = mapped_column(ForeignKey("wishes.id"), primary_key=True)
    upload_id: Mapped[str] = mapped_column(ForeignKey("uploads.id"), primary_key=True)


CONTACT_REASONS = {
    "contact_resident": "联系居民",
    "home_visit": "上门服务",
    "verify": "核实情况",
    "dispute": "处理异议",
}
# The mini-program shows the contact unmasked to those involved without asking why, so a view
# answered there is recorded with the viewer's part in the wish (server/wishes/contacts.py).
ANSWERED_REASONS = {
    "claimer": "认领人办理心愿",
    "grid_staff": "网格工作人员处理",
}
VIEW_REASONS = CONTACT_REASONS | ANSWERED_REASONS


class ContactView(db.Model):
    """One look at a wish's unmasked contact (phone and address), in the console or answered by
    the API to anyone but its owner: who looked, whose contact, on which wish, when and why
    (issue 15: every view is recorded and shown to admins)."""

    __tablename__ = "contact_views"
    __table_args__ = (
        CheckConstraint(f"reason IN {tuple(VIEW_REASONS)}", name="reason"),
        Index("ix_contact_views_wish_id_id", "wish_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("wishes.id"))
    viewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Whose contact it is: the wish's owner when it was viewed.
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
