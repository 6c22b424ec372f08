"""Notices (通知公告, DESIGN §4): staff publish to a node; everyone living below it reads them."""

from miniprogram_api.blueprint import Blueprint, current_user
from miniprogram_api.schemas.announcements import (
    AnnouncementCreateSchema,
    AnnouncementListQuery,
    AnnouncementListSchema,
    AnnouncementSchema,
    ReadMarkSchema,
)
from server.announcements import operations, queries
from server.areas.queries import get_area
from server.core.errors import Forbidden
from server.ratelimits import ANNOUNCEMENT_POST

blp = Blueprint("announcements", __name__, url_prefix="/api/v1/announcements", description="Notices (通知公告)")


@blp.route("", methods=["POST"])
@blp.login_required
@blp.writes
@blp.rate_limited(ANNOUNCEMENT_POST)
@blp.arguments(AnnouncementCreateSchema)
@blp.response(201, AnnouncementSchema)
@blp.errors(403, 404)
def publish(body):
    """Publish a notice to a node (a grid worker or admin whose scope covers it), optionally
    pinned and with an expiry."""
    user = current_user()
    notice = operations.publish(user, **body)
    return queries.visible(user, None, notice.id)


@blp.route("", methods=["GET"])
@blp.login_required
@blp.arguments(AnnouncementListQuery, location="query")
@blp.response(200, AnnouncementListSchema)
@blp.errors(403, 404)
def list_announcements(args):
    """The notices up now that apply to the caller (their home grid and every node above it;
    with ``area_id``, staff of that node also see its subtree's), pinned first, newest first,
    each with ``read``; staff of a notice's node also see its ``read_count``."""
    user = current_user()
    area = get_area(args["area_id"]) if args["area_id"] else None
    if area is not None and not user.is_staff_for(area.path):
        raise Forbidden("只有该区域的网格员或管理员可以查看其下的全部通知")
    items, next_cursor = queries.list_for(user, _home_path(), area, cursor=args["cursor"], limit=args["limit"])
    return {"items": items, "next_cursor": next_cursor}


@blp.route("/<id:announcement_id>", methods=["GET"])
@blp.login_required
@blp.writes
@blp.response(200, AnnouncementSchema)
@blp.errors(404)
def get_announcement(announcement_id):
    """One notice; opening it marks it read for the caller."""
    return _read(announcement_id)


@blp.route("/<id:announcement_id>/read", methods=["POST"])
@blp.login_required
@blp.writes
@blp.response(200, ReadMarkSchema)
@blp.errors(404)
def mark_read(announcement_id):
    """Mark the notice read without fetching it (idempotent)."""
    notice = _read(announcement_id)
    return {"id": notice["id"], "read": True}


@blp.route("/<id:announcement_id>", methods=["DELETE"])
@blp.login_required
@blp.writes
@blp.response(200, AnnouncementSchema)
@blp.errors(403, 404, 409)
def withdraw(announcement_id):
    """Withdraw the notice (staff whose scope covers its node): it leaves every reader's list."""
    user = current_user()
    operations.withdraw(operations.get_notice(announcement_id), user)
    return queries.visible(user, None, announcement_id)


def _read(announcement_id: int) -> dict:
    user = current_user()
    notice = queries.visible(user, _home_path(), announcement_id)
    if operations.mark_read(user, announcement_id):
        notice["read"] = True
        if notice["read_count"] is not None:
            notice["read_count"] += 1
    return notice


def _home_path() -> str | None:
    home_grid_id = current_user().home_grid_id
    return get_area(home_grid_id).path if home_grid_id is not None else None
