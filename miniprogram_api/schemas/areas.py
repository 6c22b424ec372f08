"""The area tree."""

from marshmallow import Schema, fields

from miniprogram_api.fields import Id


class AreaQuery(Schema):
    parent_id = Id(load_default=None)


class AreaSchema(Schema):
    id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    level = fields.String(metadata={"enum": ["district", "street", "community", "grid"]})
    name = fields.String()


class AreaListSchema(Schema):
    items = fields.List(fields.Nested(AreaSchema))
    next_cursor = fields.String(allow_none=True)
