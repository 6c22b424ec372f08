"""What an admin reads of their subtree: its nodes, its staff, the people they may grant to."""

import re
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from server.accounts.models import STAFF_ROLES, RoleGrant, StaffCredential, User
from server.administration.permissions import ensure_any_admin
from server.areas.models import Area
from server.areas.queries import subtree_condition
from server.core import pii
from server.core.extensions import db

PEOPLE_FOUND = 20
PHONE_NUMBER = re.compile(r"\d{11}")


@dataclass
class TreeNode:
    area: Area
    children: list["TreeNode"] = field(default_factory=list)


def top_nodes(user: User) -> list[Area]:
    """The nodes the caller's admin grants are on, leaving out one inside another."""
    ensure_any_admin(user)
    areas = sorted({grant.area for grant in user.grants_of("admin")}, key=lambda area: len(area.path))
    tops = []
    for area in areas:
        if not any(top.covers(area.path) for top in tops):
            tops.append(area)
    return tops


def _in_subtree(path_column, user: User):
    return or_(*(subtree_condition(path_column, top) for top in top_nodes(user)))


def subtree(user: User) -> list[TreeNode]:
    """The caller's subtree as trees (retired nodes included, marked by ``retired_at``), each
    level in the order its nodes were made."""
    areas = list(db.session.scalars(select(Area).where(_in_subtree(Area.path, user)).order_by(Area.id)))
    nodes = {area.id: TreeNode(area) for area in areas}
    roots = []
    for area in areas:
        parent = nodes.get(area.parent_id)
        (parent.children if parent is not None else roots).append(nodes[area.id])
    return roots


def staff_grants(user: User) -> list[RoleGrant]:
    """The grid worker and admin grants in the caller's subtree, by area then person."""
    query = (
        select(RoleGrant)
        .join(Area, Area.id == RoleGrant.area_id)
        .where(RoleGrant.role.in_(STAFF_ROLES), _in_subtree(Area.path, user))
        .options(selectinload(RoleGrant.user))
        .order_by(Area.path, RoleGrant.user_id, RoleGrant.id)
    )
    return list(db.session.scalars(query))


def console_usernames(user_ids) -> dict[int, str]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(StaffCredential.user_id, StaffCredential.username).where(StaffCredential.user_id.in_(ids))
    )
    return dict(rows.all())


def find_people(user: User, text: str) -> list[User]:
    """People of the caller's subtree (living there, or holding a grant there) whose nickname
    contains ``text``, or whose openid or phone number is ``text``. An admin's search: refused to
    anyone else before the text is looked at, an empty one too."""
    ensure_any_admin(user)
    text = text.strip()
    if not text:
        return []
    home = select(Area.id).where(_in_subtree(Area.path, user))
    granted = select(RoleGrant.user_id).join(Area, Area.id == RoleGrant.area_id).where(_in_subtree(Area.path, user))
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    matches = or_(User.nickname.like(f"%{escaped}%", escape="/"), User.openid == text)
    if PHONE_NUMBER.fullmatch(text):
        # Stored numbers are encrypted: the keyed hash beside them is what can be compared.
        matches = or_(matches, User.phone_hash == pii.lookup_hash(text))
    query = (
        select(User)
        .where(matches, or_(User.home_grid_id.in_(home), User.id.in_(granted)))
        .order_by(User.id)
        .limit(PEOPLE_FOUND)
    )
    return list(db.session.scalars(query))
