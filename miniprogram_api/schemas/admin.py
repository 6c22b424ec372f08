"""Administration (issue 14): the area tree, staff grants, community rules."""

from flask_smorest.fields import Upload as FileField
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from miniprogram_api.fields import Id, ShanghaiDateTime
from miniprogram_api.schemas.common import text
from server.areas.models import LEVELS

AREA_NAME_LENGTH = 64


class AreaCreateSchema(Schema):
    name = text(AREA_NAME_LENGTH, required=True)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS[1:]))
    parent_id = Id(strict=True, required=True)


class AreaChangeSchema(Schema):
    name = text(AREA_NAME_LENGTH)
    parent_id = Id(strict=True, load_default=None, metadata={"description": "move the node (and its subtree) here"})

    @validates_schema
    def _something(self, data, **kwargs):
        if data.get("name") is None and data.get("parent_id") is None:
            raise ValidationError("请提供 name 或 parent_id", field_name="name")
        if data.get("name") == "":
            raise ValidationError("不能为空", field_name="name")


class AdminAreaSchema(Schema):
    id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    level = fields.String(metadata={"enum": list(LEVELS)})
    name = fields.String()
    path = fields.String(metadata={"description": 'ids from the district down: "/1/4/9/"'})
    retired_at = ShanghaiDateTime(allow_none=True, metadata={"description": "set once retired: no new content"})


class ImportFormSchema(Schema):
    file = FileField(required=True, metadata={"description": "CSV (UTF-8 or GBK) or XLSX, header row 街道,社区,网格"})
    parent_id = Id(load_default=None, metadata={"description": "the district node; default: the caller's own"})


class LevelCountsSchema(Schema):
    street = fields.Integer()
    community = fields.Integer()
    grid = fields.Integer()


class ImportResultSchema(Schema):
    created = fields.Nested(LevelCountsSchema)
    existing = fields.Nested(LevelCountsSchema, metadata={"description": "rows naming nodes already there"})


class GrantCreateSchema(Schema):
    user_id = Id(strict=True, required=True)
    role = fields.String(required=True, validate=validate.OneOf(["grid_worker", "admin"]))
    area_id = Id(strict=True, required=True)


class GrantSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    role = fields.String(metadata={"enum": ["grid_worker", "admin"]})
    area_id = fields.Integer()
    created_at = ShanghaiDateTime()


class RulesSchema(Schema):
    area_id = fields.Integer(attribute="id")
    review_required = fields.Boolean(
        allow_none=True, metadata={"description": "null: follow the district-wide REVIEW_REQUIRED setting"}
    )


class RulesUpdateSchema(Schema):
    review_required = fields.Boolean(required=True, allow_none=True)
