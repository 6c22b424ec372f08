"""Pieces every resource's schemas share: typed text, photo ids, paging, a person."""

from marshmallow import Schema, fields, validate

from miniprogram_api.fields import TrimmedString

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


class PersonSchema(Schema):
    id = fields.Integer()
    nickname = fields.String()
