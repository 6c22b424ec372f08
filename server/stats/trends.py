"""Wishes posted, confirmed and the response rate per Shanghai week or month of an area's
subtree, every period in ONE grouped statement.

Each wish falls in the period its ``created_at`` (UTC) lies in, the periods' bounds being
Shanghai midnights turned to UTC: a wish posted at 23:30 on the last day of a month in
Shanghai (15:30 UTC) belongs to that month, one posted half an hour later to the next. A
period counts as the overview does over the wishes posted in it.
"""

from datetime import date, timedelta

from sqlalchemy import case, func, select

from server.areas.models import Area
from server.areas.queries import subtree_condition
from server.core import clock
from server.core.extensions import may_lag, read
from server.wishes import rates
from server.wishes.models import Wish

PERIODS = 12


def week_starts(last_day: date, count: int = PERIODS) -> list[date]:
    """The Mondays of the ``count`` weeks ending with ``last_day``'s, oldest first."""
    monday = last_day - timedelta(days=last_day.weekday())
    return [monday - timedelta(weeks=back) for back in range(count - 1, -1, -1)]


def month_starts(last_day: date, count: int = PERIODS) -> list[date]:
    """The first days of the ``count`` months ending with ``last_day``'s, oldest first."""
    index = last_day.year * 12 + last_day.month - 1
    return [date((index - back) // 12, (index - back) % 12 + 1, 1) for back in range(count - 1, -1, -1)]


def trend(area: Area, starts: list[date], last_day: date) -> list[dict]:
    """One row per period beginning at each of ``starts`` (the last ending with ``last_day``):
    ``start``, ``end`` (inclusive), ``posted``, ``confirmed`` and ``response_rate``."""
    ends = [*starts[1:], last_day + timedelta(days=1)]
    bounds = [clock.shanghai_day_start(day) for day in [*starts, ends[-1]]]
    period = case(*((Wish.created_at < bound, index) for index, bound in enumerate(bounds[1:])))
    wishes = (
        select(period.label("period"), *rates.flags())
        .where(subtree_condition(Wish.area_path, area), Wish.created_at >= bounds[0], Wish.created_at < bounds[-1])
        .subquery("periods")
    )
    # Grouped outside: PostgreSQL cannot tell a CASE in GROUP BY with its own bound values from
    # the one in the select list.
    statement = may_lag(
        select(wishes.c.period, func.count().label("posted"), *rates.sums(wishes.c)).group_by(wishes.c.period)
    )
    found = {row.period: row for row in read(statement)}
    periods = []
    for index, start in enumerate(starts):
        row = found.get(index)
        periods.append(
            {
                "start": start,
                "end": ends[index] - timedelta(days=1),
                "posted": row.posted if row else 0,
                "confirmed": int(row.resolved) if row else 0,
                "response_rate": rates.rates(row)["response_rate"] if row else rates.rate(0, 0),
            }
        )
    return periods
