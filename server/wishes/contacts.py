"""A wish's contact (phone, address) unmasked, each view recorded (issue 15: who, whose, when, why).

Those who may see it are those the API shows it to unmasked (``permissions.is_involved``).
The console masks it until a staff member asks and says why (``reveal``); the mini-program
answers it to those involved at once, and each such answer to anyone but the wish's owner is
recorded with the viewer's part in the wish as the reason (``record_answered``)."""

from sqlalchemy import bindparam, insert, or_, select

from server.accounts.models import User
from server.areas.models import Area
from server.areas.queries import subtree_condition
from server.core import clock
from server.core.errors import Forbidden
from server.core.extensions import db
from server.wishes import permissions
from server.wishes.models import ContactView, Wish

_VIEWS = ContactView.__table__
_VIEWERS = User.__table__.alias("viewer")
_SUBJECTS = User.__table__.alias("subject")
_WISHES = Wish.__table__
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
    _record(user, wish, reason)
    return {"phone": wish.contact_phone, "address": wish.address}


def record_answered(user: User, wish) -> bool:
    """Record that an API answer gave ``user`` the unmasked contact of ``wish`` (a row or a
    Wish), unless it is their own or the answer was masked; whether a view was recorded."""
    if user.id == wish.owner_id or not permissions.is_involved(user, wish):
        return False
    if wish.contact_phone is None and wish.address is None:
        return False  # purged after the retention period: nothing personal was shown
    _record(user, wish, "claimer" if user.id == wish.claimer_id else "grid_staff")
    return True


def _record(user: User, wish, reason: str) -> None:
    """One view of ``wish``'s contact by ``user``; whose it is: the wish's owner's."""
    values = {"wish_id": wish.id, "viewer_id": user.id, "subject_id": wish.owner_id, "reason": reason}
    db.session.execute(_RECORD, {**values, "created_at": clock.now()})


def views_of(wish_id: int) -> list:
    """Who looked at the wish's contact, newest first, with their nicknames."""
    return db.session.execute(_VIEWS_OF_WISH, {"wish_id": wish_id}).all()


def views_under(areas: list[Area], *, before: int | None, limit: int) -> tuple[list, int | None]:
    """Every recorded view of a contact of a wish in ``areas``' subtrees, newest first, with the
    wish's number and title and both people's nicknames; and the id to read on from (None at
    the end). What an admin reads to see who looked at whose contact, and why."""
    query = (
        select(
            _VIEWS,
            _WISHES.c.number,
            _WISHES.c.title,
            _VIEWERS.c.nickname.label("viewer_nickname"),
            _SUBJECTS.c.nickname.label("subject_nickname"),
        )
        .join(_WISHES, _WISHES.c.id == _VIEWS.c.wish_id)
        .join(_VIEWERS, _VIEWERS.c.id == _VIEWS.c.viewer_id)
        .join(_SUBJECTS, _SUBJECTS.c.id == _VIEWS.c.subject_id)
        .where(or_(*(subtree_condition(_WISHES.c.area_path, area) for area in areas)))
        .order_by(_VIEWS.c.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(_VIEWS.c.id < before)
    rows = db.session.execute(query).all()
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)
