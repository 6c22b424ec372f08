from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

from flask import current_app
from sqlalchemy import bindparam, func, select

from server.areas import rules
from server.areas.models import Area, GridCode, path_ids
from server.core.errors import Conflict, NotFound, Unprocessable
from server.core.extensions import db

_AREAS = Area.__table__


def get_area(area_id: int) -> Area:
    area = db.session.get(Area, area_id)
    if area is None:
        raise _not_found(area_id)
    return area


def _not_found(area_id: int) -> NotFound:
    return NotFound("未找到该区域", details={"area_id": area_id})


def ensure_accepts_new_content(area) -> None:
    """A retired node (``Area`` or ``ReviewedArea``) takes no new wishes, activities or residents."""
    if area.retired_at is not None:
        raise Conflict("该区域已撤销，不能再添加新内容", code="area_retired", details={"area_id": area.id})


def list_children(parent_id: int | None) -> list[Area]:
    """The live children: a retired node is no longer offered to pick."""
    if parent_id is not None:
        get_area(parent_id)
    condition = Area.parent_id.is_(None) if parent_id is None else Area.parent_id == parent_id
    condition &= Area.retired_at.is_(None)
    return list(db.session.scalars(select(Area).where(condition).order_by(Area.id)))


def subtree_condition(path_column, area: Area):
    """SQL condition: ``path_column`` lies in ``area``'s subtree (an index-friendly prefix match).

    The pattern is written into the statement, not bound: PostgreSQL plans a bound pattern of a
    statement psycopg has prepared (reads keep them: no rollback clears them) once for any
    value, and that plan cannot use the prefix index."""
    escaped = area.path.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return path_column.like(bindparam(None, escaped + "%", literal_execute=True), escape="/")


@dataclass(frozen=True)
class ReviewedArea:
    """What posting in an area reads of it: where it is, and whether its wishes wait for review."""

    id: int
    level: str
    path: str
    review_required: bool
    retired_at: datetime | None = None
    windows: rules.Windows | None = None


def _nearest_review_switch():
    """The review switch of the nearest node at or above the area of the outer query that has
    one set (ancestors are the nodes whose path is a prefix of its path)."""
    ancestor = _AREAS.alias("ancestor")
    return (
        select(ancestor.c.review_required)
        .where(ancestor.c.review_required.is_not(None), _AREAS.c.path.startswith(ancestor.c.path))
        .order_by(func.length(ancestor.c.path).desc())
        .limit(1)
        .scalar_subquery()
    )


_REVIEWED_AREA = select(
    _AREAS.c.id,
    _AREAS.c.level,
    _AREAS.c.path,
    _nearest_review_switch(),
    _AREAS.c.retired_at,
    *rules.community_columns(_AREAS, _AREAS.c.path),
).where(_AREAS.c.id == bindparam("area_id"))


def reviewed_area(area_id: int) -> ReviewedArea:
    """The area (404 as ``get_area``) with whether review is required there and its lifecycle
    windows, in one statement: the nearest ancestor's switch wins; the setting applies when
    none is set."""
    row = db.session.execute(_REVIEWED_AREA, {"area_id": area_id}).first()
    if row is None:
        raise _not_found(area_id)
    found_id, level, path, switch, retired_at, *own_windows = row
    required = current_app.config["REVIEW_REQUIRED"] if switch is None else switch
    windows = rules.windows_from(dict(zip(rules.WINDOW_NAMES, own_windows, strict=True)))
    return ReviewedArea(found_id, level, path, required, retired_at, windows)


def own_district(user) -> Area:
    """The district a list without ``area_id`` is of: that of the caller's home grid, else of
    their first staff area, else (a new resident with neither) the first district; 404 before
    any district exists. One statement at most: a staff area's path comes loaded with the
    caller's grants."""
    district = own_district_if_any(user)
    if district is None:
        raise NotFound("尚未配置区域")
    return district


def own_district_if_any(user) -> Area | None:
    """``own_district``, or None while the area tree is empty (nothing can be listed yet)."""
    if user.home_grid_id is None and user.grants:
        return db.session.get(Area, path_ids(user.grants[0].area.path)[0])
    if user.home_grid_id is None:
        return _first_district()
    home = select(Area.path).where(Area.id == user.home_grid_id).scalar_subquery()
    district = db.session.scalar(select(Area).where(Area.parent_id.is_(None), home.startswith(Area.path)))
    return district if district is not None else _first_district()


def _first_district() -> Area | None:
    return db.session.scalar(select(Area).where(Area.parent_id.is_(None)).order_by(Area.id).limit(1))


def root_area() -> Area:
    area = _first_district()
    if area is None:
        raise NotFound("尚未配置区域")
    return area


# The characters WeChat allows in a mini-program code's scene (at most 32 of them).
SCENE_CHARACTERS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$&'()*+,/:;=?@-._~")


def grid_for_scene(scene: str) -> Area:
    """The grid whose "bind me" code carries ``scene``. The mini-program receives the scene
    URL-encoded ("g%3D…"); it may pass it on as it came or decoded, both are understood."""
    scene = unquote(scene)
    code = None
    if 1 <= len(scene) <= 32 and set(scene) <= SCENE_CHARACTERS:
        code = db.session.scalar(select(GridCode).where(GridCode.scene == scene))
    if code is None:
        raise Unprocessable(
            "未找到该二维码对应的网格，请扫描网格张贴的绑定二维码",
            code="unknown_scene",
            details={"scene": ["未找到对应的网格"]},
        )
    return get_area(code.area_id)
