"""The area nodes a staff member works in, as a console page offers them: to choose whose list
to show and where a new activity, notice or reward goes. What may be done there is still for
the operations to decide; this only keeps the choices to the person's own part of the tree."""

from sqlalchemy import or_, select

from server.areas.models import Area, path_ids
from server.areas.queries import get_area, subtree_condition
from server.core.errors import Forbidden
from server.core.extensions import db


def nodes(user, *, levels: tuple[str, ...] | None = None, with_communities: bool = False) -> list[Area]:
    """The live nodes under the person's staff areas (those areas included), in tree order;
    ``with_communities`` adds the community above a grid they work (its store is theirs too)."""
    areas = user.staff_areas()
    if not areas:
        return []
    condition = or_(*(subtree_condition(Area.path, area) for area in areas))
    if with_communities:
        above = [area_id for area in areas for area_id in path_ids(area.path)]
        condition = or_(condition, Area.id.in_(above) & (Area.level == "community"))
    query = select(Area).where(condition, Area.retired_at.is_(None)).order_by(Area.path)
    if levels is not None:
        query = query.where(Area.level.in_(levels))
    return list(db.session.scalars(query))


def chosen(user, area_id: int | None, *, may_see=None) -> Area:
    """The node whose list a page shows: the one asked for, if the person may see it there
    (``may_see(user, path)``, by default: staff of it), else their first staff area."""
    areas = user.staff_areas()
    if area_id is None:
        return areas[0]
    area = get_area(area_id)
    if not (may_see(user, area.path) if may_see else user.is_staff_for(area.path)):
        raise Forbidden("只能查看自己负责区域的内容")
    return area
