"""Photo uploads."""

from flask_smorest.fields import Upload as FileField
from marshmallow import Schema, fields


class UploadFormSchema(Schema):
    file = FileField(required=True, metadata={"description": "JPEG, PNG or WebP, decided by content; ≤ 5 MB"})


class UploadSchema(Schema):
    id = fields.String(metadata={"description": "opaque; reference it in a wish's or a fulfilment's photos"})
    status = fields.String(metadata={"enum": ["checking", "pass", "review", "risky"]})
    url = fields.String(metadata={"description": "GET it with the bearer token"})
    width = fields.Integer()
    height = fields.Integer()
