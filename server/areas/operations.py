import logging
import secrets
import string
from contextlib import contextmanager
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import func, literal, select, update

from server.areas.models import LEVELS, Area, GridCode
from server.areas.queries import get_area, subtree_condition
from server.core import clock
from server.core.dbtypes import insert_ignoring_duplicates
from server.core.errors import Conflict, Forbidden, ServiceUnavailable, Unprocessable
from server.core.extensions import db
from server.core.uniqueness import unique_constraint, unique_or_conflict
from server.wechat import client as wechat
from server.wechat.errors import InvalidRequest, RateLimited, WeChatError

if TYPE_CHECKING:  # accounts imports areas: a runtime import would be circular
    from server.accounts.models import User

log = logging.getLogger(__name__)

# A grid's scene: "g=" and 12 random letters and digits (62**12 keys), well inside WeChat's 32.
SCENE_PREFIX = "g="
SCENE_RANDOM_LENGTH = 12
# Printed on notice boards: WeChat's largest width.
BIND_CODE_WIDTH = 1280


def create_area(name: str, level: str, parent: Area | None = None, review_required: bool | None = None) -> Area:
    expected = expected_child_level(parent)
    if expected is None:
        raise Unprocessable(
            "网格下不能再建下级区域", code="grid_has_no_children", details={"parent_id": ["网格没有下级"]}
        )
    if level != expected:
        raise Unprocessable(details={"level": [f"应为 {expected}"]})
    area = Area(name=name, level=level, parent_id=parent.id if parent else None, review_required=review_required)
    db.session.add(area)
    db.session.flush()
    area.path = f"{parent.path if parent else '/'}{area.id}/"
    return area


def expected_child_level(parent: Area | None) -> str | None:
    """The level a child of ``parent`` has; None below a grid (a grid has no children)."""
    if parent is None:
        return "district"
    index = LEVELS.index(parent.level) + 1
    return LEVELS[index] if index < len(LEVELS) else None


def ensure_unique_sibling_name(name: str, parent_id: int | None, *, except_id: int | None = None) -> None:
    siblings = select(Area.id).where(
        Area.name == name, Area.parent_id.is_(None) if parent_id is None else Area.parent_id == parent_id
    )
    if except_id is not None:
        siblings = siblings.where(Area.id != except_id)
    if db.session.scalar(siblings.limit(1)) is not None:
        raise _duplicate_name()


_SIBLING_NAMES = unique_constraint(Area.__table__, "parent_id", "name")


@contextmanager
def sibling_names_unique(conflict: Conflict | None = None):
    """The check before a write (``ensure_unique_sibling_name``) answers the usual case; the
    unique constraint holds against a concurrent request naming the same sibling, answered the
    same 409 (or ``conflict``, where the caller has a better word for it)."""
    with unique_or_conflict(_SIBLING_NAMES, conflict or _duplicate_name()):
        yield


def _duplicate_name() -> Conflict:
    return Conflict("同一上级下已有同名区域", code="duplicate_area_name", details={"name": ["同级中已存在"]})


def rename_area(area: Area, name: str) -> Area:
    ensure_unique_sibling_name(name, area.parent_id, except_id=area.id)
    with sibling_names_unique():
        area.name = name
        db.session.flush()
    return area


