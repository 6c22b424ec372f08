"""Every scheduled job, in one list with stable ids (as redash's tasks/schedule.py).

A job's function is named by a dotted path and imported when it runs, so a job whose module
is not written yet is reported ``unavailable`` instead of breaking the scheduler. Every
function takes ``now`` (aware UTC) and returns the number of rows it touched; it flushes, and
the runner commits (a job that works in batches may commit each one, as the wish sweeps do).
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from server.core import clock


class UnknownJob(KeyError):
    """No job has this id."""


class JobUnavailable(RuntimeError):
    """The job's function cannot be imported (not written yet, or renamed)."""


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


@dataclass(frozen=True)
class Job:
    id: str
    target: str  # "package.module.function"
    # Calendar jobs run at this Asia/Shanghai wall-clock time (None: every JOB_INTERVAL_SECONDS):
    # daily, or with ``first_weekday`` (0 = Monday) monthly on that weekday's first date, as
    # the party day on the first Thursday.
    at: time | None = None
    first_weekday: int | None = None
    description: str = ""

    @property
    def is_calendar(self) -> bool:
        return self.at is not None

    @property
    def is_monthly(self) -> bool:
        return self.at is not None and self.first_weekday is not None

    def cron_fields(self) -> dict:
        """The calendar as APScheduler CronTrigger fields (in Asia/Shanghai)."""
        fields = {"hour": self.at.hour, "minute": self.at.minute}
        if self.is_monthly:
            fields["day"] = f"1st {WEEKDAYS[self.first_weekday]}"
        return fields

    def schedule(self) -> str:
        if not self.is_calendar:
            return "interval"
        if self.is_monthly:
            return f"monthly, first {WEEKDAYS[self.first_weekday]} {self.at:%H:%M} Asia/Shanghai"
        return f"daily {self.at:%H:%M} Asia/Shanghai"

    def schedule_zh(self) -> str:
        if not self.is_calendar:
            return "按 JOB_INTERVAL_SECONDS 间隔"
        if self.is_monthly:
            return f"每月第一个{WEEKDAY_NAMES[self.first_weekday]} {self.at:%H:%M}（北京时间）"
        return f"每日 {self.at:%H:%M}（北京时间）"

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
        if not self.is_calendar:
            return moment + timedelta(seconds=interval_seconds)
        due_day = clock.to_shanghai(self.last_due_at(moment)).date()
        if self.is_monthly:
            following = (due_day.replace(day=28) + timedelta(days=7)).replace(day=1)
            return clock.shanghai_at(_first_weekday(following, self.first_weekday), self.at)
        return clock.shanghai_at(due_day + timedelta(days=1), self.at)

    def last_due_at(self, moment: datetime) -> datetime:
        """A calendar job: the latest scheduled time at or before ``moment``."""
        today = clock.to_shanghai(moment).date()
        if self.is_monthly:
            due = clock.shanghai_at(_first_weekday(today.replace(day=1), self.first_weekday), self.at)
            if due <= moment:
                return due
            previous = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
            return clock.shanghai_at(_first_weekday(previous, self.first_weekday), self.at)
        due = clock.shanghai_at(today, self.at)
        return due if due <= moment else clock.shanghai_at(today - timedelta(days=1), self.at)


def _first_weekday(first_of_month: date, weekday: int) -> date:
    return first_of_month + timedelta(days=(weekday - first_of_month.weekday()) % 7)


_WISH_TASKS = "server.wishes.tasks"

JOBS: tuple[Job, ...] = (
    Job("review_overdue", f"{_WISH_TASKS}.review_overdue", description="待审核超时提醒"),
    Job("unclaimed_escalation", f"{_WISH_TASKS}.unclaimed_escalation", description="无人认领上报网格员"),
    Job("claim_reminder", f"{_WISH_TASKS}.claim_reminder", description="认领后未完成提醒"),
    Job("claim_timeout", f"{_WISH_TASKS}.claim_timeout", description="认领超时释放并扣分"),
    Job("auto_confirm", f"{_WISH_TASKS}.auto_confirm", description="超时自动确认完成"),
    Job("media_recheck", "server.uploads.tasks.media_recheck", description="图片安全检测重新提交"),
    Job("outbox_send", "server.jobs.outbox.outbox_send", description="发送订阅消息"),
    Job("stats_rollup", "server.stats.tasks.stats_rollup", at=time(0, 10), description="每日统计汇总"),
    Job("idempotency_purge", "server.idempotency.tasks.idempotency_purge", description="清理过期的幂等记录"),
    Job(
        "party_day",
        "server.activities.tasks.create_party_days",
        at=time(0, 5),
        first_weekday=3,
        description="创建每月主题党日活动",
    ),
    Job("contact_purge", "server.privacy.tasks.contact_purge", at=time(3, 30), description="删除已结束心愿的联系方式"),
)


def get(job_id: str) -> Job:
    for job in JOBS:
        if job.id == job_id:
            return job
    raise UnknownJob(job_id)


def ids() -> list[str]:
    return [job.id for job in JOBS]
