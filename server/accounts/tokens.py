"""The backend's own login token: signed, expiring, revocable by bumping ``User.token_version``."""

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import inspect
from sqlalchemy.orm import Session, joinedload

from server.accounts.models import User
from server.core import worker_cache
from server.core.dbtypes import MAX_ID
from server.core.errors import Unauthorized
from server.core.extensions import db

# The token's user and grants (each with its area), kept for reads (server/core/worker_cache.py).
KEPT_USERS = worker_cache.kind("token-user", "users", "role_grants", "areas")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="login-token")


def issue_token(user: User) -> str:
    return _serializer().dumps({"uid": user.id, "ver": user.token_version})


def user_from_token(token: str, *, recent_ok: bool = False) -> User:
    """The token's user, in the request's session; 401 when expired, forged or revoked.

    ``recent_ok`` (reads): the user and grants this worker read up to RECENT_SECONDS ago will
    do, so a logout elsewhere reaches this worker's reads within those seconds. That copy is
    answered detached (no session work at all when the view never asks who is calling);
    ``attached`` puts it in the request's session.
    """
    try:
        payload = _serializer().loads(token, max_age=current_app.config["TOKEN_TTL_SECONDS"])
    except SignatureExpired:
        raise Unauthorized("登录已过期，请重新登录", code="token_expired") from None
    except BadSignature:
        raise Unauthorized("登录凭证无效，请重新登录", code="invalid_token") from None
    claims = payload if isinstance(payload, dict) else {}
    uid, version = claims.get("uid"), claims.get("ver")
    if type(uid) is not int:
        raise Unauthorized("登录凭证已失效，请重新登录", code="token_revoked")
    if not 1 <= uid <= MAX_ID:  # signed with our key, yet no id we ever gave: refused before the database
        raise Unauthorized("登录凭证无效，请重新登录", code="invalid_token")
    if recent_ok:
        kept = worker_cache.cached(KEPT_USERS, uid, current_app.config["RECENT_SECONDS"], lambda: _detached(uid))
        # A token newer than the kept user (logged out and in again elsewhere) reads afresh.
        if kept is not None and kept.token_version == version:
            return kept
    # The user and their grants (with each grant's area) in one query.
    user = db.session.get(User, uid, options=[joinedload(User.grants)])
    if user is None or version != user.token_version:
        raise Unauthorized("登录凭证已失效，请重新登录", code="token_revoked")
    return user


def attached(user: User) -> User:
    """``user`` in the request's session: a kept copy is merged in without a query."""
    return db.session.merge(user, load=False) if inspect(user).detached else user


def _detached(uid: int) -> User | None:
    """The user and grants read through a session of their own, fully loaded, so the copy kept
    between requests never expires with a request's session."""
    with Session(db.engine, expire_on_commit=False) as session:
        return session.get(User, uid, options=[joinedload(User.grants)])
