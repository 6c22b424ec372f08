"""Who sees a notice: everyone living below its node while it is up; its staff always."""

from server.accounts.models import User
from server.announcements.models import Announcement
from server.core import clock


def is_staff(user: User, notice) -> bool:
    """Grid workers and admins whose scope covers the notice's node (they see its read count)."""
    return user.is_staff_for(notice.area_path)


def is_up(notice) -> bool:
    """Neither withdrawn nor expired."""
    return notice.withdrawn_at is None and (notice.expires_at is None or notice.expires_at > clock.now())


def applies_to(notice, home_path: str | None) -> bool:
    """Published to the reader's home grid or a node above it."""
    return home_path is not None and home_path.startswith(notice.area_path)


def can_view(user: User, notice: Announcement, home_path: str | None) -> bool:
    return is_staff(user, notice) or (is_up(notice) and applies_to(notice, home_path))
