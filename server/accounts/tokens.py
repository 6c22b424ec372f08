"""The backend's own login token: signed, expiring, revocable by bumping ``User.token_version``."""

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from server.accounts.models import RoleGrant, User
from server.areas.models import Area
from server.core import signing
from server.core.dbtypes import MAX_ID
from server.core.errors import Unauthorized
from server.core.extensions import db, read


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing.signing_keys(), salt="login-token")


def issue_token(user: User) -> str:
    return _serializer().dumps({"uid": user.id, "ver": user.token_version})


def user_from_token(token: str, *, detached: bool = False) -> User:
    """The token's user; 401 when expired, forged or revoked.

    Read afresh on every request, never from a copy kept between requests: a logout, an erasure
    or a revoked grant on any worker holds from the next request on every worker (issue 15), and
    a revoked grid worker never reads another unmasked phone. ``detached`` (reads): the user and
    grants come from one Core statement as detached objects, with no session work (``attached``
    puts them in the request's session); a write gets the user in the request's session.
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
    # The user and their grants (with each grant's area) in one query either way.
    user = _detached(uid) if detached else db.session.get(User, uid, options=[joinedload(User.grants)])
    if user is None or version != user.token_version:
        raise Unauthorized("登录凭证已失效，请重新登录", code="token_revoked")
    return user


def attached(user: User) -> User:
    """``user`` in the request's session: a kept copy is merged in without a query."""
    return db.session.merge(user, load=False) if inspect(user).detached else user


# -- the detached copy: one Core query, the objects built from its rows ------------------------

_TABLES = {User: User.__table__, RoleGrant: RoleGrant.__table__, Area: Area.__table__}
_LABELLED = {cls: [column.label(f"{table.name}_{column.name}") for column in table.c] for cls, table in _TABLES.items()}
_USER_WITH_GRANTS = (
    select(*_LABELLED[User], *_LABELLED[RoleGrant], *_LABELLED[Area])
    .outerjoin(RoleGrant.__table__, RoleGrant.__table__.c.user_id == User.__table__.c.id)
    .outerjoin(Area.__table__, Area.__table__.c.id == RoleGrant.__table__.c.area_id)
    .where(User.__table__.c.id == bindparam("uid"))
    .order_by(RoleGrant.__table__.c.id)
)


def _detached(uid: int) -> User | None:
    """The user and grants, each grant with its area, read in one statement without the ORM's
    loading (most of a fresh read's cost), as detached objects with every attribute loaded,
    which never expire with a request's session."""
    rows = read(_USER_WITH_GRANTS, {"uid": uid}).all()
    if not rows:
        return None
    user = _built(User, rows[0])
    grants = []
    for row in rows:
        if row.role_grants_id is None:
            break  # no grants: one row, joined with nothing
        grant = _built(RoleGrant, row)
        set_committed_value(grant, "area", _built(Area, row))
        set_committed_value(grant, "user", user)
        grants.append(grant)
    set_committed_value(user, "grants", grants)
    return user


def _built(cls, row):
    """An instance of ``cls`` as a query would have loaded it, detached, from ``row``'s
    labelled columns."""
    instance = inspect(cls).class_manager.new_instance()
    values = row._mapping
    for prop, label in zip(inspect(cls).column_attrs, _LABELS[cls], strict=True):
        set_committed_value(instance, prop.key, values[label])
    make_transient_to_detached(instance)
    return instance


_LABELS = {
    cls: [f"{_TABLES[cls].name}_{prop.columns[0].name}" for prop in inspect(cls).column_attrs] for cls in _TABLES
}
