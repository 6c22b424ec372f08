from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.areas.models import Area
from server.core import clock, pii
from server.core.dbtypes import EncryptedText, UTCDateTime
from server.core.extensions import db

ROLES = ("party_member", "grid_worker", "admin")
STAFF_ROLES = ("grid_worker", "admin")
VERIFICATION_STATUSES = ("pending", "verified", "rejected")


class User(db.Model):
    """Everyone is a resident (may post, has a home grid); other roles come from grants."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    nickname: Mapped[str] = mapped_column(String(32), default="")
    home_grid_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    # The mobile number (from WeChat's getPhoneNumber), encrypted (server/core/pii.py). Write it
    # only through ``phone``, which keeps ``phone_hash`` beside it.
    _phone_stored: Mapped[str | None] = mapped_column("phone_stored", EncryptedText("users.phone_stored"), default=None)
    # The number's keyed hash: how a person is looked up by number (the values are encrypted
    # with a fresh nonce each, so equal numbers are not equal ciphertexts).
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    # Bumped to revoke every token issued before (logout everywhere, a blocked account).
    token_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Set when the person had their account erased (server/privacy/erasure.py): the row stays
    # as the pseudonym their ledger and hours are kept under.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Loaded when asked for: the caller's own come joined with the token (accounts/tokens.py);
    # a wish's owner or a timeline's actor is shown by nickname and needs none.
    grants: Mapped[list["RoleGrant"]] = relationship(back_populates="user", order_by="RoleGrant.id")

    @property
    def phone(self) -> str | None:
        """The bound mainland mobile number, e.g. "13812341234"; None until bound."""
        return self._phone_stored

    @phone.setter
    def phone(self, number: str | None) -> None:
        self._phone_stored = number
        self.phone_hash = pii.lookup_hash(number)

    def grants_of(self, *roles: str) -> list["RoleGrant"]:
        return [grant for grant in self.grants if grant.role in roles]

    @property
    def is_verified_party_member(self) -> bool:
        return any(grant.status == "verified" for grant in self.grants_of("party_member"))

    def is_staff_for(self, area_path: str) -> bool:
        """Grid worker of that grid, or admin of a node above it."""
        return any(grant.area.covers(area_path) for grant in self.grants_of(*STAFF_ROLES))

    def staff_areas(self) -> list[Area]:
        return [grant.area for grant in self.grants_of(*STAFF_ROLES)]


class RoleGrant(db.Model):
    __tablename__ = "role_grants"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "area_id"),
        CheckConstraint(f"role IN {ROLES}", name="role"),
        CheckConstraint(f"status IN {VERIFICATION_STATUSES}", name="status"),
        Index("ix_role_grants_role_area_id", "role", "area_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(16))
    # party member: home grid or service post; grid worker: the grid; admin: any node.
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    # Only party members go through verification; staff grants are made verified.
    status: Mapped[str] = mapped_column(String(16), default="verified")
    branch: Mapped[str | None] = mapped_column(String(64))
    work_unit: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user: Mapped[User] = relationship(back_populates="grants")
    area: Mapped[Area] = relationship(lazy="joined")


class StaffCredential(db.Model):
    """A staff member's console sign-in: a username and an argon2 hash (accounts/staff_passwords.py).
    Only people with a staff grant may use it; revoking the grants shuts the console to them."""

    __tablename__ = "staff_credentials"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    # Stored as typed in lower case: one person cannot be two usernames differing in case.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Bumped at sign-out: every console session signed in before it stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user: Mapped[User] = relationship()
