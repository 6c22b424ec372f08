"""Demo service posts: Hongqi community's posts, the demo party members in them, one post a
place short (so ``demo-party-member``, in none, can take it)."""

from sqlalchemy import select

from server.accounts.models import User
from server.areas.models import Area
from server.core.extensions import db
from server.posts import operations

# (kind, title, duties, places, holders: the demo party members numbered)
POSTS = [
    ("policy_promotion", "政策宣传岗", "向居民宣讲惠民政策，协助老人办理医保、养老认证。", 3, [1, 2, 3]),
    ("sanitation", "环境卫生岗", "每周组织楼院清扫，劝导垃圾分类，清理楼道杂物。", 4, [4, 5, 6, 7]),
    ("neighbourhood_watch", "邻里守望岗", "每天看望独居、空巢老人，发现困难及时报告网格员。", 3, [8, 9]),
    ("civility", "文明劝导岗", "劝导乱停车、乱扔垃圾，宣传文明新风。", 2, [10, 11]),
]


def load() -> None:
    community = db.session.scalar(select(Area).where(Area.name == "红旗社区", Area.level == "community"))
    admin = _user("demo-admin")
    for kind, title, duties, places, holders in POSTS:
        post = operations.create_post(
            admin, community_id=community.id, kind=kind, title=title, duties=duties, capacity=places
        )
        db.session.commit()  # a content check may refresh WeChat's token on its own connection
        for number in holders:
            operations.take(post, _user(f"demo-party-member-{number}"))
        db.session.commit()


def _user(openid: str) -> User:
    return db.session.scalar(select(User).where(User.openid == openid))
