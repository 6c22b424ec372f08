"""Who hears of a practical matter: its followers, of each progress note."""

from sqlalchemy import bindparam, select

from server.core.extensions import db
from server.notifications import registry
from server.notifications.operations import Message, Subject, notify
from server.units.models import MATTER_STATUSES, MatterFollower

SUBJECT = "practical_matter"
NOTE_IN_BODY = 60
KINDS = ("matter_progress",)
VALUE_SOURCES = ("title", "status", "note")

registry.register(SUBJECT, kinds=KINDS, value_sources=VALUE_SOURCES)

_FOLLOWER_IDS = (
    select(MatterFollower.user_id)
    .where(MatterFollower.matter_id == bindparam("matter_id"))
    .order_by(MatterFollower.user_id)
)


def notify_followers(matter, note: dict) -> list[int]:
    """One inbox row per follower (the author excepted) for a new progress note."""
    followers = list(db.session.scalars(_FOLLOWER_IDS, {"matter_id": matter.id}))
    if not followers:
        return []
    text = " ".join(note["body"].split())
    context = {
        "title": matter.title,
        "status": MATTER_STATUSES[note["status"] or matter.status],
        "note": text if len(text) <= NOTE_IN_BODY else text[: NOTE_IN_BODY - 1] + "…",
    }
    moved = f"（{context['status']}）" if note["status"] else ""
    message = Message(
        "matter_progress",
        followers,
        "实事项目有新进展",
        "您关注的实事「{title}」有新进展{moved}：{note}".format(moved=moved, **context),
    )
    return notify(
        Subject(SUBJECT, matter.id),
        [message],
        context,
        event=f"matter_note:{note['id']}",
        actor_id=note["author_id"],
        at=note["created_at"],
    )
