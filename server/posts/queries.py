"""Reads of service posts: a node's posts with their holders, and where places are short."""

from sqlalchemy import bindparam, case, func, select

from server.accounts.models import User
from server.areas.models import Area
from server.areas.queries import subtree_condition
from server.core.errors import NotFound
from server.core.extensions import may_lag, read
from server.core.paging import keyset_page
from server.posts.models import PostHolder, ServicePost
from server.units.permissions import staff_scope

_POSTS = ServicePost.__table__
_HOLDERS = PostHolder.__table__
_USERS = User.__table__
_AREAS = Area.__table__

_POST_COLUMNS = (*_POSTS.c, _AREAS.c.name.label("community_name"))
_HOLDER_ROWS = may_lag(
    select(_HOLDERS.c.post_id, _HOLDERS.c.user_id, _USERS.c.nickname, _HOLDERS.c.created_at)
    .join(_USERS, _USERS.c.id == _HOLDERS.c.user_id)
    .where(_HOLDERS.c.post_id.in_(bindparam("post_ids", expanding=True)))
    .order_by(_HOLDERS.c.post_id, _HOLDERS.c.id)
)


def list_posts(
    area: Area | None = None,
    *,
    community_id: int | None = None,
    kind: str | None,
    short: bool,
    cursor: str | None,
    limit: int,
):
    """The posts of ``area``'s subtree (or of one community) newest first, each row with
    ``holders`` (people with nicknames): two statements for a page, whatever its size."""
    query = may_lag(select(*_POST_COLUMNS).join(_AREAS, _AREAS.c.id == _POSTS.c.community_id))
    if area is not None:
        query = query.where(subtree_condition(_POSTS.c.area_path, area))
    else:
        query = query.where(_POSTS.c.community_id == community_id)
    if kind is not None:
        query = query.where(_POSTS.c.kind == kind)
    if short:
        query = query.where(_POSTS.c.held < _POSTS.c.capacity)
    rows, next_cursor = keyset_page(read, query, _POSTS.c.id, cursor=cursor, limit=limit)
    return _with_holders(rows), next_cursor


_ONE_POST = may_lag(
    select(*_POST_COLUMNS).join(_AREAS, _AREAS.c.id == _POSTS.c.community_id).where(_POSTS.c.id == bindparam("post_id"))
)


def post_with_holders(post_id: int) -> dict:
    row = read(_ONE_POST, {"post_id": post_id}).first()
    if row is None:
        raise NotFound("未找到该服务岗位", details={"post_id": post_id})
    return _with_holders([row])[0]


def _with_holders(rows) -> list[dict]:
    posts = [{**row._mapping, "holders": []} for row in rows]
    if posts:
        by_id = {post["id"]: post for post in posts}
        for holder in read(_HOLDER_ROWS, {"post_ids": list(by_id)}):
            by_id[holder.post_id]["holders"].append(
                {"id": holder.user_id, "nickname": holder.nickname, "since": holder.created_at}
            )
    return posts


def shortage(area: Area) -> list[dict]:
    """Per community of ``area``'s subtree: its posts, the places they need, hold and lack.
    Communities with no post are left out."""
    places_short = func.sum(_POSTS.c.capacity - _POSTS.c.held)
    query = may_lag(
        select(
            _POSTS.c.community_id,
            _AREAS.c.name.label("community_name"),
            func.count().label("posts"),
            func.sum(_POSTS.c.capacity).label("needed"),
            func.sum(_POSTS.c.held).label("held"),
            places_short.label("short"),
            func.sum(case((_POSTS.c.held < _POSTS.c.capacity, 1), else_=0)).label("posts_short"),
        )
        .join(_AREAS, _AREAS.c.id == _POSTS.c.community_id)
        .where(subtree_condition(_POSTS.c.area_path, area))
        .group_by(_POSTS.c.community_id, _AREAS.c.name)
        .order_by(_POSTS.c.community_id)
    )
    return [dict(row._mapping) for row in read(query)]


def staff_posts(user: User, *, short: bool, cursor: str | None, limit: int):
    """The posts of the communities ``user`` is staff of (a grid worker: their grid's
    community), newest first, each with ``holders``; ``short``: only those with places free."""
    scope = staff_scope(user, _POSTS.c.community_id, _POSTS.c.area_path)
    if scope is None:
        return [], None
    query = may_lag(select(*_POST_COLUMNS).join(_AREAS, _AREAS.c.id == _POSTS.c.community_id).where(scope))
    if short:
        query = query.where(_POSTS.c.held < _POSTS.c.capacity)
    rows, next_cursor = keyset_page(read, query, _POSTS.c.id, cursor=cursor, limit=limit)
    return _with_holders(rows), next_cursor
