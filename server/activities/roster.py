"""What the organiser and the area's staff see of an activity's people: who holds a place,
the waitlist in the order it moves up, who checked in and what each was credited."""

from sqlalchemy import bindparam, case, select

from server.accounts.models import User
from server.activities import permissions
from server.activities.models import Activity, Signup
from server.core.errors import Forbidden
from server.core.extensions import read

_SIGNUPS = Signup.__table__
_USERS = User.__table__

_ROSTER = (
    select(
        _SIGNUPS.c.id,
        _SIGNUPS.c.user_id,
        _USERS.c.nickname,
        _SIGNUPS.c.status,
        _SIGNUPS.c.queued_at,
        _SIGNUPS.c.checked_in_at,
        _SIGNUPS.c.credited_minutes,
        _SIGNUPS.c.credited_points,
    )
    .join(_USERS, _USERS.c.id == _SIGNUPS.c.user_id)
    .where(_SIGNUPS.c.activity_id == bindparam("activity_id"), _SIGNUPS.c.status.in_(("signed_up", "waitlisted")))
    # Places first, then the waitlist as operations._FIRST_WAITING moves it up.
    .order_by(case((_SIGNUPS.c.status == "signed_up", 0), else_=1), _SIGNUPS.c.queued_at, _SIGNUPS.c.id)
)


def roster(user: User, activity: Activity) -> list:
    """The live sign-ups of ``activity`` (places, then the waitlist in order), for those who
    may manage it; 403 for anyone else, as the names and check-ins are theirs to see."""
    if not permissions.may_manage(user, activity):
        raise Forbidden("只有活动组织者或该区域的网格员、管理员可以查看报名名单")
    return read(_ROSTER, {"activity_id": activity.id}).all()
