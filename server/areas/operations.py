from server.areas.models import LEVELS, Area
from server.errors import Unprocessable
from server.extensions import db


def create_area(name: str, level: str, parent: Area | None = None, review_required: bool | None = None) -> Area:
    expected = LEVELS[LEVELS.index(parent.level) + 1] if parent else "district"
    if level != expected:
        raise Unprocessable(details={"level": [f"应为 {expected}"]})
    area = Area(name=name, level=level, parent_id=parent.id if parent else None, review_required=review_required)
    db.session.add(area)
    db.session.flush()
    area.path = f"{parent.path if parent else '/'}{area.id}/"
    return area
