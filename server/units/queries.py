"""Reads of unit organisations and practical matters: Core selects, paged newest first."""

from datetime import date

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


# -- staff-side reads (the console): rows of the communities a person is staff of ---------------

_STAFF_CHOICES_LIMIT = 500


def staff_communities(user: User) -> list:
    """(id, name, path) of the communities ``user`` is staff of (permissions.is_community_staff),
    for a form's choice of community."""
    scope = permissions.staff_scope(user, _AREAS.c.id, _AREAS.c.path)
    if scope is None:
        return []
    query = (
        select(_AREAS.c.id, _AREAS.c.name, _AREAS.c.path)
        .where(_AREAS.c.level == "community", scope)
        .order_by(_AREAS.c.path)
        .limit(_STAFF_CHOICES_LIMIT)
    )
    return read(may_lag(query)).all()


def staff_units(user: User) -> list:
    """(id, name, community_name) of the units of the communities ``user`` is staff of, for a
    form's choice of owner unit."""
    scope = permissions.staff_scope(user, _UNITS.c.community_id, _UNITS.c.area_path)
    if scope is None:
        return []
    query = (
        select(_UNITS.c.id, _UNITS.c.name, _AREAS.c.name.label("community_name"))
        .join(_AREAS, _AREAS.c.id == _UNITS.c.community_id)
        .where(scope)
        .order_by(_UNITS.c.area_path, _UNITS.c.name)
        .limit(_STAFF_CHOICES_LIMIT)
    )
    return read(may_lag(query)).all()


def staff_matters(user: User, *, status: str | None, overdue_on: date | None, cursor: str | None, limit: int):
    """A page of the matters of the communities ``user`` is staff of, newest first; with
    ``overdue_on`` (today), only those past their deadline and not done."""
    scope = permissions.staff_scope(user, _MATTERS.c.community_id, _MATTERS.c.area_path)
    if scope is None:
        return [], None
    query = may_lag(MATTER_ROW.where(scope))
    if status is not None:
        query = query.where(_MATTERS.c.status == status)
    if overdue_on is not None:
        query = query.where(_MATTERS.c.deadline < overdue_on, _MATTERS.c.status != "done")
    return keyset_page(read, query, _MATTERS.c.id, cursor=cursor, limit=limit)


def is_overdue(matter, today: date) -> bool:
    """Past its deadline and not done: the Python twin of staff_matters' ``overdue_on``."""
    return matter.deadline is not None and matter.deadline < today and matter.status != "done"
