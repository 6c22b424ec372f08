"""Content security for what residents write and the photos they upload, that others will see.
The one module that asks WeChat's content checks.

A local banned-word list (config BANNED_WORDS) is checked first and costs no call; words are
matched in ``server.core.text.compact`` form (letters and digits only), so spaces, punctuation or
invisible characters put between the characters of a word do not hide it. Then WeChat's
msg_sec_check v2. ``risky`` refuses the text (422 naming the field); ``review`` or WeChat being
unreachable lets it through but tells the caller a person must look (a wish then waits in
``pending_review``): nothing a resident wrote is lost because WeChat was down.

Call it before the request writes anything: a token refresh commits on its own connection,
and on SQLite that waits for any write lock the request already holds.

Photos are checked asynchronously (media_check_async): ``submit_image_check`` answers a
trace_id at once and the verdict arrives later, pushed to /wechat/push (server/uploads).
"""

import logging
from typing import TYPE_CHECKING

from flask import current_app

from server.core.errors import Unprocessable
from server.core.text import compact
from server.wechat import client as wechat
from server.wechat.errors import WeChatError

if TYPE_CHECKING:  # for the annotation only: content checks need the author's openid, not accounts
    from server.accounts.models import User

log = logging.getLogger(__name__)

# msg_sec_check scenes.
SCENE_COMMENT = 2
SCENE_FORUM = 3

RISKY_MESSAGE = "内容含有不适宜发布的信息，请修改后再提交"


def _refuse(*fields: str):
    return Unprocessable(RISKY_MESSAGE, code="content_risky", details={name: [RISKY_MESSAGE] for name in fields})


def check(author: "User", scene: int, **texts: str | None) -> bool:
    """Check the named texts; True when they may be shown at once, False when a person must look.

    Raises 422 ``content_risky`` naming the field(s). The texts go to WeChat in one call (the
    first as its title when there are two), so a post costs one check however many fields it has.
    """
    present = {name: text for name, text in texts.items() if text}
    if not present:
        return True
    banned = [word for word in map(compact, current_app.config["BANNED_WORDS"]) if word]
    for name, text in present.items():
        letters = compact(text)
        if any(word in letters for word in banned):
            raise _refuse(name)
    names = list(present)
    title = present[names[0]] if len(names) > 1 else None
    content = "\n".join(present[name] for name in names[1:]) if title else present[names[0]]
    try:
        verdict = wechat.check_text(content, openid=author.openid, scene=scene, title=title)
    except WeChatError as exc:
        log.warning("content check unavailable (%s): holding for a person to review", exc)
        return False
    if verdict == "risky":
        raise _refuse(*names)
    return verdict == "pass"


def submit_image_check(media_url: str, *, openid: str) -> str | None:
    """Ask WeChat to check the image at ``media_url`` (a link it can fetch without our token):
    its trace_id, or None when WeChat could not be reached."""
    try:
        return wechat.check_media_async(media_url, openid=openid, scene=SCENE_FORUM)
    except WeChatError as exc:
        log.warning("image check unavailable (%s)", exc)
        return None
