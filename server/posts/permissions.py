"""Who may do what with service posts."""

from server.accounts.models import User
from server.posts.models import ServicePost


def is_staff(user: User, post: ServicePost) -> bool:
    """Grid workers and admins whose scope covers the post's community."""
    return user.is_staff_for(post.area_path)


def lives_in_community(home_path: str | None, post: ServicePost) -> bool:
    """Whether a home grid (its path) lies in the post's community: a verified party member
    takes only such posts themselves; staff may appoint anyone verified."""
    return home_path is not None and home_path.startswith(post.area_path)


def may_remove(user: User, post: ServicePost, member_id: int) -> bool:
    """The holder steps down; staff of the community may take them off."""
    return user.id == member_id or is_staff(user, post)
