"""Who may administer which node: an admin grant at that node or above it."""

from server.accounts.models import User
from server.areas.models import Area
from server.core.errors import Forbidden


def administers(user: User, area: Area) -> bool:
    return any(grant.area.covers(area.path) for grant in user.grants_of("admin"))


def ensure_administers(user: User, area: Area) -> None:
    if not administers(user, area):
        raise Forbidden("只有该区域或其上级的管理员可以进行此操作", code="admin_required")


def ensure_any_admin(user: User) -> None:
    if not user.grants_of("admin"):
        raise Forbidden("仅管理员可以进行此操作", code="admin_required")
