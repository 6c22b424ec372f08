from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from server.core import clock
from server.core.dbtypes import EncryptedText, UTCDateTime
from server.core.extensions import db

STATUSES = {"pending": "待审核", "approved": "已认证", "rejected": "未通过"}

_PENDING = text("status = 'pending'")


class MembershipApplication(db.Model):
    """A resident's application to be a verified party member (DESIGN §4 party-membership).

    At most one pending per person, held by a partial unique index on both databases, so two
    racing applications make one. An approved application is the membership: its
    ``work_unit_org_id`` is the unit the member reports from (在职党员进社区)."""

    __tablename__ = "membership_applications"
    __table_args__ = (
        CheckConstraint(f"status IN {tuple(STATUSES)}", name="status"),
        Index(
            "uq_membership_applications_one_pending",
            "user_id",
            unique=True,
            sqlite_where=_PENDING,
            postgresql_where=_PENDING,
        ),
        Index("ix_membership_applications_user_id_id", "user_id", "id"),
        Index(
            "ix_membership_applications_area_path_id",
            "area_path",
            "id",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
        Index("ix_membership_applications_work_unit_org_id_status", "work_unit_org_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The applicant's home grid when they applied, and its path: whose staff review it.
    grid_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    area_path: Mapped[str] = mapped_column(String(255))
    # The real name, seen by reviewers only.
    name: Mapped[str] = mapped_column(EncryptedText("membership_applications.name"))
    branch: Mapped[str] = mapped_column(String(64))
    work_unit_org_id: Mapped[int | None] = mapped_column(ForeignKey("unit_organisations.id"))
    joined_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
