"""Field types shared by the schemas."""

import unicodedata

from marshmallow import ValidationError as FieldError
from marshmallow import fields, validate
from werkzeug.routing import BaseConverter
from werkzeug.routing import ValidationError as NoMatch

from server.core import clock, text
from server.core.dbtypes import MAX_ID


def shanghai_isoformat(moment):
    """UTC inside, shown in ISO 8601 with the +08:00 offset the residents live in."""
    return moment.astimezone(clock.SHANGHAI).isoformat() if moment is not None else None


class ShanghaiDateTime(fields.DateTime):
    """A time as ``shanghai_isoformat`` shows it."""

    def _serialize(self, value, attr, obj, **kwargs):
        return shanghai_isoformat(value)


class TrimmedString(fields.String):
    """Text a person typed, read once into the form it is checked and stored in
    (``server.core.text.normalise``: NFKC, no invisible format characters), then stripped of
    surrounding whitespace (so only spaces fails a minimum length; lengths count the stored
    form). Control characters and lone surrogates are refused, as no keyboard makes them and
    PostgreSQL cannot store NUL."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t" for ch in value):
            raise FieldError("不能包含控制字符")
        return text.normalise(value).strip()


# Ids beyond MAX_ID are refused at the edge instead of overflowing in the database driver.


class Id(fields.Integer):
    """A row id. In a JSON body (``strict=True``) only a JSON integer is one: "4" and 4.5 are
    not; a query string has nothing but text, so there "4" is."""

    def __init__(self, *, strict: bool = False, **kwargs):
        super().__init__(strict=strict, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class IdConverter(BaseConverter):
    """``<id:wish_id>``: digits naming a possible row; anything else is a plain 404."""

    regex = r"[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise NoMatch()
        return number

    def to_url(self, value) -> str:
        return str(value)


def id_parameter_schema(_converter) -> dict:
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID}
