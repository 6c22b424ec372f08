"""Notices (通知公告): publishing one, the reader's list with read marks, the staff's counts."""

from datetime import timedelta

from marshmallow import Schema, ValidationError, fields, validates

from miniprogram_api.fields import Id, ShanghaiDateTime
from miniprogram_api.schemas.common import PageQuery, text
from server.core import clock

# How far ahead a notice's expiry may be set.
LONGEST_EXPIRY = timedelta(days=366)


class AnnouncementCreateSchema(Schema):
    title = text(50, required=True)
    body = text(2000, required=True)
    area_id = Id(strict=True, required=True)
    pinned = fields.Boolean(load_default=False)
    expires_at = fields.AwareDateTime(
        load_default=None, allow_none=True, metadata={"description": "ISO 8601 with offset, within a year"}
    )

    @validates("expires_at")
    def _expires_ahead(self, value, **kwargs):
        if value is None:
            return
        now = clock.now()
        try:
            ahead = now < value <= now + LONGEST_EXPIRY
        except OverflowError:  # year 9999 with an offset: no instant we can store
            ahead = False
        if not ahead:
            raise ValidationError("截止时间应在现在到一年之内")


class AnnouncementListQuery(PageQuery):
    area_id = Id(
        load_default=None,
        metadata={"description": "staff: also the notices of this node's subtree (staff of the node only)"},
    )


class AnnouncementSchema(Schema):
    id = fields.Integer()
    area_id = fields.Integer()
    title = fields.String()
    body = fields.String()
    pinned = fields.Boolean()
    expires_at = ShanghaiDateTime(allow_none=True)
    created_at = ShanghaiDateTime()
    withdrawn_at = ShanghaiDateTime(allow_none=True, metadata={"description": "set once staff withdrew it"})
    read = fields.Boolean(metadata={"description": "whether the caller has opened it"})
    read_count = fields.Integer(allow_none=True, metadata={"description": "readers so far; staff of its node only"})


class AnnouncementListSchema(Schema):
    items = fields.List(fields.Nested(AnnouncementSchema))
    next_cursor = fields.String(allow_none=True)


class ReadMarkSchema(Schema):
    id = fields.Integer()
    read = fields.Boolean()
