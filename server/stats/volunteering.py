"""The volunteer time credited for a subtree's activities in a period (the sign-ups ledger)."""

from datetime import date

from sqlalchemy import func, select

from server.activities.models import Activity, Signup
from server.areas.models import Area
from server.areas.queries import subtree_condition
from server.core import clock
from server.core.extensions import may_lag, read

_SIGNUPS = Signup.__table__
_ACTIVITIES = Activity.__table__


def volunteer_service(area: Area, date_from: date | None, date_to: date | None) -> dict:
    """``hours``, ``people`` and ``activities`` credited in [date_from, date_to] (Shanghai dates)."""
    query = (
        select(
            func.coalesce(func.sum(_SIGNUPS.c.credited_minutes), 0).label("minutes"),
            func.count(func.distinct(_SIGNUPS.c.user_id)).label("people"),
            func.count(func.distinct(_SIGNUPS.c.activity_id)).label("activities"),
        )
        .select_from(_SIGNUPS.join(_ACTIVITIES, _ACTIVITIES.c.id == _SIGNUPS.c.activity_id))
        .where(_SIGNUPS.c.credited_at.is_not(None), subtree_condition(_ACTIVITIES.c.area_path, area))
    )
    if date_from:
        query = query.where(_SIGNUPS.c.credited_at >= clock.shanghai_day_start(date_from))
    if date_to:
        query = query.where(_SIGNUPS.c.credited_at < clock.shanghai_day_start(date_to) + clock.seconds(86400))
    row = read(may_lag(query)).one()
    return {"hours": round(int(row.minutes) / 60, 1), "people": row.people, "activities": row.activities}
