"""The three rates of DESIGN §3 as conditions on a wish, the one place they are written:
``server.wishes.queries.overview`` counts them for one node and period, and the statements that
group them (a trend's periods, a node's children: server/stats/) sum the same conditions.

- response: of wishes that entered the open pool and whose response window has passed (or that
  were claimed already), those first claimed within the window; a wish its owner withdrew
  before anyone claimed it is left out, the grid had nothing to answer;
- resolution: of opened wishes that are closed, confirmed, or past their desired date, those
  confirmed (confirmed or closed as completed);
- satisfaction: of rated wishes, those with 4 or 5 stars.
"""

from datetime import date, datetime

from sqlalchemy import and_, case, func, or_

from server.core import clock
from server.wishes.models import Wish

# A wish is fulfilled (办结) once confirmed: by its owner, by the confirm window's job, or by a
# dispute resolved as confirmed. Each sets confirmed_at and nothing clears it; only a confirmed
# wish closes as completed, so "confirmed, or closed as completed" is this same set. The
# resolution rate's numerator and a unit's wishes fulfilled (server/party/figures.py) count it.
FULFILLED = Wish.confirmed_at.is_not(None)

RATES = {
    "response_rate": ("responded", "response_due"),
    "resolution_rate": ("resolved", "resolution_due"),
    "satisfaction_rate": ("satisfied", "rated"),
}


def conditions(now: datetime, today: date) -> dict:
    """name -> SQL condition on a wish: the numerators and denominators of the three rates."""
    opened = Wish.opened_at.is_not(None)
    past_desired = and_(Wish.desired_by.is_not(None), Wish.desired_by < today)
    return {
        "responded": and_(opened, Wish.first_claimed_at.is_not(None), Wish.first_claimed_at <= Wish.response_due_at),
        "response_due": and_(
            opened,
            or_(Wish.first_claimed_at.is_not(None), and_(Wish.response_due_at <= now, Wish.status != "cancelled")),
        ),
        "resolved": and_(opened, FULFILLED),
        "resolution_due": and_(
            opened,
            Wish.status != "cancelled",
            or_(Wish.confirmed_at.is_not(None), Wish.status == "closed", past_desired),
        ),
        "satisfied": and_(Wish.stars.is_not(None), Wish.stars >= 4),
        "rated": Wish.stars.is_not(None),
    }


def flags() -> list:
    """One 0/1 column per condition, labelled by its name, to sum in an outer grouped select."""
    terms = conditions(clock.now(), clock.shanghai_today())
    return [case((condition, 1), else_=0).label(name) for name, condition in terms.items()]


def sums(columns) -> list:
    """The sums of ``flags()`` columns of a subquery, labelled alike."""
    return [func.coalesce(func.sum(getattr(columns, name)), 0).label(name) for name in _NAMES]


def rates(row) -> dict:
    """rate name -> {"value", "numerator", "denominator"}, the overview's shape, from a row of ``sums``."""
    return {name: rate(getattr(row, top), getattr(row, bottom)) for name, (top, bottom) in RATES.items()}


def rate(numerator: int, denominator: int) -> dict:
    numerator, denominator = int(numerator), int(denominator)
    value = round(numerator / denominator, 4) if denominator else None
    return {"value": value, "numerator": numerator, "denominator": denominator}


def period_bounds(date_from: date | None, date_to: date | None) -> list:
    """SQL conditions on Wish.created_at for a range of Shanghai dates, ``date_to`` included."""
    bounds = []
    if date_from:
        bounds.append(Wish.created_at >= clock.shanghai_day_start(date_from))
    if date_to:
        bounds.append(Wish.created_at < clock.shanghai_day_start(date_to) + clock.seconds(86400))
    return bounds


_NAMES = ("responded", "response_due", "resolved", "resolution_due", "satisfied", "rated")
