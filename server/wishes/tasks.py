"""The scheduled sweeps of the wish lifecycle (DESIGN §3 defaults, issue 4).

Each ``<job id>(now) -> int`` finds the overdue wishes of one status through the index on
(status, status_since), moves or marks them with conditional UPDATEs that repeat the due
condition, and writes timeline events, notifications and points for exactly the rows that
UPDATE returned. A second run, or a concurrent one, finds nothing left to move: the
conditions no longer hold, and the ledger's unique key keeps every award single.

Batches of ``BATCH_SIZE`` rows; every batch begins with a write, so on SQLite the run takes
the write lock before it reads, and on PostgreSQL a concurrent run waits on the locked rows
and then re-checks the condition. Every batch commits: a run over thousands of rows (after an
outage, say) holds its locks — on SQLite the one write lock of the whole district — for one
batch at a time, not for minutes, and a run that fails keeps the batches it finished, each
whole; the next run carries on from there.
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import aliased

from server import clock
from server.extensions import db
from server.points.operations import award
from server.wishes.models import Wish
from server.wishes.operations import _award_completion, _record, entering

BATCH_SIZE = 500


def review_overdue(now: datetime) -> int:
    """``pending_review`` past the review window: tell the grid workers and the community admin."""
    return _remind(
        "pending_review",
        _cutoff(now, "REVIEW_WINDOW_SECONDS"),
        Wish.review_reminded_at,
        now,
        action="review_overdue",
        note="超过审核时限",
    )


def unclaimed_escalation(now: datetime) -> int:
    """``open`` past the escalation window: tell the grid workers; once per open period."""
    return _remind(
        "open",
        _cutoff(now, "UNCLAIMED_ESCALATION_SECONDS"),
        Wish.escalated_at,
        now,
        action="escalate",
        note="长时间无人认领，已上报网格员",
    )


def claim_reminder(now: datetime) -> int:
    """``claimed`` past the reminder window: remind the claimer; once per claim."""
    return _remind(
        "claimed",
        _cutoff(now, "CLAIM_REMINDER_SECONDS"),
        Wish.reminded_at,
        now,
        action="claim_reminder",
        note="已提醒认领人尽快完成",
    )


def claim_timeout(now: datetime) -> int:
    """``claimed`` past the timeout: back to ``open`` by the system, −2 points to the claimer
    (ledger source names the claim), claimer and resident told."""
    cutoff = _cutoff(now, "CLAIM_TIMEOUT_SECONDS")
    due = (Wish.status == "claimed", Wish.status_since <= cutoff)
    penalty = -current_app.config["POINTS_CLAIM_TIMEOUT_PENALTY"]
    moved = 0
    while True:
        # First a write that changes nothing visible: it locks the batch (the SQLite write
        # lock; PostgreSQL row locks) and returns the claim each row holds before release.
        held = db.session.execute(
            update(Wish)
            .where(Wish.id.in_(_due_ids("claimed", cutoff)), *due)
            .values(updated_at=now)
            .returning(Wish.id, Wish.claimer_id, Wish.claimed_at)
            .execution_options(synchronize_session=False)
        ).all()
        if not held:
            return moved
        claims = {row.id: (row.claimer_id, row.claimed_at) for row in held}
        released = db.session.scalars(
            update(Wish)
            .where(Wish.id.in_(list(claims)), *due)
            .values(**entering("open", now), claimer_id=None, claimed_at=None)
            .returning(Wish.id)
            .execution_options(synchronize_session=False)
        ).all()
        for wish in _load(released):
            claimer_id, claimed_at = claims[wish.id]
            _record(wish, None, "release", "claimed", "open", "认领超时，系统自动释放", previous_claimer_id=claimer_id)
            if claimer_id is not None:
                award(claimer_id, penalty, "claim_timeout", claim_source(wish.id, claimed_at))
        db.session.commit()
        moved += len(released)
        if len(held) < BATCH_SIZE:
            return moved


def auto_confirm(now: datetime) -> int:
    """``fulfilled`` past the confirm window: ``confirmed`` by the system, base points only."""
    cutoff = _cutoff(now, "CONFIRM_WINDOW_SECONDS")
    moved = 0
    while True:
        confirmed = db.session.scalars(
            update(Wish)
            .where(Wish.id.in_(_due_ids("fulfilled", cutoff)), Wish.status == "fulfilled", Wish.status_since <= cutoff)
            .values(**entering("confirmed", now), confirmed_at=now)
            .returning(Wish.id)
            .execution_options(synchronize_session=False)
        ).all()
        for wish in _load(confirmed):
            _record(wish, None, "confirm", "fulfilled", "confirmed", "超过确认期限，系统自动确认")
            _award_completion(wish)  # no stars: the base points only
        db.session.commit()
        moved += len(confirmed)
        if len(confirmed) < BATCH_SIZE:
            return moved


def claim_source(wish_id: int, claimed_at: datetime) -> str:
    """The ledger source of one claim: a later claim of the same wish is a different source."""
    return f"claim:{wish_id}:{int(claimed_at.timestamp())}"


# -- shared steps ---------------------------------------------------------------------------


def _cutoff(now: datetime, key: str) -> datetime:
    return now - clock.seconds(current_app.config[key])


def _due_ids(status: str, cutoff: datetime, mark=None):
    """One batch of overdue ids, oldest first, read through (status, status_since); with
    ``mark``, only rows not yet marked in their current stay."""
    candidate = aliased(Wish)
    query = select(candidate.id).where(candidate.status == status, candidate.status_since <= cutoff)
    if mark is not None:
        query = query.where(_not_marked(candidate, mark))
    return query.order_by(candidate.status_since, candidate.id).limit(BATCH_SIZE)


def _not_marked(wish, mark):
    """The mark is unset or older than the current stay in the status (``wish``: the Wish
    entity or an alias of it)."""
    wish_mark = getattr(wish, mark.key)
    return or_(wish_mark.is_(None), wish_mark < wish.status_since)


def _remind(status: str, cutoff: datetime, mark, now: datetime, *, action: str, note: str) -> int:
    """Set ``mark`` on the overdue rows not yet marked in this stay, and write one timeline
    event (with its notifications) for each row marked by this run."""
    marked_total = 0
    while True:
        marked = db.session.scalars(
            update(Wish)
            .where(
                Wish.id.in_(_due_ids(status, cutoff, mark)),
                Wish.status == status,
                Wish.status_since <= cutoff,
                _not_marked(Wish, mark),
            )
            .values({mark: now})
            .returning(Wish.id)
            .execution_options(synchronize_session=False)
        ).all()
        for wish in _load(marked):
            _record(wish, None, action, status, status, note)
        db.session.commit()
        marked_total += len(marked)
        if len(marked) < BATCH_SIZE:
            return marked_total


def _load(ids: list[int]) -> list[Wish]:
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Wish).where(Wish.id.in_(ids)).order_by(Wish.id).execution_options(populate_existing=True)
        )
    )
