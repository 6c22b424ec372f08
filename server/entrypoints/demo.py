"""The Yaozhou demo: the area tree, the demo accounts of DESIGN §5, and wishes in every
status, made through the same operations the API uses so every timeline is real."""

import itertools
import os

from sqlalchemy import select

from server.accounts.models import StaffCredential, User
from server.accounts.operations import grant_role
from server.accounts.staff_passwords import set_password
from server.activities import demo as activities_demo
from server.announcements.demo import load as announcements_demo
from server.areas.models import Area
from server.areas.operations import create_area
from server.core.extensions import db
from server.party import demo as party_demo
from server.pledges.demo import load as pledges_demo
from server.posts.demo import load as posts_demo
from server.store import demo as store_demo
from server.wishes import operations as wishes

DEFAULT_STAFF_PASSWORD = "demo-password"
# The demo staff who sign in to the console (DESIGN §5), their usernames their openids.
CONSOLE_STAFF = ("demo-grid-worker", "demo-admin")


def staff_password() -> str:
    """The demo staff's console password: DEMO_STAFF_PASSWORD, or the documented default."""
    return os.environ.get("DEMO_STAFF_PASSWORD") or DEFAULT_STAFF_PASSWORD


# (street, [(community, number of grids)]): 67 grids in all, as in the report.
TREE = [
    ("永安路街道", [("红旗社区", 12), ("解放社区", 12)]),
    ("天宝路街道", [("塔坡社区", 11), ("北关社区", 11)]),
    ("锦阳路街道", [("南街社区", 11), ("东街社区", 10)]),
]

WORK_UNITS = ["耀州区人民医院", "区供电分公司", "耀州中学", "区税务局", "区市场监管局", "区住建局", "耀州区法院"]

# (title, category, description, how far along the lifecycle it goes)
WISHES = [
    ("帮忙取降压药", "errand", "腿脚不便，想请人帮忙去社区卫生站取本月的降压药。", "pending_review"),
    ("厨房水龙头漏水", "repair", "厨房水龙头一直滴水，关不紧，想请人帮忙换个阀芯。", "pending_review"),
    ("陪老人去医院复查", "companion", "老伴下周二要去区医院复查，子女在外地，想请人陪同挂号取药。", "open"),
    ("孩子数学辅导", "tutoring", "孩子上初二，数学跟不上，想请人周末辅导两小时。", "open"),
    ("楼道灯坏了", "repair", "3号楼2单元楼道灯不亮，晚上上下楼不方便。", "open"),
    ("代买米面油", "errand", "独居老人，想请人帮忙从超市买一袋米和一桶油送上楼。", "claimed"),
    ("咨询赡养纠纷", "legal", "想咨询子女不履行赡养义务怎么办。", "claimed"),
    ("帮忙打扫卫生", "cleaning", "年纪大了，想请人帮忙擦擦窗户、拖拖地。", "fulfilled"),
    ("推轮椅去晒太阳", "elderly_care", "想请人推轮椅带老人在小区里转一转。", "fulfilled"),
    ("换灯泡", "repair", "客厅吸顶灯坏了，够不着。", "confirmed"),
    ("陪同办理医保", "companion", "不会用手机，想请人陪同去医保窗口办理异地备案。", "confirmed"),
    ("代缴水电费", "errand", "不会线上缴费，想请人帮忙代缴本月水电费。", "disputed"),
    ("修理自行车", "repair", "自行车链条掉了，想请人帮忙修一下。", "closed"),
    ("帮忙搬家具", "other", "想把旧衣柜搬到楼下。", "rejected"),
    ("想学用智能手机", "other", "想学会用微信视频通话。", "cancelled"),
]

# The actions that take a new wish to each status.
PATHS = {
    "pending_review": [],
    "open": ["approve"],
    "rejected": ["reject"],
    "cancelled": ["approve", "cancel"],
    "claimed": ["approve", "claim"],
    "fulfilled": ["approve", "claim", "fulfil"],
    "confirmed": ["approve", "claim", "fulfil", "confirm"],
    "disputed": ["approve", "claim", "fulfil", "dispute"],
    "closed": ["approve", "claim", "fulfil", "confirm", "close"],
}


def give_console_staff_passwords() -> None:
    """The demo staff's console sign-in, also for a demo database loaded before the console
    existed; an account that has one keeps its password."""
    users = db.session.scalars(select(User).where(User.openid.in_(CONSOLE_STAFF))).all()
    for user in users:
        if db.session.get(StaffCredential, user.id) is None:
            set_password(user, user.openid, staff_password())


