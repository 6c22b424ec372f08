"""Unit party organisations (双报到) with their figures, and practical matters (为民办实事)."""

from flask import Response

from miniprogram_api.blueprint import Blueprint, current_user
from miniprogram_api.schemas.units import (
    FollowSchema,
    MatterCreateSchema,
    MatterDetailSchema,
    MatterListQuery,
    MatterListSchema,
    MatterNoteCreateSchema,
    MatterNoteSchema,
    MatterSchema,
    UnitCreateSchema,
    UnitDetailSchema,
    UnitFiguresListSchema,
    UnitFiguresQuery,
    UnitListQuery,
    UnitListSchema,
    matter_json,
    note_json,
    unit_json,
)
from server.areas.queries import get_area, own_district_if_any
from server.core.errors import Forbidden, NotFound
from server.party.figures import figures_of, units_with_figures
from server.units import operations, permissions, queries

blp = Blueprint("units", __name__, url_prefix="/api/v1", description="Unit party organisations and practical matters")


def _unit_answer(row, *, with_figures: bool):
    user = current_user()
    staff = permissions.is_community_staff(user, row.area_path)
    figures = figures_of([row.id]).get(row.id) if with_figures and staff else None
    return unit_json(row, unmasked=staff, figures=figures, with_figures=with_figures)


@blp.route("/unit-organisations", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(UnitCreateSchema)
@blp.response(201, UnitDetailSchema)
@blp.errors(403, 404, 409)
def register_unit(body):
    """Register a unit's party organisation with the community it is allocated to (its staff)."""
    unit = operations.register_unit(current_user(), **body)
    answer = blp.json(_unit_answer(queries.unit_row(unit.id), with_figures=True))
    answer.status_code = 201
    return answer


@blp.route("/unit-organisations", methods=["GET"])
@blp.login_required
@blp.arguments(UnitListQuery, location="query")
@blp.response(200, UnitListSchema)
@blp.errors(404)
def list_units(args):
    """The units allocated to communities in the area's subtree (the caller's own district by
    default), newest first; the contact phone is masked except for staff of each unit's community."""
    area_id = args.pop("area_id")
    user = current_user()
    area = get_area(area_id) if area_id else own_district_if_any(user)
    rows, next_cursor = queries.units(area, **args)
    items = [unit_json(row, unmasked=permissions.is_community_staff(user, row.area_path)) for row in rows]
    return blp.json({"items": items, "next_cursor": next_cursor})


@blp.route("/unit-organisations/figures", methods=["GET"])
@blp.login_required
@blp.arguments(UnitFiguresQuery, location="query")
@blp.response(200, UnitFiguresListSchema)
@blp.errors(403, 404)
def unit_figures(args):
    """Per unit of the communities the caller is staff of (``area_id`` narrows to a subtree),
    newest first: members reported, wishes fulfilled, points."""
    user = current_user()
    area_id = args.pop("area_id")
    area = get_area(area_id) if area_id else None
    if not user.staff_areas():
        raise Forbidden("只有网格员或管理员可以查看单位党组织数据")
    rows, next_cursor = units_with_figures(user, area=area, **args)
    items = [unit_json(row, unmasked=True, figures=row._mapping, with_figures=True) for row in rows]
    return blp.json({"items": items, "next_cursor": next_cursor})


@blp.route("/unit-organisations/<id:unit_id>", methods=["GET"])
@blp.login_required
@blp.response(200, UnitDetailSchema)
@blp.errors(404)
def get_unit(unit_id):
    """One unit; staff of its community also see its figures and the unmasked phone."""
    row = queries.unit_row(unit_id)
    if row is None:
        raise NotFound("未找到该单位党组织", details={"unit_id": unit_id})
    return blp.json(_unit_answer(row, with_figures=True))


# -- practical matters -------------------------------------------------------------------------


def _matter_detail(user, row):
    notes = [note_json(note._mapping) for note in queries.notes(row.id)]
    following = operations.is_following(row.id, user.id)
    return {**matter_json(row), "following": following, "notes": notes}


@blp.route("/practical-matters", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(MatterCreateSchema)
@blp.response(201, MatterSchema)
@blp.errors(403, 404)
def create_matter(body):
    """List a practical matter of the community (its staff)."""
    matter = operations.create_matter(current_user(), **body)
    answer = blp.json(matter_json(queries.matter_row(matter.id)))
    answer.status_code = 201
    return answer


@blp.route("/practical-matters", methods=["GET"])
@blp.login_required
@blp.arguments(MatterListQuery, location="query")
@blp.response(200, MatterListSchema)
@blp.errors(404)
def list_matters(args):
    """The matters of the caller's home community and of the communities they are staff of,
    newest first; ``area_id`` narrows to a subtree."""
    user = current_user()
    area_id = args.pop("area_id")
    area = get_area(area_id) if area_id else None
    rows, next_cursor = queries.matters(user, area=area, **args)
    return blp.json({"items": [matter_json(row) for row in rows], "next_cursor": next_cursor})


@blp.route("/practical-matters/<id:matter_id>", methods=["GET"])
@blp.login_required
@blp.response(200, MatterDetailSchema)
@blp.errors(404)
def get_matter(matter_id):
    """One matter with its progress notes (residents of its community and its staff)."""
    user = current_user()
    row = queries.matter_row(matter_id)
    if row is None or not permissions.can_view_matter(user, row):
        raise NotFound("未找到该实事项目", details={"matter_id": matter_id})
    return blp.json(_matter_detail(user, row))


@blp.route("/practical-matters/<id:matter_id>/notes", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(MatterNoteCreateSchema)
@blp.response(201, MatterNoteSchema)
@blp.errors(403, 404, 409)
def add_note(body, matter_id):
    """Append a progress note, optionally moving the status (staff); followers are told."""
    user = current_user()
    note = operations.add_note(operations.get_matter_for(user, matter_id), user, **body)
    answer = blp.json(note_json(note))
    answer.status_code = 201
    return answer


@blp.route("/practical-matters/<id:matter_id>/follow", methods=["POST"])
@blp.login_required
@blp.writes
@blp.response(200, FollowSchema)
@blp.errors(404)
def follow(matter_id):
    """Follow a matter to hear of its progress (following twice is following)."""
    user = current_user()
    operations.follow(operations.get_matter_for(user, matter_id), user)
    return {"matter_id": matter_id, "following": True}


@blp.route("/practical-matters/<id:matter_id>/follow", methods=["DELETE"])
@blp.login_required
@blp.writes
@blp.response(204)
@blp.errors(404)
def unfollow(matter_id):
    """Stop following a matter."""
    user = current_user()
    operations.unfollow(operations.get_matter_for(user, matter_id), user)
    return Response(status=204)
