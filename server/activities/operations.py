"""Every state change of an activity and its sign-ups: create, sign up, withdraw, check in,
complete, and the monthly party day.

Each checks who may act, then changes state with a statement the database guards: places are
taken by ``UPDATE … SET held = held + 1 WHERE held < capacity`` (with a CHECK that held never
exceeds the capacity), so of any number of racing sign-ups exactly ``capacity`` hold a place;
completion by ``UPDATE … WHERE completed_at IS NULL``, so it credits once. Every change of the
places starts with the activity's row, so on PostgreSQL they queue on its lock in one order.
Functions flush; the request or job commits.
"""

import hmac
import secrets
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from server import moderation
from server.accounts.models import User
from server.activities import geo, permissions
from server.activities.models import ACTIVE_STATUSES, Activity, Signup
from server.activities.notifications import notify_credited, notify_promoted
from server.areas.models import Area
from server.areas.queries import ensure_accepts_new_content, get_area
from server.core import clock
from server.core.dbtypes import ignoring_duplicates, insert_ignoring_duplicates
from server.core.errors import Conflict, Forbidden, InvalidState, NotFound, Unprocessable
from server.core.extensions import db
from server.points.operations import award

_ACTIVITIES = Activity.__table__
_SIGNUPS = Signup.__table__

# Unambiguous letters and digits (no 0/O, 1/I): read off a screen or a printed QR code's caption.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
POINTS_REASON = "volunteer_hours"

_TAKE_PLACE = (
    update(_ACTIVITIES)
    .where(_ACTIVITIES.c.id == bindparam("activity_id"), _ACTIVITIES.c.held < _ACTIVITIES.c.capacity)
    .values(held=_ACTIVITIES.c.held + 1)
    .returning(_ACTIVITIES.c.held)
)
_FREE_PLACE = (
    update(_ACTIVITIES)
    .where(_ACTIVITIES.c.id == bindparam("activity_id"), _ACTIVITIES.c.held > 0)
    .values(held=_ACTIVITIES.c.held - 1)
    .returning(_ACTIVITIES.c.held)
)
_MOVE_SIGNUP = (
    update(_SIGNUPS)
    .where(_SIGNUPS.c.id == bindparam("signup_id"), _SIGNUPS.c.status == bindparam("seen_status"))
    .values(status=bindparam("to_status"), queued_at=bindparam("queued_at"))
    .returning(_SIGNUPS.c.id)
)
_FIRST_WAITING = (
    select(_SIGNUPS.c.id, _SIGNUPS.c.user_id, _SIGNUPS.c.queued_at)
    .where(_SIGNUPS.c.activity_id == bindparam("activity_id"), _SIGNUPS.c.status == "waitlisted")
    .order_by(_SIGNUPS.c.queued_at, _SIGNUPS.c.id)
    .limit(1)
)
_SIGNUP_OF = select(Signup).where(
    Signup.activity_id == bindparam("activity_id"), Signup.user_id == bindparam("user_id")
)


def new_checkin_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def activity_status(activity, now: datetime) -> str:
    """upcoming, ongoing, ended (not yet completed by its organiser) or completed."""
    if activity.completed_at is not None:
        return "completed"
    if now < activity.starts_at:
        return "upcoming"
    return "ongoing" if now < activity.ends_at else "ended"


