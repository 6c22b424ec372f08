"""The outbox sender as a job: one pass of server.notifications.sender.send_due."""

from datetime import datetime

from flask import current_app

from server.notifications.sender import send_due

# The outcomes that changed a row (claimed is not one: every claimed row ends in one of these).
TOUCHED = ("sent", "retry", "failed", "refused", "no_credit")


def outbox_send(now: datetime) -> int:
    """Send what is due (the sender reads its own clock and commits per step); rows touched."""
    if not current_app.config["WECHAT_API_BASE"]:
        raise RuntimeError("WECHAT_API_BASE is empty: no WeChat (or fake) to send to")
    counts = send_due()
    return sum(counts.get(key, 0) for key in TOUCHED)
