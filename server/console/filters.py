"""How the console shows times and durations: Asia/Shanghai at the edge, UTC inside."""

from datetime import datetime, timedelta

from server.console.blueprint import blp
from server.core import clock


@blp.app_template_filter("shanghai")
def shanghai(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return moment.astimezone(clock.SHANGHAI).strftime(pattern) if moment is not None else ""


def age_text(age: timedelta) -> str:
    """How long something has waited, as a grid worker says it."""
    hours = int(age.total_seconds() // 3600)
    if hours < 1:
        return "不到1小时"
    if hours < 48:
        return f"{hours}小时"
    return f"{hours // 24}天"


@blp.app_template_filter("age")
def age_since(moment: datetime | None) -> str:
    return age_text(clock.now() - moment) if moment is not None else ""
