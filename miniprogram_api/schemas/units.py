"""Unit party organisations (双报到), their figures, and practical matters (为民办实事)."""

from datetime import date

from marshmallow import Schema, fields, validate

from miniprogram_api.fields import Id, ShanghaiDateTime, shanghai_isoformat
from miniprogram_api.schemas.common import MAINLAND_MOBILE, PageQuery, PersonSchema, text
from miniprogram_api.schemas.party import UnitRefSchema
from server.core.privacy import mask_phone
from server.party.figures import FIGURES
from server.units.models import KINDS, MATTER_STATUSES

# Dates a person could mean: the database and the edge agree on every one of them.
_DATE_RANGE = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31))


class UnitCreateSchema(Schema):
    community_id = Id(strict=True, required=True)
    name = text(64, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)))
    agreement_on = fields.Date(load_default=None, validate=_DATE_RANGE, metadata={"description": "共建协议签订日期"})
    contact_name = text(32, required=True)
    contact_phone = fields.String(required=True, validate=MAINLAND_MOBILE)
    secretary_id = Id(strict=True, load_default=None, metadata={"description": "the unit's party secretary (a user)"})


class UnitListQuery(PageQuery):
    area_id = Id(load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf(list(KINDS)))


class UnitFiguresSchema(Schema):
    members = fields.Integer(metadata={"description": "verified members reporting from this unit"})
    wishes_fulfilled = fields.Integer(
        metadata={"description": "wishes confirmed (or closed as completed) they claimed"}
    )
    points = fields.Integer(metadata={"description": "the members' ledger sum"})
    volunteer_minutes = fields.Integer(metadata={"description": "volunteer time credited to the members, in minutes"})


class UnitSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"enum": list(KINDS)})
    kind_name = fields.String()
    community_id = fields.Integer()
    community_name = fields.String()
    agreement_on = fields.Date(allow_none=True)
    contact_name = fields.String()
    contact_phone = fields.String(metadata={"description": "masked except for staff of the unit's community"})
    secretary = fields.Nested(PersonSchema, allow_none=True)
    created_at = ShanghaiDateTime()


class UnitDetailSchema(UnitSchema):
    figures = fields.Nested(UnitFiguresSchema, allow_none=True, metadata={"description": "staff of its community only"})


class UnitListSchema(Schema):
    items = fields.List(fields.Nested(UnitSchema))
    next_cursor = fields.String(allow_none=True)


class UnitFiguresRowSchema(UnitSchema):
    figures = fields.Nested(UnitFiguresSchema)


class UnitFiguresListSchema(Schema):
    items = fields.List(fields.Nested(UnitFiguresRowSchema))
    next_cursor = fields.String(allow_none=True)


class UnitFiguresQuery(PageQuery):
    area_id = Id(load_default=None)


def unit_json(row, *, unmasked: bool, figures: dict | None = None, with_figures: bool = False) -> dict:
    """UnitSchema's dump of a unit row (server/units/queries.py), written out."""
    answer = {
        "id": row.id,
        "name": row.name,
        "kind": row.kind,
        "kind_name": KINDS[row.kind],
        "community_id": row.community_id,
        "community_name": row.community_name,
        "agreement_on": row.agreement_on.isoformat() if row.agreement_on is not None else None,
        "contact_name": row.contact_name,
        "contact_phone": row.contact_phone if unmasked else mask_phone(row.contact_phone),
        "secretary": {"id": row.secretary_id, "nickname": row.secretary_nickname} if row.secretary_id else None,
        "created_at": shanghai_isoformat(row.created_at),
    }
    if with_figures:
        answer["figures"] = {name: figures[name] for name in FIGURES} if figures is not None else None
    return answer


class MatterCreateSchema(Schema):
    community_id = Id(strict=True, required=True)
    title = text(50, required=True)
    description = text(2000, required=True)
    owner_unit_id = Id(strict=True, load_default=None)
    deadline = fields.Date(load_default=None, validate=_DATE_RANGE)
    status = fields.String(load_default="planned", validate=validate.OneOf(list(MATTER_STATUSES)))


class MatterListQuery(PageQuery):
    area_id = Id(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(list(MATTER_STATUSES)))


class MatterNoteCreateSchema(Schema):
    body = text(1000, required=True)
    status = fields.String(
        load_default=None,
        validate=validate.OneOf(list(MATTER_STATUSES)),
        metadata={"description": "the status the matter moves to with this note"},
    )


class MatterNoteSchema(Schema):
    id = fields.Integer()
    body = fields.String()
    status = fields.String(allow_none=True, metadata={"enum": list(MATTER_STATUSES)})
    author = fields.Nested(PersonSchema)
    created_at = ShanghaiDateTime()


class MatterSchema(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    community_name = fields.String()
    title = fields.String()
    description = fields.String()
    owner_unit = fields.Nested(UnitRefSchema, allow_none=True)
    deadline = fields.Date(allow_none=True)
    status = fields.String(metadata={"enum": list(MATTER_STATUSES)})
    status_name = fields.String()
    created_at = ShanghaiDateTime()
    updated_at = ShanghaiDateTime()


class MatterDetailSchema(MatterSchema):
    following = fields.Boolean()
    notes = fields.List(fields.Nested(MatterNoteSchema), metadata={"description": "oldest first"})


class MatterListSchema(Schema):
    items = fields.List(fields.Nested(MatterSchema))
    next_cursor = fields.String(allow_none=True)


class FollowSchema(Schema):
    matter_id = fields.Integer()
    following = fields.Boolean()


def matter_json(row) -> dict:
    return {
        "id": row.id,
        "community_id": row.community_id,
        "community_name": row.community_name,
        "title": row.title,
        "description": row.description,
        "owner_unit": {"id": row.owner_unit_id, "name": row.owner_unit_name} if row.owner_unit_id else None,
        "deadline": row.deadline.isoformat() if row.deadline is not None else None,
        "status": row.status,
        "status_name": MATTER_STATUSES[row.status],
        "created_at": shanghai_isoformat(row.created_at),
        "updated_at": shanghai_isoformat(row.updated_at),
    }


def note_json(note) -> dict:
    """MatterNoteSchema's dump of a note (a row's mapping, or what add_note answers)."""
    return {
        "id": note["id"],
        "body": note["body"],
        "status": note["status"],
        "author": {"id": note["author_id"], "nickname": note["author_nickname"]},
        "created_at": shanghai_isoformat(note["created_at"]),
    }
