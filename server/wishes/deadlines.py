"""The deadline a wish is heading for in its status: when the scheduled sweep of that status
(server/wishes/tasks.py) acts on it. The sweeps count from ``status_since`` (the start of the
current stay in the status, which is the post, the opening, the claim or the fulfilment on a
wish's first pass), so these deadlines do too.

The windows are an argument: they come from the configuration today and may differ per
community tomorrow; no template reads a configuration key.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, bindparam, false, or_

from server.core import clock


@dataclass(frozen=True)
class Rule:
    window: str  # the setting naming the window's length in seconds
    label: str  # what happens at the deadline, as a grid worker says it


RULES = {
    "pending_review": Rule("REVIEW_WINDOW_SECONDS", "审核期限"),
    "open": Rule("UNCLAIMED_ESCALATION_SECONDS", "无人认领上报"),
    "claimed": Rule("CLAIM_TIMEOUT_SECONDS", "认领超时释放"),
    "fulfilled": Rule("CONFIRM_WINDOW_SECONDS", "自动确认"),
}


@dataclass(frozen=True)
class Deadline:
    label: str
    at: datetime

    def passed(self, now: datetime) -> bool:
        return self.at <= now


def configured_windows() -> dict[str, int]:
    return {rule.window: current_app.config[rule.window] for rule in RULES.values()}


def next_deadline(wish, windows: dict[str, int] | None = None) -> Deadline | None:
    """The deadline of ``wish`` (a Wish or a row with status and status_since) in its status,
    or None where nothing is timed (rejected, cancelled, disputed, confirmed, closed)."""
    rule = RULES.get(wish.status)
    if rule is None or wish.status_since is None:
        return None
    windows = configured_windows() if windows is None else windows
    return Deadline(rule.label, wish.status_since + clock.seconds(windows[rule.window]))


def overdue_condition(columns):
    """SQL twin of ``next_deadline(...).passed(now)``, its cutoffs bound by ``overdue_cutoffs``."""
    return or_(
        false(),
        *(and_(columns.status == status, columns.status_since <= bindparam(f"due_{status}")) for status in RULES),
    )


def overdue_cutoffs(now: datetime, windows: dict[str, int] | None = None) -> dict[str, datetime]:
    windows = configured_windows() if windows is None else windows
    return {f"due_{status}": now - clock.seconds(windows[rule.window]) for status, rule in RULES.items()}
