from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core import clock
from server.core.dbtypes import UTCDateTime
from server.core.extensions import db

# pending: waiting to be sent (next_attempt_at); sending: claimed by a sender until lease_until;
# the rest are final. no_credit: the person had not accepted the template (inbox only).
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "no_credit", "refused")


class Notification(db.Model):
    """One inbox row per person per event, about one subject of any feature."""

    __tablename__ = "notifications"
    __table_args__ = (
        # One row per person per event, whatever retries or rules do.
        UniqueConstraint("event_key", "user_id"),
        # Keyset paging newest first, all and unread only; the unread count.
        Index("ix_notifications_user_id_id", "user_id", "id"),
        Index("ix_notifications_user_id_read_at_id", "user_id", "read_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    # What it is about, named by its feature ("wish", 42); no foreign key, as any feature's
    # rows may be the subject.
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[int | None]
    # The event that caused it, named by its feature ("wish_event:42").
    event_key: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(String(500))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    @property
    def read(self) -> bool:
        return self.read_at is not None


class OutboxMessage(db.Model):
    """A WeChat subscribe message to send for a notification, with its delivery state.

    ``data`` is rendered and cut to the keyword limits when the row is written, so the sender
    sends exactly what is stored. ``credit_spent`` makes a retried row spend one credit only.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(f"status IN {OUTBOX_STATUSES}", name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        # What the sender claims: pending rows that are due, and sending rows whose lease ran out.
        Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_messages_status_lease_until", "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    template_id: Mapped[str] = mapped_column(String(64))
    page: Mapped[str | None] = mapped_column(String(128))
    data: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    credit_spent: Mapped[bool] = mapped_column(default=False)
    # An attempt ended without knowing whether WeChat took the message (no answer, or its
    # sender died): the credit is then never given back (server/notifications/sender.py).
    maybe_delivered: Mapped[bool] = mapped_column(default=False)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Which claim holds the row: an outcome is recorded only by the sender that still holds it.
    lease_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(255))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    notification: Mapped[Notification] = relationship()


class SubscribeCredit(db.Model):
    """How many sends of one template a person has accepted and we have not spent yet.

    WeChat has no API to read this: each ``wx.requestSubscribeMessage`` acceptance allows
    exactly one send, so the backend counts acceptances and spends them.
    """

    __tablename__ = "subscribe_credits"
    __table_args__ = (CheckConstraint("credits >= 0", name="credits"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    template_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    credits: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
