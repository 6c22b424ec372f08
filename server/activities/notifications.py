"""Who hears what of an activity: a member moved up from the waitlist, and members whose
hours were credited. Each is one message to one person, written through the generic notify."""

from server.activities.models import Activity
from server.core import clock
from server.notifications import registry
from server.notifications.operations import Message, Subject, notify

SUBJECT = "activity"  # the subject type of an activity's notifications; pages may name {subject_id}
PROMOTED = "activity_waitlist_promoted"
CREDITED = "activity_hours_credited"

VALUE_SOURCES = (
    "activity_title",  # the activity's title
    "activity_time",  # when it starts (Asia/Shanghai, "12月3日 09:00")
    "activity_place",  # where it is
)

registry.register(SUBJECT, kinds=(PROMOTED, CREDITED), value_sources=VALUE_SOURCES)


def _context(activity: Activity) -> dict:
    return {
        "activity_title": activity.title,
        "activity_time": f"{clock.to_shanghai(activity.starts_at):%m月%d日 %H:%M}",
        "activity_place": activity.place,
    }


def notify_promoted(activity: Activity, *, user_id: int, signup_id: int, queued_at) -> None:
    """A place freed and the first on the waitlist holds it now. The key names the stay on the
    waitlist (its queue time), so a member promoted, withdrawn and promoted again hears twice."""
    context = _context(activity)
    title, starts, place = context["activity_title"], context["activity_time"], context["activity_place"]
    body = f"有人取消报名，您已从候补转为正式报名「{title}」，时间{starts}，地点{place}。"
    notify(
        Subject(SUBJECT, activity.id),
        [Message(PROMOTED, [user_id], "候补成功，已获得名额", body)],
        context,
        event=f"activity_promoted:{signup_id}:{int(queued_at.timestamp() * 1_000_000)}",
    )


def notify_credited(activity: Activity, credits: list[tuple[int, int, int]], *, actor_id: int | None) -> None:
    """The members credited at completion, each with their own hours and points
    (``credits``: user id, minutes, points); one event, the completion, once per member."""
    context = _context(activity)
    title = context["activity_title"]
    messages = [
        Message(
            CREDITED,
            [user_id],
            "志愿服务时长已记录",
            f"您参加的志愿服务活动「{title}」已记录服务时长 {format_hours(minutes)} 小时，积分 +{points}。",
        )
        for user_id, minutes, points in credits
    ]
    notify(
        Subject(SUBJECT, activity.id), messages, context, event=f"activity_completed:{activity.id}", actor_id=actor_id
    )


def format_hours(minutes: int) -> str:
    """Hours as people write them: 2, 1.5, 0.25."""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")