def move_area(area: Area, new_parent: Area) -> Area:
    """Hang ``area`` (and its subtree) under ``new_parent``, one level above it.

    Every row that copies a node's path (each table's ``area_path``, found from the metadata so a
    new feature's table is covered the day it lands) is rewritten in the caller's transaction,
    so a query for a node sees the moved content at once and nothing is left at the old path.
    """
    if new_parent.path.startswith(area.path):
        raise Unprocessable(
            "不能移动到自身或其下级之下", code="move_into_itself", details={"parent_id": ["不能是自身或下级"]}
        )
    if expected_child_level(new_parent) != area.level:
        raise Unprocessable(details={"parent_id": [f"上级应为 {LEVELS[LEVELS.index(area.level) - 1]}"]})
    if new_parent.id == area.parent_id:
        return area
    ensure_unique_sibling_name(area.name, new_parent.id)
    old_prefix, new_prefix = area.path, f"{new_parent.path}{area.id}/"
    with sibling_names_unique():
        for table in db.metadata.sorted_tables:
            column = table.c.get("path") if table.name == Area.__tablename__ else table.c.get("area_path")
            if column is not None:
                db.session.execute(
                    update(table)
                    .where(subtree_condition(column, area))
                    .values({column.name: literal(new_prefix) + func.substr(column, len(old_prefix) + 1)})
                    .execution_options(synchronize_session=False)
                )
        db.session.execute(update(Area).where(Area.id == area.id).values(parent_id=new_parent.id))
    db.session.expire_all()
    return db.session.get(Area, area.id)


def retire_area(area: Area) -> Area:
    """Retire the node and everything below it (already retired parts keep their date)."""
    now = clock.now()
    db.session.execute(
        update(Area)
        .where(subtree_condition(Area.path, area), Area.retired_at.is_(None))
        .values(retired_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    return db.session.get(Area, area.id)


def grid_bind_code(user: "User", area_id: int) -> bytes:
    """The PNG of a grid's "bind me" mini-program code, for its staff to print.

    Drawn by WeChat on the first request and kept (WeChat's codes are permanent, and every
    drawing counts against a quota); when WeChat fails, nothing is kept and the next request
    asks again.
    """
    area = get_area(area_id)
    if not user.is_staff_for(area.path):
        raise Forbidden("只有负责该网格的网格员或管理员可以获取绑定二维码")
    if area.level != "grid":
        raise Unprocessable("只有网格才有绑定二维码", code="not_a_grid", details={"area_id": ["必须是网格"]})
    png = db.session.scalar(select(GridCode.png).where(GridCode.area_id == area.id))
    if png is not None:
        return png
    scene = SCENE_PREFIX + "".join(
        secrets.choice(string.ascii_letters + string.digits) for _ in range(SCENE_RANDOM_LENGTH)
    )
    return _keep_first(area.id, scene, _draw(scene))


def _draw(scene: str) -> bytes:
    try:
        return wechat.get_unlimited_qrcode(
            scene=scene,
            page=current_app.config["WECHAT_BIND_PAGE"],
            env_version=current_app.config["WECHAT_CODE_ENV_VERSION"],
            width=BIND_CODE_WIDTH,
        )
    except RateLimited:
        raise ServiceUnavailable("今日生成二维码的次数已达微信上限，请稍后重试", code="wechat_rate_limited") from None
    except InvalidRequest as exc:
        # A bad page or scene is our configuration, not the user's doing: worth an alert.
        log.error("getwxacodeunlimit refused our request: %s", exc)
        raise ServiceUnavailable("微信服务暂时不可用，请稍后重试", code="wechat_unavailable") from None
    except WeChatError:
        raise ServiceUnavailable("微信服务暂时不可用，请稍后重试", code="wechat_unavailable") from None


def _keep_first(area_id: int, scene: str, png: bytes) -> bytes:
    """Store the code unless a concurrent first request stored one already; answer the kept one.

    Its own transaction: the code is kept whatever the request does next, and the re-read
    sees the other request's row (the request's own snapshot might not).
    """
    table = GridCode.__table__
    with db.engine.begin() as connection:
        insert_ignoring_duplicates(
            table, connection=connection, area_id=area_id, scene=scene, png=png, created_at=clock.now()
        )
        kept = connection.execute(select(table.c.png).where(table.c.area_id == area_id)).scalar()
    if kept is None:  # the random scene collided with another grid's: the next request draws anew
        raise ServiceUnavailable("二维码生成失败，请重试", code="qrcode_conflict")
    return kept
