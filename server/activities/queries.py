"""Reads of activities: the subtree list (upcoming first), one activity, a member's record.
Core selects of plain rows, each with the caller's own sign-up joined in one statement."""

import base64
import json
from datetime import UTC, date, datetime

from sqlalchemy import and_, bindparam, case, func, or_, select

from server.activities import permissions
from server.activities.models import Activity, Signup
from server.areas.models import Area
from server.areas.queries import subtree_condition
from server.core import clock
from server.core.errors import Unprocessable
from server.core.extensions import may_lag, read

_ACTIVITIES = Activity.__table__
_SIGNUPS = Signup.__table__
_MINE = _SIGNUPS.alias("mine")
_WAITING = _SIGNUPS.alias("waiting")

_WAITLIST_COUNT = (
    select(func.count())
    .where(_WAITING.c.activity_id == _ACTIVITIES.c.id, _WAITING.c.status == "waitlisted")
    .scalar_subquery()
    .label("waitlist_count")
)
# What an activity answer shows: every column, the waitlist's length and the caller's sign-up.
_COLUMNS = (
    *_ACTIVITIES.c,
    _WAITLIST_COUNT,
    _MINE.c.id.label("my_signup_id"),
    _MINE.c.status.label("my_status"),
    _MINE.c.queued_at.label("my_queued_at"),
    _MINE.c.checked_in_at.label("my_checked_in_at"),
    _MINE.c.credited_minutes.label("my_credited_minutes"),
    _MINE.c.credited_points.label("my_credited_points"),
)
_WITH_MINE = _ACTIVITIES.outerjoin(
    _MINE, and_(_MINE.c.activity_id == _ACTIVITIES.c.id, _MINE.c.user_id == bindparam("user_id"))
)


def list_activities(
    user, area: Area, *, date_from: date | None, date_to: date | None, cursor: str | None, limit: int
) -> tuple[list, str | None]:
    """A page of the activities of ``area``'s subtree: those not yet over first, soonest
    first, then those over, latest first. ``from``/``to`` (Shanghai dates) keep those that
    end on or after ``from`` and start on or before ``to``. The cursor carries the moment the
    first page was read, so a page boundary does not move as activities end meanwhile."""
    position = _decode_cursor(cursor)
    now = position["now"] if position else clock.now()
    over = case((_ACTIVITIES.c.ends_at < now, 1), else_=0)
    query = may_lag(select(*_COLUMNS).select_from(_WITH_MINE)).where(subtree_condition(_ACTIVITIES.c.area_path, area))
    if date_from is not None:
        query = query.where(_ACTIVITIES.c.ends_at >= clock.shanghai_day_start(date_from))
    if date_to is not None:
        query = query.where(_ACTIVITIES.c.starts_at < clock.shanghai_day_start(date_to) + clock.seconds(86400))
    if position is not None:
        query = query.where(_after(position, over))
    query = query.order_by(
        over,
        case((over == 0, _ACTIVITIES.c.starts_at)).asc(),
        case((over == 1, _ACTIVITIES.c.starts_at)).desc(),
        case((over == 0, _ACTIVITIES.c.id)).asc(),
        _ACTIVITIES.c.id.desc(),
    )
    rows = read(query.limit(limit + 1), {"user_id": user.id}).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _encode_cursor(now, rows[-1]) if more else None
    return rows, next_cursor


def _after(position: dict, over):
    starts_at, last_id = position["starts_at"], position["id"]
    if position["over"] == 0:
        later = or_(
            _ACTIVITIES.c.starts_at > starts_at, and_(_ACTIVITIES.c.starts_at == starts_at, _ACTIVITIES.c.id > last_id)
        )
        return or_(and_(over == 0, later), over == 1)
    earlier = or_(
        _ACTIVITIES.c.starts_at < starts_at, and_(_ACTIVITIES.c.starts_at == starts_at, _ACTIVITIES.c.id < last_id)
    )
    return and_(over == 1, earlier)


