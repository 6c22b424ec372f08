"""The inbox and the subscribe-message acceptances."""

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from miniprogram_api.fields import Id, ShanghaiDateTime, shanghai_isoformat
from miniprogram_api.schemas.common import PageQuery
from server.notification_kinds import KINDS as NOTIFICATION_KINDS


class NotificationListQuery(PageQuery):
    unread = fields.Boolean(load_default=False, metadata={"description": "true: only those not read yet"})


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": list(NOTIFICATION_KINDS)})
    title = fields.String()
    body = fields.String()
    wish_id = fields.Integer(allow_none=True)
    read = fields.Boolean()
    read_at = ShanghaiDateTime(allow_none=True)
    created_at = ShanghaiDateTime()


class NotificationListSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    next_cursor = fields.String(allow_none=True)


def notification_json(row, wish_id: int | None) -> dict:
    """NotificationSchema's dump of an inbox row, written out (as wish_summary is for wishes;
    tests/test_read_serialisers.py holds them to the schema)."""
    return {
        "id": row.id,
        "kind": row.kind,
        "title": row.title,
        "body": row.body,
        "wish_id": wish_id,
        "read": row.read_at is not None,
        "read_at": shanghai_isoformat(row.read_at),
        "created_at": shanghai_isoformat(row.created_at),
    }


class MarkReadSchema(Schema):
    """Either ``ids`` (the caller's own; others are ignored) or ``all: true``."""

    ids = fields.List(Id(strict=True), validate=validate.Length(min=1, max=100))
    all = fields.Boolean(validate=validate.Equal(True, error="只能为 true"))

    @validates_schema
    def _one_of(self, data, **kwargs):
        if ("ids" in data) == ("all" in data):
            raise ValidationError("请提供 ids 或 all 其中之一", "_schema")


class MarkReadResultSchema(Schema):
    marked = fields.Integer(metadata={"description": "how many changed from unread to read"})
    unread_notifications = fields.Integer()


class SubscriptionsSchema(Schema):
    """The template ids the person accepted in one ``wx.requestSubscribeMessage`` (at most 3)."""

    template_ids = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)), required=True, validate=validate.Length(min=1, max=3)
    )

    @validates("template_ids")
    def _distinct(self, value, **kwargs):
        if len(set(value)) != len(value):
            raise ValidationError("模板不能重复")


class SubscriptionSchema(Schema):
    template_id = fields.String()
    kinds = fields.List(fields.String(), metadata={"description": "the notification kinds it carries"})
    credits = fields.Integer(metadata={"description": "sends accepted and not yet spent"})


class SubscriptionListSchema(Schema):
    items = fields.List(fields.Nested(SubscriptionSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "always null: one page"})
