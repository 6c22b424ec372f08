"""A wish's contact (phone, address) unmasked for a staff member who asks, each view recorded.

Those who may see it are those the API shows it to unmasked (``permissions.is_involved``);
the console masks it until they ask and say why."""

from sqlalchemy import bindparam, insert, select

from server.accounts.models import User
from server.core import clock
from server.core.errors import Forbidden
from server.core.extensions import db
from server.wishes import permissions
from server.wishes.models import ContactView, Wish

_VIEWS = ContactView.__table__
_VIEWERS = User.__table__.alias("viewer")
_RECORD = insert(_VIEWS)
_VIEWS_OF_WISH = (
    select(_VIEWS, _VIEWERS.c.nickname.label("viewer_nickname"))
    .join(_VIEWERS, _VIEWERS.c.id == _VIEWS.c.viewer_id)
    .where(_VIEWS.c.wish_id == bindparam("wish_id"))
    .order_by(_VIEWS.c.id.desc())
)


def reveal(user: User, wish: Wish, *, reason: str) -> dict:
    """The unmasked contact of ``wish`` for ``user``, the view recorded (403 for anyone the
    API would show it masked to)."""
    if not permissions.is_involved(user, wish):
        raise Forbidden("您无权查看该居民的联系方式")
    values = {"wish_id": wish.id, "viewer_id": user.id, "subject_id": wish.owner_id, "reason": reason}
    db.session.execute(_RECORD, {**values, "created_at": clock.now()})
    return {"phone": wish.contact_phone, "address": wish.address}


def views_of(wish_id: int) -> list:
    """Who looked at the wish's contact, newest first, with their nicknames."""
    return db.session.execute(_VIEWS_OF_WISH, {"wish_id": wish_id}).all()
