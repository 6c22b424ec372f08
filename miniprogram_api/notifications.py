"""The inbox and the subscribe-message acceptances (DESIGN §2 Notification; issue 3)."""

from miniprogram_api.blueprint import Blueprint, current_user
from miniprogram_api.schemas.notifications import (
    MarkReadResultSchema,
    MarkReadSchema,
    NotificationListQuery,
    NotificationListSchema,
    SubscriptionListSchema,
    SubscriptionsSchema,
    notification_json,
)
from server.notifications import operations, queries
from server.wishes.notifications import SUBJECT as WISH

blp = Blueprint("notifications", __name__, url_prefix="/api/v1", description="Inbox and subscribe messages")


@blp.route("/notifications")
@blp.login_required
@blp.arguments(NotificationListQuery, location="query")
@blp.response(200, NotificationListSchema)
def inbox(args):
    """The caller's notifications, newest first; ``unread=true`` for those not read yet."""
    rows, next_cursor = queries.inbox(current_user().id, **args)
    return blp.json({"items": [notification_json(row, _wish_id(row)) for row in rows], "next_cursor": next_cursor})


@blp.route("/notifications/read", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(MarkReadSchema)
@blp.response(200, MarkReadResultSchema)
@blp.errors(400)
def mark_read(body):
    """Mark notifications read: ``{"ids": [...]}`` (the caller's own) or ``{"all": true}``."""
    user = current_user()
    marked = operations.mark_read(user, ids=body.get("ids"))
    return {"marked": marked, "unread_notifications": queries.unread_count(user.id)}


@blp.route("/me/subscriptions")
@blp.login_required
@blp.response(200, SubscriptionListSchema)
def subscriptions():
    """The subscribe templates the mini-program may ask for, and the caller's unspent credits."""
    return {"items": queries.subscriptions(current_user().id), "next_cursor": None}


@blp.route("/me/subscriptions", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(SubscriptionsSchema)
@blp.response(200, SubscriptionListSchema)
@blp.errors(400)
def accept_subscriptions(body):
    """Record the templates accepted in one ``wx.requestSubscribeMessage``: one send each."""
    operations.record_subscriptions(current_user(), body["template_ids"])
    return {"items": queries.subscriptions(current_user().id), "next_cursor": None}


def _wish_id(row) -> int | None:
    """An inbox row as the mini-program has always read it: ``wish_id`` names the wish the news
    is about (None for news about anything else)."""
    return row.subject_id if row.subject_type == WISH else None