def is_loaded() -> bool:
    return db.session.scalar(select(Area.id).limit(1)) is not None


def load() -> None:
    """Create the demo, committing as requests would: the tree and accounts, then each action
    on each wish. Content checks call WeChat, whose shared token cache writes on its own
    connection, and SQLite lets only one connection write at a time."""
    district = create_area("耀州区", "district")
    grids: list[Area] = []
    for street_name, communities in TREE:
        street = create_area(street_name, "street", district)
        for community_name, grid_count in communities:
            community = create_area(community_name, "community", street)
            grids += [create_area(f"{community_name}第{n}网格", "grid", community) for n in range(1, grid_count + 1)]
    hongqi_1 = grids[0]

    def user(openid: str, nickname: str) -> User:
        account = User(openid=openid, nickname=nickname, home_grid_id=hongqi_1.id)
        db.session.add(account)
        return account

    resident = user("demo-resident", "张阿姨")
    neighbour = user("demo-resident-2", "李大爷")
    grid_worker = user("demo-grid-worker", "王网格员")
    admin = user("demo-admin", "区委组织部")
    party_members = [user("demo-party-member", "刘党员")]
    party_members += [user(f"demo-party-member-{n}", f"党员{n}号") for n in range(1, 21)]
    db.session.flush()

    grant_role(grid_worker, "grid_worker", hongqi_1.id)
    grant_role(admin, "admin", district.id)
    for member, unit in zip(party_members, itertools.cycle(WORK_UNITS), strict=False):
        grant_role(member, "party_member", hongqi_1.id, branch="红旗社区党支部", work_unit=unit)
    # The report's 50 new grid workers, one for each of the next 50 grids.
    for n, grid in enumerate(grids[1:51], start=1):
        worker = User(openid=f"demo-grid-worker-{n}", nickname=f"网格员{n}号", home_grid_id=grid.id)
        db.session.add(worker)
        db.session.flush()
        grant_role(worker, "grid_worker", grid.id)
    db.session.commit()

    for n, (title, category, description, status) in enumerate(WISHES):
        owner = resident if n % 3 else neighbour
        helper = party_members[n % len(party_members)]
        _walk(owner, grid_worker, helper, status, title=title, category=category, description=description, n=n)
    party_demo.load()
    # Issue 13: service posts, pledges, notices.
    posts_demo()
    pledges_demo()
    announcements_demo()
    activities_demo.load()
    store_demo.load()


def _walk(owner: User, grid_worker: User, helper: User, status: str, *, title, category, description, n) -> None:
    wish = wishes.post_wish(
        owner,
        title=title,
        category=category,
        description=description,
        address=f"红旗社区{n % 8 + 1}号楼{n % 3 + 1}单元{n % 6 + 1}0{n % 4 + 1}室",
        contact_phone=f"1380000{n:04d}",
    )
    steps = {
        "approve": lambda: wishes.review(wish, grid_worker, decision="approve"),
        "reject": lambda: wishes.review(
            wish, grid_worker, decision="reject", reason="不属于微心愿服务范围，已转物业处理"
        ),
        "cancel": lambda: wishes.cancel(wish, owner, reason="家人已帮忙解决"),
        "claim": lambda: wishes.claim(wish, helper),
        "fulfil": lambda: wishes.fulfil(wish, helper, note="已完成，老人很满意。"),
        "confirm": lambda: wishes.confirm(wish, owner, stars=5 if n % 2 else 4, comment="谢谢党员同志！"),
        "dispute": lambda: wishes.dispute(wish, owner, reason="缴费单据没有交给我。"),
        "close": lambda: wishes.close(wish, grid_worker, resolution="completed", note="回访满意，办结。"),
    }
    db.session.commit()
    for step in _path(wish, status):
        steps[step]()
        db.session.commit()  # one transaction per action, as requests have


def _path(wish, status: str) -> list[str]:
    """The actions from where the new wish stands to ``status``. Where review is off
    (``REVIEW_REQUIRED=false``, or the community's switch) a wish is open at once: it skips
    review, and the examples that only review can make (pending, rejected) stay open."""
    if wish.status == "open":
        return [step for step in PATHS[status] if step not in ("approve", "reject")]
    return PATHS[status]
