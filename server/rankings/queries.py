"""The leaderboard: party members, grids or unit organisations of an area's subtree ranked by the
points they earned in a period, with the volunteer hours credited in it, in one statement.

Every board is the same shape: *groups* (a member is a group of one; a grid groups the verified
members whose party-member grant is on it; a unit the verified members whose approved membership
application names it), each member's points (the ledger) and minutes (credited sign-ups) in the
period summed per group, then ranked. Points decide the rank, and equal points share it (1, 1,
3); within a rank rows are listed by hours, then by id, so the order never changes between two
reads of the same data. The viewer's own row comes with the page even when it lies below it.
"""

from dataclasses import dataclass

from sqlalchemy import bindparam, func, literal, or_, select

from server.accounts.models import RoleGrant, User
from server.activities.queries import volunteer_minutes_by_member
from server.areas.models import Area
from server.areas.queries import subtree_condition
from server.core import clock
from server.core.extensions import may_lag, read
from server.party.figures import unit_members
from server.points.models import PointEntry
from server.units.models import UnitOrganisation

BOARDS = ("member", "grid", "unit")

_LEDGER = PointEntry.__table__
_GRANTS = RoleGrant.__table__
_USERS = User.__table__
_AREAS = Area.__table__
_UNITS = UnitOrganisation.__table__


@dataclass(frozen=True)
class Row:
    rank: int
    id: int
    name: str
    points: int
    minutes: int

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


def leaderboard(area: Area, *, period: str, by: str, limit: int, viewer_id: int) -> tuple[list[Row], Row | None]:
    """The first ``limit`` rows of ``by``'s board for ``area``'s subtree in ``period``, and the
    viewer's own row (their own, their grid's or their unit's; None when they have none)."""
    since = clock.period_start(period)
    groups, members, mine = _BOARD_PARTS[by](area, viewer_id)
    earned = select(_LEDGER.c.user_id, func.sum(_LEDGER.c.delta).label("points")).group_by(_LEDGER.c.user_id)
    if since is not None:
        earned = earned.where(_LEDGER.c.created_at >= since)
    earned = earned.subquery("earned")
    served = volunteer_minutes_by_member(since)
    totals = (
        select(
            groups.c.id,
            groups.c.name,
            func.coalesce(func.sum(earned.c.points), 0).label("points"),
            func.coalesce(func.sum(served.c.minutes), 0).label("minutes"),
        )
        .select_from(groups)
        .outerjoin(members, members.c.group_id == groups.c.id)
        .outerjoin(earned, earned.c.user_id == members.c.user_id)
        .outerjoin(served, served.c.user_id == members.c.user_id)
        .group_by(groups.c.id, groups.c.name)
        .subquery("totals")
    )
    order = (totals.c.points.desc(), totals.c.minutes.desc(), totals.c.id)
    ranked = select(
        totals,
        func.rank().over(order_by=totals.c.points.desc()).label("rank"),
        func.row_number().over(order_by=order).label("position"),
    ).subquery("ranked")
    is_mine = func.coalesce(ranked.c.id == mine, False)
    statement = may_lag(
        select(
            ranked.c.rank,
            ranked.c.id,
            ranked.c.name,
            ranked.c.points,
            ranked.c.minutes,
            ranked.c.position,
            is_mine.label("is_mine"),
        )
        .where(or_(ranked.c.position <= bindparam("limit"), is_mine))
        .order_by(ranked.c.position)
    )
    rows = read(statement, {"limit": limit}).all()
    page = [_row(row) for row in rows if row.position <= limit]
    own = next((_row(row) for row in rows if row.is_mine), None)
    return page, own


def _row(row) -> Row:
    return Row(rank=row.rank, id=row.id, name=row.name or "", points=int(row.points), minutes=int(row.minutes))


def _members_board(area: Area, viewer_id: int):
    """Each verified party member with a grant in the subtree, a group of one."""
    verified = (
        select(_GRANTS.c.user_id)
        .join(_AREAS, _AREAS.c.id == _GRANTS.c.area_id)
        .where(_GRANTS.c.role == "party_member", _GRANTS.c.status == "verified", subtree_condition(_AREAS.c.path, area))
        .distinct()
        .subquery("verified")
    )
    groups = (
        select(_USERS.c.id, _USERS.c.nickname.label("name"))
        .join(verified, verified.c.user_id == _USERS.c.id)
        .subquery("groups")
    )
    members = select(groups.c.id.label("group_id"), groups.c.id.label("user_id")).subquery("members")
    return groups, members, literal(viewer_id)


def _grids_board(area: Area, viewer_id: int):
    """The subtree's grids, each with the verified members whose party-member grant is on it."""
    groups = (
        select(_AREAS.c.id, _AREAS.c.name)
        .where(_AREAS.c.level == "grid", subtree_condition(_AREAS.c.path, area))
        .subquery("groups")
    )
    members = (
        select(_GRANTS.c.area_id.label("group_id"), _GRANTS.c.user_id)
        .where(_GRANTS.c.role == "party_member", _GRANTS.c.status == "verified")
        .distinct()
        .subquery("members")
    )
    mine = (
        select(_GRANTS.c.area_id)
        .where(_GRANTS.c.user_id == viewer_id, _GRANTS.c.role == "party_member", _GRANTS.c.status == "verified")
        .order_by(_GRANTS.c.id)
        .limit(1)
        .scalar_subquery()
    )
    return groups, members, mine


def _units_board(area: Area, viewer_id: int):
    """The unit organisations allocated to the subtree's communities, each with its reported members."""
    groups = select(_UNITS.c.id, _UNITS.c.name).where(subtree_condition(_UNITS.c.area_path, area)).subquery("groups")
    reported = unit_members()
    members = select(reported.c.unit_id.label("group_id"), reported.c.user_id).subquery("members")
    mine = select(reported.c.unit_id).where(reported.c.user_id == viewer_id).limit(1).scalar_subquery()
    return groups, members, mine


_BOARD_PARTS = {"member": _members_board, "grid": _grids_board, "unit": _units_board}
