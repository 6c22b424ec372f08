"""Reads of membership applications: a person's own history, the reviewers' queue."""

from sqlalchemy import bindparam, or_, select

from server.accounts.models import User
from server.areas.models import Area
from server.areas.queries import subtree_condition
from server.core.errors import Forbidden
from server.core.extensions import may_lag, read
from server.core.paging import keyset_page
from server.party.models import MembershipApplication
from server.units.models import UnitOrganisation

_APPLICATIONS = MembershipApplication.__table__
_APPLICANTS = User.__table__.alias("applicant")
_REVIEWERS = User.__table__.alias("reviewer")
_UNITS = UnitOrganisation.__table__

# What an application row shows (miniprogram_api/schemas/party.py), the people and unit named.
APPLICATION_ROW = (
    select(
        _APPLICATIONS,
        _APPLICANTS.c.nickname.label("applicant_nickname"),
        _REVIEWERS.c.nickname.label("reviewer_nickname"),
        _UNITS.c.name.label("unit_name"),
    )
    .join(_APPLICANTS, _APPLICANTS.c.id == _APPLICATIONS.c.user_id)
    .outerjoin(_REVIEWERS, _REVIEWERS.c.id == _APPLICATIONS.c.reviewer_id)
    .outerjoin(_UNITS, _UNITS.c.id == _APPLICATIONS.c.work_unit_org_id)
)

_HISTORY = may_lag(
    APPLICATION_ROW.where(_APPLICATIONS.c.user_id == bindparam("user_id")).order_by(_APPLICATIONS.c.id.desc())
)


def history(user_id: int) -> list:
    """Every application of the person, newest first (a person makes a handful)."""
    return read(_HISTORY, {"user_id": user_id}).all()


def application_row(application_id: int):
    return read(APPLICATION_ROW.where(_APPLICATIONS.c.id == bindparam("id")), {"id": application_id}).first()


def review_queue(user: User, *, area: Area | None, status: str | None, cursor: str | None, limit: int):
    """The applications ``user`` may review: those of the home grids in their staff areas and
    those naming a unit they are the secretary of; ``area`` narrows to a subtree. 403 for
    someone who reviews nothing (or asks for an area outside their staff areas, without units)."""
    scope = [subtree_condition(_APPLICATIONS.c.area_path, staff_area) for staff_area in user.staff_areas()]
    secretary_of = select(_UNITS.c.id).where(_UNITS.c.secretary_id == user.id)
    scope.append(_APPLICATIONS.c.work_unit_org_id.in_(secretary_of))
    query = may_lag(APPLICATION_ROW.where(or_(*scope)))
    if area is not None:
        if not user.is_staff_for(area.path) and not _is_secretary(user):
            raise Forbidden("只能查看您负责区域的认证申请")
        query = query.where(subtree_condition(_APPLICATIONS.c.area_path, area))
    elif not user.staff_areas() and not _is_secretary(user):
        raise Forbidden("只有网格员、管理员或单位党组织书记可以查看认证申请")
    if status is not None:
        query = query.where(_APPLICATIONS.c.status == status)
    return keyset_page(read, query, _APPLICATIONS.c.id, cursor=cursor, limit=limit)


_SECRETARY = may_lag(select(_UNITS.c.id).where(_UNITS.c.secretary_id == bindparam("user_id")).limit(1))


def _is_secretary(user: User) -> bool:
    return read(_SECRETARY, {"user_id": user.id}).first() is not None
