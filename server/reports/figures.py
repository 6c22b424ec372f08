"""The figures of a monthly report, each read through the query that owns its rule.

Volunteer hours and points belong to the verified party members of a node (their party-member
grant lies in its subtree), as in the daily statistics and the grid rankings: a member's hours
count where they are a member, whichever community ran the activity, so the grids of a node
add up to the node.
"""

from dataclasses import dataclass

from sqlalchemy import and_, func, select

from server.accounts.models import User
from server.activities.models import Activity, Signup
from server.activities.queries import volunteer_minutes_by_member
from server.areas.models import Area
from server.areas.queries import subtree_condition
from server.core.extensions import db, may_lag, read
from server.party.figures import figures_of
from server.points.queries import points_earned, verified_members
from server.reports.month import Month
from server.units.models import UnitOrganisation
from server.wishes.models import Wish, WishEvent
from server.wishes.queries import overview

_AREAS = Area.__table__
_WISHES = Wish.__table__
_EVENTS = WishEvent.__table__
_SIGNUPS = Signup.__table__
_ACTIVITIES = Activity.__table__
_USERS = User.__table__
_UNITS = UnitOrganisation.__table__

REVIEW_ACTIONS = ("approve", "reject")


@dataclass(frozen=True)
class NodeFigures:
    """One node's month: the overview (counts, the three rates) and its members' service."""

    area: Area
    overview: dict
    points: int
    minutes: int


def node_figures(area: Area, month: Month) -> NodeFigures:
    return NodeFigures(
        area=area,
        overview=overview(area, month.first, month.last),
        points=points_earned(area, month.since, month.until),
        minutes=credited_minutes(area, month),
    )


def credited_minutes(area: Area, month: Month) -> int:
    """Volunteer minutes credited in the month to the verified party members of ``area``."""
    served = volunteer_minutes_by_member(month.since, month.until)
    members = verified_members(area)
    statement = select(func.coalesce(func.sum(served.c.minutes), 0)).join(
        members, members.c.user_id == served.c.user_id
    )
    return int(read(may_lag(statement)).scalar())


def grids_of(area: Area) -> list[tuple[Area, str]]:
    """The grids of ``area``'s subtree (``area`` itself when it is one), each with its
    community's name, in tree order."""
    if area.level == "grid":
        parent = _parent_names([area])
        return [(area, parent.get(area.parent_id, ""))]
    grids = list(
        db.session.scalars(
            select(Area).where(Area.level == "grid", subtree_condition(Area.path, area)).order_by(Area.path, Area.id)
        )
    )
    parents = _parent_names(grids)
    return [(grid, parents.get(grid.parent_id, "")) for grid in grids]


def _parent_names(areas: list[Area]) -> dict[int, str]:
    ids = {area.parent_id for area in areas if area.parent_id is not None}
    if not ids:
        return {}
    return dict(read(select(_AREAS.c.id, _AREAS.c.name).where(_AREAS.c.id.in_(ids))).all())


def unit_figures(area: Area) -> list[tuple]:
    """(unit row, figures) of the unit organisations allocated to ``area``'s subtree. The
    figures are the units' standing to date (server/party/figures.py counts no period)."""
    units = read(
        may_lag(
            select(_UNITS.c.id, _UNITS.c.name, _UNITS.c.kind, _AREAS.c.name.label("community"))
            .join(_AREAS, _AREAS.c.id == _UNITS.c.community_id)
            .where(subtree_condition(_UNITS.c.area_path, area))
            .order_by(_UNITS.c.area_path, _UNITS.c.id)
        )
    ).all()
    figures = figures_of([unit.id for unit in units])
    return [(unit, figures[unit.id]) for unit in units]


def _first_review():
    return (
        select(func.min(_EVENTS.c.created_at))
        .where(_EVENTS.c.wish_id == _WISHES.c.id, _EVENTS.c.action.in_(REVIEW_ACTIONS))
        .scalar_subquery()
    )


def wish_rows(area: Area, month: Month):
    """The wishes posted in the month in ``area``'s subtree (those the overview counts), oldest
    first, with their grid's name and timeline dates: no contact detail, no address."""
    grids = _AREAS.alias("grid")
    statement = (
        select(
            _WISHES.c.id,
            _WISHES.c.number,
            _WISHES.c.title,
            _WISHES.c.category,
            _WISHES.c.status,
            _WISHES.c.resolution,
            _WISHES.c.stars,
            grids.c.name.label("grid"),
            _WISHES.c.created_at,
            _first_review().label("reviewed_at"),
            _WISHES.c.opened_at,
            _WISHES.c.first_claimed_at,
            _WISHES.c.fulfilled_at,
            _WISHES.c.confirmed_at,
            _WISHES.c.closed_at,
        )
        .join(grids, grids.c.id == _WISHES.c.grid_id)
        .where(
            subtree_condition(_WISHES.c.area_path, area),
            _WISHES.c.created_at >= month.since,
            _WISHES.c.created_at < month.until,
        )
        .order_by(_WISHES.c.created_at, _WISHES.c.id)
    )
    return read(may_lag(statement))


def service_rows(area: Area, month: Month):
    """Each sign-up credited in the month to a verified party member of ``area``: the activity,
    the member, the minutes and points (their sum is the node's volunteer time)."""
    members = verified_members(area)
    places = _AREAS.alias("place")
    statement = (
        select(
            _ACTIVITIES.c.id.label("activity_id"),
            _ACTIVITIES.c.title,
            _ACTIVITIES.c.starts_at,
            places.c.name.label("place"),
            _USERS.c.nickname,
            _SIGNUPS.c.credited_minutes,
            _SIGNUPS.c.credited_points,
            _SIGNUPS.c.credited_at,
        )
        .join(_ACTIVITIES, _ACTIVITIES.c.id == _SIGNUPS.c.activity_id)
        .join(places, places.c.id == _ACTIVITIES.c.area_id)
        .join(_USERS, _USERS.c.id == _SIGNUPS.c.user_id)
        .join(members, members.c.user_id == _SIGNUPS.c.user_id)
        .where(
            and_(
                _SIGNUPS.c.credited_at.is_not(None),
                _SIGNUPS.c.credited_at >= month.since,
                _SIGNUPS.c.credited_at < month.until,
            )
        )
        .order_by(_ACTIVITIES.c.starts_at, _ACTIVITIES.c.id, _SIGNUPS.c.id)
    )
    return read(may_lag(statement))
