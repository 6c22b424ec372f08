"""State changes of notices: published, withdrawn, read. Functions flush; the request commits.

Reading writes one row per reader and notice, once (its key), whatever retries do; publishing
writes nothing per reader, so a district notice costs one row however many live below it.
"""

from datetime import datetime

from sqlalchemy import bindparam, update

from server import moderation
from server.accounts.models import User
from server.announcements import permissions
from server.announcements.models import Announcement, AnnouncementRead
from server.areas.queries import get_area
from server.core import clock
from server.core.dbtypes import insert_ignoring_duplicates
from server.core.errors import Conflict, Forbidden, NotFound
from server.core.extensions import db

_NOTICES = Announcement.__table__
_READS = AnnouncementRead.__table__
_WITHDRAW = (
    update(_NOTICES)
    .where(_NOTICES.c.id == bindparam("announcement_id"), _NOTICES.c.withdrawn_at.is_(None))
    .values(withdrawn_at=bindparam("now"), withdrawn_by=bindparam("user_id"))
)


def get_notice(notice_id: int) -> Announcement:
    notice = db.session.get(Announcement, notice_id)
    if notice is None:
        raise NotFound("未找到该通知", details={"announcement_id": notice_id})
    return notice


def publish(
    user: User, *, title: str, body: str, area_id: int, pinned: bool = False, expires_at: datetime | None = None
) -> Announcement:
    """A notice to ``area_id``'s subtree, by a grid worker or admin whose scope covers it
    (``expires_at``: ahead of now, as the request's schema checks)."""
    area = get_area(area_id)
    if not user.is_staff_for(area.path):
        raise Forbidden("只有该区域的网格员或管理员可以发布通知")
    now = clock.now()
    moderation.check(user, moderation.SCENE_FORUM, title=title, body=body)
    notice = Announcement(
        area_id=area.id,
        area_path=area.path,
        title=title,
        body=body,
        pinned=pinned,
        expires_at=expires_at,
        author_id=user.id,
        created_at=now,
    )
    db.session.add(notice)
    db.session.flush()
    return notice


def withdraw(notice: Announcement, user: User) -> Announcement:
    """Take the notice down (staff whose scope covers its node): gone from every list."""
    if not permissions.is_staff(user, notice):
        raise Forbidden("只有该区域的网格员或管理员可以撤回通知")
    params = {"announcement_id": notice.id, "now": clock.now(), "user_id": user.id}
    if not db.session.execute(_WITHDRAW, params).rowcount:
        raise Conflict("该通知已撤回", code="already_withdrawn")
    db.session.expire(notice)  # reloaded only if read: the response reads the row itself
    return notice


def mark_read(user: User, notice_id: int) -> bool:
    """The caller has read the notice (idempotent: the first time stays); True the first time."""
    return insert_ignoring_duplicates(_READS, announcement_id=notice_id, user_id=user.id, read_at=clock.now())
