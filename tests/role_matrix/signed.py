"""The requests of the operations no bearer token opens: a photo's signed media link (WeChat's
image checker fetches it, tests/test_uploads.py) and WeChat's push, signed with the push token
(tests/test_wechat_push.py). For each operation, the one rightly signed request and the ones a
caller without the link or the token could make, by name."""

import time

from server.core.extensions import db
from server.uploads.models import Upload
from server.uploads.storage import media_token
from server.wechat.push import signature_for
from tests.role_matrix.routes import photo_of_claimed_wish

# In the query string or the path (`_call`'s keys), and the settings the request runs under.
CONFIG = "_config"


def _photo(cast) -> Upload:
    """A photo of the owner's on a claimed wish, sent to the image check (the fake's verdict
    comes only when pushed here)."""
    upload_id = photo_of_claimed_wish(cast, None)[0]["upload_id"]
    with cast.app.app_context():
        upload = db.session.get(Upload, upload_id)
        db.session.expunge(upload)
        return upload


def _signed(token: str, **extra) -> dict:
    timestamp, nonce = str(int(time.time())), "n0nce"
    return {"signature": signature_for(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, **extra}


def _verdict(upload: Upload, suggest: str) -> dict:
    label = 100 if suggest == "pass" else 20002
    return {
        "MsgType": "event",
        "Event": "wxa_media_check",
        "trace_id": upload.trace_id,
        "result": {"suggest": suggest, "label": label},
    }


def signed_requests(cast) -> tuple[dict, dict]:
    """operation -> request name -> (path parameters, JSON body or None); and the photos whose
    verdicts are pushed: ``passed`` by the signed push, ``refused`` only by those refused."""
    passed, refused = _photo(cast), _photo(cast)
    with cast.app.test_request_context():
        link = media_token(passed.storage_key)
        never_stored = media_token(passed.storage_key.replace(passed.id, "nosuchphoto"))
        push_token = cast.app.config["WECHAT_PUSH_TOKEN"]
    forged = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    handshake = _signed(push_token, echostr="7351983412")
    push = _signed(push_token)
    requests = {
        "GET /media/{token}": {
            "the link the image check carried": ({"token": link}, None),
            "a link to a photo never stored": ({"token": never_stored}, None),
            # Signed by us with the same keys, for another purpose: a person's login token.
            "a login token as the link": ({"token": cast.tokens["owner"]}, None),
            "a forged link": ({"token": forged}, None),
            "an expired link": ({"token": link, CONFIG: {"MEDIA_URL_MAX_AGE_SECONDS": -1}}, None),
        },
        "GET /wechat/push": {
            "the handshake signed with the push token": ({"_query": handshake}, None),
            "an unsigned handshake": ({"_query": {"echostr": "7351983412"}}, None),
            "a handshake signed with another token": ({"_query": _signed("someoneelsestoken", echostr="1")}, None),
            "the signature sent with another nonce": ({"_query": {**handshake, "nonce": "other"}}, None),
        },
        "POST /wechat/push": {
            "a verdict signed with the push token": ({"_query": push}, _verdict(passed, "pass")),
            "an unsigned verdict": ({}, _verdict(refused, "risky")),
            "a verdict signed with another token": (
                {"_query": _signed("someoneelsestoken")},
                _verdict(refused, "risky"),
            ),
            "the signature sent with another timestamp": (
                {"_query": {**push, "timestamp": str(int(push["timestamp"]) + 1)}},
                _verdict(refused, "risky"),
            ),
        },
    }
    return requests, {"passed": passed.id, "refused": refused.id}


def upload_status(cast, upload_id: str) -> str:
    with cast.app.app_context():
        return db.session.get(Upload, upload_id).status
