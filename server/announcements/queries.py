"""Reads of notices: those that apply to a reader, with their own read mark, and the read
counts their staff see. One statement for a page, whatever its size."""

from sqlalchemy import and_, bindparam, func, literal, or_, select

from server.accounts.models import User
from server.announcements import permissions
from server.announcements.models import Announcement, AnnouncementRead
from server.areas.models import Area, path_ids
from server.areas.queries import subtree_condition
from server.core import clock
from server.core.errors import Forbidden, NotFound
from server.core.extensions import may_lag, read
from server.core.paging import decode_cursor, page_of

_NOTICES = Announcement.__table__
_READS = AnnouncementRead.__table__
_MINE = _READS.alias("mine")

# Pinned notices come first, so a cursor names both where it stopped and in which group.
_PINNED, _UNPINNED = "p", "n"


def _read_count():
    return (
        select(func.count())
        .select_from(_READS)
        .where(_READS.c.announcement_id == _NOTICES.c.id)
        .scalar_subquery()
        .label("read_count")
    )


def _base(user: User, *, counts: bool):
    """Every column, the caller's ``read`` mark, and the read count when ``counts``."""
    columns = [*_NOTICES.c, (_MINE.c.user_id.is_not(None)).label("read")]
    columns.append(_read_count() if counts else literal(None).label("read_count"))
    mine = and_(_MINE.c.announcement_id == _NOTICES.c.id, _MINE.c.user_id == bindparam("user_id", user.id))
    return may_lag(select(*columns).outerjoin(_MINE, mine))


def list_for(user: User, home_path: str | None, area: Area | None, *, cursor: str | None, limit: int):
    """The notices up now that apply to ``user``: those of their home grid and the nodes above
    it, and with ``area`` (its staff) those of that node's subtree; pinned first, newest first.
    Rows with ``read``, and ``read_count`` on those the caller is staff of (else None)."""
    audience = []
    if home_path is not None:
        audience.append(_NOTICES.c.area_id.in_(path_ids(home_path)))
    if area is not None:
        audience.append(subtree_condition(_NOTICES.c.area_path, area))
    if not audience:
        return [], None
    staff = bool(user.staff_areas())
    query = _base(user, counts=staff).where(
        or_(*audience),
        _NOTICES.c.withdrawn_at.is_(None),
        or_(_NOTICES.c.expires_at.is_(None), _NOTICES.c.expires_at > clock.now()),
    )
    rows, next_cursor = _pinned_first(query, cursor, limit)
    return [_shown(user, row) for row in rows], next_cursor


def for_staff(user: User, area: Area, *, cursor: str | None, limit: int):
    """Every notice of ``area``'s subtree for its staff, withdrawn and expired ones too (the
    rows say which), pinned first, newest first, each with its ``read_count``; 403 for anyone
    who is not staff of the node."""
    if not user.is_staff_for(area.path):
        raise Forbidden("只有该区域的网格员或管理员可以查看其下的全部通知")
    query = _base(user, counts=True).where(subtree_condition(_NOTICES.c.area_path, area))
    return _pinned_first(query, cursor, limit)


def _pinned_first(query, cursor: str | None, limit: int):
    """A page of ``query``'s rows, pinned first, newest first, from ``cursor``."""
    if cursor:
        group, before = cursor[0], decode_cursor(cursor[1:] if cursor[0] in (_PINNED, _UNPINNED) else "!")
        pinned = group == _PINNED
        after = and_(_NOTICES.c.pinned == pinned, _NOTICES.c.id < before)
        query = query.where(or_(after, _NOTICES.c.pinned.is_(False)) if pinned else after)
    rows = read(query.order_by(_NOTICES.c.pinned.desc(), _NOTICES.c.id.desc()).limit(limit + 1)).all()
    rows, next_cursor = page_of(rows, limit)
    if next_cursor:
        next_cursor = (_PINNED if rows[-1].pinned else _UNPINNED) + next_cursor
    return rows, next_cursor


_ONE = bindparam("announcement_id")


def visible(user: User, home_path: str | None, notice_id: int) -> dict:
    """The notice as ``user`` sees it; 404 for one that does not apply to them (or is no
    longer up), unless they are its staff."""
    row = read(_base(user, counts=True).where(_NOTICES.c.id == _ONE), {"announcement_id": notice_id}).first()
    if row is None or not permissions.can_view(user, row, home_path):
        raise NotFound("未找到该通知", details={"announcement_id": notice_id})
    return _shown(user, row)


def _shown(user: User, row) -> dict:
    shown = dict(row._mapping)
    shown["read"] = bool(shown["read"])
    if not permissions.is_staff(user, row):
        shown["read_count"] = None
    return shown
