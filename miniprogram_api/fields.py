"""Field types shared by the schemas."""

from marshmallow import fields

from server import clock


class ShanghaiDateTime(fields.DateTime):
    """UTC inside, shown with the +08:00 offset the residents live in."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(clock.to_shanghai(value), attr, obj, **kwargs)


class TrimmedString(fields.String):
    """Strips surrounding whitespace, so a string of only spaces fails a minimum length."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()
