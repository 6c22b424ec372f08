"""State changes of unit organisations and practical matters. Each checks who may act, then
writes; functions flush, the request commits."""

from datetime import date

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from server import moderation
from server.accounts.models import User
from server.areas.models import Area
from server.areas.queries import get_area
from server.core import clock
from server.core.dbtypes import ignoring_duplicates, insert_ignoring_duplicates
from server.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from server.core.extensions import db
from server.units import permissions
from server.units.models import MatterFollower, MatterNote, PracticalMatter, UnitOrganisation
from server.units.notifications import notify_followers

_UNITS = UnitOrganisation.__table__
_MATTERS = PracticalMatter.__table__
_NOTES = MatterNote.__table__
_FOLLOWERS = MatterFollower.__table__


def _community(community_id: int, user: User) -> Area:
    community = get_area(community_id)
    if community.level != "community":
        raise Unprocessable("请选择社区", details={"community_id": ["必须是社区"]})
    if not permissions.is_community_staff(user, community.path):
        raise Forbidden("只有该社区的网格员或上级管理员可以操作")
    return community


def register_unit(
    user: User,
    *,
    community_id: int,
    name: str,
    kind: str,
    contact_name: str,
    contact_phone: str,
    agreement_on: date | None = None,
    secretary_id: int | None = None,
) -> UnitOrganisation:
    """A unit's party organisation reports to the community it is allocated to (staff of it)."""
    community = _community(community_id, user)
    if secretary_id is not None and db.session.get(User, secretary_id) is None:
        raise Unprocessable("未找到该书记用户", details={"secretary_id": ["用户不存在"]})
    moderation.check(user, moderation.SCENE_FORUM, name=name, contact_name=contact_name)
    values = {
        "name": name,
        "kind": kind,
        "community_id": community.id,
        "area_path": community.path,
        "agreement_on": agreement_on,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "secretary_id": secretary_id,
        "created_by_id": user.id,
        "created_at": clock.now(),
    }
    # The unique (community, name) decides between two racing registrations.
    written = db.session.execute(ignoring_duplicates(_UNITS, db.session.get_bind().dialect.name), values).first()
    if written is None:
        raise Conflict("该社区已登记同名单位党组织", code="unit_exists", details={"name": [name]})
    return db.session.get(UnitOrganisation, written[0])


# -- practical matters (为民办实事) -----------------------------------------------------------


def create_matter(
    user: User,
    *,
    community_id: int,
    title: str,
    description: str,
    owner_unit_id: int | None = None,
    deadline: date | None = None,
    status: str = "planned",
) -> PracticalMatter:
    community = _community(community_id, user)
    if owner_unit_id is not None and db.session.get(UnitOrganisation, owner_unit_id) is None:
        raise Unprocessable("未找到该责任单位", details={"owner_unit_id": ["单位党组织不存在"]})
    # Staff write these texts, so a "review" verdict needs no second person: only risky is refused.
    moderation.check(user, moderation.SCENE_FORUM, title=title, description=description)
    now = clock.now()
    matter = PracticalMatter(
        community_id=community.id,
        area_path=community.path,
        title=title,
        description=description,
        owner_unit_id=owner_unit_id,
        deadline=deadline,
        status=status,
        created_by_id=user.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(matter)
    db.session.flush()
    return matter


def get_matter_for(user: User, matter_id: int) -> PracticalMatter:
    """The matter, for its community's residents and staff; 404 for everyone else."""
    matter = db.session.get(PracticalMatter, matter_id)
    if matter is None or not permissions.can_view_matter(user, matter):
        raise NotFound("未找到该实事项目", details={"matter_id": matter_id})
    return matter


def add_note(matter: PracticalMatter, user: User, *, body: str, status: str | None = None) -> dict:
    """Append a progress note (staff of the community), moving the status if one is given;
    every follower hears of it. Notes are never edited."""
    if not permissions.is_community_staff(user, matter.area_path):
        raise Forbidden("只有该社区的网格员或上级管理员可以更新进展")
    moderation.check(user, moderation.SCENE_FORUM, body=body)
    now = clock.now()
    if status is not None and status != matter.status:
        # Names the status this request saw: of two racing changes, the second is told.
        moved = db.session.execute(
            update(_MATTERS)
            .where(_MATTERS.c.id == matter.id, _MATTERS.c.status == matter.status)
            .values(status=status, updated_at=now)
        ).rowcount
        if not moved:
            raise Conflict("实事项目状态已被他人更新，请刷新后重试", code="invalid_state")
        set_committed_value(matter, "status", status)
    else:
        status = None
        db.session.execute(update(_MATTERS).where(_MATTERS.c.id == matter.id).values(updated_at=now))
    set_committed_value(matter, "updated_at", now)
    values = {"matter_id": matter.id, "author_id": user.id, "body": body, "status": status, "created_at": now}
    note_id = db.session.execute(insert(_NOTES).returning(_NOTES.c.id), values).scalar_one()
    note = {"id": note_id, **values, "author_nickname": user.nickname}
    notify_followers(matter, note)
    return note


def follow(matter: PracticalMatter, user: User) -> bool:
    """Follow the matter; True when newly followed (following twice is one row)."""
    return insert_ignoring_duplicates(_FOLLOWERS, matter_id=matter.id, user_id=user.id, created_at=clock.now())


def unfollow(matter: PracticalMatter, user: User) -> None:
    db.session.execute(delete(_FOLLOWERS).where(_FOLLOWERS.c.matter_id == matter.id, _FOLLOWERS.c.user_id == user.id))


def is_following(matter_id: int, user_id: int) -> bool:
    row = select(_FOLLOWERS.c.user_id).where(_FOLLOWERS.c.matter_id == matter_id, _FOLLOWERS.c.user_id == user_id)
    return db.session.execute(row).first() is not None
