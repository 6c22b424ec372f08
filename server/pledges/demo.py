"""Demo pledges: this year's pledges of some demo party members; the grid worker has marked
one kept, with its points."""

from sqlalchemy import select

from server.accounts.models import User
from server.core.extensions import db
from server.pledges import operations

PLEDGES = [
    (1, "每月至少认领两个微心愿，优先帮助楼栋里的独居老人。"),
    (2, "每周参加一次社区环境整治，带头做好垃圾分类。"),
    (3, "每季度为居民开展一次医保政策宣讲。"),
    (4, "结对帮扶两户困难家庭，每月上门走访。"),
]
KEPT_NOTE = "全年认领并完成微心愿26个，结对老人多次表扬。"


def load() -> None:
    worker = _user("demo-grid-worker")
    for number, text in PLEDGES:
        pledge = operations.make_pledge(_user(f"demo-party-member-{number}"), text=text)
        db.session.commit()  # a content check may refresh WeChat's token on its own connection
        if number == 1:
            operations.assess(pledge, worker, outcome="kept", note=KEPT_NOTE)
            db.session.commit()


def _user(openid: str) -> User:
    return db.session.scalar(select(User).where(User.openid == openid))
