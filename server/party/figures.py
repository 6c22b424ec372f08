"""Per-unit figures (双报到): the members each unit has reported to the communities where they
live, the wishes they fulfilled, their points and the volunteer time credited to them, for a
set of units in ONE statement.

A unit's members are the verified party members whose approved membership application names
it (an approved application is the membership). Each figure is one correlated term of
``FIGURES``.
"""

from sqlalchemy import bindparam, exists, func, select

from server.accounts.models import RoleGrant, User
from server.activities.models import Signup
from server.areas.models import Area
from server.areas.queries import subtree_condition
from server.core.extensions import may_lag, read
from server.core.paging import keyset_page
from server.party.models import MembershipApplication
from server.points.models import PointEntry
from server.units.models import UnitOrganisation
from server.units.permissions import staff_scope
from server.units.queries import UNIT_ROW
from server.wishes.models import Wish
from server.wishes.rates import FULFILLED

_APPLICATIONS = MembershipApplication.__table__
_GRANTS = RoleGrant.__table__
_UNITS = UnitOrganisation.__table__
_WISHES = Wish.__table__
_LEDGER = PointEntry.__table__
_SIGNUPS = Signup.__table__

_MEMBER_ROWS = (
    select(_APPLICATIONS.c.work_unit_org_id.label("unit_id"), _APPLICATIONS.c.user_id)
    .where(
        _APPLICATIONS.c.status == "approved",
        _APPLICATIONS.c.work_unit_org_id.is_not(None),
        exists().where(
            _GRANTS.c.user_id == _APPLICATIONS.c.user_id,
            _GRANTS.c.role == "party_member",
            _GRANTS.c.status == "verified",
        ),
    )
    .distinct()
)
_MEMBERS = _MEMBER_ROWS.cte("unit_members")


def unit_members():
    """(``unit_id``, ``user_id``) of every unit's reported members, as a subquery (the rankings')."""
    return _MEMBER_ROWS.subquery("unit_members")


_OF_UNIT = _MEMBERS.c.unit_id == _UNITS.c.id
FIGURES = {
    "members": select(func.count()).select_from(_MEMBERS).where(_OF_UNIT),
    "wishes_fulfilled": select(func.count())
    .select_from(_WISHES.join(_MEMBERS, _MEMBERS.c.user_id == _WISHES.c.claimer_id))
    .where(_OF_UNIT, FULFILLED),
    "points": select(func.coalesce(func.sum(_LEDGER.c.delta), 0))
    .select_from(_LEDGER.join(_MEMBERS, _MEMBERS.c.user_id == _LEDGER.c.user_id))
    .where(_OF_UNIT),
    "volunteer_minutes": select(func.coalesce(func.sum(_SIGNUPS.c.credited_minutes), 0))
    .select_from(_SIGNUPS.join(_MEMBERS, _MEMBERS.c.user_id == _SIGNUPS.c.user_id))
    .where(_OF_UNIT, _SIGNUPS.c.credited_at.is_not(None)),
}

FIGURE_COLUMNS = tuple(term.scalar_subquery().label(name) for name, term in FIGURES.items())

_FIGURES_OF = may_lag(
    select(_UNITS.c.id, *FIGURE_COLUMNS).where(_UNITS.c.id.in_(bindparam("unit_ids", expanding=True)))
)


def figures_of(unit_ids: list[int]) -> dict[int, dict]:
    """unit id -> {figure name: value} for each of ``unit_ids``, in one statement."""
    if not unit_ids:
        return {}
    rows = read(_FIGURES_OF, {"unit_ids": list(unit_ids)}).all()
    return {row.id: {name: getattr(row, name) for name in FIGURES} for row in rows}


def units_with_figures(user: User, *, area: Area | None, cursor: str | None, limit: int):
    """A page of the units of the communities ``user`` is staff of, each row with its figures:
    one statement for the page."""
    query = may_lag(
        UNIT_ROW.add_columns(*FIGURE_COLUMNS).where(staff_scope(user, _UNITS.c.community_id, _UNITS.c.area_path))
    )
    if area is not None:
        query = query.where(subtree_condition(_UNITS.c.area_path, area))
    return keyset_page(read, query, _UNITS.c.id, cursor=cursor, limit=limit)
