"""Who hears what of a service post: the member a staff member appointed to one."""

from server.notifications import registry
from server.notifications.operations import Message, Subject, notify

SUBJECT = "service_post"
APPOINTED = "post_appointed"

registry.register(SUBJECT, kinds=(APPOINTED,))


def notify_appointed(post, holder_id: int, member_id: int, staff_id: int) -> None:
    body = f"网格员安排您担任「{post.title}」（{post.kind_name}），请按岗位职责开展服务。"
    message = Message(APPOINTED, [member_id], "您已上岗", body)
    notify(Subject(SUBJECT, post.id), [message], {}, event=f"post_holder:{holder_id}", actor_id=staff_id)
