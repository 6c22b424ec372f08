"""The points ledger and the leaderboard."""

from marshmallow import Schema, fields, validate

from miniprogram_api.fields import Id, ShanghaiDateTime, shanghai_isoformat
from server.points.models import REASONS, reason_name
from server.rankings.queries import BOARDS


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
    by = fields.String(load_default="member", validate=validate.OneOf(BOARDS))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class LeaderboardRowSchema(Schema):
    rank = fields.Integer(metadata={"description": "by points; equal points share a rank"})
    user_id = fields.Integer(metadata={"description": "by=member"})
    nickname = fields.String(metadata={"description": "by=member"})
    grid_id = fields.Integer(metadata={"description": "by=grid"})
    unit_id = fields.Integer(metadata={"description": "by=unit"})
    name = fields.String(metadata={"description": "the grid's or the unit's name (by=member: the nickname)"})
    points = fields.Integer(metadata={"description": "earned in the period"})
    hours = fields.Float(metadata={"description": "volunteer hours credited in the period"})


class LeaderboardSchema(Schema):
    items = fields.List(fields.Nested(LeaderboardRowSchema))
    me = fields.Nested(
        LeaderboardRowSchema,
        allow_none=True,
        metadata={"description": "the viewer's own row (their grid's or unit's), even below the page; null if none"},
    )
    next_cursor = fields.String(allow_none=True, metadata={"description": "always null: one ranked page"})


_ID_FIELD = {"member": "user_id", "grid": "grid_id", "unit": "unit_id"}


def leaderboard_row_json(row, by: str) -> dict:
    answer = {"rank": row.rank, _ID_FIELD[by]: row.id, "name": row.name, "points": row.points, "hours": row.hours}
    if by == "member":
        answer["nickname"] = row.name
    return answer
