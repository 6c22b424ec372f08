from miniprogram_api.blueprint import Blueprint, current_user
from miniprogram_api.schemas.common import PageQuery
from miniprogram_api.schemas.points import (
    LeaderboardQuery,
    LeaderboardSchema,
    PointsSchema,
    leaderboard_row_json,
    point_entry_json,
)
from server.areas.queries import get_area, own_district
from server.points import queries
from server.rankings import queries as rankings

blp = Blueprint("points", __name__, url_prefix="/api/v1", description="Points and rankings")


@blp.route("/me/points")
@blp.login_required
@blp.arguments(PageQuery, location="query")
@blp.response(200, PointsSchema)
def my_points(args):
    user = current_user()
    rows, next_cursor = queries.entries(user.id, cursor=args["cursor"], limit=args["limit"])
    items = [point_entry_json(row) for row in rows]
    return blp.json({"balance": queries.balance(user.id), "items": items, "next_cursor": next_cursor})


@blp.route("/leaderboard")
@blp.login_required
@blp.arguments(LeaderboardQuery, location="query")
@blp.response(200, LeaderboardSchema)
@blp.errors(404)
def leaderboard(args):
    """Verified party members (``by=member``), grids or unit organisations of the area's subtree
    (default: the caller's own district) ranked by points earned in the month, the year, or all
    time, with their volunteer hours and the caller's own row."""
    area = get_area(args["area_id"]) if args["area_id"] else own_district(current_user())
    by = args["by"]
    page, own = rankings.leaderboard(
        area, period=args["period"], by=by, limit=args["limit"], viewer_id=current_user().id
    )
    items = [leaderboard_row_json(row, by) for row in page]
    me = leaderboard_row_json(own, by) if own is not None else None
    return blp.json({"items": items, "me": me, "next_cursor": None})
