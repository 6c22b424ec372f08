"""Volunteer activities: the create body, the list query, an activity as the caller sees it,
a sign-up, check-in and completion bodies, the volunteer record."""

from datetime import timedelta

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from miniprogram_api.fields import Id, ShanghaiDateTime, shanghai_isoformat
from miniprogram_api.schemas.common import PageQuery, bounded_map, text
from miniprogram_api.schemas.stats import AreaDatesQuery
from server.activities import permissions
from server.activities.models import SIGNUP_STATUSES
from server.activities.notifications import format_hours
from server.activities.operations import activity_status
from server.core import clock

ACTIVITY_STATUSES = ("upcoming", "ongoing", "ended", "completed")
# Longer than a day is not one activity: a week's camp is seven.
LONGEST_ACTIVITY = timedelta(hours=24)
MAX_CAPACITY = 10_000


def _aware(**kwargs):
    """A time with its offset (ISO 8601): a naive one would be read in the server's zone."""
    return fields.AwareDateTime(required=True, format="iso", **kwargs)


class ActivityCreateSchema(Schema):
    title = text(50, required=True)
    description = text(2000, required=True)
    area_id = Id(strict=True, required=True)
    place = text(200, required=True)
    starts_at = _aware()
    ends_at = _aware()
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_CAPACITY))
    points_per_hour = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100))
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180))
    checkin_radius_m = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=10, max=50000),
        metadata={"description": "check-in only within this many metres of latitude/longitude (GCJ-02)"},
    )

    @validates_schema
    def _a_plan_that_can_happen(self, data, **kwargs):
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at:
            if not starts_at < ends_at:
                raise ValidationError("结束时间应晚于开始时间", "ends_at")
            if ends_at - starts_at > LONGEST_ACTIVITY:
                raise ValidationError("一次活动不能超过 24 小时", "ends_at")
            if ends_at <= clock.now():
                raise ValidationError("结束时间已过", "ends_at")
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ValidationError("经纬度需同时提供", "longitude" if data.get("latitude") is not None else "latitude")
        if data.get("checkin_radius_m") is not None and data.get("latitude") is None:
            raise ValidationError("设置签到范围时需提供活动地点的经纬度", "checkin_radius_m")


class ActivityListQuery(PageQuery, AreaDatesQuery):
    pass


class MySignupSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"enum": list(SIGNUP_STATUSES)})
    waitlist_position = fields.Integer(allow_none=True, metadata={"description": "1 = next to move up"})
    checked_in_at = ShanghaiDateTime(allow_none=True)
    credited_hours = fields.Float(allow_none=True)
    credited_points = fields.Integer(allow_none=True)


