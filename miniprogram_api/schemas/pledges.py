"""Pledges (承诺践诺): making and editing one, the assessment, the grid's list."""

from marshmallow import Schema, fields, validate

from miniprogram_api.fields import Id, ShanghaiDateTime
from miniprogram_api.schemas.common import PageQuery, PersonSchema, text
from server.pledges.models import OUTCOMES, STATUSES


class PledgeTextSchema(Schema):
    text = text(500, required=True)


class AssessSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    note = text(500, required=True)


class PledgeListQuery(PageQuery):
    grid_id = Id(load_default=None, metadata={"description": "default: the caller's home grid"})
    year = fields.Integer(
        load_default=None, validate=validate.Range(min=2000, max=2100), metadata={"description": "default: this year"}
    )


class PledgeSchema(Schema):
    id = fields.Integer()
    year = fields.Integer()
    grid_id = fields.Integer()
    member = fields.Nested(PersonSchema)
    text = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    assessment_note = fields.String(allow_none=True)
    assessor = fields.Nested(PersonSchema, allow_none=True, metadata={"description": "null until assessed"})
    assessed_at = ShanghaiDateTime(allow_none=True)
    created_at = ShanghaiDateTime()
    updated_at = ShanghaiDateTime()


class PledgeListSchema(Schema):
    items = fields.List(fields.Nested(PledgeSchema))
    next_cursor = fields.String(allow_none=True)
