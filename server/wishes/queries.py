"""Reads of wishes: the paged lists and the statistics, all in SQL."""

import functools
from datetime import date

from sqlalchemy import and_, bindparam, case, false, func, or_, select
from sqlalchemy.orm import joinedload

from server.accounts.models import RoleGrant, User
from server.areas.models import Area
from server.areas.queries import subtree_condition
from server.core import clock
from server.core.extensions import db, may_lag, read
from server.core.paging import decode_cursor, page_of
from server.wishes import deadlines, permissions, rates
from server.wishes.models import STATUSES, Wish, WishEvent

_WISHES = Wish.__table__  # the list reads plain rows (a Core select: no ORM entity in it)


def in_pool():
    """The open pool: everyone may see these."""
    return _WISHES.c.status == "open"


def visible_to(user: User):
    """SQL twin of permissions.can_view: the pool, plus what the user is involved in
    (owner, claimer, staff in scope)."""
    staff_scope = [subtree_condition(_WISHES.c.area_path, area) for area in user.staff_areas()]
    return or_(
        in_pool(),
        _WISHES.c.owner_id == user.id,
        _WISHES.c.claimer_id == user.id,
        *staff_scope,
    )


def in_staff_scope(user: User):
    """What ``user`` looks after as staff: the wishes of the areas of their staff grants."""
    return or_(false(), *(subtree_condition(_WISHES.c.area_path, area) for area in user.staff_areas()))


# What a list row shows (miniprogram_api/schemas/wishes.py: wish_summary): read as plain rows,
# without ORM objects, which cost more than the rest of a list's work together.
LIST_COLUMNS = (
    _WISHES.c.id,
    _WISHES.c.number,
    _WISHES.c.title,
    _WISHES.c.category,
    _WISHES.c.status,
    _WISHES.c.grid_id,
    _WISHES.c.address,
    _WISHES.c.contact_phone,
    _WISHES.c.desired_by,
    _WISHES.c.created_at,
    _WISHES.c.updated_at,
    _WISHES.c.escalated_at,
    _WISHES.c.status_since,
    _WISHES.c.area_path,  # whose community's windows time it (the console's deadlines)
)


def list_wishes(
    user: User | None,
    *,
    limit: int,
    cursor: str | None = None,
    status: str | None = None,
    grid_id: int | None = None,
    area: Area | None = None,
    category: str | None = None,
    mine: str | None = None,
    number: str | None = None,
    text: str | None = None,
    escalated: bool = False,
    overdue: dict | None = None,
):
    """A page of what ``user`` may see (``None``: what anyone may see; ``mine="staffed"``: only
    what they look after as staff) with the filters given, as rows of LIST_COLUMNS; it may be a
    moment old (the read replica). The console's board narrows further: ``number`` (exact),
    ``text`` (in the title or description), ``escalated``, ``overdue`` (the cutoffs of
    deadlines.overdue_cutoffs)."""
    values = {
        "status": status,
        "grid_id": grid_id,
        "category": category,
        "number": number,
        "text": _contains(text) if text else None,
        "escalated": True if escalated else None,
        "overdue": True if overdue else None,
        "before": decode_cursor(cursor),
    }
    values = {name: value for name, value in values.items() if value is not None}
    whose = "pool" if user is None else mine or "visible"
    query = _list_statement(whose, *values)
    # The caller's staff scopes and an area's subtree are conditions built for the request.
    if whose == "visible":
        query = query.where(visible_to(user))
    elif whose == "staffed":
        query = query.where(in_staff_scope(user))
    if area is not None:
        query = query.where(subtree_condition(_WISHES.c.area_path, area))
    if user is not None:
        values["user_id"] = user.id
    values.update(overdue or {})
    rows = read(query, {**values, "limit": limit + 1}).all()
    return page_of(rows, limit)


