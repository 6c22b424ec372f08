"""An activity's sign-ups, waitlist and check-ins as a workbook for its organiser and the
area's staff: names masked as on the volunteer certificate, times in Shanghai."""

from sqlalchemy import case, select

from server.accounts.models import User
from server.activities.models import Activity, Signup
from server.core.extensions import may_lag, read
from server.core.privacy import mask_name
from server.reports.sheets import Column, Sheet, new_workbook, saved

SIGNUP_STATUS_NAMES = {"signed_up": "已报名", "waitlisted": "候补", "cancelled": "已取消"}
_SIGNUPS = Signup.__table__
_USERS = User.__table__
# Those holding a place first, then the waitlist in its order, then the withdrawn.
_LIST_ORDER = case({"signed_up": 0, "waitlisted": 1}, value=_SIGNUPS.c.status, else_=2)


def signup_rows(activity_id: int):
    return read(
        may_lag(
            select(
                _USERS.c.nickname,
                _SIGNUPS.c.status,
                _SIGNUPS.c.created_at,
                _SIGNUPS.c.queued_at,
                _SIGNUPS.c.checked_in_at,
                _SIGNUPS.c.credited_minutes,
                _SIGNUPS.c.credited_points,
            )
            .join(_USERS, _USERS.c.id == _SIGNUPS.c.user_id)
            .where(_SIGNUPS.c.activity_id == activity_id)
            .order_by(_LIST_ORDER, _SIGNUPS.c.queued_at, _SIGNUPS.c.id)
        )
    ).all()


def signups_workbook(activity: Activity) -> bytes:
    workbook = new_workbook()
    about = Sheet(workbook, "活动信息", [Column("项目", 14), Column("内容", 40)])
    rows = signup_rows(activity.id)
    counts = {status: sum(row.status == status for row in rows) for status in SIGNUP_STATUS_NAMES}
    for label, value in (
        ("活动", activity.title),
        ("地点", activity.place),
        ("开始时间", activity.starts_at),
        ("结束时间", activity.ends_at),
        ("名额", activity.capacity),
        ("已报名", counts["signed_up"]),
        ("候补", counts["waitlisted"]),
        ("已签到", sum(row.checked_in_at is not None for row in rows)),
    ):
        about.write([label, value], kinds=("text", "datetime" if label.endswith("时间") else "int"))
    sheet = Sheet(
        workbook,
        "报名与签到",
        [
            Column("序号", 6, "int"),
            Column("党员", 10),
            Column("状态", 8),
            Column("候补顺位", 8, "int"),
            Column("报名时间", 18, "datetime"),
            Column("签到时间", 18, "datetime"),
            Column("记入时长（小时）", 12, "hours"),
            Column("记入积分", 10, "int"),
        ],
    )
    waiting = 0
    for number, row in enumerate(rows, start=1):
        waiting += row.status == "waitlisted"
        sheet.write(
            [
                number,
                mask_name(row.nickname),
                SIGNUP_STATUS_NAMES.get(row.status, row.status),
                waiting if row.status == "waitlisted" else None,
                row.created_at,
                row.checked_in_at,
                row.credited_minutes / 60 if row.credited_minutes is not None else None,
                row.credited_points,
            ]
        )
    return saved(workbook)
