"""The console's menu: every section a staff member may open, in the order they work in.

Each entry names its view's endpoint; an entry whose view is not registered is left out, so a
section appears in the menu the day its page lands and never as a dead link.
"""

from dataclasses import dataclass

from flask import current_app, g, request

from server.console.blueprint import blp


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    admins_only: bool = False


NAV = (
    NavItem("工单看板", "console.board"),
    NavItem("待审核", "console.review_queue"),
    NavItem("数据看板", "console.dashboard"),
    NavItem("月度报表", "console.reports"),
    NavItem("志愿活动", "console.activities"),
    NavItem("通知公告", "console.announcements"),
    NavItem("积分商城", "console.store"),
    NavItem("单位组织", "console.units"),
    NavItem("为民办实事", "console.matters"),
    NavItem("服务岗位", "console.posts"),
    NavItem("承诺践诺", "console.pledges"),
    NavItem("区域管理", "console.admin_areas", admins_only=True),
    NavItem("人员权限", "console.admin_staff", admins_only=True),
    NavItem("查看记录", "console.admin_contact_views", admins_only=True),
)


def is_admin(user) -> bool:
    return bool(user.grants_of("admin"))


def menu() -> list[dict]:
    """The entries this staff member sees, the current one marked."""
    user = g.get("user")
    if user is None:
        return []
    admin = is_admin(user)
    return [
        {"label": item.label, "endpoint": item.endpoint, "current": request.endpoint == item.endpoint}
        for item in NAV
        if item.endpoint in current_app.view_functions and (admin or not item.admins_only)
    ]


@blp.context_processor
def _menu():
    return {"menu": menu}
