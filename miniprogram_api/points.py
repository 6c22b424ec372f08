from miniprogram_api.blueprint import Blueprint, current_user
from miniprogram_api.schemas.common import PageQuery
from miniprogram_api.schemas.points import LeaderboardQuery, LeaderboardSchema, PointsSchema, point_entry_json
from server.areas.queries import get_area, root_area
from server.points import queries

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
    """Verified party members ranked by points in the month, the year, or all time."""
    area = get_area(args["area_id"]) if args["area_id"] else root_area()
    return {"items": queries.leaderboard(area, args["period"], args["limit"]), "next_cursor": None}
