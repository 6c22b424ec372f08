"""Party identity: the application, its review, the applicant's history, the review queue."""

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates

from miniprogram_api.fields import Id, ShanghaiDateTime, shanghai_isoformat
from miniprogram_api.schemas.common import PageQuery, PersonSchema, text
from server.core import clock
from server.party.models import STATUSES


class MembershipApplySchema(Schema):
    name = text(32, required=True)
    branch = text(64, required=True)
    work_unit_org_id = Id(strict=True, load_default=None)
    joined_on = fields.Date(load_default=None)

    @validates("joined_on")
    def _joined_in_the_past(self, value, **kwargs):
        if value is not None and not date(1921, 7, 1) <= value <= clock.shanghai_today():
            raise ValidationError("入党日期应在 1921 年到今天之间")


class MembershipReviewSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    reason = text(200)


class UnitRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class ApplicationSchema(Schema):
    id = fields.Integer()
    applicant = fields.Nested(PersonSchema)
    name = fields.String()
    branch = fields.String()
    work_unit_org = fields.Nested(UnitRefSchema, allow_none=True)
    joined_on = fields.Date(allow_none=True)
    grid_id = fields.Integer(metadata={"description": "the applicant's home grid when they applied"})
    status = fields.String(metadata={"enum": list(STATUSES)})
    status_name = fields.String()
    reason = fields.String(allow_none=True, metadata={"description": "the reviewer's reason (rejections)"})
    reviewer = fields.Nested(PersonSchema, allow_none=True)
    created_at = ShanghaiDateTime()
    decided_at = ShanghaiDateTime(allow_none=True)


class MyMembershipSchema(Schema):
    status = fields.String(
        allow_none=True,
        metadata={"enum": list(STATUSES), "description": "the newest application's status; null before any"},
    )
    verified = fields.Boolean(metadata={"description": "a verified party member now (may claim wishes)"})
    current = fields.Nested(ApplicationSchema, allow_none=True, metadata={"description": "the newest application"})
    history = fields.List(fields.Nested(ApplicationSchema), metadata={"description": "every application, newest first"})


class ApplicationListQuery(PageQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(list(STATUSES)))
    area_id = Id(load_default=None)


class ApplicationListSchema(Schema):
    items = fields.List(fields.Nested(ApplicationSchema))
    next_cursor = fields.String(allow_none=True)


def application_json(row) -> dict:
    """ApplicationSchema's dump of an application row (server/party/queries.py), written out."""
    joined_on = row.joined_on
    return {
        "id": row.id,
        "applicant": {"id": row.user_id, "nickname": row.applicant_nickname},
        "name": row.name,
        "branch": row.branch,
        "work_unit_org": {"id": row.work_unit_org_id, "name": row.unit_name} if row.work_unit_org_id else None,
        "joined_on": joined_on.isoformat() if joined_on is not None else None,
        "grid_id": row.grid_id,
        "status": row.status,
        "status_name": STATUSES[row.status],
        "reason": row.reason,
        "reviewer": {"id": row.reviewer_id, "nickname": row.reviewer_nickname} if row.reviewer_id else None,
        "created_at": shanghai_isoformat(row.created_at),
        "decided_at": shanghai_isoformat(row.decided_at),
    }


def application_list(rows_and_cursor) -> dict:
    rows, next_cursor = rows_and_cursor
    return {"items": [application_json(row) for row in rows], "next_cursor": next_cursor}
