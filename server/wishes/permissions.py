"""Who may act on a wish. Each check looks at roles and relationships; state is checked after."""

from collections.abc import Callable
from dataclasses import dataclass

from server.accounts.models import User
from server.core.errors import NotFound
from server.uploads.models import Upload
from server.wishes.models import Wish


def is_staff(user: User, wish: Wish) -> bool:
    """Grid worker of the wish's grid, or admin of an area above it."""
    return user.is_staff_for(wish.area_path)


def is_involved(user: User | None, wish: Wish) -> bool:
    """Owner, claimer and staff in scope: they see the whole wish in every status — the
    address and phone unmasked, the notes, the timeline (docs/wish-visibility.md)."""
    if user is None:
        return False
    return user.id in (wish.owner_id, wish.claimer_id) or is_staff(user, wish)


def can_view(user: User, wish: Wish) -> bool:
    """An open wish is in the public pool; every other status only for those involved."""
    return wish.status == "open" or is_involved(user, wish)


def may_address(user: User, wish: Wish) -> bool:
    """May name the wish in an action: it has been in the pool, or they are involved. Whether
    they may take that action in its state is checked next, so a party member who lost a
    claim race hears 409 and someone else 403 — an answer without the wish's content."""
    return wish.opened_at is not None or is_involved(user, wish)


def is_owner(user: User, wish: Wish) -> bool:
    return user.id == wish.owner_id


def can_claim(user: User, wish: Wish) -> bool:
    return user.is_verified_party_member and user.id != wish.owner_id


def can_release(user: User, wish: Wish) -> bool:
    return (wish.claimer_id is not None and user.id == wish.claimer_id) or is_staff(user, wish)


def is_claimer(user: User, wish: Wish) -> bool:
    return wish.claimer_id is not None and user.id == wish.claimer_id


# The states a grid worker may close from, and the resolutions each allows.
_NOT_DONE = frozenset({"unresolved", "duplicate", "invalid"})
CLOSE_RESOLUTIONS = {
    "confirmed": frozenset({"completed"}),
    "disputed": _NOT_DONE,
    "open": _NOT_DONE,
    "rejected": _NOT_DONE,
}


@dataclass(frozen=True)
class StaffAction:
    """Who may take one of the console's actions (the check its operation makes first, 403) and
    the states it starts from (those its transition names, else 409)."""

    who: Callable[[User, Wish], bool]
    states: frozenset


STAFF_ACTIONS = {
    "approve": StaffAction(is_staff, frozenset({"pending_review"})),
    "reject": StaffAction(is_staff, frozenset({"pending_review"})),
    "assign": StaffAction(is_staff, frozenset({"open"})),
    "release": StaffAction(can_release, frozenset({"claimed"})),
    "resolve": StaffAction(is_staff, frozenset({"disputed"})),
    "close": StaffAction(is_staff, frozenset(CLOSE_RESOLUTIONS)),
}


def allowed_actions(user: User, wish) -> set[str]:
    """The actions of STAFF_ACTIONS the operations would let ``user`` take on ``wish`` (a Wish
    or a detail row) now: the console offers exactly these."""
    return {name for name, action in STAFF_ACTIONS.items() if wish.status in action.states and action.who(user, wish)}


def can_view_photo(user: User, upload: Upload, wishes: list[Wish]) -> bool:
    """Staff in scope of a wish using it always; while not hidden by a verdict, also its owner
    and anyone who may view such a wish. A hidden photo that no wish uses is seen by no one."""
    if any(is_staff(user, wish) for wish in wishes):
        return True
    if upload.hidden:
        return False
    return user.id == upload.owner_id or any(can_view(user, wish) for wish in wishes)


def not_found(wish_id: int) -> NotFound:
    """What a caller hears of a wish they may not see, and of one that does not exist: the same."""
    return NotFound("未找到该心愿", details={"wish_id": wish_id})
