"""Pledges (承诺践诺): a verified party member's public pledge for the year, assessed by the
grid worker at year end."""

from miniprogram_api.blueprint import Blueprint, current_user
from miniprogram_api.schemas.pledges import (
    AssessSchema,
    PledgeListQuery,
    PledgeListSchema,
    PledgeSchema,
    PledgeTextSchema,
)
from server.core import clock
from server.core.errors import Unprocessable
from server.pledges import operations, queries

blp = Blueprint("pledges", __name__, url_prefix="/api/v1/pledges", description="Party members' pledges (承诺践诺)")


@blp.route("", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(PledgeTextSchema)
@blp.response(201, PledgeSchema)
@blp.errors(403, 409)
def make_pledge(body):
    """Make this year's public pledge (verified party member; one a year)."""
    return queries.pledge(operations.make_pledge(current_user(), **body).id)


@blp.route("", methods=["GET"])
@blp.login_required
@blp.arguments(PledgeListQuery, location="query")
@blp.response(200, PledgeListSchema)
@blp.errors(422)
def list_pledges(args):
    """A grid's pledges of a year (default: the caller's home grid, this year), newest first,
    with their assessment."""
    grid_id = args.pop("grid_id") or current_user().home_grid_id
    if grid_id is None:
        raise Unprocessable("请先绑定所在网格或指定 grid_id", details={"grid_id": ["请先绑定所在网格或指定 grid_id"]})
    year = args.pop("year") or clock.shanghai_today().year
    items, next_cursor = queries.list_pledges(grid_id=grid_id, year=year, **args)
    return {"items": items, "next_cursor": next_cursor}


@blp.route("/<id:pledge_id>", methods=["GET"])
@blp.login_required
@blp.response(200, PledgeSchema)
@blp.errors(404)
def get_pledge(pledge_id):
    return queries.pledge(pledge_id)


@blp.route("/<id:pledge_id>", methods=["PATCH"])
@blp.login_required
@blp.writes
@blp.arguments(PledgeTextSchema)
@blp.response(200, PledgeSchema)
@blp.errors(403, 404, 409)
def edit_pledge(body, pledge_id):
    """Change the pledge's text (its member), until it is assessed."""
    operations.edit_pledge(operations.get_pledge(pledge_id), current_user(), **body)
    return queries.pledge(pledge_id)


@blp.route("/<id:pledge_id>/assess", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(AssessSchema)
@blp.response(200, PledgeSchema)
@blp.errors(403, 404, 409)
def assess_pledge(body, pledge_id):
    """Mark the pledge kept or not kept, with a note (the grid worker of its grid, or an admin
    above); a kept pledge earns its member points once. Twice → 409."""
    operations.assess(operations.get_pledge(pledge_id), current_user(), **body)
    return queries.pledge(pledge_id)
