"""The demo's points store: Hongqi community's shelf, stocked with what units gave (双报到), and
one pending redemption by the demo member with the most points, made through the operations
the API uses."""

from sqlalchemy import func, select

from server.accounts.models import User
from server.areas.models import Area
from server.core.extensions import db
from server.points.models import PointEntry
from server.store import operations

# (title, description, price in points, stock, donor: a unit organisation's name, or None for
# the community's own). The names are the demo's units, matched by name until rewards link to
# unit organisations.
REWARDS = [
    ("大米一袋", "5公斤装东北大米，凭核销码到社区党群服务中心领取。", 30, 20, "区供电分公司"),
    ("理发服务一次", "社区理发室，每周三、周六上午。", 20, 10, "区市场监管局"),
    ("家政服务券", "两小时家政保洁服务，提前一天预约。", 10, 15, "区住建局"),
    ("洗衣液一瓶", "2公斤装。", 15, 30, None),
]


def load() -> None:
    """Commits after each step, as requests would: the content check may refresh WeChat's token
    on a connection of its own, and SQLite lets one connection write at a time."""
    hongqi = db.session.execute(select(Area).where(Area.level == "community", Area.name == "红旗社区")).scalar_one()
    worker = db.session.execute(select(User).where(User.openid == "demo-grid-worker")).scalar_one()
    rewards = []
    for title, description, price, stock, donor in REWARDS:
        reward = operations.create_reward(
            worker,
            area_id=hongqi.id,
            title=title,
            description=description,
            price_points=price,
            stock=stock,
            donor=donor,
        )
        db.session.commit()
        rewards.append(reward)

    buyer, points = _richest_resident_of(hongqi)
    affordable = [reward for reward in rewards if reward.price_points <= points]
    if buyer is not None and affordable:
        operations.redeem(buyer, max(affordable, key=lambda reward: reward.price_points).id)
        db.session.commit()


def _richest_resident_of(community: Area) -> tuple[User | None, int]:
    """The person living in ``community`` with the largest balance (demo members earn points
    for the wishes they fulfilled), and that balance."""
    balance = func.sum(PointEntry.delta)
    row = db.session.execute(
        select(User, balance)
        .join(PointEntry, PointEntry.user_id == User.id)
        .join(Area, Area.id == User.home_grid_id)
        .where(Area.path.startswith(community.path))
        .group_by(User.id)
        .order_by(balance.desc(), User.id)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (None, 0)
