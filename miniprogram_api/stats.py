from miniprogram_api.blueprint import Blueprint
from miniprogram_api.schemas import OverviewSchema, StatsQuery
from server.areas.queries import get_area, root_area
from server.wishes.queries import overview

blp = Blueprint("stats", __name__, url_prefix="/api/v1", description="Statistics for any node of the area tree")


@blp.route("/stats/overview")
@blp.login_required
@blp.arguments(StatsQuery, location="query")
@blp.response(200, OverviewSchema)
@blp.errors(404)
def stats_overview(args):
    """Counts by status and the response, resolution and satisfaction rates (dates in Asia/Shanghai)."""
    area = get_area(args["area_id"]) if args["area_id"] else root_area()
    return overview(area, args["date_from"], args["date_to"])
