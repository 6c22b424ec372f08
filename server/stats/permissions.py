"""Who may read the numbers of which node of the area tree.

- Staff (grid workers, admins) read any node inside a grant of theirs: a grid worker their
  grids, a community admin the community and its grids, a district admin everything below.
- Everyone else reads their home community at most (the community or one of its grids): the
  figures a community puts on its notice board. Someone with no home grid reads nothing yet.

Without ``area_id`` the overview is of the widest node the caller may read.

What lists wishes and people one by one (the console's monthly reports) is read within the staff
grants alone: the home community opens its figures, not its rows (docs/wish-visibility.md).
"""

from server.accounts.models import User
from server.areas.models import Area
from server.areas.queries import get_area
from server.core.errors import Forbidden


def readable_areas(user: User) -> list[Area]:
    """The nodes whose subtrees ``user`` may read, widest first."""
    areas = list(user.staff_areas())
    if user.home_grid_id is not None:
        grid = get_area(user.home_grid_id)
        areas.append(get_area(grid.parent_id) if grid.parent_id is not None else grid)
    return sorted(areas, key=lambda area: (area.path.count("/"), area.id))


def report_areas(user: User) -> list[Area]:
    """The nodes whose rows (each wish, each volunteer) ``user`` may read, widest first."""
    return sorted(user.staff_areas(), key=lambda area: (area.path.count("/"), area.id))


def overview_area(user: User, area_id: int | None) -> Area:
    """The node to count for ``user``: ``area_id`` if they may read it (403 otherwise), or
    the widest node they may read."""
    return _area_within(readable_areas(user), area_id)


def report_area(user: User, area_id: int | None) -> Area:
    """As ``overview_area``, for a report that lists the node's rows: within the staff grants."""
    return _area_within(report_areas(user), area_id)


def _area_within(readable: list[Area], area_id: int | None) -> Area:
    if area_id is None:
        if not readable:
            raise Forbidden("请先绑定所在网格", code="no_home_grid")
        return readable[0]
    area = get_area(area_id)
    if not any(scope.covers(area.path) for scope in readable):
        raise Forbidden("无权查看该区域的统计", details={"area_id": area_id})
    return area
