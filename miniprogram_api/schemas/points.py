"""The points ledger and the leaderboard."""

from marshmallow import Schema, fields, validate

from miniprogram_api.fields import Id, ShanghaiDateTime, shanghai_isoformat
from server.points.models import REASONS, reason_name


class PointEntrySchema(Schema):
    id = fields.Integer()
    delta = fields.Integer()
    reason = fields.String(metadata={"enum": list(REASONS)})
    reason_name = fields.String()
    source = fields.String()
    created_at = ShanghaiDateTime()


class PointsSchema(Schema):
    balance = fields.Integer()
    items = fields.List(fields.Nested(PointEntrySchema))
    next_cursor = fields.String(allow_none=True)


def point_entry_json(row) -> dict:
    """PointEntrySchema's dump of a ledger row, written out (tests/test_read_serialisers.py)."""
    return {
        "id": row.id,
        "delta": row.delta,
        "reason": row.reason,
        "reason_name": reason_name(row.reason),
        "source": row.source,
        "created_at": shanghai_isoformat(row.created_at),
    }


class LeaderboardQuery(Schema):
    area_id = Id(load_default=None)
    period = fields.String(load_default="month", validate=validate.OneOf(["month", "year", "all"]))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class LeaderboardRowSchema(Schema):
    rank = fields.Integer()
    user_id = fields.Integer()
    nickname = fields.String()
    points = fields.Integer()


class LeaderboardSchema(Schema):
    items = fields.List(fields.Nested(LeaderboardRowSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "always null: one ranked page"})