def _encode_cursor(now: datetime, row) -> str:
    position = {
        "now": _micros(now),
        "over": 1 if row.ends_at < now else 0,
        "starts_at": _micros(row.starts_at),
        "id": row.id,
    }
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> dict | None:
    if not cursor:
        return None
    try:
        position = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        if set(position) != {"now", "over", "starts_at", "id"} or position["over"] not in (0, 1):
            raise ValueError
        if not all(type(position[key]) is int and 0 < position[key] < 2**62 for key in ("now", "starts_at", "id")):
            raise ValueError
        return {
            "now": _from_micros(position["now"]),
            "over": position["over"],
            "starts_at": _from_micros(position["starts_at"]),
            "id": position["id"],
        }
    except (ValueError, TypeError, OverflowError, OSError):
        raise Unprocessable("分页参数无效", details={"cursor": ["无效的分页游标"]}) from None


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def _from_micros(micros: int) -> datetime:
    return datetime.fromtimestamp(micros / 1_000_000, UTC)


_ONE = may_lag(select(*_COLUMNS).select_from(_WITH_MINE).where(_ACTIVITIES.c.id == bindparam("activity_id")))
_AHEAD_IN_QUEUE = may_lag(
    select(func.count()).where(
        _SIGNUPS.c.activity_id == bindparam("activity_id"),
        _SIGNUPS.c.status == "waitlisted",
        or_(
            _SIGNUPS.c.queued_at < bindparam("queued_at"),
            and_(_SIGNUPS.c.queued_at == bindparam("queued_at"), _SIGNUPS.c.id < bindparam("signup_id")),
        ),
    )
)


def activity_for(user, activity_id: int):
    """One activity with the caller's sign-up (as a list row), and where they stand on the
    waitlist (1 = next) when they wait; 404 for no such activity. Activities are public."""
    row = read(_ONE, {"activity_id": activity_id, "user_id": user.id}).first()
    if row is None:
        raise permissions.not_found(activity_id)
    position = None
    if row.my_status == "waitlisted":
        ahead = read(
            _AHEAD_IN_QUEUE, {"activity_id": activity_id, "queued_at": row.my_queued_at, "signup_id": row.my_signup_id}
        ).scalar()
        position = ahead + 1
    return row, position


_CREDITED = may_lag(
    select(
        _SIGNUPS.c.id,
        _SIGNUPS.c.credited_minutes,
        _SIGNUPS.c.credited_points,
        _ACTIVITIES.c.id.label("activity_id"),
        _ACTIVITIES.c.title,
        _ACTIVITIES.c.starts_at,
        _ACTIVITIES.c.ends_at,
    )
    .join(_ACTIVITIES, _ACTIVITIES.c.id == _SIGNUPS.c.activity_id)
    .where(_SIGNUPS.c.user_id == bindparam("user_id"), _SIGNUPS.c.credited_at.is_not(None))
    .order_by(_ACTIVITIES.c.starts_at.desc(), _SIGNUPS.c.id.desc())
)


def credited_service(user_id: int) -> list:
    """Every activity the member was credited for, latest first."""
    return read(_CREDITED, {"user_id": user_id}).all()


def volunteer_minutes_by_member(since: datetime | None = None, until: datetime | None = None):
    """A subquery (``user_id``, ``minutes``, ``activities``) of the volunteer time credited in
    [since, until), per member: for the rankings to join with members, their home grids and
    their units, beside the points ledger."""
    query = select(
        _SIGNUPS.c.user_id,
        func.sum(_SIGNUPS.c.credited_minutes).label("minutes"),
        func.count().label("activities"),
    ).where(_SIGNUPS.c.credited_at.is_not(None))
    if since is not None:
        query = query.where(_SIGNUPS.c.credited_at >= since)
    if until is not None:
        query = query.where(_SIGNUPS.c.credited_at < until)
    return query.group_by(_SIGNUPS.c.user_id).subquery("volunteer_minutes")
