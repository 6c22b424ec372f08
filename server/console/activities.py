"""Volunteer activities in the console: the list of the staff member's area, publishing one,
its sign-ups and waitlist, the printable check-in QR code, completing it with the hours."""

import segno
from flask import current_app, flash, g, redirect, render_template, request, url_for

from miniprogram_api.schemas.activities import ActivityCreateSchema, CompleteSchema
from server.activities import operations, permissions, queries
from server.activities.notifications import format_hours
from server.activities.roster import roster
from server.console import auth, form_values, scope
from server.console.blueprint import blp
from server.console.forms import place_page, submitted
from server.core import clock
from server.core.errors import Forbidden
from server.core.extensions import db
from server.core.privacy import mask_name

PAGE_ROWS = 30
STATUS_NAMES = {"upcoming": "未开始", "ongoing": "进行中", "ended": "已结束待确认", "completed": "已完成"}
SIGNUP_NAMES = {"signed_up": "已报名", "waitlisted": "候补"}
# The sign-up workbook is another section's page: linked once its view is registered.
WORKBOOK_ENDPOINT = "console.activity_signups_workbook"


def checkin_qr_svg(code: str) -> str:
    """The QR code the mini-program's check-in scans: exactly the activity's ``checkin_code``,
    as DESIGN §4's ``POST /activities/{id}/checkin {"code"}`` reads it. A full QR code, never a
    Micro QR (segno.make picks one for short texts), which WeChat's scanner does not read;
    without a fixed size, so the print stylesheet sizes it."""
    return segno.make_qr(code, error="m").svg_inline(omitsize=True, border=4, title=f"签到码 {code}")


@blp.get("/activities")
@auth.staff_required
def activities():
    args = place_page()
    area = scope.chosen(g.user, args["area_id"])
    rows, next_cursor = queries.list_activities(
        g.user, area, date_from=None, date_to=None, cursor=args["cursor"], limit=PAGE_ROWS
    )
    now = clock.now()
    shown = [{"row": row, "status": STATUS_NAMES[operations.activity_status(row, now)]} for row in rows]
    return render_template(
        "console/activities/list.html",
        rows=shown,
        area=area,
        areas=scope.nodes(g.user),
        next_cursor=next_cursor,
    )


@blp.get("/activities/new")
@auth.staff_required
def activity_form():
    return render_template("console/activities/new.html", areas=scope.nodes(g.user))


@blp.post("/activities")
@auth.staff_required
def activity_create():
    body = form_values.body(
        integers=("area_id", "capacity", "points_per_hour", "checkin_radius_m"),
        floats=("latitude", "longitude"),
        local_times=("starts_at", "ends_at"),
    )
    activity = operations.create_activity(g.user, **submitted(ActivityCreateSchema(), form=body))
    db.session.commit()
    flash(f"活动“{activity.title}”已发布", "success")
    return redirect(url_for("console.activity", activity_id=activity.id), code=303)


def _managed(activity_id: int):
    """The activity and its roster, for its organiser and the area's staff only."""
    activity = operations.get_activity(activity_id)
    return activity, roster(g.user, activity)


@blp.get("/activities/<id:activity_id>")
@auth.staff_required
def activity(activity_id):
    activity, people = _managed(activity_id)
    status = operations.activity_status(activity, clock.now())
    shown = [
        {
            "user_id": person.user_id,
            "name": mask_name(person.nickname),
            "status": SIGNUP_NAMES[person.status],
            "queued_at": person.queued_at,
            "checked_in_at": person.checked_in_at,
            "credited": format_hours(person.credited_minutes) if person.credited_minutes is not None else None,
            "credited_points": person.credited_points,
        }
        for person in people
    ]
    holders = [person for person in shown if person["status"] == SIGNUP_NAMES["signed_up"]]
    return render_template(
        "console/activities/detail.html",
        activity=activity,
        status=status,
        status_name=STATUS_NAMES[status],
        holders=holders,
        waitlist=[person for person in shown if person["status"] == SIGNUP_NAMES["waitlisted"]],
        checked_in=[person for person in holders if person["checked_in_at"] is not None],
        length_hours=format_hours(activity.length_minutes),
        workbook=WORKBOOK_ENDPOINT if WORKBOOK_ENDPOINT in current_app.view_functions else None,
    )


@blp.get("/activities/<id:activity_id>/qr")
@auth.staff_required
def activity_qr(activity_id):
    activity = operations.get_activity(activity_id)
    if not permissions.may_manage(g.user, activity):
        raise Forbidden("只有活动组织者或该区域的网格员、管理员可以打印签到码")
    return render_template("console/activities/qr.html", activity=activity, svg=checkin_qr_svg(activity.checkin_code))


@blp.post("/activities/<id:activity_id>/complete")
@auth.staff_required
def activity_complete(activity_id):
    activity = operations.get_activity(activity_id)
    hours = {
        name.removeprefix("hours-"): form_values.number(value)
        for name, value in request.form.items()
        if name.startswith("hours-") and value.strip()
    }
    body = submitted(CompleteSchema(), form={"hours": hours} if hours else {})
    credited = operations.complete(activity, g.user, **body)
    db.session.commit()
    flash(f"活动已确认完成，已为 {len(credited)} 名签到党员记录时长和积分", "success")
    return redirect(url_for("console.activity", activity_id=activity.id), code=303)
