from flask import Response

from miniprogram_api.blueprint import Blueprint, current_user
from miniprogram_api.schemas.areas import AreaListSchema, AreaQuery
from server.areas.operations import grid_bind_code
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


@blp.route("/areas/<id:area_id>/qrcode")
@blp.login_required
@blp.response(
    200,
    {"type": "string", "format": "binary"},
    content_type="image/png",
    description='The grid\'s "bind me" mini-program code',
)
@blp.errors(403, 404, 422, 503)
def grid_qrcode(area_id):
    """The grid's "bind me" mini-program code as a PNG, for the grid's staff to print."""
    response = Response(grid_bind_code(current_user(), area_id), mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
