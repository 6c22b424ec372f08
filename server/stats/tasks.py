"""The ``stats_rollup`` job: one row per area node per Shanghai day, recomputed from the wishes.

Idempotent: a day's rows are replaced whole, so running twice (or after a fix) changes nothing
the second time. After downtime it rolls up every day that ended since the last rolled-up day,
so a missed night costs nothing. Each day commits on its own: a long catch-up that fails keeps
the days it finished, and the next run goes on from the first day missing.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select

from server.areas.models import Area
from server.core import clock
from server.core.extensions import db
from server.points.queries import points_earned
from server.stats.models import DailyStats
from server.wishes.models import Wish
from server.wishes.queries import overview

# How far back a first run (empty table) starts: enough for the dashboards' longest view.
FIRST_RUN_DAYS = 400


def stats_rollup(now: datetime) -> int:
    """Roll up every finished day not rolled up yet; returns the rows written."""
    yesterday = now.astimezone(clock.SHANGHAI).date() - timedelta(days=1)
    last = db.session.scalar(select(func.max(DailyStats.day)))
    first = last + timedelta(days=1) if last else _first_day(yesterday)
    written = 0
    areas = list(db.session.scalars(select(Area).order_by(Area.id)))
    day = first
    while day <= yesterday:
        written += _roll_up_day(day, areas)
        db.session.commit()
        day += timedelta(days=1)
    return written


def _first_day(yesterday: date) -> date:
    earliest = db.session.scalar(select(func.min(Wish.created_at)))
    floor = yesterday - timedelta(days=FIRST_RUN_DAYS)
    return max(clock.to_shanghai(earliest).date(), floor) if earliest else yesterday


def _roll_up_day(day: date, areas: list[Area]) -> int:
    db.session.execute(delete(DailyStats).where(DailyStats.day == day))
    for area in areas:
        figures = overview(area, day, day)
        db.session.add(
            DailyStats(
                area_id=area.id,
                day=day,
                total=figures["total"],
                counts=figures["counts"],
                responded=figures["response_rate"]["numerator"],
                response_due=figures["response_rate"]["denominator"],
                resolved=figures["resolution_rate"]["numerator"],
                resolution_due=figures["resolution_rate"]["denominator"],
                satisfied=figures["satisfaction_rate"]["numerator"],
                rated=figures["satisfaction_rate"]["denominator"],
                points=points_earned(area, clock.shanghai_day_start(day), clock.shanghai_day_start(day + timedelta(1))),
            )
        )
    db.session.flush()
    return len(areas)
