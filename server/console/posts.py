"""Service posts (设岗定责) in the console: the posts of the staff member's communities with
their places held, where places are short, and defining a post (where the API lets them)."""

from flask import g, render_template, request
from marshmallow import fields

from miniprogram_api.schemas.common import PageQuery
from miniprogram_api.schemas.posts import PostCreateSchema
from server.console import auth
from server.console.blueprint import blp
from server.console.civic import PAGE_ROWS, done, next_page_url, with_numbers
from server.console.forms import submitted
from server.posts import operations, queries
from server.posts.models import KINDS
from server.units.queries import staff_communities


class PostBoardQuery(PageQuery):
    short = fields.Boolean(load_default=False)


@blp.get("/posts")
@auth.staff_required
def posts():
    args = submitted(PostBoardQuery(), form=request.args)
    rows, next_cursor = queries.staff_posts(g.user, short=args["short"], cursor=args["cursor"], limit=PAGE_ROWS)
    # The shortage of each node the person is staff for, as GET /posts/shortage answers it; a
    # grid holds no post (posts are a community's), so a grid worker's has no row.
    shortages = [
        {"area": area, "rows": queries.shortage(area)} for area in g.user.staff_areas() if area.level != "grid"
    ]
    # Defining a post takes staff of the community itself (posts.operations.create_post).
    communities = [row for row in staff_communities(g.user) if g.user.is_staff_for(row.path)]
    return render_template(
        "console/posts/list.html",
        rows=rows,
        next_url=next_page_url(next_cursor),
        short=args["short"],
        shortages=shortages,
        communities=communities,
        kinds=KINDS,
    )


@blp.post("/posts")
@auth.staff_required
def create_post():
    body = submitted(PostCreateSchema(), form=with_numbers(request.form, "community_id", "capacity"))
    post = operations.create_post(g.user, **body)
    return done(f"已设立服务岗位「{post.title}」", "console.posts")
