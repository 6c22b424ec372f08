"""The points store: rewards, redemptions, and a body per action."""

from marshmallow import Schema, fields, validate

from miniprogram_api.fields import Id, ShanghaiDateTime, TrimmedString, shanghai_isoformat
from miniprogram_api.schemas.common import PageQuery, PersonSchema, text
from server.store.models import REDEMPTION_STATUSES, REWARD_STATUSES

# Enough for any community's shelf, and far inside a 32-bit column.
MAX_POINTS = 100_000
MAX_STOCK = 100_000


def _points(**kwargs):
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_POINTS), **kwargs)


class RewardCreateSchema(Schema):
    title = text(50, required=True)
    description = text(500)
    area_id = Id(strict=True, required=True, metadata={"description": "the community (or grid) whose store it is in"})
    price_points = _points(required=True)
    stock = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_STOCK))
    # Who gave it: a unit organisation's name; empty when the community itself gives it.
    donor = text(64)


class RewardEditSchema(Schema):
    """Only the fields given change; the stock changes by restock and by sales."""

    title = TrimmedString(validate=validate.Length(min=1, max=50))
    description = TrimmedString(allow_none=True, validate=validate.Length(max=500))
    price_points = _points()
    donor = TrimmedString(allow_none=True, validate=validate.Length(max=64))


class RestockSchema(Schema):
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_STOCK))


class RewardListQuery(PageQuery):
    area_id = Id(load_default=None, metadata={"description": "where the shelf is seen from; the caller's home grid"})
    status = fields.String(load_default="active", validate=validate.OneOf(REWARD_STATUSES))


class RewardSchema(Schema):
    id = fields.Integer()
    area_id = fields.Integer()
    title = fields.String()
    description = fields.String(allow_none=True)
    donor = fields.String(allow_none=True, attribute="donor_name")
    price_points = fields.Integer()
    stock = fields.Integer()
    status = fields.String(metadata={"enum": list(REWARD_STATUSES)})
    created_at = ShanghaiDateTime()
    updated_at = ShanghaiDateTime()


class RewardListSchema(Schema):
    items = fields.List(fields.Nested(RewardSchema))
    next_cursor = fields.String(allow_none=True)


def reward_json(row) -> dict:
    """RewardSchema's dump of a reward row or object, written out (tests/test_store_serialisers.py)."""
    return {
        "id": row.id,
        "area_id": row.area_id,
        "title": row.title,
        "description": row.description,
        "donor": row.donor_name,
        "price_points": row.price_points,
        "stock": row.stock,
        "status": row.status,
        "created_at": shanghai_isoformat(row.created_at),
        "updated_at": shanghai_isoformat(row.updated_at),
    }


class RewardRefSchema(Schema):
    id = fields.Integer()
    title = fields.String()


class RedemptionSchema(Schema):
    id = fields.Integer()
    reward = fields.Nested(RewardRefSchema)
    user = fields.Nested(PersonSchema, metadata={"description": "the redeemer"})
    price_points = fields.Integer(metadata={"description": "what was paid"})
    status = fields.String(metadata={"enum": list(REDEMPTION_STATUSES)})
    code = fields.String(metadata={"description": "the pick-up code; only in the redeemer's own answers"})
    created_at = ShanghaiDateTime()
    collected_at = ShanghaiDateTime(allow_none=True)
    cancelled_at = ShanghaiDateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)


class RedemptionListSchema(Schema):
    items = fields.List(fields.Nested(RedemptionSchema))
    next_cursor = fields.String(allow_none=True)


def redemption_json(row, viewer_id: int) -> dict:
    """RedemptionSchema's dump of a redemption row (with ``reward_title`` and ``user_nickname``),
    written out (tests/test_store_serialisers.py); the code only when ``viewer_id`` is the redeemer's."""
    answer = {
        "id": row.id,
        "reward": {"id": row.reward_id, "title": row.reward_title},
        "user": {"id": row.user_id, "nickname": row.user_nickname},
        "price_points": row.price_points,
        "status": row.status,
        "created_at": shanghai_isoformat(row.created_at),
        "collected_at": shanghai_isoformat(row.collected_at),
        "cancelled_at": shanghai_isoformat(row.cancelled_at),
        "cancel_reason": row.cancel_reason,
    }
    if row.user_id == viewer_id:
        answer["code"] = row.code
    return answer


class MyRedemptionsQuery(PageQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(REDEMPTION_STATUSES))


class StaffRedemptionsQuery(MyRedemptionsQuery):
    area_id = Id(load_default=None, metadata={"description": "redemptions under this node"})
    reward_id = Id(load_default=None, metadata={"description": "redemptions of this reward"})


class VerifySchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))


class CancelSchema(Schema):
    reason = text(200)
