"""WeChat's message push: the signature and the media-check verdict."""

from marshmallow import Schema, fields, validate

_SHORT = validate.Length(max=128)


class PushSignatureQuery(Schema):
    """What WeChat adds to every push; anything else it adds (openid, encrypt_type) is ignored."""

    class Meta:
        unknown = "exclude"

    # WeChat's are a SHA-1 in hex, a Unix time, and random digits; far more room than those.
    signature = fields.String(load_default="", validate=_SHORT)
    timestamp = fields.String(load_default="", validate=_SHORT)
    nonce = fields.String(load_default="", validate=_SHORT)


class PushHandshakeQuery(PushSignatureQuery):
    echostr = fields.String(load_default="", validate=_SHORT)


class MediaCheckResultSchema(Schema):
    class Meta:
        unknown = "exclude"

    suggest = fields.String(required=True, validate=validate.OneOf(["pass", "review", "risky"]))
    label = fields.Integer(load_default=None, allow_none=True)


class PushEventSchema(Schema):
    """A pushed event (JSON data format). Only ``wxa_media_check`` is acted on."""

    class Meta:
        unknown = "exclude"

    Event = fields.String(load_default=None, validate=validate.Length(max=64))
    appid = fields.String(load_default=None, validate=validate.Length(max=64))
    trace_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    result = fields.Nested(MediaCheckResultSchema, load_default=None)
