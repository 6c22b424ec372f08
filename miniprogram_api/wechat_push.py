"""The message-push URL WeChat calls (WeChat -> us, not the mini-program): the GET handshake
and the events, each signed with WECHAT_PUSH_TOKEN. Configure the push in the mini-program
console in plaintext mode with the JSON data format.

WeChat wants the plain text ``success`` back; anything else and it may push again.
"""

from functools import wraps

from flask import current_app, make_response

from miniprogram_api.blueprint import Blueprint
from miniprogram_api.schemas.wechat_push import PushEventSchema, PushHandshakeQuery, PushSignatureQuery
from server.core.errors import Forbidden
from server.wechat.push import signature_ok
from server.wishes import operations as wishes

blp = Blueprint("wechat_push", __name__, url_prefix="/wechat", description="Messages WeChat pushes to this server")


def _signed(func):
    """Refuse (403) unless the parsed query carries a valid signature; runs before the body is read."""

    @wraps(func)
    def wrapper(query, *args, **kwargs):
        token = current_app.config["WECHAT_PUSH_TOKEN"]
        if not signature_ok(token, signature=query["signature"], timestamp=query["timestamp"], nonce=query["nonce"]):
            raise Forbidden("签名校验失败", code="invalid_signature")
        return func(query, *args, **kwargs)

    return wrapper


def _text(body: str):
    response = make_response(body)
    response.mimetype = "text/plain"
    return response


@blp.route("/push", methods=["GET"])
@blp.arguments(PushHandshakeQuery, location="query", unknown="exclude")
@_signed
@blp.response(200, content_type="text/plain", description="the echostr, when the signature is valid")
@blp.errors(403)
def handshake(query):
    """The handshake WeChat makes when the push URL is saved: answer ``echostr``."""
    return _text(query["echostr"])


@blp.route("/push", methods=["POST"])
@blp.writes
@blp.arguments(PushSignatureQuery, location="query", unknown="exclude")
@_signed
@blp.arguments(PushEventSchema)
@blp.response(200, content_type="text/plain", description="success")
@blp.errors(403)
def push(query, event):
    """An event. ``wxa_media_check`` records an image-check verdict by its trace_id."""
    if event["Event"] == "wxa_media_check" and event["trace_id"] and event["result"]:
        wishes.record_media_verdict(event["trace_id"], event["result"]["suggest"], event["result"]["label"])
    return _text("success")
