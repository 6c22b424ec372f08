"""Who hears what of a pledge: its member, when the grid worker assesses it."""

from server.notifications import registry
from server.notifications.operations import Message, Subject, notify

SUBJECT = "pledge"
ASSESSED = "pledge_assessed"

registry.register(SUBJECT, kinds=(ASSESSED,))

_BODIES = {
    "kept": "您{year}年的承诺已评定为「已践诺」，获得{points}积分。评语：{note}",
    "not_kept": "您{year}年的承诺评定为「未践诺」。评语：{note}",
}


def notify_assessed(pledge, *, points: int) -> None:
    body = _BODIES[pledge.status].format(year=pledge.year, points=points, note=pledge.assessment_note or "无")
    message = Message(ASSESSED, [pledge.user_id], "承诺践诺评定结果", body)
    notify(
        Subject(SUBJECT, pledge.id),
        [message],
        {},
        event=f"pledge_assessed:{pledge.id}",
        actor_id=pledge.assessed_by,
        at=pledge.assessed_at,
    )
