"""Wishes: post, lists, detail, and one POST per lifecycle action (DESIGN §3–4).

Every action view is the same three steps — load the wish the caller names, run its one
operation, answer the wish — written out so each can be found and documented by its name.
"""

from miniprogram_api.blueprint import Blueprint, current_user
from miniprogram_api.schemas.wishes import (
    AssignSchema,
    CloseSchema,
    ConfirmSchema,
    DisputeSchema,
    FulfilSchema,
    ReasonSchema,
    ResolveSchema,
    ReviewSchema,
    WishCreateSchema,
    WishDetailSchema,
    WishListQuery,
    WishListSchema,
    wish_detail,
    wish_list,
)
from server.areas.queries import get_area, own_district_if_any
from server.core import worker_cache
from server.core.extensions import db
from server.ratelimits import WISH_POST
from server.wishes import contacts, operations, queries

# Open-pool pages, kept for reads (server/core/worker_cache.py): stale once this worker writes a wish or an area.
OPEN_POOL_PAGES = worker_cache.kind("open-pool", "wishes", "areas")

blp = Blueprint("wishes", __name__, url_prefix="/api/v1/wishes", description="Micro-wishes and their lifecycle")


def _detail(wish):
    """The wish as its detail answer shows it to the caller (docs/wish-visibility.md), an
    unmasked contact recorded in the write's transaction."""
    wish.timeline = queries.timeline_for(current_user(), wish)
    contacts.record_answered(current_user(), wish)
    return wish


def _named(wish_id: int):
    return operations.get_wish_to_act_on(current_user(), wish_id)


@blp.route("", methods=["POST"])
@blp.login_required
@blp.writes
@blp.rate_limited(WISH_POST)
@blp.arguments(WishCreateSchema)
@blp.response(201, WishDetailSchema)
@blp.errors(404)
def post_wish(body):
    """Post a wish in the resident's home grid (or ``grid_id``); it waits for review where review is on."""
    return _detail(operations.post_wish(current_user(), **body))


@blp.route("", methods=["GET"])
@blp.login_required
@blp.arguments(WishListQuery, location="query")
@blp.response(200, WishListSchema)
@blp.errors(404)
def list_wishes(args):
    """Newest first. Without ``mine``: the open pool plus what the caller posted, claims or
    manages as staff, of ``grid_id`` or ``area_id``, else of the caller's own district;
    ``mine=posted`` or ``claimed``: only those, wherever they are (docs/wish-visibility.md)."""
    area_id = args.pop("area_id")
    area = get_area(area_id) if area_id else None
    if area is None and args["grid_id"] is None and args["mine"] is None:
        area = own_district_if_any(current_user())  # another district's pool is theirs to browse, not ours to push
    if args["status"] == "open" and args["mine"] is None:
        # Every open wish is in the pool, so this page is the same for every caller: the
        # busiest read of all, a worker answers it from what it made in the last seconds.
        key = (area.id if area else None, *sorted(args.items()))
        return blp.reused_answer(OPEN_POOL_PAGES, key, lambda: wish_list(queries.open_pool_page(area, **args)))
    return blp.json(wish_list(queries.list_wishes(current_user(), area=area, **args)))


@blp.route("/<id:wish_id>", methods=["GET"])
@blp.login_required
@blp.response(200, WishDetailSchema)
@blp.errors(404)
def get_wish(wish_id):
    """One wish: open ones for everyone; the rest for its owner, claimer and the staff in scope,
    who alone see the unmasked address and phone and the timeline."""
    row, events, involved = queries.visible_wish(current_user(), wish_id)
    if contacts.record_answered(current_user(), row):
        db.session.commit()  # a read, yet the view it answers is recorded before it is sent
    return blp.json(wish_detail(row, events, involved))


# -- the lifecycle actions (DESIGN §3), one POST each ------------------------------------------


@blp.route("/<id:wish_id>/review", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(ReviewSchema)
@blp.response(200, WishDetailSchema)
@blp.errors(403, 404, 409)
def review_wish(body, wish_id):
    """Approve or reject a pending wish (grid worker of its grid)."""
    return _detail(operations.review(_named(wish_id), current_user(), **body))


@blp.route("/<id:wish_id>/cancel", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(ReasonSchema)
@blp.response(200, WishDetailSchema)
@blp.errors(403, 404, 409)
def cancel_wish(body, wish_id):
    """Withdraw a pending or open wish (its owner)."""
    return _detail(operations.cancel(_named(wish_id), current_user(), **body))


@blp.route("/<id:wish_id>/claim", methods=["POST"])
@blp.login_required
@blp.writes
@blp.response(200, WishDetailSchema)
@blp.errors(403, 404, 409, 429)
def claim_wish(wish_id):
    """Claim an open wish (verified party member); one claimer wins, others 409. A member
    holding ``CLAIMS_HELD_MAX`` (3) claims already → 429 ``too_many_claims`` with Retry-After."""
    return _detail(operations.claim(_named(wish_id), current_user()))


@blp.route("/<id:wish_id>/assign", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(AssignSchema)
@blp.response(200, WishDetailSchema)
@blp.errors(403, 404, 409)
def assign_wish(body, wish_id):
    """Give an open wish to a verified party member (grid worker)."""
    return _detail(operations.assign(_named(wish_id), current_user(), **body))


@blp.route("/<id:wish_id>/release", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(ReasonSchema)
@blp.response(200, WishDetailSchema)
@blp.errors(403, 404, 409)
def release_wish(body, wish_id):
    """Put a claimed wish back in the pool (claimer or grid worker)."""
    return _detail(operations.release(_named(wish_id), current_user(), **body))


@blp.route("/<id:wish_id>/fulfil", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(FulfilSchema)
@blp.response(200, WishDetailSchema)
@blp.errors(403, 404, 409)
def fulfil_wish(body, wish_id):
    """Report the wish done, with a note and photos (claimer)."""
    return _detail(operations.fulfil(_named(wish_id), current_user(), **body))


@blp.route("/<id:wish_id>/confirm", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(ConfirmSchema)
@blp.response(200, WishDetailSchema)
@blp.errors(403, 404, 409)
def confirm_wish(body, wish_id):
    """Confirm and rate 1–5 stars (owner); points go to the claimer."""
    return _detail(operations.confirm(_named(wish_id), current_user(), **body))


@blp.route("/<id:wish_id>/dispute", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(DisputeSchema)
@blp.response(200, WishDetailSchema)
@blp.errors(403, 404, 409)
def dispute_wish(body, wish_id):
    """Say the wish was not done (owner); a grid worker decides."""
    return _detail(operations.dispute(_named(wish_id), current_user(), **body))


@blp.route("/<id:wish_id>/resolve", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(ResolveSchema)
@blp.response(200, WishDetailSchema)
@blp.errors(403, 404, 409)
def resolve_wish(body, wish_id):
    """Settle a dispute: count it as confirmed, or reopen it (grid worker)."""
    return _detail(operations.resolve(_named(wish_id), current_user(), **body))


@blp.route("/<id:wish_id>/close", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(CloseSchema)
@blp.response(200, WishDetailSchema)
@blp.errors(403, 404, 409)
def close_wish(body, wish_id):
    """Close the ticket with a resolution (grid worker); final."""
    return _detail(operations.close(_named(wish_id), current_user(), **body))
