"""The console's pages. Like the API's views they parse, call one operation or query, and
render; one commit per request that writes."""

import re

from flask import g, redirect, render_template, request, url_for
from marshmallow import fields, validate

from miniprogram_api.schemas.common import text
from miniprogram_api.schemas.wishes import WishListQuery
from server import ratelimits
from server.accounts.staff_passwords import sign_out_everywhere, signed_in
from server.console import auth
from server.console.blueprint import blp
from server.console.filters import age_text
from server.console.forms import submitted
from server.core import clock
from server.core.extensions import db
from server.wishes import deadlines
from server.wishes import queries as wish_queries
from server.wishes.models import CATEGORIES, is_escalated
from server.wishes.notifications import STATUS_NAMES

BOARD_ROWS = 50
BOARD_FLAGS = {"escalated": "已上报", "overdue": "已超时"}
# A wish's number: its Shanghai posting date and its id (operations.post_wish).
WISH_NUMBER = re.compile(r"\d{14,}")
SIGN_IN_REFUSED = "用户名或密码错误，或该账号没有工作台权限"


@blp.get("/login")
def login():
    if auth.signed_in_credential() is not None:
        return redirect(url_for("console.board"))
    return render_template("console/login.html")


@blp.post("/login")
def login_submit():
    # Both limits are read before the password is checked and counted only when it is refused.
    return ratelimits.check(
        ratelimits.CONSOLE_ADDRESS_FAILED, ratelimits.check, ratelimits.CONSOLE_SIGN_IN_FAILED, _sign_in
    )


def _sign_in():
    username = request.form.get("username", "")
    credential = signed_in(username, request.form.get("password", ""))
    if credential is None:
        db.session.rollback()
        return render_template("console/login.html", error=SIGN_IN_REFUSED, username=username), 401
    auth.start_session(credential)
    db.session.commit()  # a rehashed password
    return redirect(url_for("console.board"), code=303)


@blp.post("/logout")
@auth.staff_required
def logout():
    sign_out_everywhere(g.staff)
    db.session.commit()
    auth.end_session()
    return redirect(url_for("console.login"), code=303)


@blp.get("/")
@auth.staff_required
def board():
    args = submitted(BoardQuery(), form=request.args)
    query = args.pop("q")
    if query and WISH_NUMBER.fullmatch(query):
        args["number"] = query
    elif query:
        args["text"] = query
    flag = args.pop("flag")
    now = clock.now()
    wishes, next_cursor = wish_queries.list_wishes(
        g.user,
        limit=BOARD_ROWS,
        mine="staffed",
        escalated=flag == "escalated",
        overdue=deadlines.overdue_cutoffs(now) if flag == "overdue" else None,
        **args,
    )
    grids = wish_queries.staffed_grids(g.user)
    rows = [board_row(row, dict(grids), now) for row in wishes]
    if flag == "overdue":  # the statement's cutoffs are the shortest windows': keep the late ones
        rows = [row for row in rows if row["overdue"]]
    more = url_for("console.board", **{**_filters_given(), "cursor": next_cursor}) if next_cursor else None
    page = {"rows": rows, "more": more}
    if request.headers.get("HX-Request") and request.args.get("cursor"):
        return render_template("console/_board_rows.html", **page)
    return render_template(
        "console/board.html",
        **page,
        areas=g.user.staff_areas(),
        grids=grids,
        filters=_filters_given(),
        statuses=STATUS_NAMES,
        categories=CATEGORIES,
        flags=BOARD_FLAGS,
    )


class BoardQuery(WishListQuery):
    """The board's filters, in the query string: the API list's, and a search and a flag."""

    class Meta:
        exclude = ("mine", "area_id", "limit")

    q = text(50)
    flag = fields.String(load_default=None, validate=validate.OneOf(list(BOARD_FLAGS)))


def _filters_given() -> dict:
    return {name: value for name, value in request.args.items() if name != "cursor" and value != ""}


def board_row(row, grid_names: dict, now) -> dict:
    """What a board row shows of a list row: its age and the deadline it is heading for (by its
    community's windows: one read per community, the session keeps it)."""
    deadline = deadlines.next_deadline(row)
    return {
        "id": row.id,
        "number": row.number,
        "title": row.title,
        "grid": grid_names.get(row.grid_id, ""),
        "status": STATUS_NAMES[row.status],
        "escalated": is_escalated(row),
        "age": age_text(now - row.created_at),
        "deadline": deadline,
        "overdue": deadline is not None and deadline.passed(now),
    }
