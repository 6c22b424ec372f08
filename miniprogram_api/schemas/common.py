"""Pieces every resource's schemas share: typed text, photo ids, paging, a person."""

from marshmallow import Schema, ValidationError, fields, validate

from miniprogram_api.fields import TrimmedString


class BoundedPattern(validate.Regexp):
    """A pattern and the longest text it can match, checked first (``len`` costs less than a
    regex over megabytes) and documented as maxLength beside the pattern: apispec documents
    any validator with ``min``, ``max`` and ``equal`` as a length."""

    def __init__(self, regex: str, *, max_length: int, error: str):
        super().__init__(regex, error=error)
        self.min, self.max, self.equal = None, max_length, None

    def __call__(self, value: str) -> str:
        if len(value) > self.max:
            raise ValidationError(self._format_error(value))
        return super().__call__(value)


class MaxEntries(validate.Validator):
    """At most ``max_entries`` entries in a map."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries

    def __call__(self, value: dict) -> dict:
        if len(value) > self.max_entries:
            raise ValidationError(f"最多 {self.max_entries} 项")
        return value


def bounded_map(max_entries: int, *, metadata: dict | None = None, **kwargs) -> fields.Dict:
    """A map of at most ``max_entries``, documented as maxProperties (a Length validator
    would be documented as a string's maxLength)."""
    metadata = {**(metadata or {}), "maxProperties": max_entries}
    return fields.Dict(validate=MaxEntries(max_entries), metadata=metadata, **kwargs)


MAINLAND_MOBILE = BoundedPattern(r"^1[3-9]\d{9}$", max_length=11, error="请输入 11 位中国大陆手机号")


PHOTO_IDS = fields.List(
    fields.String(validate=BoundedPattern(r"^[A-Za-z0-9_-]{1,64}$", max_length=64, error="无效的图片编号")),
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
