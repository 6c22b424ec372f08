"""The backend's own login token: signed, expiring, revocable by bumping ``User.token_version``."""

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import joinedload

from server.accounts.models import User
from server.errors import Unauthorized
from server.extensions import db


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="login-token")


def issue_token(user: User) -> str:
    return _serializer().dumps({"uid": user.id, "ver": user.token_version})


def user_from_token(token: str) -> User:
    try:
        payload = _serializer().loads(token, max_age=current_app.config["TOKEN_TTL_SECONDS"])
    except SignatureExpired:
        raise Unauthorized("登录已过期，请重新登录", code="token_expired") from None
    except BadSignature:
        raise Unauthorized("登录凭证无效，请重新登录", code="invalid_token") from None
    uid = payload.get("uid") if isinstance(payload, dict) else None
    # Every request starts here: the user and their grants (with each grant's area) in one query.
    user = db.session.get(User, uid, options=[joinedload(User.grants)]) if type(uid) is int else None
    if user is None or payload.get("ver") != user.token_version:
        raise Unauthorized("登录凭证已失效，请重新登录", code="token_revoked")
    return user
