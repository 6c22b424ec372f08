"""State changes of service posts: define one, take a place (or be appointed), step down.

A place is taken with two statements the database decides: the holder row, whose unique key
allows one post per member per community, and a conditional UPDATE of the post's ``held``
that succeeds only below ``capacity``. A refusal raises, and the request's rollback takes the
other statement back. Functions flush; the request commits.
"""

from sqlalchemy import bindparam, delete, update

from server import moderation
from server.accounts.models import User
from server.areas.queries import get_area
from server.core import clock
from server.core.dbtypes import ignoring_duplicates
from server.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from server.core.extensions import db
from server.posts import permissions
from server.posts.models import PostHolder, ServicePost
from server.posts.notifications import notify_appointed

_POSTS = ServicePost.__table__
_HOLDERS = PostHolder.__table__
_TAKE_PLACE = (
    update(_POSTS)
    .where(_POSTS.c.id == bindparam("post_id"), _POSTS.c.held < _POSTS.c.capacity)
    .values(held=_POSTS.c.held + 1)
    .returning(_POSTS.c.held)
)
_FREE_PLACE = (
    update(_POSTS).where(_POSTS.c.id == bindparam("post_id")).values(held=_POSTS.c.held - 1).returning(_POSTS.c.held)
)
_REMOVE_HOLDER = (
    delete(_HOLDERS)
    .where(_HOLDERS.c.post_id == bindparam("post_id"), _HOLDERS.c.user_id == bindparam("user_id"))
    .returning(_HOLDERS.c.id)
)


def get_post(post_id: int) -> ServicePost:
    post = db.session.get(ServicePost, post_id)
    if post is None:
        raise NotFound("未找到该服务岗位", details={"post_id": post_id})
    return post


def create_post(user: User, *, community_id: int, kind: str, title: str, duties: str, capacity: int) -> ServicePost:
    community = get_area(community_id)
    if community.level != "community":
        raise Unprocessable("服务岗位应设在社区", details={"community_id": ["必须是社区"]})
    if not user.is_staff_for(community.path):
        raise Forbidden("只有该社区的网格员或管理员可以设岗")
    moderation.check(user, moderation.SCENE_FORUM, title=title, duties=duties)
    post = ServicePost(
        community_id=community.id,
        area_path=community.path,
        kind=kind,
        title=title,
        duties=duties,
        capacity=capacity,
        held=0,
        created_by=user.id,
        created_at=clock.now(),
    )
    db.session.add(post)
    db.session.flush()
    return post


def take(post: ServicePost, user: User, *, member_id: int | None = None) -> PostHolder:
    """``user`` takes a place on ``post``; with ``member_id``, staff appoint that member, who
    may live elsewhere (an in-service member reporting to the community, 双报到)."""
    appointing = member_id is not None and member_id != user.id
    if appointing:
        if not permissions.is_staff(user, post):
            raise Forbidden("只有该社区的网格员或管理员可以安排党员上岗")
        member = db.session.get(User, member_id)
        if member is None or not member.is_verified_party_member:
            raise Unprocessable("该用户不是已认证的党员", details={"member_id": ["不是已认证的党员"]})
    else:
        member = user
        if not user.is_verified_party_member:
            raise Forbidden("只有已认证的党员可以认领服务岗位", code="not_verified_party_member")
        home_path = get_area(user.home_grid_id).path if user.home_grid_id is not None else None
        if not permissions.lives_in_community(home_path, post):
            raise Forbidden("只能认领所在社区的服务岗位", code="not_in_community")
    now = clock.now()
    values = {
        "post_id": post.id,
        "community_id": post.community_id,
        "user_id": member.id,
        "appointed_by": user.id if appointing else None,
        "created_at": now,
    }
    inserted = db.session.execute(ignoring_duplicates(_HOLDERS, _dialect()), values).first()
    if inserted is None:
        raise Conflict("每名党员在一个社区只能担任一个服务岗位", code="already_holding_post")
    held = db.session.execute(_TAKE_PLACE, {"post_id": post.id}).scalar()
    if held is None:
        raise Conflict("该岗位人数已满", code="post_full", details={"capacity": post.capacity})
    db.session.expire(post, ["held"])
    holder = db.session.get(PostHolder, inserted.id)
    if appointing:
        notify_appointed(post, holder.id, member.id, user.id)
    return holder


def step_down(post: ServicePost, user: User, *, member_id: int) -> None:
    """The holder leaves the post (or staff take them off); their place is free again."""
    if not permissions.may_remove(user, post, member_id):
        raise Forbidden("只有本人或该社区的网格员可以办理离岗")
    removed = db.session.execute(_REMOVE_HOLDER, {"post_id": post.id, "user_id": member_id}).first()
    if removed is None:
        raise NotFound("该党员不在此岗位上", code="not_holding_post", details={"member_id": member_id})
    db.session.execute(_FREE_PLACE, {"post_id": post.id})
    db.session.expire(post, ["held"])


def _dialect() -> str:
    return db.session.get_bind().dialect.name
