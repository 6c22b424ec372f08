"""The ``idempotency_purge`` job: answers remembered longer than IDEMPOTENCY_RETENTION_SECONDS
are deleted, so the table (every row a whole response body) holds about one window of POSTs.

A key sent again after its answer was purged is a new request and does its work anew; the
window is far longer than any retry on a weak network. Batches of ``BATCH_SIZE`` rows, oldest
first through the created_at index, each committed: a purge after a long pause never holds one
long transaction (on SQLite, the write lock) over thousands of rows.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from server.core.extensions import db
from server.idempotency.models import IdempotencyRecord

BATCH_SIZE = 500


def idempotency_purge(now: datetime) -> int:
    """Delete the answers remembered before the window; returns how many."""
    cutoff = now - timedelta(seconds=current_app.config["IDEMPOTENCY_RETENTION_SECONDS"])
    oldest = (
        select(IdempotencyRecord.id)
        .where(IdempotencyRecord.created_at < cutoff)
        .order_by(IdempotencyRecord.created_at)
        .limit(BATCH_SIZE)
    )
    purged = 0
    while True:
        deleted = db.session.execute(
            delete(IdempotencyRecord)
            .where(IdempotencyRecord.id.in_(oldest))
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        purged += deleted
        if deleted < BATCH_SIZE:
            return purged
