"""Demo notices: this month's party day pinned for Hongqi community, a district notice and a
grid's outage warning; ``demo-resident`` has read the district one."""

from datetime import date, timedelta

from sqlalchemy import select

from server.accounts.models import User
from server.announcements import operations
from server.areas.models import Area
from server.core import clock
from server.core.extensions import db


def first_thursday(day: date) -> date:
    first = day.replace(day=1)
    return first + timedelta(days=(3 - first.weekday()) % 7)


def load() -> None:
    admin, worker, resident = _user("demo-admin"), _user("demo-grid-worker"), _user("demo-resident")
    hongqi = _area("红旗社区", "community")
    party_day = first_thursday(clock.shanghai_today())
    notices = [
        (
            admin,
            db.session.scalar(select(Area).where(Area.level == "district")),
            "关于开展“微心愿”认领服务的通知",
            "全区党员可通过小程序认领居民微心愿，完成后由居民确认评价，并按规定计入党员积分。",
            {},
        ),
        (
            worker,
            _area("红旗社区第1网格", "grid"),
            "停水通知",
            "因管网检修，本周六上午8时至12时第1网格3至5号楼停水，请居民提前储水。",
            {"expires_at": clock.now() + timedelta(days=7)},
        ),
        (
            admin,
            hongqi,
            f"{party_day.month}月主题党日活动安排",
            f"{party_day.month}月{party_day.day}日（星期四）上午9时，在红旗社区党群服务中心开展主题党日活动："
            "重温入党誓词、学习党章、认领微心愿。请社区党员准时参加。",
            {"pinned": True},
        ),
    ]
    published = []
    for author, area, title, body, options in notices:
        published.append(operations.publish(author, title=title, body=body, area_id=area.id, **options))
        db.session.commit()  # a content check may refresh WeChat's token on its own connection
    operations.mark_read(resident, published[0].id)
    db.session.commit()


def _user(openid: str) -> User:
    return db.session.scalar(select(User).where(User.openid == openid))


def _area(name: str, level: str) -> Area:
    return db.session.scalar(select(Area).where(Area.name == name, Area.level == level))
