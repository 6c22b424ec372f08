"""Service posts (设岗定责): staff define them; verified party members take and leave them."""

from miniprogram_api.blueprint import Blueprint, current_user
from miniprogram_api.schemas.posts import (
    HolderSchema,
    KindListSchema,
    PostCreateSchema,
    PostListQuery,
    PostListSchema,
    PostSchema,
    ShortageQuery,
    ShortageSchema,
    TakePostSchema,
)
from server.areas.queries import get_area
from server.core.errors import Forbidden, Unprocessable
from server.posts import operations, queries
from server.posts.models import KINDS

blp = Blueprint("posts", __name__, url_prefix="/api/v1/posts", description="Service posts (设岗定责)")


@blp.route("", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(PostCreateSchema)
@blp.response(201, PostSchema)
@blp.errors(403, 404)
def create_post(body):
    """Define a post of a community (its grid workers and admins)."""
    post = operations.create_post(current_user(), **body)
    return queries.post_with_holders(post.id)


@blp.route("", methods=["GET"])
@blp.login_required
@blp.arguments(PostListQuery, location="query")
@blp.response(200, PostListSchema)
@blp.errors(404)
def list_posts(args):
    """The posts of a node's subtree (default: the caller's home community), newest first, with
    their holders; ``short=true`` for those with places free."""
    area_id = args.pop("area_id")
    if area_id:
        items, next_cursor = queries.list_posts(get_area(area_id), **args)
    else:
        items, next_cursor = queries.list_posts(community_id=_home_community_id(), **args)
    return {"items": items, "next_cursor": next_cursor}


@blp.route("/kinds", methods=["GET"])
@blp.login_required
@blp.response(200, KindListSchema)
def kinds():
    """The kinds of post, with their Chinese names."""
    return {"items": [{"kind": kind, "name": name} for kind, name in KINDS.items()], "next_cursor": None}


@blp.route("/shortage", methods=["GET"])
@blp.login_required
@blp.arguments(ShortageQuery, location="query")
@blp.response(200, ShortageSchema)
@blp.errors(403, 404)
def shortage(args):
    """Per community of a node's subtree: places needed, held and short (staff of the node)."""
    area = get_area(args["area_id"])
    if not current_user().is_staff_for(area.path):
        raise Forbidden("只有该区域的网格员或管理员可以查看岗位缺员情况")
    return {"items": queries.shortage(area), "next_cursor": None}


@blp.route("/<id:post_id>", methods=["GET"])
@blp.login_required
@blp.response(200, PostSchema)
@blp.errors(404)
def get_post(post_id):
    """One post with its holders."""
    return queries.post_with_holders(post_id)


@blp.route("/<id:post_id>/holders", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(TakePostSchema)
@blp.response(201, HolderSchema)
@blp.errors(403, 404, 409)
def take_post(body, post_id):
    """Take a place on the post (a verified party member of its community), or, with
    ``member_id``, appoint one (staff). One post per member per community; a full post → 409."""
    return operations.take(operations.get_post(post_id), current_user(), **body)


@blp.route("/<id:post_id>/holders/<id:member_id>", methods=["DELETE"])
@blp.login_required
@blp.writes
@blp.response(204)
@blp.errors(403, 404)
def step_down(post_id, member_id):
    """Leave the post (the holder), or take a holder off it (staff of the community)."""
    operations.step_down(operations.get_post(post_id), current_user(), member_id=member_id)


def _home_community_id() -> int:
    """The community the caller's home grid belongs to (a grid's parent)."""
    user = current_user()
    if user.home_grid_id is None:
        raise Unprocessable("请先绑定所在网格或指定 area_id", details={"area_id": ["请先绑定所在网格或指定 area_id"]})
    return get_area(user.home_grid_id).parent_id
