"""The console's pages. Like the API's views they parse, call one operation or query, and
render; one commit per request that writes."""

from flask import g, redirect, render_template, request, url_for

from server import ratelimits
from server.accounts.staff_passwords import sign_out_everywhere, signed_in
from server.console import auth
from server.console.blueprint import blp
from server.console.filters import age_text
from server.core import clock
from server.core.extensions import db
from server.wishes import queries as wish_queries
from server.wishes.notifications import STATUS_NAMES

BOARD_ROWS = 50
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
    wishes, _ = wish_queries.list_wishes(g.user, limit=BOARD_ROWS, mine="staffed")
    now = clock.now()
    rows = [
        {
            "number": row.number,
            "title": row.title,
            "status": STATUS_NAMES[row.status],
            "age": age_text(now - row.created_at),
        }
        for row in wishes
    ]
    return render_template("console/board.html", rows=rows, areas=g.user.staff_areas())
