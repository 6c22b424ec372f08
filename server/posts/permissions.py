"""Who may do what with service posts."""

from server.accounts.models import User
from server.posts.models import ServicePost


def is_staff(user: User, post: ServicePost) -> bool:
    """Grid workers and admins whose scope covers the post's community."""
    return user.is_staff_for(post.area_path)


def may_take(user: User, post: ServicePost, home_path: str | None) -> bool:
    """A verified party member whose home grid lies in the post's community."""
    return user.is_verified_party_member and home_path is not None and home_path.startswith(post.area_path)


def may_remove(user: User, post: ServicePost, member_id: int) -> bool:
    """The holder steps down; staff of the community may take them off."""
    return user.id == member_id or is_staff(user, post)
