"""The tickets of a subtree that ran past a deadline in their current status: the ones the
scheduled sweeps (server/wishes/tasks.py) marked during this stay in it, so the dashboard
counts exactly what the reminders and escalations reported."""

from sqlalchemy import and_, func, or_, select

from server.areas.models import Area
from server.areas.queries import subtree_condition
from server.core.extensions import may_lag, read
from server.wishes.models import Wish

_WISHES = Wish.__table__


def _marked_since_entering(mark):
    return and_(mark.is_not(None), or_(_WISHES.c.status_since.is_(None), mark >= _WISHES.c.status_since))


# A pending wish past the review window, an open one escalated unclaimed, a claimed one whose
# claimer was reminded (DESIGN §3's windows).
OVERDUE = or_(
    and_(_WISHES.c.status == "pending_review", _marked_since_entering(_WISHES.c.review_reminded_at)),
    and_(_WISHES.c.status == "open", _marked_since_entering(_WISHES.c.escalated_at)),
    and_(_WISHES.c.status == "claimed", _marked_since_entering(_WISHES.c.reminded_at)),
)


def overdue_tickets(area: Area, limit: int) -> tuple[list, int]:
    """The ``limit`` longest-waiting overdue tickets of the subtree, and how many there are."""
    statement = may_lag(
        select(
            _WISHES.c.id,
            _WISHES.c.number,
            _WISHES.c.title,
            _WISHES.c.status,
            _WISHES.c.status_since,
            func.count().over().label("overdue"),
        )
        .where(subtree_condition(_WISHES.c.area_path, area), OVERDUE)
        .order_by(_WISHES.c.status_since, _WISHES.c.id)
        .limit(limit)
    )
    rows = read(statement).all()
    return rows, rows[0].overdue if rows else 0
