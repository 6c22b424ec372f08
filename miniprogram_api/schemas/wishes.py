"""Wishes: the post, the lists, the detail as each caller may see it, one body per action."""

from datetime import timedelta

from flask import g
from marshmallow import Schema, ValidationError, fields, validate, validates

from miniprogram_api.blueprint import current_user
from miniprogram_api.fields import Id, ShanghaiDateTime, shanghai_isoformat
from miniprogram_api.schemas.common import MAINLAND_MOBILE, PHOTO_IDS, PageQuery, PersonSchema, text
from server.core import clock
from server.core.privacy import mask_phone
from server.wishes import permissions
from server.wishes.models import CATEGORIES, RESOLUTIONS, STATUSES, is_escalated
from server.wishes.privacy import mask_address


class WishCreateSchema(Schema):
    title = text(50, required=True)
    description = text(1000, required=True)
    category = fields.String(required=True, validate=validate.OneOf(list(CATEGORIES)))
    address = text(200, required=True)
    contact_phone = fields.String(required=True, validate=MAINLAND_MOBILE)
    photos = PHOTO_IDS
    desired_by = fields.Date(load_default=None)
    grid_id = Id(strict=True, load_default=None)

    @validates("desired_by")
    def _desired_by_is_ahead(self, value, **kwargs):
        if value is None:
            return
        today = clock.shanghai_today()
        if not today <= value <= today + timedelta(days=366):
            raise ValidationError("期望日期应在今天到一年之内")


class WishListQuery(PageQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    grid_id = Id(load_default=None)
    area_id = Id(load_default=None)
    category = fields.String(load_default=None, validate=validate.OneOf(list(CATEGORIES)))
    mine = fields.String(load_default=None, validate=validate.OneOf(["posted", "claimed"]))


class WishSummarySchema(Schema):
    """List rows: the private fields only ever masked."""

    id = fields.Integer()
    number = fields.String()
    title = fields.String()
    category = fields.String()
    category_name = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    grid_id = fields.Integer()
    address = fields.Function(lambda wish: mask_address(wish.address))
    contact_phone = fields.Function(lambda wish: mask_phone(wish.contact_phone))
    desired_by = fields.Date(allow_none=True)
    escalated = fields.Boolean(metadata={"description": "open past the escalation window, grid workers told"})
    created_at = ShanghaiDateTime()
    updated_at = ShanghaiDateTime()


class WishListSchema(Schema):
    items = fields.List(fields.Nested(WishSummarySchema))
    next_cursor = fields.String(allow_none=True)


def wish_summary(row) -> dict:
    """WishSummarySchema's dump of a list row, written out: marshmallow's per-field work was
    most of a fresh list's cost. The schema stays what the API document shows, and
    tests/test_read_serialisers.py holds the two to the same JSON."""
    desired_by = row.desired_by
    return {
        "id": row.id,
        "number": row.number,
        "title": row.title,
        "category": row.category,
        "category_name": CATEGORIES[row.category],
        "status": row.status,
        "grid_id": row.grid_id,
        "address": mask_address(row.address),
        "contact_phone": mask_phone(row.contact_phone),
        "desired_by": desired_by.isoformat() if desired_by is not None else None,
        "escalated": is_escalated(row),
        "created_at": shanghai_isoformat(row.created_at),
        "updated_at": shanghai_isoformat(row.updated_at),
    }


def wish_detail(row, events, involved: bool) -> dict:
    """WishDetailSchema's dump of a detail row (queries.visible_wish), written out like
    wish_summary: unmasked and with the timeline only for those involved."""
    answer = wish_summary(row)
    if involved:
        answer["address"], answer["contact_phone"] = row.address, row.contact_phone
    answer.update(
        {
            "description": row.description,
            "photos": [str(photo) for photo in row.photos or []],
            "owner": {"id": row.owner_id, "nickname": row.owner_nickname},
            "claimer": {"id": row.claimer_id, "nickname": row.claimer_nickname} if row.claimer_id else None,
            "fulfil_note": row.fulfil_note,
            "fulfil_photos": [str(photo) for photo in row.fulfil_photos or []],
            "stars": row.stars,
            "rating_comment": row.rating_comment,
            "dispute_reason": row.dispute_reason,
            "resolution": row.resolution,
            "opened_at": shanghai_isoformat(row.opened_at),
            "claimed_at": shanghai_isoformat(row.claimed_at),
            "fulfilled_at": shanghai_isoformat(row.fulfilled_at),
            "confirmed_at": shanghai_isoformat(row.confirmed_at),
            "closed_at": shanghai_isoformat(row.closed_at),
            "timeline": [_event(event) for event in events],
        }
    )
    return answer


def _event(row) -> dict:
    return {
        "id": row.id,
        "action": row.action,
        "from_status": row.from_status,
        "to_status": row.to_status,
        "actor": {"id": row.actor_id, "nickname": row.actor_nickname} if row.actor_id is not None else None,
        "note": row.note,
        "created_at": shanghai_isoformat(row.created_at),
    }


def wish_list(rows_and_cursor) -> dict:
    """WishListSchema's dump of a page of list rows."""
    rows, next_cursor = rows_and_cursor
    return {"items": [wish_summary(row) for row in rows], "next_cursor": next_cursor}


class TimelineEventSchema(Schema):
    id = fields.Integer()
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor = fields.Nested(PersonSchema, allow_none=True, metadata={"description": "null when the system acted"})
    note = fields.String(allow_none=True)
    created_at = ShanghaiDateTime()


def _private(attribute: str, mask):
    """Unmasked for owner, claimer and staff in scope (the viewer is the request's user)."""

    def get(wish):
        value = getattr(wish, attribute)
        return value if permissions.is_involved(current_user() if "user" in g else None, wish) else mask(value)

    return fields.Function(get)


class WishDetailSchema(WishSummarySchema):
    description = fields.String()
    address = _private("address", mask_address)
    contact_phone = _private("contact_phone", mask_phone)
    photos = fields.List(fields.String())
    owner = fields.Nested(PersonSchema)
    claimer = fields.Nested(PersonSchema, allow_none=True)
    fulfil_note = fields.String(allow_none=True)
    fulfil_photos = fields.List(fields.String())
    stars = fields.Integer(allow_none=True)
    rating_comment = fields.String(allow_none=True)
    dispute_reason = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True, metadata={"enum": list(RESOLUTIONS)})
    opened_at = ShanghaiDateTime(allow_none=True)
    claimed_at = ShanghaiDateTime(allow_none=True)
    fulfilled_at = ShanghaiDateTime(allow_none=True)
    confirmed_at = ShanghaiDateTime(allow_none=True)
    closed_at = ShanghaiDateTime(allow_none=True)
    timeline = fields.List(fields.Nested(TimelineEventSchema))


class ReviewSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    reason = text(200)


class ReasonSchema(Schema):
    reason = text(200)


class AssignSchema(Schema):
    party_member_id = Id(strict=True, required=True)


class FulfilSchema(Schema):
    note = text(500, required=True)
    photos = PHOTO_IDS


class ConfirmSchema(Schema):
    stars = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = text(500)


class DisputeSchema(Schema):
    reason = text(500, required=True)


class ResolveSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(["confirmed", "open"]))
    note = text(500)


class CloseSchema(Schema):
    resolution = fields.String(required=True, validate=validate.OneOf(RESOLUTIONS))
    note = text(500)
