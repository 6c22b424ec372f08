"""Reads: the inbox page, the unread count, the configured templates and a person's credits."""

from flask import current_app
from sqlalchemy import bindparam, func, select

from server.core.extensions import db, read
from server.core.paging import keyset_page
from server.notifications.models import Notification, SubscribeCredit

_NOTIFICATIONS = Notification.__table__  # plain rows and Core selects: no ORM work on these busy reads


def inbox(user_id: int, *, unread: bool = False, cursor: str | None, limit: int):
    """Newest first, as rows; ``unread`` keeps only those not read yet. Always the primary: a
    person reads the inbox they just marked read."""
    query = select(_NOTIFICATIONS).where(_NOTIFICATIONS.c.user_id == user_id)
    if unread:
        query = query.where(_NOTIFICATIONS.c.read_at.is_(None))
    return keyset_page(read, query, _NOTIFICATIONS.c.id, cursor=cursor, limit=limit)


def unread_count(user_id: int) -> int:
    return read(_UNREAD, {"user_id": user_id}).scalar()


_UNREAD = select(func.count()).where(
    _NOTIFICATIONS.c.user_id == bindparam("user_id"), _NOTIFICATIONS.c.read_at.is_(None)
)


def configured_templates() -> dict[str, list[str]]:
    """Each configured subscribe template id and the notification kinds it carries."""
    kinds_by_template: dict[str, list[str]] = {}
    for kind, spec in sorted(current_app.config["WECHAT_SUBSCRIBE_TEMPLATES"].items()):
        kinds_by_template.setdefault(spec["template_id"], []).append(kind)
    return kinds_by_template


def subscriptions(user_id: int) -> list[dict]:
    """The templates the mini-program may ask the person to accept, with the credits left."""
    credits = dict(
        db.session.execute(
            select(SubscribeCredit.template_id, SubscribeCredit.credits).where(SubscribeCredit.user_id == user_id)
        ).all()
    )
    return [
        {"template_id": template_id, "kinds": kinds, "credits": credits.get(template_id, 0)}
        for template_id, kinds in configured_templates().items()
    ]
