"""The deadline a wish is heading for in its status: when the scheduled sweep of that status
(server/wishes/tasks.py) acts on it. The sweeps count from ``status_since`` (the start of the
current stay in the status, which is the post, the opening, the claim or the fulfilment on a
wish's first pass), so these deadlines do too.

The windows are the wish's community's (server/areas/rules.py): its own where its admin set
them, the settings otherwise. No template reads a configuration key.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, false, or_

from server.areas import rules
from server.areas.rules import Windows
from server.core import clock


@dataclass(frozen=True)
class Rule:
    window: str  # the window's name in ``Windows`` (and, upper-cased, its setting)
    label: str  # what happens at the deadline, as a grid worker says it


RULES = {
    "pending_review": Rule("review_window_seconds", "审核期限"),
    "open": Rule("unclaimed_escalation_seconds", "无人认领上报"),
    "claimed": Rule("claim_timeout_seconds", "认领超时释放"),
    "fulfilled": Rule("confirm_window_seconds", "自动确认"),
}


@dataclass(frozen=True)
class Deadline:
    label: str
    at: datetime

    def passed(self, now: datetime) -> bool:
        return self.at <= now


def next_deadline(wish, windows: Windows | None = None) -> Deadline | None:
    """The deadline of ``wish`` (a Wish or a row with status, status_since and area_path) in its
    status, or None where nothing is timed (rejected, cancelled, disputed, confirmed, closed).
    ``windows``: its community's, when the caller has them already."""
    rule = RULES.get(wish.status)
    if rule is None or wish.status_since is None:
        return None
    windows = rules.windows_for(wish.area_path) if windows is None else windows
    return Deadline(rule.label, wish.status_since + clock.seconds(getattr(windows, rule.window)))


def overdue_condition(columns):
    """SQL twin of ``next_deadline(...).passed(now)``, its cutoffs bound by ``overdue_cutoffs``."""
    return or_(
        false(),
        *(and_(columns.status == status, columns.status_since <= bindparam(f"due_{status}")) for status in RULES),
    )


def overdue_cutoffs(now: datetime) -> dict[str, datetime]:
    """Per status, the latest moment a wish could have entered it and be past its deadline now:
    the shortest window of any community. The SQL is a cached statement with one bound cutoff
    per status, so it finds a few wishes of longer-windowed communities too; the caller keeps
    those whose ``next_deadline`` has passed."""
    return {f"due_{status}": rules.cutoffs(rule.window, now).loosest for status, rule in RULES.items()}
