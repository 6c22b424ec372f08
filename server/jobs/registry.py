"""Every scheduled job, in one list with stable ids (as redash's tasks/schedule.py).

A job's function is named by a dotted path and imported when it runs, so a job whose module
is not written yet is reported ``unavailable`` instead of breaking the scheduler. Every
function takes ``now`` (aware UTC) and returns the number of rows it touched; it flushes, and
the runner commits.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from server import clock


class UnknownJob(KeyError):
    """No job has this id."""


class JobUnavailable(RuntimeError):
    """The job's function cannot be imported (not written yet, or renamed)."""


@dataclass(frozen=True)
class Job:
    id: str
    target: str  # "package.module.function"
    daily_at: time | None = None  # Asia/Shanghai wall-clock time; None: every JOB_INTERVAL_SECONDS
    description: str = ""

    @property
    def is_daily(self) -> bool:
        return self.daily_at is not None

    def load(self) -> Callable[[datetime], int]:
        module_name, _, attribute = self.target.rpartition(".")
        try:
            function = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as exc:
            raise JobUnavailable(f"{self.target} cannot be imported: {exc}") from exc
        if not callable(function):
            raise JobUnavailable(f"{self.target} is not callable")
        return function

    def available(self) -> bool:
        try:
            self.load()
        except JobUnavailable:
            return False
        return True

    def next_run_after(self, moment: datetime, interval_seconds: int) -> datetime:
        """When the schedule next fires after ``moment`` (aware UTC in, aware UTC out)."""
        if not self.is_daily:
            return moment + timedelta(seconds=interval_seconds)
        due = self.last_due_at(moment) + timedelta(days=1)
        return clock.shanghai_at(clock.to_shanghai(due).date(), self.daily_at)

    def last_due_at(self, moment: datetime) -> datetime:
        """A daily job: the latest scheduled time at or before ``moment``."""
        day = clock.to_shanghai(moment).date()
        due = clock.shanghai_at(day, self.daily_at)
        return due if due <= moment else clock.shanghai_at(day - timedelta(days=1), self.daily_at)


_WISH_TASKS = "server.wishes.tasks"

JOBS: tuple[Job, ...] = (
    Job("review_overdue", f"{_WISH_TASKS}.review_overdue", description="待审核超时提醒"),
    Job("unclaimed_escalation", f"{_WISH_TASKS}.unclaimed_escalation", description="无人认领上报网格员"),
    Job("claim_reminder", f"{_WISH_TASKS}.claim_reminder", description="认领后未完成提醒"),
    Job("claim_timeout", f"{_WISH_TASKS}.claim_timeout", description="认领超时释放并扣分"),
    Job("auto_confirm", f"{_WISH_TASKS}.auto_confirm", description="超时自动确认完成"),
    Job("media_recheck", "server.uploads.tasks.media_recheck", description="图片安全检测重新提交"),
    Job("outbox_send", "server.jobs.outbox.outbox_send", description="发送订阅消息"),
    Job("stats_rollup", "server.stats.tasks.stats_rollup", daily_at=time(0, 10), description="每日统计汇总"),
)


def get(job_id: str) -> Job:
    for job in JOBS:
        if job.id == job_id:
            return job
    raise UnknownJob(job_id)


def ids() -> list[str]:
    return [job.id for job in JOBS]