def _contains(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# Whose wishes, where the condition is the same for every caller ("visible" is built per caller).
_WHOSE = {
    "pool": in_pool,
    "posted": lambda: _WISHES.c.owner_id == bindparam("user_id"),
    "claimed": lambda: _WISHES.c.claimer_id == bindparam("user_id"),
}
_FILTERS = {
    "status": lambda: _WISHES.c.status == bindparam("status"),
    "grid_id": lambda: _WISHES.c.grid_id == bindparam("grid_id"),
    "category": lambda: _WISHES.c.category == bindparam("category"),
    "number": lambda: _WISHES.c.number == bindparam("number"),
    "text": lambda: or_(
        _WISHES.c.title.like(bindparam("text"), escape="\\"),
        _WISHES.c.description.like(bindparam("text"), escape="\\"),
    ),
    # The two flags bind nothing: their presence is the statement's shape. SQL twin of models.is_escalated.
    "escalated": lambda: and_(
        _WISHES.c.status == "open",
        _WISHES.c.escalated_at.is_not(None),
        or_(_WISHES.c.status_since.is_(None), _WISHES.c.escalated_at >= _WISHES.c.status_since),
    ),
    "overdue": lambda: deadlines.overdue_condition(_WISHES.c),
    "before": lambda: _WISHES.c.id < bindparam("before"),
}


@functools.cache
def _list_statement(whose: str, *filters: str):
    """The list's statement for one shape of request (whose wishes, which filters are given,
    not their values): built once, its values bound at each execution."""
    query = may_lag(select(*LIST_COLUMNS))
    if whose in _WHOSE:
        query = query.where(_WHOSE[whose]())
    for name in filters:
        query = query.where(_FILTERS[name]())
    return query.order_by(_WISHES.c.id.desc()).limit(bindparam("limit"))


def review_queue(user: User, *, limit: int) -> list:
    """The pending wishes ``user`` reviews as staff, oldest first (the first to pass its review
    deadline on top), as rows of LIST_COLUMNS with what the permission checks read."""
    query = (
        may_lag(select(*LIST_COLUMNS, _WISHES.c.owner_id, _WISHES.c.claimer_id))
        .where(_WISHES.c.status == "pending_review", in_staff_scope(user))
        .order_by(_WISHES.c.id)
        .limit(limit)
    )
    return read(query).all()


_AREAS = Area.__table__
_GRANTS = RoleGrant.__table__


def staffed_grids(user: User) -> list:
    """The grids of ``user``'s staff areas (id, name), by name: the board's grid filter."""
    scope = or_(false(), *(subtree_condition(_AREAS.c.path, area) for area in user.staff_areas()))
    query = select(_AREAS.c.id, _AREAS.c.name).where(_AREAS.c.level == "grid", scope).order_by(_AREAS.c.path)
    return read(may_lag(query)).all()


def assignable_members(user: User, *, nickname: str | None = None, exclude_id: int | None = None, limit: int = 20):
    """Verified party members whose party grant lies in ``user``'s staff areas, by nickname
    (containing ``nickname`` when given): whom a grid worker may assign a wish to."""
    users = User.__table__
    scope = or_(false(), *(subtree_condition(_AREAS.c.path, area) for area in user.staff_areas()))
    query = (
        select(users.c.id, users.c.nickname)
        .join(_GRANTS, _GRANTS.c.user_id == users.c.id)
        .join(_AREAS, _AREAS.c.id == _GRANTS.c.area_id)
        .where(_GRANTS.c.role == "party_member", _GRANTS.c.status == "verified", scope)
        .distinct()
        .order_by(users.c.nickname, users.c.id)
        .limit(limit)
    )
    if nickname:
        query = query.where(users.c.nickname.like(bindparam("nickname"), escape="\\"))
    if exclude_id is not None:
        query = query.where(users.c.id != exclude_id)
    return read(may_lag(query), {"nickname": _contains(nickname)} if nickname else {}).all()


def open_pool_page(area: Area | None, *, mine: None = None, **filters):
    """A page of the open pool, the same for every caller (``mine`` is always None here: a
    caller's own wishes are another list)."""
    return list_wishes(None, area=area, **filters)


_OWNERS = User.__table__.alias("owner")
_CLAIMERS = User.__table__.alias("claimer")
_DETAIL = may_lag(
    select(
        _WISHES,
        _OWNERS.c.nickname.label("owner_nickname"),
        _CLAIMERS.c.nickname.label("claimer_nickname"),
    )
    .join(_OWNERS, _OWNERS.c.id == _WISHES.c.owner_id)
    .outerjoin(_CLAIMERS, _CLAIMERS.c.id == _WISHES.c.claimer_id)
    .where(_WISHES.c.id == bindparam("wish_id"))
)
_EVENTS = WishEvent.__table__
_ACTORS = User.__table__.alias("actor")
_TIMELINE = may_lag(
    select(_EVENTS, _ACTORS.c.nickname.label("actor_nickname"))
    .outerjoin(_ACTORS, _ACTORS.c.id == _EVENTS.c.actor_id)
    .where(_EVENTS.c.wish_id == bindparam("wish_id"))
    .order_by(_EVENTS.c.id)
)


def visible_wish(user: User, wish_id: int):
    """The wish to show ``user`` as a row (every column, and its owner's and claimer's
    nicknames), with its timeline rows for those involved; 404 for a wish they may not see
    (docs/wish-visibility.md). It may be a moment old (the read replica)."""
    row = read(_DETAIL, {"wish_id": wish_id}).first()
    if row is None or not permissions.can_view(user, row):
        raise permissions.not_found(wish_id)
    involved = permissions.is_involved(user, row)
    events = read(_TIMELINE, {"wish_id": wish_id}).all() if involved else []
    return row, events, involved


def timeline_for(user: User, wish: Wish) -> list[WishEvent]:
    """The timeline is the audit trail of those involved (owner, claimer, staff in scope); the
    pool sees an open wish without it (docs/wish-visibility.md)."""
    return timeline(wish) if permissions.is_involved(user, wish) else []


def timeline(wish: Wish) -> list[WishEvent]:
    # Each actor comes with its event; their grants load only if something asks (the timeline shows
    # a nickname), instead of the query per timeline User.grants would otherwise add.
    query = select(WishEvent).options(joinedload(WishEvent.actor).lazyload(User.grants))
    return list(db.session.scalars(query.where(WishEvent.wish_id == wish.id).order_by(WishEvent.id)))


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def overview(area: Area, date_from: date | None, date_to: date | None) -> dict:
    """Counts by status and the three rates of DESIGN §3 (server/wishes/rates.py) over the
    wishes posted in the period."""
    scope = [subtree_condition(Wish.area_path, area), *rates.period_bounds(date_from, date_to)]
    by_status = dict(
        db.session.execute(may_lag(select(Wish.status, func.count()).where(*scope).group_by(Wish.status))).all()
    )
    terms = rates.conditions(clock.now(), clock.shanghai_today())
    row = db.session.execute(
        may_lag(select(*(_count(condition).label(name) for name, condition in terms.items())).where(*scope))
    ).one()
    return {
        "area_id": area.id,
        "from": date_from,
        "to": date_to,
        "total": sum(by_status.values()),
        "counts": {status: by_status.get(status, 0) for status in STATUSES},
        **rates.rates(row),
    }
