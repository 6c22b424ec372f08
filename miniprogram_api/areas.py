from miniprogram_api.blueprint import Blueprint
from miniprogram_api.schemas import AreaListSchema, AreaQuery
from server.areas.queries import list_children

blp = Blueprint("areas", __name__, url_prefix="/api/v1", description="The area tree")


@blp.route("/areas")
@blp.login_required
@blp.arguments(AreaQuery, location="query")
@blp.response(200, AreaListSchema)
@blp.errors(404)
def areas(args):
    """Children of ``parent_id``; without it, the top of the tree (the district)."""
    return {"items": list_children(args["parent_id"]), "next_cursor": None}
