"""Practical matters (为民办实事) in the console: the matters of the staff member's communities
by status, the overdue marked; listing one; its progress notes, appended (never edited), each
possibly moving its status."""

from flask import g, render_template, request
from marshmallow import fields

from miniprogram_api.schemas.units import MatterCreateSchema, MatterListQuery, MatterNoteCreateSchema
from server.console import auth
from server.console.blueprint import blp
from server.console.civic import PAGE_ROWS, done, next_page_url, with_numbers
from server.console.forms import submitted
from server.core import clock
from server.core.errors import NotFound
from server.units import operations, permissions, queries
from server.units.models import MATTER_STATUSES


class MatterBoardQuery(MatterListQuery):
    overdue = fields.Boolean(load_default=False)


@blp.get("/matters")
@auth.staff_required
def matters():
    args = submitted(MatterBoardQuery(), form=request.args)
    today = clock.shanghai_today()
    rows, next_cursor = queries.staff_matters(
        g.user,
        status=args["status"],
        overdue_on=today if args["overdue"] else None,
        cursor=args["cursor"],
        limit=PAGE_ROWS,
    )
    return render_template(
        "console/matters/list.html",
        rows=[{"row": row, "overdue": queries.is_overdue(row, today)} for row in rows],
        next_url=next_page_url(next_cursor),
        statuses=MATTER_STATUSES,
        chosen=args,
        communities=queries.staff_communities(g.user),
        units=queries.staff_units(g.user),
    )


@blp.post("/matters")
@auth.staff_required
def create_matter():
    body = submitted(MatterCreateSchema(), form=with_numbers(request.form, "community_id", "owner_unit_id"))
    matter = operations.create_matter(g.user, **body)
    return done(f"已新建实事项目「{matter.title}」", "console.matter", matter_id=matter.id)


@blp.get("/matters/<id:matter_id>")
@auth.staff_required
def matter(matter_id):
    row = queries.matter_row(matter_id)
    if row is None or not permissions.is_community_staff(g.user, row.area_path):
        raise NotFound("未找到该实事项目", details={"matter_id": matter_id})
    return render_template(
        "console/matters/detail.html",
        matter=row,
        overdue=queries.is_overdue(row, clock.shanghai_today()),
        notes=queries.notes(matter_id),
        statuses=MATTER_STATUSES,
    )


@blp.post("/matters/<id:matter_id>/notes")
@auth.staff_required
def add_matter_note(matter_id):
    body = submitted(MatterNoteCreateSchema())
    note = operations.add_note(operations.get_matter_for(g.user, matter_id), g.user, **body)
    moved = f"，状态改为「{MATTER_STATUSES[note['status']]}」" if note["status"] else ""
    return done(f"已添加进展{moved}", "console.matter", matter_id=matter_id)
