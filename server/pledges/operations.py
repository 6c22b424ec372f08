"""State changes of a pledge: made, edited while pending, assessed once.

Each is one statement the database decides: the INSERT meets the one-per-member-per-year key,
the UPDATEs name the status they expect, so of two racing assessments one goes through and the
ledger's unique source keeps its points single. Functions flush; the request commits.
"""

from flask import current_app
from sqlalchemy import bindparam, update

from server import moderation
from server.accounts.models import User
from server.areas.queries import get_area
from server.core import clock
from server.core.dbtypes import ignoring_duplicates
from server.core.errors import Conflict, Forbidden, InvalidState, NotFound, Unprocessable
from server.core.extensions import db
from server.pledges.models import Pledge
from server.pledges.notifications import notify_assessed
from server.points.operations import award

_PLEDGES = Pledge.__table__
_WHILE_PENDING = _PLEDGES.c.id == bindparam("pledge_id"), _PLEDGES.c.status == "pending"
_EDIT = update(_PLEDGES).where(*_WHILE_PENDING).values(text=bindparam("text"), updated_at=bindparam("now"))
_ASSESS = (
    update(_PLEDGES)
    .where(*_WHILE_PENDING)
    .values(
        status=bindparam("outcome"),
        assessed_by=bindparam("assessor_id"),
        assessed_at=bindparam("now"),
        assessment_note=bindparam("note"),
        updated_at=bindparam("now"),
    )
)
REASON = "pledge_kept"


def get_pledge(pledge_id: int) -> Pledge:
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None:
        raise NotFound("未找到该承诺", details={"pledge_id": pledge_id})
    return pledge


def source(pledge_id: int) -> str:
    """The ledger source of a kept pledge's points."""
    return f"pledge:{pledge_id}"


def make_pledge(user: User, *, text: str) -> Pledge:
    """The member's public pledge for this (Shanghai) year, in their home grid."""
    if not user.is_verified_party_member:
        raise Forbidden("只有已认证的党员可以作出承诺", code="not_verified_party_member")
    if user.home_grid_id is None:
        raise Unprocessable("请先绑定所在网格", details={"home_grid_id": ["请先绑定所在网格"]})
    grid = get_area(user.home_grid_id)
    moderation.check(user, moderation.SCENE_FORUM, text=text)
    now = clock.now()
    year = clock.to_shanghai(now).year
    values = {
        "user_id": user.id,
        "year": year,
        "grid_id": grid.id,
        "area_path": grid.path,
        "text": text,
        "status": "pending",
        "created_at": now,
        "updated_at": now,
    }
    inserted = db.session.execute(ignoring_duplicates(_PLEDGES, _dialect()), values).first()
    if inserted is None:
        raise Conflict("本年度已作出承诺，可修改原承诺", code="already_pledged", details={"year": year})
    return db.session.get(Pledge, inserted.id)


def edit_pledge(pledge: Pledge, user: User, *, text: str) -> Pledge:
    if user.id != pledge.user_id:
        raise Forbidden("只能修改本人的承诺")
    if pledge.status != "pending":
        raise InvalidState(pledge.status, "承诺已评定，不能再修改")
    moderation.check(user, moderation.SCENE_FORUM, text=text)
    _move(pledge, _EDIT, text=text, now=clock.now())
    return pledge


def assess(pledge: Pledge, user: User, *, outcome: str, note: str) -> Pledge:
    """The grid worker of the pledge's grid (or an admin above it) marks it kept or not kept;
    a kept pledge earns its member points, once."""
    if not user.is_staff_for(pledge.area_path):
        raise Forbidden("只有该网格的网格员或上级管理员可以评定承诺")
    if pledge.status != "pending":
        raise InvalidState(pledge.status, "该承诺已评定")
    moderation.check(user, moderation.SCENE_COMMENT, note=note)
    _move(pledge, _ASSESS, outcome=outcome, assessor_id=user.id, note=note, now=clock.now())
    points = current_app.config["POINTS_PLEDGE_KEPT"] if outcome == "kept" else 0
    if points:
        award(pledge.user_id, points, REASON, source(pledge.id))
    notify_assessed(pledge, points=points)
    return pledge


def _move(pledge: Pledge, statement, **params) -> None:
    """Run a conditional UPDATE of a pending pledge; 409 with its status when it moved on."""
    db.session.flush()
    moved = db.session.execute(statement, {"pledge_id": pledge.id, **params}).rowcount
    db.session.refresh(pledge)
    if not moved:
        raise InvalidState(pledge.status, "该承诺已评定")


def _dialect() -> str:
    return db.session.get_bind().dialect.name