class ActivitySchema(Schema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    area_id = fields.Integer()
    place = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    checkin_radius_m = fields.Integer(allow_none=True)
    starts_at = ShanghaiDateTime()
    ends_at = ShanghaiDateTime()
    status = fields.String(metadata={"enum": list(ACTIVITY_STATUSES)})
    capacity = fields.Integer()
    held = fields.Integer(metadata={"description": "places held"})
    places_left = fields.Integer()
    waitlist_count = fields.Integer()
    points_per_hour = fields.Integer()
    party_day = fields.Boolean(metadata={"description": "the monthly party day (主题党日)"})
    organiser_id = fields.Integer(allow_none=True)
    completed_at = ShanghaiDateTime(allow_none=True)
    checkin_code = fields.String(
        allow_none=True, metadata={"description": "only for the organiser and the area's staff; null for the rest"}
    )
    my_signup = fields.Nested(MySignupSchema, allow_none=True, metadata={"description": "the caller's, or null"})


class ActivityListSchema(Schema):
    items = fields.List(fields.Nested(ActivitySchema))
    next_cursor = fields.String(allow_none=True)


def hours(minutes: int | None) -> float | None:
    return None if minutes is None else float(format_hours(minutes))


def activity_json(row, viewer, *, waitlist_position: int | None = None) -> dict:
    """ActivitySchema's answer for a row of server.activities.queries (the activity, its
    waitlist length and the viewer's sign-up), written out (tests hold it to the schema)."""
    mine = None
    if row.my_signup_id is not None and row.my_status != "cancelled":
        mine = {
            "id": row.my_signup_id,
            "status": row.my_status,
            "waitlist_position": waitlist_position,
            "checked_in_at": shanghai_isoformat(row.my_checked_in_at),
            "credited_hours": hours(row.my_credited_minutes),
            "credited_points": row.my_credited_points,
        }
    return {
        "id": row.id,
        "title": row.title,
        "description": row.description,
        "area_id": row.area_id,
        "place": row.place,
        "latitude": row.latitude,
        "longitude": row.longitude,
        "checkin_radius_m": row.checkin_radius_m,
        "starts_at": shanghai_isoformat(row.starts_at),
        "ends_at": shanghai_isoformat(row.ends_at),
        "status": activity_status(row, clock.now()),
        "capacity": row.capacity,
        "held": row.held,
        "places_left": row.capacity - row.held,
        "waitlist_count": row.waitlist_count,
        "points_per_hour": row.points_per_hour,
        "party_day": row.party_month is not None,
        "organiser_id": row.organiser_id,
        "completed_at": shanghai_isoformat(row.completed_at),
        "checkin_code": row.checkin_code if permissions.may_manage(viewer, row) else None,
        "my_signup": mine,
    }


class SignupSchema(Schema):
    id = fields.Integer()
    activity_id = fields.Integer()
    user_id = fields.Integer()
    status = fields.String(metadata={"enum": list(SIGNUP_STATUSES)})
    queued_at = ShanghaiDateTime(metadata={"description": "when the member last signed up; the waitlist's order"})
    checked_in_at = ShanghaiDateTime(allow_none=True)
    credited_hours = fields.Function(lambda signup: hours(signup.credited_minutes), allow_none=True)
    credited_points = fields.Integer(allow_none=True)


class CheckinSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180))


class CompleteSchema(Schema):
    hours = bounded_map(
        MAX_CAPACITY,  # one entry per person checked in, at most
        keys=Id(),
        values=fields.Float(validate=validate.Range(min=0, max=24)),
        load_default=None,
        metadata={"description": "user id -> hours; capped by the activity's length; the rest get its length"},
    )


class CreditSchema(Schema):
    user_id = fields.Integer()
    hours = fields.Function(lambda signup: hours(signup.credited_minutes))
    points = fields.Integer(attribute="credited_points")


class CompletionSchema(Schema):
    activity_id = fields.Integer()
    completed_at = ShanghaiDateTime()
    credits = fields.List(fields.Nested(CreditSchema))


class RecordYearSchema(Schema):
    year = fields.Integer()
    hours = fields.Float()
    activities = fields.Integer()


class RecordEntrySchema(Schema):
    activity_id = fields.Integer()
    title = fields.String()
    starts_at = ShanghaiDateTime()
    hours = fields.Float()
    points = fields.Integer()


class VolunteerRecordSchema(Schema):
    hours = fields.Float(metadata={"description": "all credited hours"})
    activities = fields.Integer()
    points = fields.Integer()
    years = fields.List(fields.Nested(RecordYearSchema), metadata={"description": "latest year first"})
    items = fields.List(fields.Nested(RecordEntrySchema), metadata={"description": "latest first"})
    certificate_url = fields.String(metadata={"description": "a signed page anyone can open to verify the hours"})


def record_json(record, certificate_url: str) -> dict:
    return {
        "hours": hours(record.minutes),
        "activities": len(record.entries),
        "points": record.points,
        "years": [
            {"year": year.year, "hours": hours(year.minutes), "activities": year.activities} for year in record.years
        ],
        "items": [
            {
                "activity_id": row.activity_id,
                "title": row.title,
                "starts_at": shanghai_isoformat(row.starts_at),
                "hours": hours(row.credited_minutes),
                "points": row.credited_points or 0,
            }
            for row in record.entries
        ],
        "certificate_url": certificate_url,
    }
