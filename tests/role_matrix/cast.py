"""The people of the role matrix and the objects each route needs, made with operations
directly (no HTTP) so that a fresh object per (route, actor) cell stays cheap."""

import itertools
from dataclasses import dataclass
from datetime import timedelta

from server.accounts.models import User
from server.activities import operations as activities
from server.announcements import operations as announcements
from server.core import clock
from server.core.extensions import db
from server.points.operations import award
from server.store import operations as store
from tests.fixtures.api import login

# Who each actor of the matrix is in the world fixture (tests/fixtures/world.py); the two
# missing from it (a resident of another community's grid, the admin of another district) are
# added by `cast`.
WORLD_NAMES = {
    "owner": "resident",  # owns the wishes and redemptions the cells act on
    "neighbour": "neighbour",  # a resident of the wish's grid
    "pending": "pending_member",  # an unverified party member of the grid
    "member": "member2",  # a verified party member of the grid, not the claimer
    "claimer": "member",  # claims the wishes that are claimed or later
    "worker": "worker",  # grid worker of the wish's grid
    "other_worker": "other_worker",  # grid worker of the other grid of the same community
    "community_admin": "community_admin",
}
ACTORS = ("anonymous", "owner", "neighbour", "stranger", *list(WORLD_NAMES)[2:], "foreign_admin")

# Marks the objects no one outside the first district may see in any list or statistic: the
# wishes not in the public pool, the notices, the practical matters, the party applications.
# The pool, the activities, the stores' shelves, the unit organisations, the service posts and
# the pledges are public to every signed-in person wherever they live (a member may volunteer or
# claim anywhere; a unit's phone is masked), so they carry no mark; redemptions are found by
# their codes.
PRIVATE = "不应外泄"
PHONE = "13812341234"
ADDRESS = "红旗社区3号楼2单元501"
BOUND_PHONE = "15900005678"  # a person's own, bound through WeChat: answered masked to everyone
UNIT_PHONE = "13712345678"  # a unit's contact: unmasked to its community's staff only

_serial = itertools.count(1)


