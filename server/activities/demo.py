"""The activities of the Yaozhou demo (DESIGN §5): service done in Hongqi grid 1 with hours
credited to the demo party members, one upcoming activity there with places free, and this
month's party day in every community. Made through the operations the API uses; only the
past sign-ups and check-ins, which no request can make after the fact, are written directly."""

from datetime import timedelta

from sqlalchemy import insert, select, update

from server.accounts.models import User
from server.activities import operations
from server.activities.models import Activity, Signup
from server.activities.tasks import create_party_days
from server.areas.models import Area
from server.core import clock
from server.core.extensions import db

# (title, place, description, days ago, hours, how many of the demo members served)
PAST = [
    ("清理楼道小广告", "红旗社区1号楼至6号楼", "分组清理楼道和单元门上的小广告，恢复整洁的居住环境。", 40, 2, 8),
    ("敬老院陪伴老人", "耀州区社会福利院", "陪老人聊天、读报、理发，帮助护工整理房间。", 26, 3, 6),
    ("垃圾分类宣传", "红旗社区广场", "设点讲解垃圾分类知识，指导居民正确投放。", 12, 2, 10),
]
UPCOMING = ("为独居老人打扫卫生", "红旗社区3号楼", "为楼里的独居老人擦窗拖地、检查水电燃气安全。", 3, 2)


def load() -> None:
    grid = db.session.scalar(select(Area).where(Area.name == "红旗社区第1网格"))
    worker = db.session.scalar(select(User).where(User.openid == "demo-grid-worker"))
    # demo-party-member-1 … 20: demo-party-member itself starts with no points and no sign-ups,
    # so the README's walk-through shows the points of one wish and it may sign up freely.
    members = list(db.session.scalars(select(User).where(User.openid.like("demo-party-member-%")).order_by(User.id)))
    if grid is None or worker is None:
        return
    now = clock.now()
    for title, place, description, days_ago, hours, served in PAST:
        starts_at = now - timedelta(days=days_ago, hours=2)
        activity = _publish(worker, grid, title, place, description, starts_at, hours, capacity=served + 5)
        _served(activity, members[:served], starts_at)
        operations.complete(activity, worker)
        db.session.commit()
    title, place, description, days_ahead, hours = UPCOMING
    upcoming = _publish(worker, grid, title, place, description, now + timedelta(days=days_ahead), hours, capacity=10)
    for member in members[:2]:
        operations.sign_up(upcoming, member)
    db.session.commit()
    create_party_days(now)
    db.session.commit()


def _publish(worker, grid, title, place, description, starts_at, hours, *, capacity) -> Activity:
    activity = operations.create_activity(
        worker,
        area_id=grid.id,
        title=title,
        description=description,
        place=place,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        capacity=capacity,
        points_per_hour=2,
    )
    db.session.commit()  # content checks refresh WeChat's token on a connection of their own
    return activity


def _served(activity: Activity, members: list[User], starts_at) -> None:
    """Members who signed up before it began and checked in when it did."""
    rows = [
        {
            "activity_id": activity.id,
            "user_id": member.id,
            "status": "signed_up",
            "queued_at": starts_at - timedelta(days=2),
            "created_at": starts_at - timedelta(days=2),
            "checked_in_at": starts_at + timedelta(minutes=n),
        }
        for n, member in enumerate(members)
    ]
    db.session.execute(insert(Signup.__table__), rows)
    db.session.execute(update(Activity).where(Activity.id == activity.id).values(held=len(rows)))
    db.session.refresh(activity)
