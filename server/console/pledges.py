"""Pledges (承诺践诺) in the console: the year's pledges made in the grids the staff member may
assess, and assessing one, kept or not kept, once."""

from flask import g, render_template, request
from marshmallow import fields, validate

from miniprogram_api.schemas.pledges import AssessSchema, PledgeListQuery
from server.console import auth
from server.console.blueprint import blp
from server.console.civic import PAGE_ROWS, done, next_page_url
from server.console.forms import submitted
from server.core import clock
from server.pledges import operations, queries
from server.pledges.models import STATUSES

STATUS_NAMES = {"pending": "待评定", "kept": "已践诺", "not_kept": "未践诺"}


class PledgeBoardQuery(PledgeListQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))


@blp.get("/pledges")
@auth.staff_required
def pledges():
    args = submitted(PledgeBoardQuery(), form=request.args)
    year = args["year"] or clock.shanghai_today().year
    rows, next_cursor = queries.staff_pledges(
        g.user, year=year, status=args["status"], cursor=args["cursor"], limit=PAGE_ROWS
    )
    return render_template(
        "console/pledges/list.html",
        rows=rows,
        next_url=next_page_url(next_cursor),
        year=year,
        status=args["status"],
        statuses=STATUS_NAMES,
    )


@blp.post("/pledges/<id:pledge_id>/assess")
@auth.staff_required
def assess_pledge(pledge_id):
    body = submitted(AssessSchema())
    pledge = operations.assess(operations.get_pledge(pledge_id), g.user, **body)
    return done(f"已评定承诺：{STATUS_NAMES[pledge.status]}", "console.pledges", year=pledge.year)
