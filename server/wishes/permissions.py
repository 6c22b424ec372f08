"""Who may act on a wish. Each check looks at roles and relationships; state is checked after."""

from server.accounts.models import User
from server.wishes.models import Wish


def is_staff(user: User, wish: Wish) -> bool:
    """Grid worker of the wish's grid, or admin of an area above it."""
    return user.is_staff_for(wish.area_path)


def sees_private(user: User | None, wish: Wish) -> bool:
    """Owner, claimer and staff in scope see the address and phone unmasked."""
    if user is None:
        return False
    return user.id in (wish.owner_id, wish.claimer_id) or is_staff(user, wish)


def can_view(user: User, wish: Wish) -> bool:
    """Wishes that reached the public pool are visible to all; the rest to those involved."""
    in_pool = wish.opened_at is not None and wish.status != "cancelled"
    return in_pool or sees_private(user, wish)


def is_owner(user: User, wish: Wish) -> bool:
    return user.id == wish.owner_id


def can_claim(user: User, wish: Wish) -> bool:
    return user.is_verified_party_member and user.id != wish.owner_id


def can_release(user: User, wish: Wish) -> bool:
    return (wish.claimer_id is not None and user.id == wish.claimer_id) or is_staff(user, wish)


def is_claimer(user: User, wish: Wish) -> bool:
    return wish.claimer_id is not None and user.id == wish.claimer_id
