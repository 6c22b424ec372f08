"""Time: UTC inside, Asia/Shanghai at the edges. One `now()` so tests and jobs can move it."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return datetime.now(UTC)


def to_shanghai(moment: datetime | None) -> datetime | None:
    return moment.astimezone(SHANGHAI) if moment else None


def shanghai_day_start(day: date) -> datetime:
    """The UTC instant at which ``day`` begins on the Asia/Shanghai calendar."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI).astimezone(UTC)


def shanghai_at(day: date, wall_clock: time) -> datetime:
    """The UTC instant of ``wall_clock`` on ``day`` in Asia/Shanghai (calendar jobs)."""
    return datetime.combine(day, wall_clock, tzinfo=SHANGHAI).astimezone(UTC)


def shanghai_today() -> date:
    return now().astimezone(SHANGHAI).date()


def period_start(period: str) -> datetime | None:
    """Start (UTC) of the current Shanghai month or year; None for all time."""
    today = shanghai_today()
    if period == "month":
        return shanghai_day_start(today.replace(day=1))
    if period == "year":
        return shanghai_day_start(today.replace(month=1, day=1))
    return None


def seconds(n: int) -> timedelta:
    return timedelta(seconds=n)
