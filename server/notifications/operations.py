"""State changes of notifications: write them for a wish event, mark them read, record the
subscribe acceptances a person gave. Functions flush; the request or job commits."""

from flask import current_app
from sqlalchemy import select, update

from server import clock
from server.accounts.models import RoleGrant, User
from server.areas.models import Area, path_ids
from server.dbtypes import insert_ignoring_duplicates
from server.errors import Unprocessable
from server.extensions import db
from server.notifications import templates
from server.notifications.models import Notification, OutboxMessage, SubscribeCredit
from server.notifications.queries import configured_templates
from server.notifications.templates import CLAIMER, COMMUNITY_ADMINS, FORMER_CLAIMER, GRID_WORKERS, OWNER, RULES
from server.wishes.models import Wish, WishEvent

NOTE_IN_BODY = 60  # characters of a reason or comment quoted in a notification


def notify_wish_event(wish: Wish, event: WishEvent) -> list[Notification]:
    """Write the inbox rows (and outbox rows where a template is configured) for ``event``.

    Runs inside the transition's transaction; the actor is never told of their own action,
    and each person hears of one event once.
    """
    rules = [rule for rule in RULES.get(event.action, ()) if rule.applies(event)]
    if not rules:
        return []
    heard = {event.actor_id} if event.actor_id is not None else set()
    recipients = []
    for rule in rules:
        for user_id in _audience(rule.audience, wish, event):
            if user_id is not None and user_id not in heard:
                heard.add(user_id)
                recipients.append((rule, user_id))
    if not recipients:
        return []

    context = _context(wish, event)
    subscribe = current_app.config["WECHAT_SUBSCRIBE_TEMPLATES"]
    notifications = []
    for rule, user_id in recipients:
        title, body = rule.render(context)
        notification = Notification(
            user_id=user_id,
            kind=rule.kind,
            wish_id=wish.id,
            event_id=event.id,
            title=title,
            body=body,
            created_at=event.created_at,
        )
        db.session.add(notification)
        notifications.append(notification)
        spec = subscribe.get(rule.kind)
        if spec:
            db.session.add(
                OutboxMessage(
                    notification=notification,
                    user_id=user_id,
                    template_id=spec["template_id"],
                    page=templates.render_page(spec.get("page"), wish.id),
                    data=templates.render_data(spec["data"], {**context, "headline": title, "body": body}),
                    status="pending",
                    next_attempt_at=event.created_at,
                    created_at=event.created_at,
                    updated_at=event.created_at,
                )
            )
    db.session.flush()
    return notifications


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


# -- who and what ---------------------------------------------------------------------------


def _audience(audience: str, wish: Wish, event: WishEvent) -> list[int | None]:
    if audience == OWNER:
        return [wish.owner_id]
    if audience == CLAIMER:
        return [wish.claimer_id]
    if audience == FORMER_CLAIMER:
        return [event.previous_claimer_id]
    if audience == GRID_WORKERS:
        return _grid_worker_ids(wish)
    if audience == COMMUNITY_ADMINS:
        return _community_admin_ids(wish)
    raise ValueError(f"unknown audience {audience!r}")


def _grid_worker_ids(wish: Wish) -> list[int]:
    """Holders of a grid worker grant on the wish's grid or a node above it."""
    area_ids = path_ids(wish.area_path)
    return list(
        db.session.scalars(
            select(RoleGrant.user_id)
            .where(RoleGrant.role == "grid_worker", RoleGrant.area_id.in_(area_ids))
            .distinct()
            .order_by(RoleGrant.user_id)
        )
    )


def _community_admin_ids(wish: Wish) -> list[int]:
    """Holders of an admin grant on the community node above the wish's grid."""
    area_ids = path_ids(wish.area_path)
    return list(
        db.session.scalars(
            select(RoleGrant.user_id)
            .join(Area, Area.id == RoleGrant.area_id)
            .where(RoleGrant.role == "admin", RoleGrant.area_id.in_(area_ids), Area.level == "community")
            .distinct()
            .order_by(RoleGrant.user_id)
        )
    )


def _context(wish: Wish, event: WishEvent) -> dict:
    actor = db.session.get(User, event.actor_id) if event.actor_id is not None else None
    claimer = db.session.get(User, wish.claimer_id) if wish.claimer_id is not None else None
    note = " ".join((event.note or "").split())
    return {
        "number": wish.number or "",
        "title": wish.title,
        "category": wish.category_name,
        "status": templates.STATUS_NAMES.get(event.to_status, event.to_status),
        "time": event.created_at,
        "note": (note if len(note) <= NOTE_IN_BODY else note[: NOTE_IN_BODY - 1] + "…") or "无",
        "actor": actor.nickname if actor else "系统",
        "claimer": claimer.nickname if claimer else "",
        "stars": wish.stars or "",
        "resolution": templates.RESOLUTION_NAMES.get(wish.resolution or "", "已关闭"),
    }
