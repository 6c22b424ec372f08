"""An admin's changes to the tree, the staff grants and the community rules. Each checks the
caller administers the node it touches and only flushes; the request commits."""

import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from server.accounts import staff_passwords
from server.accounts.models import STAFF_ROLES, RoleGrant, StaffCredential, User
from server.accounts.operations import get_or_create_user, grant_role
from server.administration.permissions import administers, ensure_administers, ensure_any_admin
from server.administration.sheets import read_sheet
from server.areas import operations as tree
from server.areas import rules
from server.areas.models import Area
from server.areas.queries import ensure_accepts_new_content, get_area, subtree_condition
from server.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from server.core.extensions import db
from server.core.uniqueness import unique_constraint, unique_or_conflict

log = logging.getLogger(__name__)


def add_area(user: User, *, name: str, level: str, parent_id: int) -> Area:
    parent = get_area(parent_id)
    ensure_administers(user, parent)
    ensure_accepts_new_content(parent)
    tree.ensure_unique_sibling_name(name, parent.id)
    with tree.sibling_names_unique():
        area = tree.create_area(name, level, parent)
    log.info("area %s %s created under %s by user %s", area.id, level, parent.id, user.id)
    return area


def change_area(user: User, area_id: int, *, name: str | None = None, parent_id: int | None = None) -> Area:
    """Rename and/or move a node; a move needs the caller to administer both ends."""
    area = get_area(area_id)
    ensure_administers(user, area)
    if name is not None and name != area.name:
        tree.rename_area(area, name)
    if parent_id is not None:
        new_parent = get_area(parent_id)
        ensure_administers(user, new_parent)
        ensure_accepts_new_content(new_parent)
        area = tree.move_area(area, new_parent)
    log.info("area %s changed by user %s", area.id, user.id)
    return area


def retire_area(user: User, area_id: int) -> Area:
    """Retire a node and its subtree: nothing new is posted, organised or bound there; what
    exists stays readable. An admin cannot retire the node their own grant is on."""
    area = get_area(area_id)
    ensure_administers(user, area)
    if any(grant.area_id == area.id for grant in user.grants_of("admin")):
        raise Conflict("不能撤销自己管理的根节点", code="own_node")
    area = tree.retire_area(area)
    log.info("area %s retired by user %s", area.id, user.id)
    return area


def _home_node(user: User, parent_id: int | None) -> Area:
    if parent_id is not None:
        return get_area(parent_id)
    ensure_any_admin(user)
    return user.grants_of("admin")[0].area


@dataclass
class ImportCounts:
    created: dict = field(default_factory=lambda: {"street": 0, "community": 0, "grid": 0})
    existing: dict = field(default_factory=lambda: {"street": 0, "community": 0, "grid": 0})


def import_sheet(user: User, data: bytes, parent_id: int | None = None) -> ImportCounts:
    """Create the sheet's streets, communities and grids under a district node; rows already
    there are counted as existing. Every row is checked first: one bad row and nothing is made."""
    district = _home_node(user, parent_id)
    ensure_administers(user, district)
    ensure_accepts_new_content(district)
    if district.level != "district":
        raise Unprocessable("只能导入到区（县）节点下", code="not_a_district", details={"parent_id": ["必须是区"]})
    rows = read_sheet(data)
    known = {
        (area.parent_id, area.name): area
        for area in db.session.scalars(select(Area).where(subtree_condition(Area.path, district)))
    }
    counts, seen = ImportCounts(), set()

    def node(name: str, level: str, parent: Area) -> Area:
        key = (parent.id, name)
        area = known.get(key)
        if area is None:
            area = known[key] = tree.create_area(name, level, parent)
            counts.created[level] += 1
        elif area.id not in seen:
            counts.existing[level] += 1
        seen.add(area.id)
        return area

    # The names were read before any was made: a concurrent import (or a node added meanwhile)
    # may make one first, and the sibling-name constraint refuses the second; nothing of this
    # sheet stays, and importing it again counts that node as existing.
    with tree.sibling_names_unique(_sheet_overtaken()):
        for row in rows:
            street = node(row.street, "street", district)
            if row.community:
                community = node(row.community, "community", street)
                if row.grid:
                    node(row.grid, "grid", community)
    log.info("sheet imported under %s by user %s: %s", district.id, user.id, counts.created)
    return counts


def _sheet_overtaken() -> Conflict:
    return Conflict("表格中的区域刚被他人同时创建，本次未导入任何内容，请重新导入", code="import_overtaken")


