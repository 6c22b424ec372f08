from miniprogram_api.blueprint import Blueprint, current_user
from miniprogram_api.schemas.stats import OverviewSchema, StatsQuery
from server.stats.permissions import overview_area
from server.wishes.queries import overview

blp = Blueprint("stats", __name__, url_prefix="/api/v1", description="Statistics for any node of the area tree")


@blp.route("/stats/overview")
@blp.login_required
@blp.arguments(StatsQuery, location="query")
@blp.response(200, OverviewSchema)
@blp.errors(403, 404)
def stats_overview(args):
    """Counts by status and the response, resolution and satisfaction rates (dates in Asia/Shanghai).

    Who may read which node: staff (grid workers, admins) any node inside their grants; everyone
    else their home community or one of its grids, and nothing before they have a home grid (403
    `no_home_grid`). Another node answers 403. Without `area_id`: the widest node the caller may
    read (a district admin's district, a resident's community).
    """
    return overview(overview_area(current_user(), args["area_id"]), args["date_from"], args["date_to"])
