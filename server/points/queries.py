from sqlalchemy import bindparam, func, select

from server.accounts.models import RoleGrant, User
from server.areas.models import Area
from server.areas.queries import subtree_condition
from server.core import clock
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


def _verified_members(area: Area):
    return (
        select(RoleGrant.user_id)
        .join(Area, Area.id == RoleGrant.area_id)
        .where(RoleGrant.role == "party_member", RoleGrant.status == "verified", subtree_condition(Area.path, area))
        .distinct()
        .subquery()
    )


def points_earned(area: Area, since, until) -> int:
    """Points the verified party members of ``area``'s subtree earned in [since, until)."""
    members = _verified_members(area)
    return db.session.scalar(
        select(func.coalesce(func.sum(PointEntry.delta), 0)).where(
            PointEntry.user_id.in_(select(members.c.user_id)),
            PointEntry.created_at >= since,
            PointEntry.created_at < until,
        )
    )


def leaderboard(area: Area, period: str, limit: int) -> list[dict]:
    """Verified party members of ``area``'s subtree ranked by points earned in the period.

    Ties share a rank (1, 1, 3) and are listed by who joined first.
    """
    members = _verified_members(area)
    since = clock.period_start(period)
    earned = select(PointEntry.user_id, func.sum(PointEntry.delta).label("points")).group_by(PointEntry.user_id)
    if since is not None:
        earned = earned.where(PointEntry.created_at >= since)
    earned = earned.subquery()
    points = func.coalesce(earned.c.points, 0)
    rows = db.session.execute(
        select(User.id, User.nickname, points.label("points"), func.rank().over(order_by=points.desc()).label("rank"))
        .join(members, members.c.user_id == User.id)
        .outerjoin(earned, earned.c.user_id == User.id)
        .order_by(points.desc(), User.id)
        .limit(limit)
    ).all()
    return [{"rank": r.rank, "user_id": r.id, "nickname": r.nickname, "points": r.points} for r in rows]
