"""The review queue: the pending wishes of the staff member's scope, oldest first with their
review deadline, and the party-membership applications they may review, each decided inline
by the same operations as the API (wishes: server/console/tickets.py's actions)."""

from flask import flash, g, redirect, render_template, url_for

from miniprogram_api.schemas.party import MembershipReviewSchema
from server.console import auth
from server.console.blueprint import blp
from server.console.forms import submitted
from server.core import clock
from server.core.extensions import db
from server.party import operations as party_operations
from server.party import queries as party_queries
from server.wishes import deadlines, permissions
from server.wishes import queries as wish_queries

QUEUE_ROWS = 50


@blp.get("/review")
@auth.staff_required
def review_queue():
    now = clock.now()
    grids = dict(wish_queries.staffed_grids(g.user))
    wishes = [
        {
            "row": row,
            "grid": grids.get(row.grid_id, ""),
            "deadline": deadlines.next_deadline(row),
            "may_review": "approve" in permissions.allowed_actions(g.user, row),
        }
        for row in wish_queries.review_queue(g.user, limit=QUEUE_ROWS)
    ]
    applications, _ = party_queries.review_queue(g.user, area=None, status="pending", cursor=None, limit=QUEUE_ROWS)
    return render_template("console/review.html", wishes=wishes, applications=applications, now=now)


@blp.post("/review/memberships/<id:application_id>")
@auth.staff_required
def review_membership(application_id: int):
    body = submitted(MembershipReviewSchema())
    application = party_operations.review(party_operations.get_application(application_id), g.user, **body)
    db.session.commit()
    flash("已通过认证申请" if application.status == "approved" else "已驳回认证申请", "success")
    return redirect(url_for("console.review_queue"), code=303)
