"""The ``contact_purge`` job: the phone number and address of a wish are kept while someone may
need to reach the resident, and for ``PII_RETENTION_DAYS`` (180) after the wish ended (closed,
confirmed, cancelled or rejected) for follow-up and complaints; then they are removed. The wish
stays for the statistics. Batches of ``BATCH_SIZE``, each committed, as the other purges."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from server.core.extensions import db
from server.wishes.models import Wish

BATCH_SIZE = 500


def ended_before(cutoff: datetime):
    """Wishes whose life ended before ``cutoff``: nobody will reach the resident about them."""
    return or_(
        Wish.closed_at < cutoff,
        and_(Wish.status == "confirmed", Wish.confirmed_at < cutoff),
        and_(Wish.status.in_(("cancelled", "rejected")), Wish.status_since < cutoff),
    )


def contact_purge(now: datetime) -> int:
    """Remove the contact of wishes ended more than the retention period ago; how many."""
    cutoff = now - timedelta(days=current_app.config["PII_RETENTION_DAYS"])
    due = select(Wish.id).where(ended_before(cutoff), or_(Wish.contact_phone != "", Wish.address != ""))
    purged = 0
    while True:
        changed = db.session.execute(
            update(Wish)
            .where(Wish.id.in_(due.limit(BATCH_SIZE).scalar_subquery()))
            .values(contact_phone="", address="")
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        purged += changed
        if changed < BATCH_SIZE:
            return purged
