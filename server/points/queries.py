from sqlalchemy import bindparam, func, select

from server.accounts.models import RoleGrant
from server.areas.models import Area
from server.areas.queries import subtree_condition
from server.core.extensions import db, read
from server.core.paging import keyset_page
from server.points.models import PointEntry

_ENTRIES = PointEntry.__table__  # plain rows and Core selects: no ORM work on these busy reads


_BALANCE = select(func.coalesce(func.sum(_ENTRIES.c.delta), 0)).where(_ENTRIES.c.user_id == bindparam("user_id"))


def balance(user_id: int) -> int:
    return read(_BALANCE, {"user_id": user_id}).scalar()


def entries(user_id: int, *, cursor: str | None, limit: int):
    """The person's ledger newest first, as rows."""
    query = select(_ENTRIES).where(_ENTRIES.c.user_id == user_id)
    return keyset_page(read, query, _ENTRIES.c.id, cursor=cursor, limit=limit)


def verified_members(area: Area):
    """(``user_id``) of the verified party members whose grant lies in ``area``'s subtree, a subquery."""
    return (
        select(RoleGrant.user_id)
        .join(Area, Area.id == RoleGrant.area_id)
        .where(RoleGrant.role == "party_member", RoleGrant.status == "verified", subtree_condition(Area.path, area))
        .distinct()
        .subquery()
    )


def points_earned(area: Area, since, until) -> int:
    """Points the verified party members of ``area``'s subtree earned in [since, until)."""
    members = verified_members(area)
    return db.session.scalar(
        select(func.coalesce(func.sum(PointEntry.delta), 0)).where(
            PointEntry.user_id.in_(select(members.c.user_id)),
            PointEntry.created_at >= since,
            PointEntry.created_at < until,
        )
    )
