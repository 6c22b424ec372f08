"""State changes of notifications: write them for an event of any feature, mark them read,
record the subscribe acceptances a person gave. Functions write in the caller's transaction;
the request or job commits.

A feature decides who hears what (its rules and audiences live next to it, as in
server/wishes/notifications.py) and calls ``notify``; this package knows no feature.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import insert, update

from server.accounts.models import User
from server.core import clock
from server.core.dbtypes import insert_ignoring_duplicates
from server.core.errors import Unprocessable
from server.core.extensions import db
from server.notifications import registry, templates
from server.notifications.models import Notification, OutboxMessage, SubscribeCredit
from server.notifications.queries import configured_templates

_INBOX = Notification.__table__
_OUTBOX = OutboxMessage.__table__
# Built once: building a statement costs more than running it.
_INSERT_INBOX = insert(_INBOX).returning(_INBOX.c.user_id, _INBOX.c.id)
_INSERT_OUTBOX = insert(_OUTBOX)

# The inbox columns' lengths.
TITLE_LIMIT = 32
BODY_LIMIT = 500


@dataclass(frozen=True)
class Subject:
    """What notifications are about: a feature's row by type and id, ``Subject("wish", 42)``."""

    type: str
    id: int


@dataclass(frozen=True)
class Message:
    """One kind of news, already worded, for some people (None entries are skipped)."""

    kind: str
    recipients: Sequence[int | None]
    title: str
    body: str


def notify(
    subject: Subject,
    messages: Sequence[Message],
    context: dict,
    *,
    event: str,
    actor_id: int | None = None,
    at: datetime | None = None,
) -> list[int]:
    """Write the inbox rows for one ``event`` about ``subject`` (and an outbox row for each kind
    with a subscribe template in ``WECHAT_SUBSCRIBE_TEMPLATES``); returns the inbox rows' ids.

    ``event`` names what happened, unique across features (``"wish_event:42"``). The actor is
    never told of their own action, and each person hears of one event once: the first message
    that reaches them wins (so list personal audiences first), and the database's unique
    (event, person) keeps it so whatever retries do. ``context`` fills the template keywords,
    with ``time`` (``at``), ``headline`` and ``body`` added here.

    The inbox rows go in one multi-row INSERT and their outbox rows in another: rows, not ORM
    objects, as nothing in the request reads them back.
    """
    heard = {actor_id} if actor_id is not None else set()
    recipients = []
    for message in messages:
        registry.check(message.kind, subject.type)
        for user_id in message.recipients:
            if user_id is not None and user_id not in heard:
                heard.add(user_id)
                recipients.append((message, user_id))
    if not recipients:
        return []

    at = at or clock.now()
    inbox = [
        {
            "user_id": user_id,
            "kind": message.kind,
            "subject_type": subject.type,
            "subject_id": subject.id,
            "event_key": event,
            "title": templates.cut(message.title, TITLE_LIMIT),
            "body": templates.cut(message.body, BODY_LIMIT),
            "created_at": at,
        }
        for message, user_id in recipients
    ]
    # A list of rows is sent as one multi-row INSERT (SQLAlchemy's "insertmanyvalues"), whose
    # statement is compiled once per row count: an INSERT … VALUES of the rows themselves
    # would be compiled anew for every call.
    written = db.session.execute(_INSERT_INBOX, inbox)
    ids = dict(written.all())  # by person, whatever order the rows come back in

    subscribe = current_app.config["WECHAT_SUBSCRIBE_TEMPLATES"]
    outbox = [
        {
            "notification_id": ids[row["user_id"]],
            "user_id": row["user_id"],
            "template_id": spec["template_id"],
            "page": templates.render_page(spec.get("page"), subject.type, subject.id),
            "data": templates.render_data(
                spec["data"], {**context, "time": at, "headline": row["title"], "body": row["body"]}
            ),
            "status": "pending",
            "next_attempt_at": at,
            "created_at": at,
            "updated_at": at,
        }
        for row in inbox
        if (spec := subscribe.get(row["kind"]))
    ]
    if outbox:
        db.session.execute(_INSERT_OUTBOX, outbox)
    return [ids[row["user_id"]] for row in inbox]


def mark_read(user: User, *, ids: list[int] | None = None) -> int:
    """Mark the caller's own notifications read: those in ``ids``, or all when ``ids`` is None.
    Other people's ids are ignored. Returns how many changed from unread to read."""
    statement = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        statement = statement.where(Notification.id.in_(ids))
    result = db.session.execute(statement.values(read_at=clock.now()).execution_options(synchronize_session=False))
    return result.rowcount


def record_subscriptions(user: User, template_ids: list[str]) -> None:
    """One credit per template the person just accepted in ``wx.requestSubscribeMessage``."""
    configured = configured_templates()
    unknown = {index: ["未配置的订阅消息模板"] for index, tid in enumerate(template_ids) if tid not in configured}
    if unknown:
        raise Unprocessable("订阅消息模板无效", details={"template_ids": unknown})
    now = clock.now()
    table = SubscribeCredit.__table__
    for template_id in sorted(set(template_ids)):  # one order everywhere: no lock cycles
        insert_ignoring_duplicates(table, user_id=user.id, template_id=template_id, credits=0, updated_at=now)
        db.session.execute(
            update(SubscribeCredit)
            .where(SubscribeCredit.user_id == user.id, SubscribeCredit.template_id == template_id)
            .values(credits=SubscribeCredit.credits + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
