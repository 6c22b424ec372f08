"""What the privacy routes answer."""

from marshmallow import Schema, fields


class ExportSchema(Schema):
    user_id = fields.Integer(required=True)
    exported_at = fields.String(required=True, metadata={"description": "ISO 8601, +08:00"})
    tables = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Dict()),
        required=True,
        metadata={"description": "each table's rows that name the caller; others' personal data masked"},
    )


class NoticeItemSchema(Schema):
    data = fields.String(required=True)
    purpose = fields.String(required=True)
    shown_to = fields.String(required=True)
    retention = fields.String(required=True)


class PrivacyNoticeSchema(Schema):
    version = fields.String(required=True)
    controller = fields.String(required=True)
    items = fields.List(fields.Nested(NoticeItemSchema), required=True)
    rights = fields.List(fields.String(), required=True)
    contact = fields.String(required=True)
