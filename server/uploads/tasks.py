"""The media_recheck job: photos whose image check never came back are submitted again.

A photo stays ``checking`` when WeChat could not be reached at upload time (no trace_id), or
when its verdict never arrived (WeChat answers within about 30 minutes; a push that came
before our commit found no upload and was dropped). The first kind is retried after
MEDIA_CHECK_RETRY_SECONDS, the second after MEDIA_CHECK_VERDICT_WAIT_SECONDS, each photo at
most MEDIA_CHECK_MAX_ATTEMPTS times in all (then it stays ``checking`` and visible, as a photo
whose check is pending is, and a warning is logged).

WeChat is asked outside any transaction (SQLite has one writer, and the token cache writes on
its own connection); the new trace ids are written afterwards, only for photos still checking.
"""

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from server.accounts.models import User
from server.core.extensions import db
from server.uploads.models import Upload
from server.uploads.operations import submit_check
from server.uploads.storage import get_storage

log = logging.getLogger(__name__)

# Each photo costs one WeChat call; a run sends at most this many and the next run goes on.
BATCH = 50


def media_recheck(now: datetime) -> int:
    config = current_app.config
    retry_before = now - timedelta(seconds=config["MEDIA_CHECK_RETRY_SECONDS"])
    verdict_before = now - timedelta(seconds=config["MEDIA_CHECK_VERDICT_WAIT_SECONDS"])
    due = db.session.execute(
        select(Upload.id, Upload.storage_key, Upload.check_attempts, User.openid)
        .join(User, User.id == Upload.owner_id)
        .where(
            Upload.status == "checking",
            Upload.check_attempts < config["MEDIA_CHECK_MAX_ATTEMPTS"],
            or_(
                Upload.check_submitted_at.is_(None),
                and_(Upload.trace_id.is_(None), Upload.check_submitted_at < retry_before),
                and_(Upload.trace_id.is_not(None), Upload.check_submitted_at < verdict_before),
            ),
        )
        .order_by(Upload.created_at)
        .limit(BATCH)
    ).all()
    db.session.rollback()  # end the read before WeChat is asked
    if not due:
        return 0
    try:
        storage = get_storage()
        urls = {row.id: storage.url(row.storage_key) for row in due}
    except RuntimeError as exc:  # PUBLIC_BASE_URL unset outside a request: WeChat could not fetch
        log.warning("media_recheck: %d photo(s) wait: %s", len(due), exc)
        return 0
    trace_ids = {row.id: submit_check(urls[row.id], row.openid, row.id) for row in due}
    for upload_id, trace_id in trace_ids.items():
        values = {"check_attempts": Upload.check_attempts + 1, "check_submitted_at": now}
        if trace_id is not None:  # a failed try keeps the earlier trace: its verdict may still come
            values["trace_id"] = trace_id
        db.session.execute(update(Upload).where(Upload.id == upload_id, Upload.status == "checking").values(**values))
    for row in due:
        if row.check_attempts + 1 >= config["MEDIA_CHECK_MAX_ATTEMPTS"]:
            log.warning("media_recheck: upload %s sent for the last time; if no verdict comes it stays", row.id)
    return len(trace_ids)
