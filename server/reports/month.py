"""A reporting month on the Asia/Shanghai calendar."""

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from server.core import clock
from server.core.errors import Unprocessable

_MONTH = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Month":
        """``"2026-11"``; anything else is refused as the API refuses a bad date."""
        match = _MONTH.match(text or "")
        if match is None:
            raise Unprocessable("月份格式应为 YYYY-MM", details={"month": ["月份格式应为 YYYY-MM，2000–2099 年"]})
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def current(cls) -> "Month":
        today = clock.shanghai_today()
        return cls(today.year, today.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def since(self) -> datetime:
        """The UTC instant the month begins in Shanghai."""
        return clock.shanghai_day_start(self.first)

    @property
    def until(self) -> datetime:
        """The UTC instant the next month begins in Shanghai (exclusive end)."""
        return clock.shanghai_day_start(self.last + timedelta(days=1))

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"
