"""The scheduled sweeps of the wish lifecycle (DESIGN §3 defaults, issue 4).

Each ``<job id>(now) -> int`` finds the overdue wishes of one status through the index on
(status, status_since) and locks them with a conditional UPDATE that repeats the due
condition; the transition itself is the lifecycle's own (``operations.release_overdue``,
``confirm_silent``, ``remind``), so a rule lives in one place. A second run, or a concurrent
one, finds nothing left to move: the conditions no longer hold, and the ledger's unique key
keeps every award single. The windows are each community's (server/areas/rules.py): the
few overrides are read once per run and written into the statements as per-community cutoffs.

Batches of ``BATCH_SIZE`` rows; every batch begins with a write, so on SQLite the run takes
the write lock before it reads, and on PostgreSQL a concurrent run waits on the locked rows
and then re-checks the condition. Every batch commits: a run over thousands of rows (after an
outage, say) holds its locks — on SQLite the one write lock of the whole district — for one
batch at a time, not for minutes, and a run that fails keeps the batches it finished, each
whole; the next run carries on from there.
"""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import aliased

from server.areas.rules import Cutoffs, cutoffs
from server.core.extensions import db
from server.wishes import operations
from server.wishes.models import Wish

BATCH_SIZE = 500


def review_overdue(now: datetime) -> int:
    """``pending_review`` past the review window: tell the grid workers and the community admin."""
    return _remind(
        now, "pending_review", "review_window_seconds", Wish.review_reminded_at, "review_overdue", "超过审核时限"
    )


def unclaimed_escalation(now: datetime) -> int:
    """``open`` past the escalation window: tell the grid workers; once per open period."""
    return _remind(
        now, "open", "unclaimed_escalation_seconds", Wish.escalated_at, "escalate", "长时间无人认领，已上报网格员"
    )


def claim_reminder(now: datetime) -> int:
    """``claimed`` past the reminder window: remind the claimer; once per claim."""
    return _remind(now, "claimed", "claim_reminder_seconds", Wish.reminded_at, "claim_reminder", "已提醒认领人尽快完成")


def claim_timeout(now: datetime) -> int:
    """``claimed`` past the timeout: back to ``open`` by the system, −2 points to the claimer."""
    return _sweep(now, "claimed", "claim_timeout_seconds", operations.release_overdue)


def auto_confirm(now: datetime) -> int:
    """``fulfilled`` past the confirm window: ``confirmed`` by the system, base points only."""
    return _sweep(now, "fulfilled", "confirm_window_seconds", operations.confirm_silent)


# -- shared steps ---------------------------------------------------------------------------


def _sweep(now: datetime, status: str, window: str, move: Callable) -> int:
    """Lock each batch of due wishes (a write that changes nothing visible: the SQLite write
    lock, PostgreSQL row locks; RETURNING loads them as they are before the move), move them
    with ``move``, commit."""
    cutoff = cutoffs(window, now)
    moved = 0
    while True:
        locked = _lock(now, _due(Wish, status, cutoff), _due_ids(status, cutoff))
        moved += len(move(locked, now))
        db.session.commit()
        if len(locked) < BATCH_SIZE:
            return moved


def _remind(now: datetime, status: str, window: str, mark, action: str, note: str) -> int:
    """Set ``mark`` on the overdue rows not yet marked in this stay, and write one timeline
    event (with its notifications) for each row marked by this run."""
    cutoff = cutoffs(window, now)
    due = (*_due(Wish, status, cutoff), _not_marked(Wish, mark))
    marked_total = 0
    while True:
        marked = _lock(now, due, _due_ids(status, cutoff, mark), {mark: now})
        operations.remind(marked, action=action, note=note)
        db.session.commit()
        marked_total += len(marked)
        if len(marked) < BATCH_SIZE:
            return marked_total


def _lock(now: datetime, due: tuple, ids, values: dict | None = None) -> list[Wish]:
    """One batch of ``ids`` that are still ``due``, written (``values``, or just updated_at)
    and loaded in one round trip, in id order."""
    return sorted(
        db.session.scalars(
            update(Wish)
            .where(Wish.id.in_(ids), *due)
            .values(values or {Wish.updated_at: now})
            .returning(Wish)
            .execution_options(synchronize_session=False, populate_existing=True)
        ),
        key=lambda wish: wish.id,
    )


def _due(wish, status: str, cutoff: Cutoffs) -> tuple:
    """In ``status`` past its community's window (``wish``: the Wish entity or an alias)."""
    return (wish.status == status, cutoff.condition(wish.status_since, wish.area_path))


def _due_ids(status: str, cutoff: Cutoffs, mark=None):
    """One batch of overdue ids, oldest first, read through (status, status_since); with
    ``mark``, only rows not yet marked in their current stay."""
    candidate = aliased(Wish)
    query = select(candidate.id).where(*_due(candidate, status, cutoff))
    if mark is not None:
        query = query.where(_not_marked(candidate, mark))
    return query.order_by(candidate.status_since, candidate.id).limit(BATCH_SIZE)


def _not_marked(wish, mark):
    """The mark is unset or older than the current stay in the status (``wish``: the Wish
    entity or an alias of it)."""
    wish_mark = getattr(wish, mark.key)
    return or_(wish_mark.is_(None), wish_mark < wish.status_since)
