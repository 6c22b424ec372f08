"""Unit party organisations (双报到) in the console: the units of the staff member's
communities with their contact and figures, and registering one."""

from flask import g, render_template, request

from miniprogram_api.schemas.units import UnitCreateSchema, UnitFiguresQuery
from server.areas.queries import get_area
from server.console import auth
from server.console.blueprint import blp
from server.console.civic import PAGE_ROWS, done, next_page_url, with_numbers
from server.console.forms import submitted
from server.party.figures import units_with_figures
from server.units import operations, queries
from server.units.models import KINDS


@blp.get("/units")
@auth.staff_required
def units():
    """Every row is of a community the person is staff of, so the contact shows unmasked, as
    the API's figures list shows it."""
    args = submitted(UnitFiguresQuery(), form=request.args)
    area = get_area(args["area_id"]) if args["area_id"] else None
    rows, next_cursor = units_with_figures(g.user, area=area, cursor=args["cursor"], limit=PAGE_ROWS)
    return render_template(
        "console/units/list.html",
        rows=rows,
        next_url=next_page_url(next_cursor),
        communities=queries.staff_communities(g.user),
        kinds=KINDS,
    )


@blp.post("/units")
@auth.staff_required
def register_unit():
    body = submitted(UnitCreateSchema(), form=with_numbers(request.form, "community_id", "secretary_id"))
    unit = operations.register_unit(g.user, **body)
    return done(f"已登记单位党组织「{unit.name}」", "console.units")
