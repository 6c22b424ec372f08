"""Volunteer activities and their sign-ups (DESIGN §2): capacity, time, place, points per hour;
each sign-up holds a place or waits for one, is checked in and credited with hours once."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core import clock
from server.core.dbtypes import UTCDateTime
from server.core.extensions import db

# A sign-up holds one of the places (``signed_up``), waits for one (``waitlisted``), or was
# withdrawn; a withdrawn one comes back to life when the member signs up again.
SIGNUP_STATUSES = ("signed_up", "waitlisted", "cancelled")
ACTIVE_STATUSES = ("signed_up", "waitlisted")


class Activity(db.Model):
    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="starts_before_it_ends"),
        CheckConstraint("capacity >= 1", name="capacity"),
        CheckConstraint("points_per_hour >= 0", name="points_per_hour"),
        # The places held never exceed the capacity, whatever the race (operations.sign_up).
        CheckConstraint("held >= 0 AND held <= capacity", name="held_within_capacity"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="location_whole"),
        CheckConstraint("checkin_radius_m IS NULL OR (checkin_radius_m > 0 AND latitude IS NOT NULL)", name="radius"),
        # The monthly party day: one per community per month (server/activities/tasks.py).
        UniqueConstraint("area_id", "party_month"),
        # Subtree lists, by start time.
        Index(
            "ix_activities_area_path_starts_at",
            "area_path",
            "starts_at",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    # The area's tree path, copied so subtree lists need no join.
    area_path: Mapped[str] = mapped_column(String(255))
    # None for the party days the job creates: the area's staff organise those.
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text)
    place: Mapped[str] = mapped_column(String(200))
    # GCJ-02, as wx.getLocation answers; with a radius, check-in must be within it.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    checkin_radius_m: Mapped[int | None]
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int]
    points_per_hour: Mapped[int]
    # The secret of the activity's QR code: only its organiser and the area's staff see it.
    checkin_code: Mapped[str] = mapped_column(String(16))
    # Places held (sign-ups in ``signed_up``): the counter the guarded UPDATE of a sign-up moves.
    held: Mapped[int] = mapped_column(default=0)
    # The first day of the month whose party day this is (None: any other activity).
    party_month: Mapped[date | None] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    @property
    def length_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class Signup(db.Model):
    __tablename__ = "activity_signups"
    __table_args__ = (
        UniqueConstraint("activity_id", "user_id"),
        CheckConstraint(f"status IN {SIGNUP_STATUSES}", name="status"),
        CheckConstraint("credited_minutes IS NULL OR credited_minutes >= 0", name="credited_minutes"),
        # The waitlist in order, and the places held.
        Index("ix_activity_signups_activity_id_status_queued_at", "activity_id", "status", "queued_at"),
        # The volunteer record and the rankings: a member's credited hours by time.
        Index("ix_activity_signups_user_id_credited_at", "user_id", "credited_at"),
        Index("ix_activity_signups_credited_at", "credited_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16))
    # When the member last joined the queue: the waitlist moves up in this order.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Volunteer time credited at completion, in whole minutes (sums stay exact), and its points;
    # the rankings sum these per member, grid and unit.
    credited_minutes: Mapped[int | None]
    credited_points: Mapped[int | None]
    credited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
