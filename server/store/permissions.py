"""Who may run a store and who may buy from it. Each check looks at roles and places; state is
checked after."""

from server.accounts.models import User
from server.core.errors import NotFound
from server.units.permissions import is_community_staff


def is_store_staff(user: User, area_path: str) -> bool:
    """Staff whose grant and the store's node lie on one line of the tree: an admin or grid
    worker of the node or above it, and the grid workers of the grids inside it, who run their
    community's store (核销 at the grid): the community staff rule, for a grid's store too."""
    return is_community_staff(user, area_path)


def can_redeem(reward, home_grid_path: str | None) -> bool:
    """The store is for the people who live under its node (their home grid)."""
    return home_grid_path is not None and home_grid_path.startswith(reward.area_path)


def may_see_redemption(user: User, redemption) -> bool:
    return user.id == redemption.user_id or is_store_staff(user, redemption.area_path)


def reward_not_found(reward_id: int) -> NotFound:
    return NotFound("未找到该兑换商品", details={"reward_id": reward_id})


def redemption_not_found(redemption_id: int) -> NotFound:
    """What a caller hears of a redemption they may not see, and of one that does not exist: the same."""
    return NotFound("未找到该兑换记录", details={"redemption_id": redemption_id})
