"""Reads of pledges: a grid's pledges of a year, public to residents, with their assessment."""

from sqlalchemy import bindparam, or_, select

from server.accounts.models import User
from server.areas.queries import subtree_condition
from server.core.errors import NotFound
from server.core.extensions import may_lag, read
from server.core.paging import keyset_page
from server.pledges.models import Pledge

_PLEDGES = Pledge.__table__
_MEMBERS = User.__table__.alias("member")
_ASSESSORS = User.__table__.alias("assessor")
_ROWS = may_lag(
    select(
        _PLEDGES,
        _MEMBERS.c.nickname.label("member_nickname"),
        _ASSESSORS.c.nickname.label("assessor_nickname"),
    )
    .join(_MEMBERS, _MEMBERS.c.id == _PLEDGES.c.user_id)
    .outerjoin(_ASSESSORS, _ASSESSORS.c.id == _PLEDGES.c.assessed_by)
)


def list_pledges(*, grid_id: int, year: int, cursor: str | None, limit: int):
    """The pledges made in ``grid_id`` for ``year``, newest first, as rows: one statement."""
    query = _ROWS.where(_PLEDGES.c.grid_id == grid_id, _PLEDGES.c.year == year)
    rows, next_cursor = keyset_page(read, query, _PLEDGES.c.id, cursor=cursor, limit=limit)
    return [_shown(row) for row in rows], next_cursor


_ONE = _ROWS.where(_PLEDGES.c.id == bindparam("pledge_id"))


def pledge(pledge_id: int):
    row = read(_ONE, {"pledge_id": pledge_id}).first()
    if row is None:
        raise NotFound("未找到该承诺", details={"pledge_id": pledge_id})
    return _shown(row)


def _shown(row) -> dict:
    """A row with the member and the assessor as people."""
    assessor = {"id": row.assessed_by, "nickname": row.assessor_nickname} if row.assessed_by else None
    return {**row._mapping, "member": {"id": row.user_id, "nickname": row.member_nickname}, "assessor": assessor}


def staff_pledges(user: User, *, year: int, status: str | None, cursor: str | None, limit: int):
    """The pledges of ``year`` made in the grids ``user`` is staff for (those they may assess:
    ``User.is_staff_for``), newest first: one statement."""
    areas = user.staff_areas()
    if not areas:
        return [], None
    in_scope = or_(*(_in_area(area) for area in areas))
    query = _ROWS.where(_PLEDGES.c.year == year, in_scope)
    if status is not None:
        query = query.where(_PLEDGES.c.status == status)
    rows, next_cursor = keyset_page(read, query, _PLEDGES.c.id, cursor=cursor, limit=limit)
    return [_shown(row) for row in rows], next_cursor


def _in_area(area):
    # A grid has no node below it: its pledges are found by the (grid, year) index.
    return _PLEDGES.c.grid_id == area.id if area.level == "grid" else subtree_condition(_PLEDGES.c.area_path, area)
