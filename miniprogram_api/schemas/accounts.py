"""Login, the current user and what they bind (phone, home grid)."""

from marshmallow import Schema, fields, validate

from miniprogram_api.fields import Id, TrimmedString
from miniprogram_api.schemas.common import BoundedPattern


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


class PhoneBindSchema(Schema):
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=128),
        metadata={"description": "the code from the getPhoneNumber button (not the wx.login code)"},
    )


class HomeGridScanSchema(Schema):
    scene = fields.String(
        required=True,
        validate=BoundedPattern(r"^[0-9A-Za-z!#$&'()*+,/:;=?@._~%-]{1,96}$", max_length=96, error="无效的二维码参数"),
        metadata={"description": "the scene of the scanned grid code, as received or URL-decoded"},
    )
