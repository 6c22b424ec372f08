"""The points store (积分超市): rewards on a community's shelf, redemptions and their pick-up."""

from miniprogram_api.blueprint import Blueprint, current_user
from miniprogram_api.schemas.store import (
    CancelSchema,
    MyRedemptionsQuery,
    RedemptionListSchema,
    RedemptionSchema,
    RestockSchema,
    RewardCreateSchema,
    RewardEditSchema,
    RewardListQuery,
    RewardListSchema,
    RewardSchema,
    StaffRedemptionsQuery,
    VerifySchema,
    redemption_json,
    reward_json,
)
from server.areas.queries import get_area
from server.core.errors import Unprocessable
from server.ratelimits import REDEEM
from server.store import operations, queries

blp = Blueprint("store", __name__, url_prefix="/api/v1", description="The points store (积分超市)")


def _redemption(redemption):
    return blp.json(redemption_json(redemption, current_user().id))


def _page(rows_and_cursor, serialise):
    rows, next_cursor = rows_and_cursor
    return blp.json({"items": [serialise(row) for row in rows], "next_cursor": next_cursor})


# -- rewards --------------------------------------------------------------------------------


@blp.route("/rewards", methods=["GET"])
@blp.login_required
@blp.arguments(RewardListQuery, location="query")
@blp.response(200, RewardListSchema)
@blp.errors(404, 422)
def list_rewards(args):
    """The shelf seen from ``area_id`` (default: the caller's home grid): the rewards of its
    community's store and of the stores inside it, newest first, with price and stock."""
    area_id = args.pop("area_id") or current_user().home_grid_id
    if area_id is None:
        raise Unprocessable("请先绑定所在网格或指定 area_id", details={"area_id": ["请先绑定所在网格或指定 area_id"]})
    return _page(queries.rewards_at(get_area(area_id), **args), reward_json)


@blp.route("/rewards", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(RewardCreateSchema)
@blp.response(201, RewardSchema)
@blp.errors(403, 404)
def create_reward(body):
    """Put a reward on a community's (or grid's) shelf (its grid workers and admins)."""
    return blp.json(reward_json(operations.create_reward(current_user(), **body))), 201


@blp.route("/rewards/<id:reward_id>", methods=["GET"])
@blp.login_required
@blp.response(200, RewardSchema)
@blp.errors(404)
def get_reward(reward_id):
    return blp.json(reward_json(queries.reward(reward_id)))


@blp.route("/rewards/<id:reward_id>", methods=["PATCH"])
@blp.login_required
@blp.writes
@blp.arguments(RewardEditSchema)
@blp.response(200, RewardSchema)
@blp.errors(403, 404, 409)
def edit_reward(body, reward_id):
    """Change title, description, donor or price (staff); pending redemptions keep their price."""
    reward = operations.get_reward(reward_id)
    return blp.json(reward_json(operations.edit_reward(reward, current_user(), **body)))


@blp.route("/rewards/<id:reward_id>/restock", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(RestockSchema)
@blp.response(200, RewardSchema)
@blp.errors(403, 404, 409)
def restock_reward(body, reward_id):
    """Add items to the stock (staff)."""
    reward = operations.get_reward(reward_id)
    return blp.json(reward_json(operations.restock(reward, current_user(), **body)))


@blp.route("/rewards/<id:reward_id>/withdraw", methods=["POST"])
@blp.login_required
@blp.writes
@blp.response(200, RewardSchema)
@blp.errors(403, 404, 409)
def withdraw_reward(reward_id):
    """Take a reward off the shelf (staff); pending redemptions may still be picked up."""
    reward = operations.get_reward(reward_id)
    return blp.json(reward_json(operations.withdraw(reward, current_user())))


# -- redemptions ----------------------------------------------------------------------------


@blp.route("/rewards/<id:reward_id>/redeem", methods=["POST"])
@blp.login_required
@blp.writes
@blp.rate_limited(REDEEM)
@blp.response(201, RedemptionSchema)
@blp.errors(403, 404, 409)
def redeem_reward(reward_id):
    """Buy one item with points: 201 with the pick-up ``code`` (shown to the redeemer only);
    no stock (``out_of_stock``) or too few points (``insufficient_points``) → 409."""
    return _redemption(operations.redeem(current_user(), reward_id)), 201


@blp.route("/redemptions/<id:redemption_id>/verify", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(VerifySchema)
@blp.response(200, RedemptionSchema)
@blp.errors(403, 404, 409)
def verify_redemption(body, redemption_id):
    """Hand the item over against the redeemer's code (核销, staff of the store): once;
    a wrong code → 422 ``wrong_code``."""
    redemption = operations.get_redemption_to_act_on(current_user(), redemption_id)
    return _redemption(operations.verify(redemption, current_user(), **body))


@blp.route("/redemptions/<id:redemption_id>/cancel", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(CancelSchema)
@blp.response(200, RedemptionSchema)
@blp.errors(403, 404, 409)
def cancel_redemption(body, redemption_id):
    """Call off an uncollected redemption (the redeemer, or staff): the points come back as a
    reversing ledger entry and the item goes back on the shelf."""
    redemption = operations.get_redemption_to_act_on(current_user(), redemption_id)
    return _redemption(operations.cancel(redemption, current_user(), **body))


@blp.route("/me/redemptions", methods=["GET"])
@blp.login_required
@blp.arguments(MyRedemptionsQuery, location="query")
@blp.response(200, RedemptionListSchema)
def my_redemptions(args):
    """The caller's redemptions, newest first, with their pick-up codes."""
    user_id = current_user().id
    return _page(queries.my_redemptions(user_id, **args), lambda row: redemption_json(row, user_id))


@blp.route("/redemptions", methods=["GET"])
@blp.login_required
@blp.arguments(StaffRedemptionsQuery, location="query")
@blp.response(200, RedemptionListSchema)
@blp.errors(403, 404)
def staff_redemptions(args):
    """Redemptions of the stores the caller runs (staff), newest first: of one ``reward_id``,
    under one ``area_id``, or all of them; without the pick-up codes."""
    user = current_user()
    area_id = args.pop("area_id")
    area = get_area(area_id) if area_id else None
    return _page(queries.staff_redemptions(user, area=area, **args), lambda row: redemption_json(row, user.id))
