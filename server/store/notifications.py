"""Who hears what of a redemption: the redeemer, when staff hand it over or cancel it."""

from server.core import clock
from server.notifications import registry
from server.notifications.operations import Message, Subject, notify

SUBJECT = "redemption"  # pages may name it {redemption_id}
NOTE_IN_BODY = 60  # characters of a cancel reason quoted in the notification

COLLECTED = "redemption_collected"
CANCELLED = "redemption_cancelled"

registry.register(SUBJECT, kinds=(COLLECTED, CANCELLED), value_sources=("title", "status", "note"))


def notify_collected(redemption, reward_title: str, actor_id: int) -> None:
    body = f"您兑换的「{reward_title}」已核销领取，感谢参与积分超市。"
    _tell_redeemer(
        redemption,
        actor_id,
        "collected",
        Message(COLLECTED, [redemption.user_id], "兑换已领取", body),
        {"title": reward_title, "status": "已领取", "note": "无"},
    )


def notify_cancelled(redemption, reward_title: str, actor_id: int) -> None:
    """Said only when someone other than the redeemer cancelled (notify never tells the actor)."""
    note = " ".join((redemption.cancel_reason or "").split())
    note = note if len(note) <= NOTE_IN_BODY else note[: NOTE_IN_BODY - 1] + "…"
    body = f"您兑换的「{reward_title}」已被取消，{redemption.price_points} 积分已退回。"
    if note:
        body += f"原因：{note}"
    _tell_redeemer(
        redemption,
        actor_id,
        "cancelled",
        Message(CANCELLED, [redemption.user_id], "兑换已取消", body),
        {"title": reward_title, "status": "已取消", "note": note or "无"},
    )


def _tell_redeemer(redemption, actor_id: int, event: str, message: Message, context: dict) -> None:
    notify(
        Subject(SUBJECT, redemption.id),
        [message],
        context,
        event=f"redemption_{event}:{redemption.id}",
        actor_id=actor_id,
        at=clock.now(),
    )