@dataclass
class Cast:
    app: object
    world: object
    factory: object
    client: object
    tokens: dict  # actor -> bearer token (None for anonymous)
    ids: dict  # actor -> user id
    openids: dict

    def fresh_token(self, actor: str) -> str | None:
        """A session of its own, for a cell that ends it."""
        return None if actor == "anonymous" else login(self.client, self.openids[actor]).token

    def user(self, actor: str) -> User:
        return db.session.get(User, self.ids[actor])

    # -- wishes ------------------------------------------------------------------------------

    def wish(self, status: str, **fields) -> int:
        if status != "open":
            fields.setdefault("title", f"{PRIVATE}的心愿")
        return self.factory.wish(
            self.ids["owner"], status, worker_id=self.ids["worker"], member_id=self.ids["claimer"], **fields
        )

    # -- activities --------------------------------------------------------------------------

    def activity(self, *, starts_in=timedelta(days=2), length=timedelta(hours=2), signed_up=()) -> dict:
        with self.app.app_context():
            starts_at = clock.now() + starts_in
            activity = activities.create_activity(
                self.user("worker"),
                area_id=self.world.grid.id,
                title="清理楼道杂物",
                description="和居民一起清理3号楼楼道堆放的杂物，请带好手套。",
                place="红旗社区3号楼",
                starts_at=starts_at,
                ends_at=starts_at + length,
                capacity=5,
                points_per_hour=2,
            )
            for actor in signed_up:
                activities.sign_up(activity, self.user(actor))
            db.session.commit()
            return {"id": activity.id, "code": activity.checkin_code}

    def running_activity(self, signed_up=()) -> dict:
        """Started ten minutes ago: check-in is open, completion allowed."""
        return self.activity(starts_in=timedelta(minutes=-10), length=timedelta(hours=1), signed_up=signed_up)

    # -- the points store --------------------------------------------------------------------

    def reward(self) -> int:
        with self.app.app_context():
            reward = store.create_reward(
                self.user("worker"), area_id=self.world.community.id, title="大米一袋", price_points=5, stock=50
            )
            db.session.commit()
            return reward.id

    def give_points(self, actor: str, points: int = 20) -> None:
        if actor == "anonymous":
            return
        with self.app.app_context():
            award(self.ids[actor], points, "wish_confirmed", f"role-matrix:{next(_serial)}")
            db.session.commit()

    def redemption(self) -> dict:
        """A pending redemption of the owner's."""
        reward_id = self.reward()
        self.give_points("owner")
        with self.app.app_context():
            redemption = store.redeem(self.user("owner"), reward_id)
            db.session.commit()
            return {"id": redemption.id, "code": redemption.code}

    # -- civic: units, service posts, pledges ------------------------------------------------

    def unit(self) -> int:
        from server.units.operations import register_unit

        with self.app.app_context():
            unit = register_unit(
                self.user("community_admin"),
                community_id=self.world.community.id,
                name=f"区供电分公司-{next(_serial)}",
                kind="company",
                contact_name="王经理",
                contact_phone=UNIT_PHONE,
            )
            db.session.commit()
            return unit.id

    def post(self) -> int:
        from server.posts.operations import create_post

        with self.app.app_context():
            post = create_post(
                self.user("community_admin"),
                community_id=self.world.community.id,
                kind="sanitation",
                title="楼道保洁岗",
                duties="每周清扫一次楼道。",
                capacity=5,
            )
            db.session.commit()
            return post.id

    def pledge(self, actor: str) -> int:
        return self.pledge_of(self.ids[actor])

    def pledge_of(self, user_id: int) -> int:
        """This year's pledge of the member: the one they made, else a new one."""
        from server.pledges.models import Pledge
        from server.pledges.operations import make_pledge

        with self.app.app_context():
            made = db.session.query(Pledge.id).filter_by(user_id=user_id).scalar()
            if made is None:
                made = make_pledge(db.session.get(User, user_id), text="每月为孤寡老人代购一次生活用品。").id
                db.session.commit()
            return made

    # -- announcements -----------------------------------------------------------------------

    def announcement(self) -> int:
        with self.app.app_context():
            notice = announcements.publish(
                self.user("worker"), title=f"{PRIVATE}的通知", body="周六上午停水。", area_id=self.world.grid.id
            )
            db.session.commit()
            return notice.id


def cast(app, client, world, factory) -> Cast:
    """The world's people under the matrix's names, and the two it lacks."""
    stranger = factory.user("stranger", home_grid_id=world.other_community_grid.id)
    foreign_grid = factory.area("grid")
    with app.app_context():
        from server.areas.models import Area

        district_id = int(db.session.get(Area, foreign_grid).path.strip("/").split("/")[0])
    foreign_admin = factory.user("foreign_admin", home_grid_id=foreign_grid, admin=district_id)
    ids = {actor: world.user_id(name) for actor, name in WORLD_NAMES.items()}
    ids.update(stranger=stranger, foreign_admin=foreign_admin)
    tokens = {actor: world.clients[name].token for actor, name in WORLD_NAMES.items()}
    tokens.update(
        anonymous=None, stranger=login(client, "stranger").token, foreign_admin=login(client, "foreign_admin").token
    )
    openids = {**WORLD_NAMES, "stranger": "stranger", "foreign_admin": "foreign_admin"}
    return Cast(app=app, world=world, factory=factory, client=client, tokens=tokens, ids=ids, openids=openids)


def matter(cast_: Cast) -> int:
    from server.units.operations import create_matter

    with cast_.app.app_context():
        made = create_matter(
            cast_.user("community_admin"),
            community_id=cast_.world.community.id,
            title=f"{PRIVATE}加装电梯",
            description="3号楼加装电梯。",
        )
        db.session.commit()
        return made.id
