from urllib.parse import unquote

from flask import current_app
from sqlalchemy import bindparam, select

from server.areas.models import Area, GridCode, path_ids
from server.core.errors import NotFound, Unprocessable
from server.core.extensions import db


def get_area(area_id: int) -> Area:
    area = db.session.get(Area, area_id)
    if area is None:
        raise NotFound("未找到该区域", details={"area_id": area_id})
    return area


def list_children(parent_id: int | None) -> list[Area]:
    if parent_id is not None:
        get_area(parent_id)
    condition = Area.parent_id.is_(None) if parent_id is None else Area.parent_id == parent_id
    return list(db.session.scalars(select(Area).where(condition).order_by(Area.id)))


def subtree_condition(path_column, area: Area):
    """SQL condition: ``path_column`` lies in ``area``'s subtree (an index-friendly prefix match).

    The pattern is written into the statement, not bound: PostgreSQL plans a bound pattern of a
    statement psycopg has prepared (reads keep them: no rollback clears them) once for any
    value, and that plan cannot use the prefix index."""
    escaped = area.path.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return path_column.like(bindparam(None, escaped + "%", literal_execute=True), escape="/")


def review_required_for(grid: Area) -> bool:
    """The nearest ancestor's switch wins; the setting applies when none is set."""
    ancestor_ids = path_ids(grid.path)
    overrides = db.session.execute(
        select(Area.id, Area.review_required).where(Area.id.in_(ancestor_ids), Area.review_required.is_not(None))
    ).all()
    if overrides:
        by_id = dict(overrides)
        nearest = max(by_id, key=ancestor_ids.index)
        return by_id[nearest]
    return current_app.config["REVIEW_REQUIRED"]


def root_area() -> Area:
    area = db.session.scalar(select(Area).where(Area.parent_id.is_(None)).order_by(Area.id).limit(1))
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
