"""Reads of the points store: the shelf of a place, a person's redemptions, staff's lists.
Core selects as plain rows, newest first with keyset cursors."""

from sqlalchemy import bindparam, or_, select

from server.accounts.models import User
from server.areas.models import Area, path_ids
from server.areas.queries import subtree_condition
from server.core.errors import Forbidden
from server.core.extensions import read
from server.core.paging import keyset_page
from server.store import permissions
from server.store.models import Redemption, Reward
from server.units.permissions import staff_scope

_REWARDS = Reward.__table__
_REDEMPTIONS = Redemption.__table__
_USERS = User.__table__

# What a redemption row shows (miniprogram_api/schemas/store.py: redemption_json).
_REDEMPTION_ROWS = select(
    _REDEMPTIONS,
    _REWARDS.c.title.label("reward_title"),
    _USERS.c.nickname.label("user_nickname"),
).select_from(
    _REDEMPTIONS.join(_REWARDS, _REWARDS.c.id == _REDEMPTIONS.c.reward_id).join(
        _USERS, _USERS.c.id == _REDEMPTIONS.c.user_id
    )
)


def rewards_at(area: Area, *, status: str, cursor: str | None, limit: int):
    """The shelf as seen from ``area``: rewards of the stores above it (its community's) and
    of those inside it, as rows."""
    here_or_above = _REWARDS.c.area_id.in_(path_ids(area.path))
    query = select(_REWARDS).where(
        _REWARDS.c.status == status, or_(here_or_above, subtree_condition(_REWARDS.c.area_path, area))
    )
    return keyset_page(read, query, _REWARDS.c.id, cursor=cursor, limit=limit)


_REWARD_ROW = select(_REWARDS).where(_REWARDS.c.id == bindparam("reward_id"))


def reward(reward_id: int):
    row = read(_REWARD_ROW, {"reward_id": reward_id}).first()
    if row is None:
        raise permissions.reward_not_found(reward_id)
    return row


def my_redemptions(user_id: int, *, status: str | None, cursor: str | None, limit: int):
    query = _REDEMPTION_ROWS.where(_REDEMPTIONS.c.user_id == user_id)
    if status is not None:
        query = query.where(_REDEMPTIONS.c.status == status)
    return keyset_page(read, query, _REDEMPTIONS.c.id, cursor=cursor, limit=limit)


def staff_redemptions(
    user: User,
    *,
    area: Area | None,
    reward_id: int | None,
    status: str | None,
    cursor: str | None,
    limit: int,
):
    """Redemptions of the stores ``user`` runs: of one reward, under one node, or all of them.
    403 for a reward or a node whose store they do not run."""
    if reward_id is not None:
        if not permissions.is_store_staff(user, reward(reward_id).area_path):
            raise Forbidden("只有该社区的工作人员可以查看兑换记录")
        query = _REDEMPTION_ROWS.where(_REDEMPTIONS.c.reward_id == reward_id)
    else:
        query = _REDEMPTION_ROWS.where(run_by(user))
    if area is not None:
        if not permissions.is_store_staff(user, area.path):
            raise Forbidden("只有该社区的工作人员可以查看兑换记录")
        query = query.where(subtree_condition(_REDEMPTIONS.c.area_path, area))
    if status is not None:
        query = query.where(_REDEMPTIONS.c.status == status)
    return keyset_page(read, query, _REDEMPTIONS.c.id, cursor=cursor, limit=limit)


def run_by(user: User):
    """SQL twin of permissions.is_store_staff for a redemption's store (units' staff_scope over
    the store's node): under one of the user's staff nodes, or a node above one (their
    community's store). 403 for no staff role."""
    scope = staff_scope(user, _REWARDS.c.area_id, _REDEMPTIONS.c.area_path)
    if scope is None:
        raise Forbidden("只有网格员或管理员可以查看兑换记录")
    return scope
