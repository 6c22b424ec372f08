from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core import clock
from server.core.dbtypes import EncryptedText, UTCDateTime
from server.core.extensions import db

KINDS = {
    "office": "机关",
    "school": "学校",
    "hospital": "医院",
    "company": "企业",
    "other": "其他",
}

MATTER_STATUSES = {"planned": "计划中", "in_progress": "推进中", "done": "已完成"}


class UnitOrganisation(db.Model):
    """A unit's party organisation, allocated to one community it reports to (单位报到)."""

    __tablename__ = "unit_organisations"
    __table_args__ = (
        UniqueConstraint("community_id", "name"),
        CheckConstraint(f"kind IN {tuple(KINDS)}", name="kind"),
        Index(
            "ix_unit_organisations_area_path_id", "area_path", "id", postgresql_ops={"area_path": "varchar_pattern_ops"}
        ),
        Index("ix_unit_organisations_secretary_id", "secretary_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    community_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    # The community's tree path, copied so subtree lists need no join.
    area_path: Mapped[str] = mapped_column(String(255))
    agreement_on: Mapped[date | None] = mapped_column(Date)  # co-construction agreement (共建协议)
    # The unit's contact person: a person's name and number.
    contact_name: Mapped[str] = mapped_column(EncryptedText("unit_organisations.contact_name"))
    contact_phone: Mapped[str] = mapped_column(EncryptedText("unit_organisations.contact_phone"))
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    @property
    def kind_name(self) -> str:
        return KINDS[self.kind]


class PracticalMatter(db.Model):
    """A practical matter for the people (为民办实事) a community agreed to deliver."""

    __tablename__ = "practical_matters"
    __table_args__ = (
        CheckConstraint(f"status IN {tuple(MATTER_STATUSES)}", name="status"),
        Index("ix_practical_matters_community_id_id", "community_id", "id"),
        Index(
            "ix_practical_matters_area_path_id", "area_path", "id", postgresql_ops={"area_path": "varchar_pattern_ops"}
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    area_path: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text)
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit_organisations.id"))
    deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class MatterNote(db.Model):
    """A progress note on a matter: written once, never edited (no route changes one)."""

    __tablename__ = "matter_notes"
    __table_args__ = (Index("ix_matter_notes_matter_id_id", "matter_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("practical_matters.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    # The status the matter moved to with this note, if it moved.
    status: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class MatterFollower(db.Model):
    """A resident following a matter: the primary key makes following twice one row."""

    __tablename__ = "matter_followers"
    __table_args__ = (Index("ix_matter_followers_user_id", "user_id"),)

    matter_id: Mapped[int] = mapped_column(ForeignKey("practical_matters.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