def get_activity(activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        raise permissions.not_found(activity_id)
    return activity


def create_activity(organiser: User, *, area_id: int, **fields) -> Activity:
    """A grid worker or admin whose scope covers ``area_id`` publishes an activity there. The
    texts pass the content check: risky ones are refused (422); where WeChat asks for a
    person's review or cannot be reached the activity is published all the same, as its author
    is a member of staff answerable for it."""
    area = get_area(area_id)
    if not permissions.may_organise_in(organiser, area.path):
        raise Forbidden("只有该区域的网格员或管理员可以发布活动")
    ensure_accepts_new_content(area)
    moderation.check(
        organiser,
        moderation.SCENE_FORUM,
        title=fields["title"],
        description=fields["description"],
        place=fields["place"],
    )
    activity = Activity(
        area_id=area.id,
        area_path=area.path,
        organiser_id=organiser.id,
        checkin_code=new_checkin_code(),
        held=0,
        created_at=clock.now(),
        **fields,
    )
    db.session.add(activity)
    db.session.flush()
    return activity


def create_party_day(community: Area, month: date) -> bool:
    """The month's party day (主题党日) of ``community``, on its first Thursday; False when it
    exists already (the unique (area, month) key decides, whatever runs at once)."""
    config = current_app.config
    day = first_thursday(month)
    starts_at = clock.shanghai_at(day, time.fromisoformat(config["PARTY_DAY_STARTS_AT"]))
    return insert_ignoring_duplicates(
        _ACTIVITIES,
        area_id=community.id,
        area_path=community.path,
        organiser_id=None,
        title=f"{community.name}{day.month}月主题党日",
        description=config["PARTY_DAY_DESCRIPTION"],
        place=config["PARTY_DAY_PLACE"],
        starts_at=starts_at,
        ends_at=starts_at + clock.seconds(config["PARTY_DAY_MINUTES"] * 60),
        capacity=config["PARTY_DAY_CAPACITY"],
        points_per_hour=config["POINTS_PER_VOLUNTEER_HOUR"],
        checkin_code=new_checkin_code(),
        held=0,
        party_month=month.replace(day=1),
        created_at=clock.now(),
    )


def first_thursday(month: date) -> date:
    first = month.replace(day=1)
    return first + timedelta(days=(3 - first.weekday()) % 7)


# -- sign-ups ---------------------------------------------------------------------------------


def signup_of(activity_id: int, user_id: int) -> Signup | None:
    return db.session.execute(_SIGNUP_OF, {"activity_id": activity_id, "user_id": user_id}).scalar()


def sign_up(activity: Activity, user: User) -> tuple[Signup, bool]:
    """Hold a place, or join the waitlist when every place is held; ``(sign-up, created)``.
    Signing up again while signed up or waiting answers the sign-up there is (not created)."""
    if not permissions.may_volunteer(user):
        raise Forbidden("只有已认证的党员可以报名志愿服务活动", code="not_verified_party_member")
    _ensure_open(activity, "活动已结束，不能报名")
    existing = signup_of(activity.id, user.id)
    if existing is not None and existing.status in ACTIVE_STATUSES:
        return existing, False
    now = clock.now()
    holds = _take_place(activity)
    status = "signed_up" if holds else "waitlisted"
    if existing is not None:
        signup = existing if _move(existing, "cancelled", status, now) else None
    else:
        signup = _insert_signup(activity_id=activity.id, user_id=user.id, status=status, queued_at=now, created_at=now)
    if signup is None:
        # The same person's other request got there first: its sign-up is the answer, and the
        # place this one took goes back (to the first waiting, should someone have queued meanwhile).
        if holds:
            _free_place(activity)
            _promote_first_waiting(activity)
        db.session.expire_all()
        return signup_of(activity.id, user.id), False
    set_committed_value(signup, "status", status)
    set_committed_value(signup, "queued_at", now)
    return signup, True


def _insert_signup(**values) -> Signup | None:
    """The new sign-up, or None when the person has one already (a racing request of theirs).
    Built from the values written, as the session would hold it had it read the row back."""
    statement = ignoring_duplicates(_SIGNUPS, db.session.get_bind().dialect.name)
    inserted = db.session.execute(statement, values).first()
    if inserted is None:
        return None
    nothing_yet = {"checked_in_at": None, "credited_minutes": None, "credited_points": None, "credited_at": None}
    signup = Signup(id=inserted[0], **values, **nothing_yet)
    make_transient_to_detached(signup)
    db.session.add(signup)
    return signup


def withdraw(activity: Activity, user: User) -> Signup:
    """Give up a place (or a place on the waitlist); a place freed goes to the first waiting."""
    signup = signup_of(activity.id, user.id)
    if signup is None or signup.status not in ACTIVE_STATUSES:
        raise NotFound("您没有报名该活动", code="not_signed_up")
    _ensure_open(activity, "活动已结束，不能取消报名")
    if signup.checked_in_at is not None:
        raise InvalidState("checked_in", "已签到，不能取消报名")
    seen = signup.status
    if seen == "signed_up":
        _free_place(activity)  # the activity's row first, as every change of the places
    if not _move(signup, seen, "cancelled", signup.queued_at):
        raise Conflict("报名状态已变化，请刷新后重试", code="signup_changed")
    set_committed_value(signup, "status", "cancelled")
    if seen == "signed_up":
        _promote_first_waiting(activity)
    return signup


def _promote_first_waiting(activity: Activity) -> None:
    """The first on the waitlist takes the place just freed, and hears of it. One who withdrew
    from the waitlist meanwhile is passed over: their row no longer says ``waitlisted``, and
    the next read (a new snapshot) no longer finds it."""
    if not _take_place(activity):
        return
    while (first := db.session.execute(_FIRST_WAITING, {"activity_id": activity.id}).first()) is not None:
        signup_id, user_id, queued_at = first
        params = {"signup_id": signup_id, "seen_status": "waitlisted", "to_status": "signed_up", "queued_at": queued_at}
        if db.session.execute(_MOVE_SIGNUP, params).first() is not None:
            notify_promoted(activity, user_id=user_id, signup_id=signup_id, queued_at=queued_at)
            return
    _free_place(activity)


def _take_place(activity: Activity) -> bool:
    held = db.session.execute(_TAKE_PLACE, {"activity_id": activity.id}).scalar()
    if held is None:
        return False
    set_committed_value(activity, "held", held)
    return True


def _free_place(activity: Activity) -> None:
    held = db.session.execute(_FREE_PLACE, {"activity_id": activity.id}).scalar()
    if held is not None:
        set_committed_value(activity, "held", held)


def _move(signup: Signup, seen_status: str, to_status: str, queued_at: datetime) -> bool:
    params = {"signup_id": signup.id, "seen_status": seen_status, "to_status": to_status, "queued_at": queued_at}
    return db.session.execute(_MOVE_SIGNUP, params).first() is not None


def _ensure_open(activity: Activity, message: str) -> None:
    status = activity_status(activity, clock.now())
    if status in ("ended", "completed"):
        raise InvalidState(status, message)


# -- check-in and completion ------------------------------------------------------------------


def check_in(activity: Activity, user: User, *, code: str, latitude=None, longitude=None) -> Signup:
    """A member holding a place checks in with the activity's code, from CHECKIN_OPENS_SECONDS
    before the start to the end, within the radius where the activity has one. Checking in
    again answers the first check-in."""
    signup = signup_of(activity.id, user.id)
    if signup is None or signup.status != "signed_up":
        raise Forbidden("只有已报名（不含候补）的党员可以签到", code="not_signed_up")
    if not hmac.compare_digest(code.strip().upper().encode(), activity.checkin_code.encode()):
        raise Unprocessable("签到码不正确", code="wrong_checkin_code", details={"code": ["签到码不正确"]})
    if signup.checked_in_at is not None:
        return signup
    now = clock.now()
    status = activity_status(activity, now)
    opens_at = activity.starts_at - clock.seconds(current_app.config["ACTIVITY_CHECKIN_OPENS_SECONDS"])
    if status == "completed" or not opens_at <= now <= activity.ends_at:
        raise InvalidState(
            status,
            "不在签到时间内：活动开始前30分钟至活动结束可以签到",
            opens_at=clock.to_shanghai(opens_at).isoformat(),
            closes_at=clock.to_shanghai(activity.ends_at).isoformat(),
        )
    if activity.checkin_radius_m is not None:
        _ensure_within_radius(activity, latitude, longitude)
    checked = db.session.execute(
        update(_SIGNUPS)
        .where(_SIGNUPS.c.id == signup.id, _SIGNUPS.c.status == "signed_up", _SIGNUPS.c.checked_in_at.is_(None))
        .values(checked_in_at=now)
        .returning(_SIGNUPS.c.id)
    ).first()
    if checked is None:
        db.session.refresh(signup)  # a racing check-in of the same person: theirs is the first
        if signup.checked_in_at is None:
            raise Conflict("报名状态已变化，请刷新后重试", code="signup_changed")
        return signup
    set_committed_value(signup, "checked_in_at", now)
    return signup


def _ensure_within_radius(activity: Activity, latitude, longitude) -> None:
    if latitude is None or longitude is None:
        message = "该活动需要定位签到，请允许获取位置后重试"
        raise Unprocessable(message, code="location_required", details={"latitude": [message], "longitude": [message]})
    distance = geo.distance_m(activity.latitude, activity.longitude, latitude, longitude)
    radius = activity.checkin_radius_m
    if distance > radius:
        metres = round(distance)
        message = f"您距离活动地点约 {metres} 米，需在 {radius} 米范围内签到"
        raise Unprocessable(
            message,
            code="too_far_to_check_in",
            details={"latitude": [message], "longitude": [message], "distance_m": metres, "radius_m": radius},
        )


def complete(activity: Activity, user: User, *, hours: dict[int, float] | None = None) -> list[Signup]:
    """The organiser (or the area's staff) completes the activity: each member checked in is
    credited with its length, or the hours given for them (capped by it), and points_per_hour ×
    hours. Once: the guarded UPDATE lets one completion through, and the ledger's unique
    (member, reason, activity) would hold even if two did."""
    if not permissions.may_manage(user, activity):
        raise Forbidden("只有活动组织者或该区域的网格员、管理员可以确认完成")
    now = clock.now()
    status = activity_status(activity, now)
    if status == "upcoming":
        raise InvalidState(status, "活动尚未开始，不能确认完成")
    completed = db.session.execute(
        update(_ACTIVITIES)
        .where(_ACTIVITIES.c.id == activity.id, _ACTIVITIES.c.completed_at.is_(None))
        .values(completed_at=now, completed_by_id=user.id)
        .returning(_ACTIVITIES.c.id)
    ).first()
    if completed is None:
        raise InvalidState("completed", "活动已确认完成，时长和积分不会重复计入")
    set_committed_value(activity, "completed_at", now)
    set_committed_value(activity, "completed_by_id", user.id)
    checked_in = list(
        db.session.scalars(
            select(Signup)
            .where(Signup.activity_id == activity.id, Signup.status == "signed_up", Signup.checked_in_at.is_not(None))
            .order_by(Signup.id)
        )
    )
    hours = hours or {}
    strangers = set(hours) - {signup.user_id for signup in checked_in}
    if strangers:
        raise Unprocessable(
            "只能为已签到的党员记录时长",
            details={"hours": {str(user_id): ["该用户没有签到"] for user_id in sorted(strangers)}},
        )
    length = activity.length_minutes
    credits = []
    for signup in checked_in:
        given = hours.get(signup.user_id)
        minutes = length if given is None else min(length, round(given * 60))
        points = (activity.points_per_hour * minutes + 30) // 60  # to the nearest point, halves up
        for name, value in (("credited_minutes", minutes), ("credited_points", points), ("credited_at", now)):
            setattr(signup, name, value)
        if points:
            award(signup.user_id, points, POINTS_REASON, f"activity:{activity.id}")
        credits.append((signup.user_id, minutes, points))
    db.session.flush()
    notify_credited(activity, credits, actor_id=user.id)
    return checked_in
