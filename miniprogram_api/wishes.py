"""Wishes: post, lists, detail, and one POST per lifecycle action (DESIGN §3–4)."""

from flask import current_app

from miniprogram_api.blueprint import Blueprint, current_user
from miniprogram_api.schemas import (
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
)
from server import recent
from server.areas.queries import get_area
from server.ratelimits import WISH_POST
from server.wishes import operations, queries

# Open-pool pages, kept for reads (server/recent.py): stale once this worker writes a wish or an area.
OPEN_POOL_PAGES = recent.kind("open-pool", "wishes", "areas")

_LIST_SCHEMA = WishListSchema()

blp = Blueprint("wishes", __name__, url_prefix="/api/v1/wishes", description="Micro-wishes and their lifecycle")


def _detail(wish):
    wish.timeline = queries.timeline(wish)
    return wish


@blp.route("", methods=["POST"])
@blp.login_required
@blp.writes
@blp.rate_limited(WISH_POST)
@blp.arguments(WishCreateSchema)
@blp.response(201, WishDetailSchema)
@blp.errors(400, 404)
def post_wish(body):
    """Post a wish in the resident's home grid (or ``grid_id``); it waits for review where review is on."""
    return _detail(operations.post_wish(current_user(), **body))


@blp.route("", methods=["GET"])
@blp.login_required
@blp.arguments(WishListQuery, location="query")
@blp.response(200, WishListSchema)
@blp.errors(404)
def list_wishes(args):
    """Newest first. Without ``mine``: the open pool plus what the caller posted, claimed or manages."""
    if args["status"] == "open" and args["mine"] is None:
        # Every open wish is in the pool, so this page is the same for every caller: the
        # busiest read of all, a worker answers it from what it read in the last seconds.
        seconds = current_app.config["RECENT_SECONDS"]
        key = tuple(sorted(args.items()))
        body = recent.remembered(OPEN_POOL_PAGES, key, seconds, lambda: _page_json(None, dict(args)))
    else:
        body = _page_json(current_user(), args)
    return current_app.response_class(body, mimetype="application/json")


def _page_json(user, args) -> bytes:
    area_id = args.pop("area_id")
    area = get_area(area_id) if area_id else None
    items, next_cursor = queries.list_wishes(user, area=area, **args)
    page = _LIST_SCHEMA.dump({"items": items, "next_cursor": next_cursor})
    return current_app.json.response(page).get_data()


@blp.route("/<id:wish_id>", methods=["GET"])
@blp.login_required
@blp.response(200, WishDetailSchema)
@blp.errors(404)
def get_wish(wish_id):
    return _detail(operations.get_visible_wish(current_user(), wish_id))


def _action(rule: str, operation, schema=None, doc: str = ""):
    """Register ``POST /wishes/<id>/<rule>``: load the wish, run one operation, answer the wish."""

    def view(*parsed_body, wish_id):
        wish = operations.get_visible_wish(current_user(), wish_id)
        body = parsed_body[0] if parsed_body else {}
        return _detail(operation(wish, current_user(), **body))

    view.__name__ = f"{rule}_wish"
    view.__doc__ = doc
    view = blp.errors(403, 404, 409)(blp.response(200, WishDetailSchema)(view))
    if schema is not None:
        view = blp.errors(400)(blp.arguments(schema)(view))
    view = blp.login_required(blp.writes(view))
    blp.route(f"/<id:wish_id>/{rule}", methods=["POST"])(view)


_action("review", operations.review, ReviewSchema, "Approve or reject a pending wish (grid worker of its grid).")
_action("cancel", operations.cancel, ReasonSchema, "Withdraw a pending or open wish (its owner).")
_action("claim", operations.claim, None, "Claim an open wish (verified party member); one claimer wins, others 409.")
_action("assign", operations.assign, AssignSchema, "Give an open wish to a verified party member (grid worker).")
_action("release", operations.release, ReasonSchema, "Put a claimed wish back in the pool (claimer or grid worker).")
_action("fulfil", operations.fulfil, FulfilSchema, "Report the wish done, with a note and photos (claimer).")
_action("confirm", operations.confirm, ConfirmSchema, "Confirm and rate 1–5 stars (owner); points go to the claimer.")
_action("dispute", operations.dispute, DisputeSchema, "Say the wish was not done (owner); a grid worker decides.")
_action(
    "resolve", operations.resolve, ResolveSchema, "Settle a dispute: count it as confirmed, or reopen (grid worker)."
)
_action("close", operations.close, CloseSchema, "Close the ticket with a resolution (grid worker); final.")