def grant_staff_role(user: User, *, user_id: int, role: str, area_id: int) -> RoleGrant:
    area = get_area(area_id)
    ensure_administers(user, area)
    if role == "grid_worker" and area.level != "grid":
        raise Unprocessable("网格员只能授予网格", code="not_a_grid", details={"area_id": ["必须是网格"]})
    grantee = db.session.get(User, user_id)
    if grantee is None:
        raise NotFound("未找到该用户", details={"user_id": user_id})
    exists = select(RoleGrant.id).where(
        RoleGrant.user_id == grantee.id, RoleGrant.role == role, RoleGrant.area_id == area.id
    )
    if db.session.scalar(exists) is not None:
        raise _grant_exists()
    ensure_accepts_new_content(area)
    with unique_or_conflict(_ONE_GRANT, _grant_exists()):  # two admins granting it at once
        grant = grant_role(grantee, role, area.id)
    log.info("grant %s: %s of %s to user %s by user %s", grant.id, role, area.id, grantee.id, user.id)
    return grant


_ONE_GRANT = unique_constraint(RoleGrant.__table__, "user_id", "role", "area_id")


def _grant_exists() -> Conflict:
    return Conflict("该用户已有此授权", code="grant_exists")


def revoke_grant(user: User, grant_id: int) -> None:
    """Revoke a staff grant; it stops counting on the grantee's next request, read or write
    (accounts/tokens.py reads the grants afresh on every request)."""
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None or grant.role not in STAFF_ROLES:
        raise NotFound("未找到该授权", details={"grant_id": grant_id})
    ensure_administers(user, grant.area)
    if grant.user_id == user.id:
        raise Conflict("不能撤销自己的授权，请由其他管理员操作", code="own_grant")
    db.session.delete(grant)
    db.session.flush()
    log.info("grant %s revoked by user %s", grant_id, user.id)


def set_console_credential(user: User, *, user_id: int, username: str, password: str) -> StaffCredential:
    """Give a staff member of the caller's subtree a console username and initial password (or
    reset it, which signs them out of the console). Every staff grant of theirs must lie in the
    subtree: an admin of a community cannot take over a district admin who also works a grid."""
    grantee = db.session.get(User, user_id)
    if grantee is None:
        raise NotFound("未找到该用户", details={"user_id": user_id})
    grants = grantee.grants_of(*STAFF_ROLES)
    if not grants:
        raise Unprocessable("该用户不是工作人员，请先授予网格员或管理员", code="not_staff")
    if not all(administers(user, grant.area) for grant in grants):
        raise Forbidden("只能为本辖区内的工作人员设置登录密码", code="admin_required")
    credential = staff_passwords.give_credential(grantee, username, password)
    log.info("console credential of user %s set by user %s", grantee.id, user.id)
    return credential


def community_rules(user: User, area_id: int) -> Area:
    area = get_area(area_id)
    ensure_administers(user, area)
    if area.level != "community":
        raise Unprocessable("社区规则只能在社区上设置", code="not_a_community", details={"area_id": ["必须是社区"]})
    return area


def set_community_rules(user: User, area_id: int, *, review_required: bool | None, **windows) -> Area:
    """Set the review switch and the lifecycle windows named in ``windows`` (seconds; None: the
    setting's); a window not named keeps its value. They hold from the next sweep and the next
    wish opened; a deadline already set (response_due_at) stays."""
    area = community_rules(user, area_id)
    unknown = set(windows) - set(rules.WINDOW_NAMES)
    if unknown:
        raise Unprocessable(details={name: ["未知的规则"] for name in sorted(unknown)})
    rules.check_overrides(area, windows)
    area.review_required = review_required
    for name, seconds in windows.items():
        setattr(area, name, seconds)
    db.session.flush()
    log.info("community %s rules review_required=%s %s by user %s", area.id, review_required, windows, user.id)
    return area


class FirstAdminRefused(Exception):
    """``flask admin create`` is for the first admin only; ``flask admin set-password`` for staff."""


def create_first_admin(openid: str, district_name: str | None = None) -> RoleGrant:
    """The first admin of an empty installation: an admin grant at the district node (made
    here when named and missing) for a WeChat openid."""
    if db.session.scalar(select(RoleGrant.id).where(RoleGrant.role == "admin").limit(1)) is not None:
        raise FirstAdminRefused("an admin exists already: grant further admins through /api/v1/admin/grants")
    roots = list(db.session.scalars(select(Area).where(Area.parent_id.is_(None)).order_by(Area.id)))
    if district_name is not None:
        district = next((area for area in roots if area.name == district_name), None)
        if district is None:
            district = tree.create_area(district_name, "district")
    elif len(roots) == 1:
        district = roots[0]
    else:
        raise FirstAdminRefused("no district node yet (or several): name it with --district")
    return grant_role(get_or_create_user(openid), "admin", district.id)


def set_staff_password_by_openid(openid: str, username: str, password: str) -> StaffCredential:
    """``flask admin set-password``: the console sign-in of a staff member (the first admin,
    typically), at the command line, where the server's operator stands in for an admin."""
    user = db.session.scalar(select(User).where(User.openid == openid))
    if user is None or not user.grants_of(*STAFF_ROLES):
        raise FirstAdminRefused(
            f"no staff member has openid {openid!r}: make the first admin with `flask admin create`"
        )
    return staff_passwords.give_credential(user, username, password)
