"""Who may do what with unit organisations and practical matters. A community's staff are
the grid workers of its grids and the admins at or above it."""

from sqlalchemy import or_, select

from server.accounts.models import User
from server.areas.models import Area
from server.areas.queries import subtree_condition
from server.core.extensions import db


def is_community_staff(user: User, community_path: str) -> bool:
    """Staff whose area is the community, lies inside it (a grid) or above it."""
    return any(area.covers(community_path) or area.path.startswith(community_path) for area in user.staff_areas())


def staff_scope(user: User, id_column, path_column):
    """SQL twin of is_community_staff over rows of a community (its id and path columns):
    rows in a staff area's subtree, or of a community on a staff area's path. None for
    someone who is no one's staff."""
    conditions = [_staff_area_condition(area, id_column, path_column) for area in user.staff_areas()]
    return or_(*conditions) if conditions else None


def _staff_area_condition(area: Area, id_column, path_column):
    # A grid's subtree holds no community and the community on its path is its parent; a
    # community or a node above has every community it is staff of in its subtree. One plain
    # condition per area, each of which an index answers.
    if area.level == "grid":
        return id_column == area.parent_id
    return subtree_condition(path_column, area)


def home_community_id(user: User):
    """SQL: the community of the person's home grid (a grid's parent is its community)."""
    return select(Area.parent_id).where(Area.id == user.home_grid_id).scalar_subquery()


def is_resident_of(user: User, community_id: int) -> bool:
    if user.home_grid_id is None:
        return False
    grid = db.session.get(Area, user.home_grid_id)
    return grid is not None and grid.parent_id == community_id


def can_view_matter(user: User, matter) -> bool:
    """Residents of the matter's community and its staff."""
    return is_community_staff(user, matter.area_path) or is_resident_of(user, matter.community_id)


def matter_scope(user: User, id_column, path_column):
    """SQL twin of can_view_matter."""
    resident = id_column == home_community_id(user) if user.home_grid_id is not None else None
    conditions = [
        condition for condition in (staff_scope(user, id_column, path_column), resident) if condition is not None
    ]
    return or_(*conditions) if conditions else None
