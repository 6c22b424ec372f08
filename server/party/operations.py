"""Applying to be recognised as a party member, and the review that decides it.

An application moves once, pending → approved or rejected, by a conditional UPDATE naming
``pending`` (of two racing reviews one wins, the other hears 409). Approval makes the person a
verified party member in the same transaction. Functions flush; the request commits.
"""

from datetime import date

from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value

from server.accounts.models import RoleGrant, User
from server.areas.queries import get_area
from server.core import clock
from server.core.dbtypes import ignoring_duplicates, insert_ignoring_duplicates
from server.core.errors import Conflict, Forbidden, InvalidState, NotFound, Unprocessable
from server.core.extensions import db
from server.party.models import MembershipApplication
from server.party.notifications import notify_applied, notify_decided
from server.units.models import UnitOrganisation

_APPLICATIONS = MembershipApplication.__table__
_DECIDE = (
    update(_APPLICATIONS)
    .where(_APPLICATIONS.c.id == bindparam("application_id"), _APPLICATIONS.c.status == "pending")
    .values(
        status=bindparam("status"),
        reason=bindparam("reason"),
        reviewer_id=bindparam("reviewer_id"),
        decided_at=bindparam("decided_at"),
    )
    .returning(_APPLICATIONS.c.id)
)

PENDING_MESSAGE = "您已有待审核的党员身份认证申请"


def apply(
    user: User, *, name: str, branch: str, work_unit_org_id: int | None = None, joined_on: date | None = None
) -> MembershipApplication:
    """A resident asks to be verified; the staff of their home grid (or the unit's secretary) decide."""
    if user.home_grid_id is None:
        raise Unprocessable(
            "请先绑定所在网格再申请党员身份认证",
            code="no_home_grid",
            details={"home_grid_id": ["请先绑定所在网格"]},
        )
    if user.is_verified_party_member:
        raise Conflict("您已是认证党员，无需重复申请", code="already_verified")
    unit = _unit(work_unit_org_id) if work_unit_org_id is not None else None
    grid = get_area(user.home_grid_id)
    values = {
        "user_id": user.id,
        "grid_id": grid.id,
        "area_path": grid.path,
        "name": name,
        "branch": branch,
        "work_unit_org_id": work_unit_org_id,
        "joined_on": joined_on,
        "status": "pending",
        "reason": None,
        "reviewer_id": None,
        "created_at": clock.now(),
        "decided_at": None,
    }
    # The partial unique index (one pending per person) decides between racing applications.
    written = db.session.execute(ignoring_duplicates(_APPLICATIONS, db.session.get_bind().dialect.name), values).first()
    if written is None:
        raise Conflict(PENDING_MESSAGE, code="application_pending")
    application = db.session.get(MembershipApplication, written[0])
    notify_applied(application, unit.secretary_id if unit else None)
    return application


def _unit(unit_id: int) -> UnitOrganisation:
    unit = db.session.get(UnitOrganisation, unit_id)
    if unit is None:
        raise Unprocessable("未找到该单位党组织", details={"work_unit_org_id": ["单位党组织不存在"]})
    return unit


def get_application(application_id: int) -> MembershipApplication:
    application = db.session.get(MembershipApplication, application_id)
    if application is None:
        raise NotFound("未找到该认证申请", details={"application_id": application_id})
    return application


def may_review(user: User, application: MembershipApplication) -> bool:
    """Staff of the applicant's home grid, or the secretary of the unit the application names;
    never the applicant."""
    if user.id == application.user_id:
        return False
    if user.is_staff_for(application.area_path):
        return True
    if application.work_unit_org_id is None:
        return False
    unit = db.session.get(UnitOrganisation, application.work_unit_org_id)
    return unit is not None and unit.secretary_id == user.id


def review(application: MembershipApplication, user: User, *, decision: str, reason: str | None = None):
    """Approve (the applicant becomes a verified party member) or reject with a reason; the
    applicant hears of it."""
    if not may_review(user, application):
        raise Forbidden("只有申请人所在网格的网格员或所在单位党组织书记可以审核")
    if decision == "reject" and not reason:
        raise Unprocessable("驳回时请填写原因", details={"reason": ["驳回时必填"]})
    decided = {
        "status": "approved" if decision == "approve" else "rejected",
        "reason": reason,
        "reviewer_id": user.id,
        "decided_at": clock.now(),
    }
    if db.session.execute(_DECIDE, {"application_id": application.id, **decided}).first() is None:
        db.session.refresh(application)
        raise InvalidState(application.status, "该申请已审核")
    for name, value in decided.items():
        set_committed_value(application, name, value)
    if application.status == "approved":
        _make_verified(application)
    notify_decided(application)
    return application


def _make_verified(application: MembershipApplication) -> None:
    """The party member grant on the application's grid, verified with the branch and unit
    given: updated where one exists (a pending or rejected grant), made where none does;
    the grant's unique (user, role, area) makes the insert-or-update safe under races."""
    unit = db.session.get(UnitOrganisation, application.work_unit_org_id) if application.work_unit_org_id else None
    profile = {"status": "verified", "branch": application.branch}
    if unit is not None:
        profile["work_unit"] = unit.name
    key = {"user_id": application.user_id, "role": "party_member", "area_id": application.grid_id}
    grant_table = RoleGrant.__table__
    insert_ignoring_duplicates(
        grant_table, **key, status="pending", branch=None, work_unit=None, created_at=clock.now()
    )
    db.session.execute(
        update(grant_table).where(*(grant_table.c[name] == value for name, value in key.items())).values(**profile)
    )
