"""Notices (通知公告) in the console: every notice of the staff member's area with its read
count, withdrawn and expired ones marked; publishing one; withdrawing one."""

from flask import flash, g, redirect, render_template, url_for

from miniprogram_api.schemas.announcements import AnnouncementCreateSchema
from server import ratelimits
from server.announcements import operations, permissions, queries
from server.console import auth, form_values, scope
from server.console.blueprint import blp
from server.console.forms import place_page, submitted
from server.core.extensions import db

PAGE_ROWS = 30


def state_of(row) -> str:
    if row.withdrawn_at is not None:
        return "已撤回"
    return "展示中" if permissions.is_up(row) else "已过期"


@blp.get("/announcements")
@auth.staff_required
def announcements():
    args = place_page()
    area = scope.chosen(g.user, args["area_id"])
    rows, next_cursor = queries.for_staff(g.user, area, cursor=args["cursor"], limit=PAGE_ROWS)
    return render_template(
        "console/announcements/list.html",
        rows=[{"row": row, "state": state_of(row)} for row in rows],
        area=area,
        areas=scope.nodes(g.user),
        next_cursor=next_cursor,
    )


@blp.post("/announcements")
@auth.staff_required
def announcement_publish():
    # The mini-program's daily limit per staff member holds here too, whichever way they publish.
    return ratelimits.check(ratelimits.ANNOUNCEMENT_POST, _publish)


def _publish():
    body = form_values.body(integers=("area_id",), local_times=("expires_at",), booleans=("pinned",))
    notice = operations.publish(g.user, **submitted(AnnouncementCreateSchema(), form=body))
    db.session.commit()
    ratelimits.mark_made()
    flash(f"通知“{notice.title}”已发布", "success")
    return redirect(url_for("console.announcements", area_id=notice.area_id), code=303)


@blp.post("/announcements/<id:announcement_id>/withdraw")
@auth.staff_required
def announcement_withdraw(announcement_id):
    notice = operations.withdraw(operations.get_notice(announcement_id), g.user)
    area_id = notice.area_id
    db.session.commit()
    flash("通知已撤回，居民不再看到它", "success")
    return redirect(url_for("console.announcements", area_id=area_id), code=303)
