from server.core import clock
from server.core.dbtypes import ignoring_duplicates
from server.core.extensions import db
from server.points.models import PointEntry

_LEDGER = PointEntry.__table__


def award(user_id: int, delta: int, reason: str, source: str) -> bool:
    """Add a ledger entry once per (user, reason, source); False when it already exists."""
    return award_all(user_id, source, {reason: delta}) == 1


def award_all(user_id: int, source: str, deltas: dict[str, int]) -> int:
    """One ledger entry per reason -> delta for one source, in one INSERT; each at most once
    per (user, reason, source), whatever retries and races do. Returns how many were new."""
    now = clock.now()
    rows = [
        {"user_id": user_id, "delta": delta, "reason": reason, "source": source, "created_at": now}
        for reason, delta in deltas.items()
    ]
    # Rows as parameters: one multi-row statement, compiled once.
    statement = ignoring_duplicates(_LEDGER, db.session.get_bind().dialect.name)
    return len(db.session.execute(statement, rows).all())
