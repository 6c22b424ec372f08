"""Request and response schemas: the same classes validate requests and write the OpenAPI
document, so the two cannot drift. Unknown fields are refused (marshmallow's default)."""

from datetime import date, timedelta

from flask import g
from flask_smorest.fields import Upload as FileField
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from miniprogram_api.blueprint import current_user
from miniprogram_api.fields import Id, ShanghaiDateTime, TrimmedString
from server import clock
from server.notification_kinds import KINDS as NOTIFICATION_KINDS
from server.points.models import REASONS
from server.privacy import mask_phone
from server.wishes import permissions
from server.wishes.models import CATEGORIES, RESOLUTIONS, STATUSES
from server.wishes.privacy import mask_address

MAINLAND_MOBILE = validate.Regexp(r"^1[3-9]\d{9}$", error="请输入 11 位中国大陆手机号")
PHOTO_IDS = fields.List(
    fields.String(validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$", error="无效的图片编号")),
    validate=validate.Length(max=9),
    load_default=list,
)


def text(max_length: int, *, required: bool = False):
    if required:
        return TrimmedString(required=True, validate=validate.Length(min=1, max=max_length))
    return TrimmedString(load_default=None, allow_none=True, validate=validate.Length(max=max_length))


class PageQuery(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, validate=validate.Length(max=200))


# -- accounts and areas ---------------------------------------------------------------------


class LoginSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=128))


class RoleSchema(Schema):
    role = fields.String(metadata={"enum": ["resident", "party_member", "grid_worker", "admin"]})
    area_id = fields.Integer(allow_none=True)
    status = fields.String(metadata={"description": "party member verification: pending / verified / rejected"})
    branch = fields.String(allow_none=True)
    work_unit = fields.String(allow_none=True)


class MeSchema(Schema):
    id = fields.Integer()
    nickname = fields.String()
    roles = fields.List(fields.Nested(RoleSchema))
    home_grid_id = fields.Integer(allow_none=True)
    phone = fields.String(allow_none=True, metadata={"description": "masked (138****1234); null until bound"})
    points_balance = fields.Integer()
    unread_notifications = fields.Integer(metadata={"description": "inbox rows not read yet"})


class ProfileUpdateSchema(Schema):
    nickname = TrimmedString(validate=validate.Length(min=1, max=32))
    home_grid_id = Id(strict=True)


class LoginResultSchema(Schema):
    token = fields.String()
    expires_in = fields.Integer(metadata={"description": "seconds"})
    user = fields.Nested(MeSchema)


class AreaQuery(Schema):
    parent_id = Id(load_default=None)


class AreaSchema(Schema):
    id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    level = fields.String(metadata={"enum": ["district", "street", "community", "grid"]})
    name = fields.String()


class AreaListSchema(Schema):
    items = fields.List(fields.Nested(AreaSchema))
    next_cursor = fields.String(allow_none=True)


# -- wishes ---------------------------------------------------------------------------------


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


class PersonSchema(Schema):
    id = fields.Integer()
    nickname = fields.String()


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


# -- points and statistics ------------------------------------------------------------------


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


# Dates outside any report (and near datetime's limits, where time-zone arithmetic overflows).
REPORTING_DATES = validate.Range(min=date(2000, 1, 1), max=date(2099, 12, 31), error="日期应在 2000–2099 年之间")


class StatsQuery(Schema):
    area_id = Id(load_default=None)
    date_from = fields.Date(data_key="from", load_default=None, validate=REPORTING_DATES)
    date_to = fields.Date(data_key="to", load_default=None, validate=REPORTING_DATES)

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["date_from"] and data["date_to"] and data["date_from"] > data["date_to"]:
            raise ValidationError("结束日期不能早于开始日期", "to")


class RateSchema(Schema):
    value = fields.Float(allow_none=True, metadata={"description": "numerator / denominator; null when 0/0"})
    numerator = fields.Integer()
    denominator = fields.Integer()


class OverviewSchema(Schema):
    area_id = fields.Integer()
    date_from = fields.Date(data_key="from", allow_none=True, attribute="from")
    date_to = fields.Date(data_key="to", allow_none=True, attribute="to")
    total = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    response_rate = fields.Nested(RateSchema)
    resolution_rate = fields.Nested(RateSchema)
    satisfaction_rate = fields.Nested(RateSchema)


class LivenessSchema(Schema):
    status = fields.String()


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()


# -- phone number and grid codes (issue 3) --------------------------------------------------


class PhoneBindSchema(Schema):
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=128),
        metadata={"description": "the code from the getPhoneNumber button (not the wx.login code)"},
    )


class HomeGridScanSchema(Schema):
    scene = fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9A-Za-z!#$&'()*+,/:;=?@._~%-]{1,96}$", error="无效的二维码参数"),
        metadata={"description": "the scene of the scanned grid code, as received or URL-decoded"},
    )


# -- uploads and the WeChat push (issue 3, photos) ------------------------------------------


class UploadFormSchema(Schema):
    file = FileField(required=True, metadata={"description": "JPEG, PNG or WebP, decided by content; ≤ 5 MB"})


class UploadSchema(Schema):
    id = fields.String(metadata={"description": "opaque; reference it in a wish's or a fulfilment's photos"})
    status = fields.String(metadata={"enum": ["checking", "pass", "review", "risky"]})
    url = fields.String(metadata={"description": "GET it with the bearer token"})
    width = fields.Integer()
    height = fields.Integer()


class PushSignatureQuery(Schema):
    """What WeChat adds to every push; anything else it adds (openid, encrypt_type) is ignored."""

    class Meta:
        unknown = "exclude"

    signature = fields.String(load_default="")
    timestamp = fields.String(load_default="")
    nonce = fields.String(load_default="")


class PushHandshakeQuery(PushSignatureQuery):
    echostr = fields.String(load_default="")


class MediaCheckResultSchema(Schema):
    class Meta:
        unknown = "exclude"

    suggest = fields.String(required=True, validate=validate.OneOf(["pass", "review", "risky"]))
    label = fields.Integer(load_default=None, allow_none=True)


class PushEventSchema(Schema):
    """A pushed event (JSON data format). Only ``wxa_media_check`` is acted on."""

    class Meta:
        unknown = "exclude"

    Event = fields.String(load_default=None)
    appid = fields.String(load_default=None)
    trace_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    result = fields.Nested(MediaCheckResultSchema, load_default=None)


# -- notifications (inbox and subscribe messages) -------------------------------------------


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


# -- scheduled jobs (issue 4, GET /api/v1/admin/jobs) ---------------------------------------


class JobSchema(Schema):
    id = fields.String(metadata={"description": "the job's stable id, e.g. claim_timeout"})
    description = fields.String()
    schedule = fields.String(metadata={"description": "interval (JOB_INTERVAL_SECONDS) or daily HH:MM Asia/Shanghai"})
    available = fields.Boolean(metadata={"description": "false while the job's function is not installed"})
    last_started_at = ShanghaiDateTime(allow_none=True)
    last_finished_at = ShanghaiDateTime(allow_none=True)
    last_outcome = fields.String(allow_none=True, metadata={"description": "ok, error: …, or unavailable: …"})
    rows_touched = fields.Integer(allow_none=True)
    next_run_at = ShanghaiDateTime(allow_none=True)


class JobListSchema(Schema):
    items = fields.List(fields.Nested(JobSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "always null: one page"})
