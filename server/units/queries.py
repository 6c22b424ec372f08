"""Reads of unit organisations and practical matters: Core selects, paged newest first."""

from sqlalchemy import bindparam, select

from server.accounts.models import User
from server.areas.models import Area
from server.areas.queries import subtree_condition
from server.core.extensions import may_lag, read
from server.core.paging import keyset_page
from server.units import permissions
from server.units.models import MatterNote, PracticalMatter, UnitOrganisation

_UNITS = UnitOrganisation.__table__
_MATTERS = PracticalMatter.__table__
_NOTES = MatterNote.__table__
_AREAS = Area.__table__
_SECRETARIES = User.__table__.alias("secretary")
_AUTHORS = User.__table__.alias("author")
_OWNER_UNITS = _UNITS.alias("owner_unit")

# What a unit row shows (miniprogram_api/schemas/units.py), its community and secretary joined.
UNIT_ROW = (
    select(
        _UNITS,
        _AREAS.c.name.label("community_name"),
        _SECRETARIES.c.nickname.label("secretary_nickname"),
    )
    .join(_AREAS, _AREAS.c.id == _UNITS.c.community_id)
    .outerjoin(_SECRETARIES, _SECRETARIES.c.id == _UNITS.c.secretary_id)
)


def units(area: Area | None, *, kind: str | None, cursor: str | None, limit: int):
    """A page of the units allocated to communities in ``area``'s subtree (None: anywhere)."""
    query = may_lag(UNIT_ROW)
    if area is not None:
        query = query.where(subtree_condition(_UNITS.c.area_path, area))
    if kind is not None:
        query = query.where(_UNITS.c.kind == kind)
    return keyset_page(read, query, _UNITS.c.id, cursor=cursor, limit=limit)


def unit_row(unit_id: int):
    return read(may_lag(UNIT_ROW.where(_UNITS.c.id == bindparam("unit_id"))), {"unit_id": unit_id}).first()


MATTER_ROW = (
    select(
        _MATTERS,
        _AREAS.c.name.label("community_name"),
        _OWNER_UNITS.c.name.label("owner_unit_name"),
    )
    .join(_AREAS, _AREAS.c.id == _MATTERS.c.community_id)
    .outerjoin(_OWNER_UNITS, _OWNER_UNITS.c.id == _MATTERS.c.owner_unit_id)
)


def matters(user: User, *, area: Area | None, status: str | None, cursor: str | None, limit: int):
    """A page of the matters ``user`` may read (permissions.can_view_matter), newest first."""
    scope = permissions.matter_scope(user, _MATTERS.c.community_id, _MATTERS.c.area_path)
    if scope is None:
        return [], None
    query = may_lag(MATTER_ROW.where(scope))
    if area is not None:
        query = query.where(subtree_condition(_MATTERS.c.area_path, area))
    if status is not None:
        query = query.where(_MATTERS.c.status == status)
    return keyset_page(read, query, _MATTERS.c.id, cursor=cursor, limit=limit)


def matter_row(matter_id: int):
    return read(may_lag(MATTER_ROW.where(_MATTERS.c.id == bindparam("matter_id"))), {"matter_id": matter_id}).first()


_NOTES_OF = may_lag(
    select(_NOTES, _AUTHORS.c.nickname.label("author_nickname"))
    .join(_AUTHORS, _AUTHORS.c.id == _NOTES.c.author_id)
    .where(_NOTES.c.matter_id == bindparam("matter_id"))
    .order_by(_NOTES.c.id)
)


def notes(matter_id: int) -> list:
    """Every progress note of a matter, oldest first (a matter has tens, not thousands)."""
    return read(_NOTES_OF, {"matter_id": matter_id}).all()
